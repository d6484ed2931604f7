"""Native backend on py-arkworks-bls12381 (Rust arkworks, Pippenger MSM, multi-Miller-loop pairing check).

Fixed-base MSM: arkworks' Pippenger only walks as many windows as the widest scalar has bits, so for a pinned point
``P`` (a cached BBS generator, :meth:`Backend.pin_g1`) the backend keeps ``P * 2^(64 i)`` for i = 0..3 and feeds
``k = k_0 + k_1 2^64 + k_2 2^128 + k_3 2^192`` as four 64-bit scalars: 4n bases with 64-bit scalars cost about
0.7x of n bases with 255-bit scalars (BENCHMARKS.md, "## BBS").  Scalars cross into Rust as 32 little-endian bytes
(``Scalar.from_le_bytes``), about 30x cheaper than converting a Python int.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import py_arkworks_bls12381 as ark

from zkp.backend.base import G1, G2, Backend, R, check_encoding_flags
from zkp.backend.hash_to_field import ExpandMessage, expand_message_xmd_sha256
from zkp.errors import InvalidParameter, InvalidPoint

_Scalar = ark.Scalar
_G1 = ark.G1Point
_G2 = ark.G2Point

SPLIT_BITS = 64
SPLIT_PARTS = 4  # SPLIT_BITS * SPLIT_PARTS >= 255 = bit length of r
_PAD = bytes(32 - SPLIT_BITS // 8)


def ark_scalar(k: int) -> ark.Scalar:
    """``k mod r`` as an arkworks scalar (through 32 little-endian bytes)."""
    return _Scalar.from_le_bytes((k % R).to_bytes(32, "little"))


def split_bases(p: ark.G1Point) -> list[ark.G1Point]:
    """``[P, P * 2^64, P * 2^128, P * 2^192]``: the precomputed bases of a fixed point (by doubling, ~3x cheaper
    than three multiplications)."""
    out = [p]
    q = p
    for _ in range(SPLIT_PARTS - 1):
        for _ in range(SPLIT_BITS):
            q = q + q
        out.append(q)
    return out


def split_msm(bases: Sequence[Sequence[ark.G1Point]], scalars: Sequence[int]) -> ark.G1Point:
    """``sum(P_i * k_i)`` over fixed points given by their :func:`split_bases`, as one MSM of 64-bit scalars."""
    step = SPLIT_BITS // 8
    pts: list[ark.G1Point] = []
    sc: list[ark.Scalar] = []
    for b, k in zip(bases, scalars, strict=True):
        raw = (k % R).to_bytes(32, "little")
        pts.extend(b)
        sc.extend(_Scalar.from_le_bytes(raw[i : i + step] + _PAD) for i in range(0, 32, step))
    return _G1.multiexp_unchecked(pts, sc)


class ArkworksBackend(Backend):
    name: ClassVar[str] = "arkworks"
    native: ClassVar[bool] = True

    MSM_FIXED_THRESHOLD: ClassVar[int] = 4  # pinned points from which the split fixed-base MSM is used

    def __init__(self) -> None:
        super().__init__()
        self._split: dict[int, list[ark.G1Point]] = {}
        self._g1 = _G1()
        self._g2 = _G2()
        self._g1_id = _G1.identity()
        self._g2_id = _G2.identity()

    # -- G1 ---------------------------------------------------------------------------------------------------------
    def g1_generator(self) -> G1:
        return self._g1

    def g1_identity(self) -> G1:
        return self._g1_id

    def g1_add(self, a: G1, b: G1) -> G1:
        return a + b

    def g1_neg(self, a: G1) -> G1:
        return -a

    def g1_sub(self, a: G1, b: G1) -> G1:
        return a - b

    def pin_g1(self, p: G1) -> None:
        super().pin_g1(p)
        self._split[id(p)] = split_bases(p)

    def g1_mul(self, p: G1, k: int) -> G1:
        return p * ark_scalar(k)

    def g1_msm(self, points: Sequence[G1], scalars: Sequence[int]) -> G1:
        if len(points) != len(scalars):
            raise InvalidParameter("multi-scalar multiplication needs as many scalars as points")
        n = len(points)
        if n == 0:
            return self._g1_id
        if n == 1:
            return points[0] * ark_scalar(scalars[0])
        split = self._split
        fixed = [i for i, p in enumerate(points) if id(p) in split]
        if len(fixed) < self.MSM_FIXED_THRESHOLD:
            return _G1.multiexp_unchecked(list(points), [ark_scalar(k) for k in scalars])
        acc = split_msm([split[id(points[i])] for i in fixed], [scalars[i] for i in fixed])
        if len(fixed) < n:
            rest = sorted(set(range(n)).difference(fixed))
            acc = acc + self.g1_msm([points[i] for i in rest], [scalars[i] for i in rest])
        return acc

    def g1_eq(self, a: G1, b: G1) -> bool:
        return bool(a == b)

    def g1_to_bytes(self, p: G1) -> bytes:
        return bytes(p.to_compressed_bytes())

    def g1_from_bytes(self, data: bytes, *, allow_identity: bool = True) -> G1:
        data = bytes(data)
        if check_encoding_flags(data, 48, "G1"):
            if not allow_identity:
                raise InvalidPoint("the G1 identity point is not allowed here", code="identityPoint")
            return self._g1_id
        try:
            p = _G1.from_compressed_bytes_unchecked(data)
        except Exception as exc:  # the binding raises ValueError/RuntimeError for off-curve x
            raise InvalidPoint("bytes do not encode a point on the BLS12-381 G1 curve") from exc
        if not p.is_in_subgroup():
            raise InvalidPoint("G1 point is not in the prime-order subgroup", code="pointNotInSubgroup")
        return p

    def g1_map_to_curve(self, u: int) -> G1:
        # arkworks' WB map = SSWU on E' + 11-isogeny, followed by clear_cofactor (h_eff = 1 - z), RFC 9380 6.6.3/7.
        return _G1.map_from_fp_be(u.to_bytes(48, "big"))

    def hash_to_g1(self, msg: bytes, dst: bytes, expand: ExpandMessage) -> G1:
        if expand is expand_message_xmd_sha256 and len(dst) <= 255:
            return _G1.hash_to_curve(msg, dst)  # native BLS12381G1_XMD:SHA-256_SSWU_RO_
        return super().hash_to_g1(msg, dst, expand)

    # -- G2 ---------------------------------------------------------------------------------------------------------
    def g2_generator(self) -> G2:
        return self._g2

    def g2_identity(self) -> G2:
        return self._g2_id

    def g2_add(self, a: G2, b: G2) -> G2:
        return a + b

    def g2_neg(self, a: G2) -> G2:
        return -a

    def g2_mul(self, p: G2, k: int) -> G2:
        return p * ark_scalar(k)

    def g2_eq(self, a: G2, b: G2) -> bool:
        return bool(a == b)

    def g2_to_bytes(self, p: G2) -> bytes:
        return bytes(p.to_compressed_bytes())

    def g2_from_bytes(self, data: bytes, *, allow_identity: bool = True) -> G2:
        data = bytes(data)
        if check_encoding_flags(data, 96, "G2"):
            if not allow_identity:
                raise InvalidPoint("the G2 identity point is not allowed here", code="identityPoint")
            return self._g2_id
        try:
            p = _G2.from_compressed_bytes_unchecked(data)
        except Exception as exc:
            raise InvalidPoint("bytes do not encode a point on the BLS12-381 G2 curve") from exc
        if not p.is_in_subgroup():
            raise InvalidPoint("G2 point is not in the prime-order subgroup", code="pointNotInSubgroup")
        return p

    # -- pairing ----------------------------------------------------------------------------------------------------
    def pairing_check(self, pairs: Sequence[tuple[G1, G2]]) -> bool:
        return bool(ark.GT.pairing_check([p for p, _ in pairs], [q for _, q in pairs]))
