"""Pure-Python reference backend on py-ecc (slow: a pairing takes a good fraction of a second; use for checking)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from py_ecc.bls.hash_to_curve import clear_cofactor_G1, map_to_curve_G1
from py_ecc.bls.point_compression import compress_G1, compress_G2, decompress_G1, decompress_G2
from py_ecc.fields import optimized_bls12_381_FQ as FQ
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12
from py_ecc.optimized_bls12_381 import (
    G1 as _BP1,
)
from py_ecc.optimized_bls12_381 import (
    G2 as _BP2,
)
from py_ecc.optimized_bls12_381 import (
    Z1,
    Z2,
    add,
    b,
    b2,
    eq,
    final_exponentiate,
    is_inf,
    is_on_curve,
    multiply,
    neg,
    pairing,
)

from zkp.backend.base import G1, G2, Backend, R, check_encoding_flags
from zkp.errors import InvalidParameter, InvalidPoint


def map_to_g1_pyecc(u: int) -> G1:
    """``clear_cofactor(iso_map(SSWU(u)))`` in py-ecc's Jacobian coordinates (RFC 9380 6.6.3, 7, 8.8.1)."""
    return clear_cofactor_G1(map_to_curve_G1(FQ(u)))


class PyEccBackend(Backend):
    name: ClassVar[str] = "pyecc"
    native: ClassVar[bool] = False

    # -- G1 ---------------------------------------------------------------------------------------------------------
    def g1_generator(self) -> G1:
        return _BP1

    def g1_identity(self) -> G1:
        return Z1

    def g1_add(self, a: G1, b_: G1) -> G1:
        return add(a, b_)

    def g1_neg(self, a: G1) -> G1:
        return neg(a)

    def g1_mul(self, p: G1, k: int) -> G1:
        return multiply(p, k % R)

    def g1_msm(self, points: Sequence[G1], scalars: Sequence[int]) -> G1:
        if len(points) != len(scalars):
            raise InvalidParameter("multi-scalar multiplication needs as many scalars as points")
        acc = Z1
        for p, k in zip(points, scalars, strict=True):
            acc = add(acc, multiply(p, k % R))
        return acc

    def g1_eq(self, a: G1, b_: G1) -> bool:
        return bool(eq(a, b_))

    def g1_is_identity(self, a: G1) -> bool:
        return bool(is_inf(a))

    def g1_to_bytes(self, p: G1) -> bytes:
        return int(compress_G1(p)).to_bytes(48, "big")

    def g1_from_bytes(self, data: bytes, *, allow_identity: bool = True) -> G1:
        data = bytes(data)
        if check_encoding_flags(data, 48, "G1"):
            if not allow_identity:
                raise InvalidPoint("the G1 identity point is not allowed here", code="identityPoint")
            return Z1
        try:
            p = decompress_G1(int.from_bytes(data, "big"))  # type: ignore[arg-type]
        except (ValueError, AssertionError) as exc:
            raise InvalidPoint("bytes do not encode a point on the BLS12-381 G1 curve") from exc
        if not is_on_curve(p, b) or not is_inf(multiply(p, R)):
            raise InvalidPoint("G1 point is not in the prime-order subgroup", code="pointNotInSubgroup")
        return p

    def g1_map_to_curve(self, u: int) -> G1:
        return map_to_g1_pyecc(u)

    # -- G2 ---------------------------------------------------------------------------------------------------------
    def g2_generator(self) -> G2:
        return _BP2

    def g2_identity(self) -> G2:
        return Z2

    def g2_add(self, a: G2, b_: G2) -> G2:
        return add(a, b_)

    def g2_neg(self, a: G2) -> G2:
        return neg(a)

    def g2_mul(self, p: G2, k: int) -> G2:
        return multiply(p, k % R)

    def g2_eq(self, a: G2, b_: G2) -> bool:
        return bool(eq(a, b_))

    def g2_is_identity(self, a: G2) -> bool:
        return bool(is_inf(a))

    def g2_to_bytes(self, p: G2) -> bytes:
        z1, z2 = compress_G2(p)
        return int(z1).to_bytes(48, "big") + int(z2).to_bytes(48, "big")

    def g2_from_bytes(self, data: bytes, *, allow_identity: bool = True) -> G2:
        data = bytes(data)
        if check_encoding_flags(data, 96, "G2"):
            if not allow_identity:
                raise InvalidPoint("the G2 identity point is not allowed here", code="identityPoint")
            return Z2
        try:
            p = decompress_G2((int.from_bytes(data[:48], "big"), int.from_bytes(data[48:], "big")))  # type: ignore[arg-type]
        except (ValueError, AssertionError) as exc:
            raise InvalidPoint("bytes do not encode a point on the BLS12-381 G2 curve") from exc
        if not is_on_curve(p, b2) or not is_inf(multiply(p, R)):
            raise InvalidPoint("G2 point is not in the prime-order subgroup", code="pointNotInSubgroup")
        return p

    # -- pairing ----------------------------------------------------------------------------------------------------
    def pairing_check(self, pairs: Sequence[tuple[G1, G2]]) -> bool:
        acc = FQ12.one()
        for p, q in pairs:
            if is_inf(p) or is_inf(q):
                continue
            acc = acc * pairing(q, p, final_exponentiate=False)
        return bool(final_exponentiate(acc) == FQ12.one())
