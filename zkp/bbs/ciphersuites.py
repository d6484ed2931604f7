"""BBS ciphersuites and interface utilities (draft-irtf-cfrg-bbs-signatures-09).

Sections: 7 (Ciphersuites: BLS12-381-SHAKE-256, BLS12-381-SHA-256, P1), 4.1.1 (create_generators, cached and
extended incrementally), 4.1.2 (messages_to_scalars, MapMessageToScalarAsHash), 4.2.2 (hash_to_scalar),
test-vector section 8.1 (seeded_random_scalars, the mocked RNG).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from zkp.backend import G1, Backend, get_backend
from zkp.backend.hash_to_field import ExpandMessage, R, expand_message_xmd_sha256, expand_message_xof_shake256
from zkp.errors import InvalidParameter, UnsupportedCiphersuite

OCTET_SCALAR_LENGTH = 32
OCTET_POINT_LENGTH = 48
EXPAND_LEN = 48  # ceil((ceil(log2(r)) + k) / 8) with k = 128


@dataclass(frozen=True)
class Ciphersuite:
    """A BBS ciphersuite (draft section 7.2). ``api_id`` is the BBS Signatures Interface identifier (section 3.3)."""

    name: str
    ciphersuite_id: bytes
    hash_to_curve_suite: str
    expand_message: ExpandMessage

    @property
    def api_id(self) -> bytes:
        """``ciphersuite_id || "H2G_HM2S_"`` (section 3.3)."""
        return self.ciphersuite_id + b"H2G_HM2S_"

    def __repr__(self) -> str:
        return f"Ciphersuite({self.name})"


BLS12_381_SHA_256 = Ciphersuite(
    name="BLS12-381-SHA-256",
    ciphersuite_id=b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_",
    hash_to_curve_suite="BLS12381G1_XMD:SHA-256_SSWU_RO_",
    expand_message=expand_message_xmd_sha256,
)
BLS12_381_SHAKE_256 = Ciphersuite(
    name="BLS12-381-SHAKE-256",
    ciphersuite_id=b"BBS_BLS12381G1_XOF:SHAKE-256_SSWU_RO_",
    hash_to_curve_suite="BLS12381G1_XOF:SHAKE-256_SSWU_RO_",
    expand_message=expand_message_xof_shake256,
)
CIPHERSUITES: dict[str, Ciphersuite] = {c.name: c for c in (BLS12_381_SHA_256, BLS12_381_SHAKE_256)}
DEFAULT_CIPHERSUITE = BLS12_381_SHA_256

CiphersuiteLike = Ciphersuite | str


def get_ciphersuite(cs: CiphersuiteLike) -> Ciphersuite:
    """Accept a :class:`Ciphersuite`, its name (``"BLS12-381-SHA-256"``) or its ciphersuite_id string."""
    if isinstance(cs, Ciphersuite):
        return cs
    if isinstance(cs, str):
        key = cs.strip()
        if key in CIPHERSUITES:
            return CIPHERSUITES[key]
        for c in CIPHERSUITES.values():
            if key.upper() == c.name.upper() or key == c.ciphersuite_id.decode():
                return c
    raise UnsupportedCiphersuite(f"unknown BBS ciphersuite {cs!r}; use one of {', '.join(CIPHERSUITES)}")


# -- 4.2.2 hash_to_scalar ---------------------------------------------------------------------------------------------
def hash_to_scalar(msg_octets: bytes, dst: bytes, cs: CiphersuiteLike = DEFAULT_CIPHERSUITE) -> int:
    """``OS2IP(expand_message(msg_octets, dst, expand_len)) mod r`` (section 4.2.2)."""
    if len(dst) > 255:
        raise InvalidParameter("hash_to_scalar DST must be at most 255 bytes")
    c = get_ciphersuite(cs)
    return int.from_bytes(c.expand_message(bytes(msg_octets), dst, EXPAND_LEN), "big") % R


# -- 4.1.2 messages_to_scalars ----------------------------------------------------------------------------------------
def map_message_to_scalar_dst(api_id: bytes) -> bytes:
    return api_id + b"MAP_MSG_TO_SCALAR_AS_HASH_"


def messages_to_scalars(
    messages: Sequence[bytes], api_id: bytes | None = None, cs: CiphersuiteLike = DEFAULT_CIPHERSUITE
) -> list[int]:
    """MapMessageToScalarAsHash for each message (section 4.1.2); ``api_id`` defaults to the suite's interface id."""
    c = get_ciphersuite(cs)
    dst = map_message_to_scalar_dst(c.api_id if api_id is None else api_id)
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, bytes | bytearray | memoryview):
            raise InvalidParameter(f"message {i} must be bytes, got {type(m).__name__}", code="invalidMessage")
        out.append(hash_to_scalar(bytes(m), dst, c))
    return out


