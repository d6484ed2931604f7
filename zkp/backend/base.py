"""The BLS12-381 backend interface used by BBS and the Schnorr/ZK layers.

A backend is a stateless object whose methods operate on *opaque, backend-native* point objects (never mix points of
two backends).  Scalars are plain Python ``int`` values; a backend reduces them modulo r itself.  The BBS code only
ever talks to this interface, so a faster native library can be swapped in without touching the protocol code.

Encodings are the ZCash compressed format (draft-irtf-cfrg-pairing-friendly-curves appendix C, as profiled by
draft-irtf-cfrg-bbs-signatures appendix "Point Encoding"): 48 bytes for G1, 96 bytes for G2.  Decoding checks the
flag bits, that x < p, that the point is on the curve and that it is in the prime-order subgroup; it *returns* the
identity when the identity is encoded, and the caller decides whether the identity is acceptable (BBS rejects it for
public keys, signatures and proof points): pass ``allow_identity=False`` to make decoding reject it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, TypeAlias

from zkp.backend.hash_to_field import ExpandMessage, P, R, hash_to_field_fp
from zkp.errors import InvalidPoint

G1: TypeAlias = Any  # opaque backend-native G1 point
G2: TypeAlias = Any  # opaque backend-native G2 point

__all__ = ["G1", "G2", "Backend", "P", "R", "check_encoding_flags"]


def check_encoding_flags(data: bytes, size: int, group: str) -> bool:
    """Validate the three ZCash flag bits of a compressed encoding; return True when it encodes the identity.

    Raises :class:`InvalidPoint` on a wrong length, an uncompressed flag, the forbidden flag patterns 0x20/0x60/0xE0,
    or an infinity flag with a non-zero body.
    """
    if len(data) != size:
        raise InvalidPoint(f"a compressed {group} point is {size} bytes, got {len(data)}", code="invalidPointLength")
    m = data[0] & 0xE0
    if m in (0x20, 0x60, 0xE0) or not m & 0x80:
        raise InvalidPoint(f"{group} point has invalid encoding flags 0x{m:02x}")
    if m & 0x40:
        if data[0] & 0x1F or any(data[1:]):
            raise InvalidPoint(f"{group} identity encoding must be all zero after the flags")
        return True
    x = int.from_bytes(bytes([data[0] & 0x1F]) + data[1:], "big")
    if size == 48 and x >= P:
        raise InvalidPoint("G1 x coordinate is not below the field modulus")
    if size == 96 and (x >> 384 >= P or x & ((1 << 384) - 1) >= P):
        raise InvalidPoint("G2 x coordinate is not below the field modulus")
    return False


class Backend(ABC):
    """BLS12-381 group arithmetic, multi-scalar multiplication, pairing products, hashing to G1, encodings."""

    name: ClassVar[str]
    native: ClassVar[bool] = False

    def __init__(self) -> None:
        self._pinned: dict[int, tuple[G1, bytes]] = {}

    # -- long-lived points ------------------------------------------------------------------------------------------
    def pin_g1(self, p: G1) -> None:
        """Mark ``p`` as long-lived (a cached generator): its encoding is computed once and reused by
        :meth:`g1_encode`.  The backend keeps a reference, so the object's ``id`` stays unique."""
        self._pinned[id(p)] = (p, self.g1_to_bytes(p))

    def g1_encode(self, p: G1) -> bytes:
        """:meth:`g1_to_bytes`, served from the pin cache for pinned points."""
        hit = self._pinned.get(id(p))
        return hit[1] if hit is not None else self.g1_to_bytes(p)

    # -- G1 ---------------------------------------------------------------------------------------------------------
    @abstractmethod
    def g1_generator(self) -> G1:
        """BP1, the standard generator of G1."""

    @abstractmethod
    def g1_identity(self) -> G1: ...

    @abstractmethod
    def g1_add(self, a: G1, b: G1) -> G1: ...

    @abstractmethod
    def g1_neg(self, a: G1) -> G1: ...

    def g1_sub(self, a: G1, b: G1) -> G1:
        return self.g1_add(a, self.g1_neg(b))

    @abstractmethod
    def g1_mul(self, p: G1, k: int) -> G1:
        """``p * (k mod r)``."""

    @abstractmethod
    def g1_msm(self, points: Sequence[G1], scalars: Sequence[int]) -> G1:
        """``sum(points[i] * scalars[i])`` (identity for empty input). Lengths must match."""

    @abstractmethod
    def g1_eq(self, a: G1, b: G1) -> bool: ...

    def g1_is_identity(self, a: G1) -> bool:
        return self.g1_eq(a, self.g1_identity())

    @abstractmethod
    def g1_to_bytes(self, p: G1) -> bytes:
        """48-byte compressed encoding (point_to_octets_E1)."""

    @abstractmethod
    def g1_from_bytes(self, data: bytes, *, allow_identity: bool = True) -> G1:
        """octets_to_point_E1 followed by subgroup_check_G1; raises :class:`InvalidPoint`."""

    @abstractmethod
    def g1_map_to_curve(self, u: int) -> G1:
        """``clear_cofactor(map_to_curve(u))`` for u in GF(p): simplified SWU on the 11-isogenous curve, the
        isogeny map, then multiplication by h_eff (RFC 9380 sections 6.6.3, 7 and 8.8.1)."""

    def hash_to_g1(self, msg: bytes, dst: bytes, expand: ExpandMessage) -> G1:
        """RFC 9380 section 3 ``hash_to_curve`` (random oracle encoding) for G1 with any ``expand_message``.

        ``clear_cofactor(Q0 + Q1) == clear_cofactor(Q0) + clear_cofactor(Q1)`` because cofactor clearing is
        multiplication by the constant h_eff, so the sum of the two cleared maps is the RO output.
        """
        u0, u1 = hash_to_field_fp(msg, 2, dst, expand)
        return self.g1_add(self.g1_map_to_curve(u0), self.g1_map_to_curve(u1))

    # -- G2 ---------------------------------------------------------------------------------------------------------
    @abstractmethod
    def g2_generator(self) -> G2:
        """BP2, the standard generator of G2."""

    @abstractmethod
    def g2_identity(self) -> G2: ...

    @abstractmethod
    def g2_add(self, a: G2, b: G2) -> G2: ...

    @abstractmethod
    def g2_neg(self, a: G2) -> G2: ...

    @abstractmethod
    def g2_mul(self, p: G2, k: int) -> G2: ...

    @abstractmethod
    def g2_eq(self, a: G2, b: G2) -> bool: ...

    def g2_is_identity(self, a: G2) -> bool:
        return self.g2_eq(a, self.g2_identity())

    @abstractmethod
    def g2_to_bytes(self, p: G2) -> bytes:
        """96-byte compressed encoding (point_to_octets_E2)."""

    @abstractmethod
    def g2_from_bytes(self, data: bytes, *, allow_identity: bool = True) -> G2:
        """octets_to_point_E2 followed by subgroup_check_G2; raises :class:`InvalidPoint`."""

    # -- pairing ----------------------------------------------------------------------------------------------------
    @abstractmethod
    def pairing_check(self, pairs: Sequence[tuple[G1, G2]]) -> bool:
        """True iff ``prod e(P_i, Q_i) == 1`` in GT, computed with one final exponentiation (multi-Miller loop)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
