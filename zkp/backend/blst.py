"""Native backend on pyblst (supranational blst).

pyblst exposes scalar multiplication, Miller loops, a final-exponentiation check and XMD:SHA-256 hashing, but no
multi-scalar multiplication and no bare map_to_curve, so MSM is a sum of blst multiplications and hashing with
another ``expand_message`` (SHAKE-256) maps field elements through the py-ecc SSWU reference and converts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import pyblst

from zkp.backend.base import G1, G2, Backend, R, check_encoding_flags
from zkp.backend.hash_to_field import ExpandMessage, expand_message_xmd_sha256
from zkp.errors import InvalidParameter, InvalidPoint

_P1 = pyblst.BlstP1Element
_P2 = pyblst.BlstP2Element
_FP12 = pyblst.BlstFP12Element

_BP1 = bytes.fromhex("97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb")
_BP2 = bytes.fromhex(
    "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
    "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
)


class BlstBackend(Backend):
    name: ClassVar[str] = "blst"
    native: ClassVar[bool] = True

    def __init__(self) -> None:
        super().__init__()
        self._g1 = _P1.uncompress(_BP1)
        self._g2 = _P2.uncompress(_BP2)
        self._g1_id = _P1()
        self._g2_id = _P2()

    # -- G1 ---------------------------------------------------------------------------------------------------------
    def g1_generator(self) -> G1:
        return self._g1

    def g1_identity(self) -> G1:
        return self._g1_id

    def g1_add(self, a: G1, b: G1) -> G1:
        return a + b

    def g1_neg(self, a: G1) -> G1:
        return -a

    def g1_mul(self, p: G1, k: int) -> G1:
        return p.scalar_mul(k % R)

    def g1_msm(self, points: Sequence[G1], scalars: Sequence[int]) -> G1:
        if len(points) != len(scalars):
            raise InvalidParameter("multi-scalar multiplication needs as many scalars as points")
        acc = self._g1_id
        for p, k in zip(points, scalars, strict=True):
            acc = acc + p.scalar_mul(k % R)
        return acc

    def g1_eq(self, a: G1, b: G1) -> bool:
        return bool(a == b)

    def g1_to_bytes(self, p: G1) -> bytes:
        return bytes(p.compress())

    def g1_from_bytes(self, data: bytes, *, allow_identity: bool = True) -> G1:
        data = bytes(data)
        if check_encoding_flags(data, 48, "G1"):
            if not allow_identity:
                raise InvalidPoint("the G1 identity point is not allowed here", code="identityPoint")
            return self._g1_id
        try:
            return _P1.uncompress(data)  # blst checks on-curve and subgroup membership
        except ValueError as exc:
            sub = "NOT_IN_GROUP" in str(exc)
            raise InvalidPoint(
                "G1 point is not in the prime-order subgroup" if sub else "bytes do not encode a point on G1",
                code="pointNotInSubgroup" if sub else None,
            ) from exc

    def g1_map_to_curve(self, u: int) -> G1:
        from zkp.backend.pyecc import PyEccBackend, map_to_g1_pyecc

        return _P1.uncompress(PyEccBackend().g1_to_bytes(map_to_g1_pyecc(u)))

    def hash_to_g1(self, msg: bytes, dst: bytes, expand: ExpandMessage) -> G1:
        if expand is expand_message_xmd_sha256 and len(dst) <= 255:
            return _P1.hash_to_group(msg, dst)
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
        return p.scalar_mul(k % R)

    def g2_eq(self, a: G2, b: G2) -> bool:
        return bool(a == b)

    def g2_to_bytes(self, p: G2) -> bytes:
        return bytes(p.compress())

    def g2_from_bytes(self, data: bytes, *, allow_identity: bool = True) -> G2:
        data = bytes(data)
        if check_encoding_flags(data, 96, "G2"):
            if not allow_identity:
                raise InvalidPoint("the G2 identity point is not allowed here", code="identityPoint")
            return self._g2_id
        try:
            return _P2.uncompress(data)
        except ValueError as exc:
            sub = "NOT_IN_GROUP" in str(exc)
            raise InvalidPoint(
                "G2 point is not in the prime-order subgroup" if sub else "bytes do not encode a point on G2",
                code="pointNotInSubgroup" if sub else None,
            ) from exc

    # -- pairing ----------------------------------------------------------------------------------------------------
    def pairing_check(self, pairs: Sequence[tuple[G1, G2]]) -> bool:
        acc = _FP12()
        for p, q in pairs:
            acc = acc * pyblst.miller_loop(p, q)
        return bool(pyblst.final_verify(acc, _FP12()))