# -- 4.1.1 create_generators ------------------------------------------------------------------------------------------
class _GeneratorStream:
    """Cached output of create_generators for one (backend, suite, seed, dsts): ``v`` and the points so far."""

    __slots__ = ("generator_dst", "lock", "points", "seed_dst", "v")

    def __init__(self, v: bytes, seed_dst: bytes, generator_dst: bytes) -> None:
        self.v = v
        self.seed_dst = seed_dst
        self.generator_dst = generator_dst
        self.points: list[G1] = []
        self.lock = threading.Lock()


_streams: dict[tuple[str, str, bytes, bytes, bytes], _GeneratorStream] = {}
_streams_lock = threading.Lock()


def _generators(
    count: int, generator_seed: bytes, seed_dst: bytes, generator_dst: bytes, c: Ciphersuite, backend: Backend
) -> list[G1]:
    if count < 0 or count > 2**64 - 1:
        raise InvalidParameter("generator count out of range")
    key = (backend.name, c.name, generator_seed, seed_dst, generator_dst)
    stream = _streams.get(key)
    if stream is None:
        with _streams_lock:
            stream = _streams.get(key)
            if stream is None:
                # 1. v = expand_message(generator_seed, seed_dst, expand_len)
                v = c.expand_message(generator_seed, seed_dst, EXPAND_LEN)
                stream = _streams[key] = _GeneratorStream(v, seed_dst, generator_dst)
    if len(stream.points) < count:
        with stream.lock:
            # 2.-4. v = expand_message(v || I2OSP(i, 8), seed_dst, expand_len); generator_i = hash_to_curve_g1(v, dst)
            for i in range(len(stream.points) + 1, count + 1):
                stream.v = c.expand_message(stream.v + i.to_bytes(8, "big"), seed_dst, EXPAND_LEN)
                point = backend.hash_to_g1(stream.v, generator_dst, c.expand_message)
                backend.pin_g1(point)
                stream.points.append(point)
    return stream.points[:count]


def create_generators(
    count: int,
    api_id: bytes | None = None,
    cs: CiphersuiteLike = DEFAULT_CIPHERSUITE,
    *,
    backend: Backend | None = None,
) -> list[G1]:
    """``create_generators(count, api_id)`` (section 4.1.1): ``[Q_1, H_1, ..., H_(count-1)]`` for the interface.

    Cached per backend, ciphersuite and api_id, and extended incrementally (the draft allows caching ``v``).
    """
    c = get_ciphersuite(cs)
    be = backend or get_backend()
    a = c.api_id if api_id is None else api_id
    return _generators(
        count, a + b"MESSAGE_GENERATOR_SEED", a + b"SIG_GENERATOR_SEED_", a + b"SIG_GENERATOR_DST_", c, be
    )


def p1(cs: CiphersuiteLike = DEFAULT_CIPHERSUITE, *, backend: Backend | None = None) -> G1:
    """The ciphersuite's fixed point P1 (section 7.2): create_generators(1) with the "BP_" seed definitions."""
    c = get_ciphersuite(cs)
    be = backend or get_backend()
    cid = c.ciphersuite_id
    return _generators(
        1,
        cid + b"H2G_HM2S_BP_MESSAGE_GENERATOR_SEED",
        cid + b"H2G_HM2S_SIG_GENERATOR_SEED_",
        cid + b"H2G_HM2S_SIG_GENERATOR_DST_",
        c,
        be,
    )[0]


# -- test-vector section: mocked random scalars -----------------------------------------------------------------------
def mock_random_scalars_dst(cs: CiphersuiteLike = DEFAULT_CIPHERSUITE) -> bytes:
    """The DST the draft's proof fixtures use: ``ciphersuite_id || "H2G_HM2S_MOCK_RANDOM_SCALARS_DST_"``."""
    return get_ciphersuite(cs).api_id + b"MOCK_RANDOM_SCALARS_DST_"


def seeded_random_scalars(seed: bytes, dst: bytes, count: int, cs: CiphersuiteLike = DEFAULT_CIPHERSUITE) -> list[int]:
    """``seeded_random_scalars(SEED, DST, count)`` (draft section 8.1, "Mocked Random Scalars"). Tests only."""
    c = get_ciphersuite(cs)
    out_len = EXPAND_LEN * count
    if out_len > 65535:
        raise InvalidParameter("seeded_random_scalars: count * expand_len must be at most 65535")
    if count == 0:
        return []
    v = c.expand_message(seed, dst, out_len)
    return [int.from_bytes(v[i * EXPAND_LEN : (i + 1) * EXPAND_LEN], "big") % R for i in range(count)]
