"""Fiat-Shamir transcripts with explicit domain separation.

Every value absorbed is framed as ``I2OSP(len(label), 8) || label || I2OSP(len(data), 8) || data`` after a protocol
label, so no two different sequences of (label, data) pairs hash alike.  Challenges are derived with the BBS
``hash_to_scalar`` (draft-irtf-cfrg-bbs-signatures-09 section 4.4: expand_message_xmd SHA-256, 48 bytes mod r) under a
DST naming this library and the protocol, so a challenge of one protocol is never a challenge of another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from zkp.backend import G1, Backend
from zkp.backend.hash_to_field import R
from zkp.bbs.ciphersuites import BLS12_381_SHA_256, hash_to_scalar
from zkp.bbs.codec import i2osp8, i2osp_scalar

RandomBytes = Callable[[int], bytes]

DST_PREFIX = b"IIOTID-ZKP-SCHNORR-V1_"


def random_scalar(rng: RandomBytes) -> int:
    """A uniform scalar: 48 random bytes reduced mod r (bias < 2^-128, as the BBS draft's calculate_random_scalars)."""
    return int.from_bytes(rng(48), "big") % R


def frame(label: bytes, data: bytes) -> bytes:
    """``I2OSP(len(label), 8) || label || I2OSP(len(data), 8) || data``."""
    return i2osp8(len(label)) + label + i2osp8(len(data)) + data


class Transcript:
    """An append-only Fiat-Shamir transcript for one protocol run."""

    __slots__ = ("_backend", "_parts", "protocol")

    def __init__(self, protocol: bytes, backend: Backend | None = None) -> None:
        self.protocol = bytes(protocol)
        self._backend = backend
        self._parts: list[bytes] = [frame(b"protocol", self.protocol)]

    def append(self, label: bytes, data: bytes) -> None:
        self._parts.append(frame(label, bytes(data)))

    def append_point(self, label: bytes, point: G1) -> None:
        self.append_points(label, (point,))

    def append_points(self, label: bytes, points: Iterable[G1]) -> None:
        if self._backend is None:
            raise TypeError("this transcript was created without a backend and cannot absorb points")
        be = self._backend
        self.append(label, b"".join(be.g1_to_bytes(p) for p in points))

    def append_scalar(self, label: bytes, k: int) -> None:
        self.append(label, i2osp_scalar(k % R))

    def append_int(self, label: bytes, n: int) -> None:
        """A signed integer (a public bound) as length-prefixed two's complement, big-endian."""
        size = (n.bit_length() + 8) // 8
        self.append(label, n.to_bytes(size, "big", signed=True))

    def to_bytes(self) -> bytes:
        return b"".join(self._parts)

    def digest(self) -> bytes:
        """SHA-256 of the framed transcript (used as a presentation header or a request digest)."""
        return hashlib.sha256(self.to_bytes()).digest()

    def challenge(self, label: bytes = b"challenge") -> int:
        """The Fiat-Shamir challenge: hash_to_scalar(transcript, DST_PREFIX || protocol || label)."""
        return hash_to_scalar(self.to_bytes(), DST_PREFIX + self.protocol + b"_" + label, BLS12_381_SHA_256)
