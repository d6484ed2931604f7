"""Native backend that uses each library where it is faster (measured in BENCHMARKS.md, "## BBS").

Points are blst points (pyblst): blst's GLV scalar multiplication, Miller loop + final exponentiation and point
decompression are faster than arkworks' here.  pyblst has no multi-scalar multiplication, so MSMs of at least
``MSM_THRESHOLD`` points go to arkworks' Pippenger MSM: inputs are converted through the compressed encoding
(arkworks' unchecked decoder: the points are already valid blst points); pinned points (the cached BBS
generators, see :meth:`Backend.pin_g1`) convert once, and the result comes back through blst's checked decoder.
Hashing to G1 for non-XMD expanders uses arkworks' SSWU map as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import py_arkworks_bls12381 as ark
import pyblst

from zkp.backend.base import G1, R
from zkp.backend.blst import BlstBackend
from zkp.errors import InvalidParameter

_P1 = pyblst.BlstP1Element


class HybridBackend(BlstBackend):
    name: ClassVar[str] = "hybrid"
    native: ClassVar[bool] = True

    MSM_THRESHOLD: ClassVar[int] = 10  # below this, n blst multiplications beat one arkworks MSM (BENCHMARKS.md)

    def __init__(self) -> None:
        super().__init__()
        self._pinned_ark: dict[int, ark.G1Point] = {}
        self._ark_identity = ark.G1Point.identity()

    def pin_g1(self, p: G1) -> None:
        super().pin_g1(p)
        self._pinned_ark[id(p)] = self._convert(self.g1_encode(p))

    def _convert(self, encoded: bytes) -> ark.G1Point:
        return self._ark_identity if encoded[0] & 0x40 else ark.G1Point.from_compressed_bytes_unchecked(encoded)

    def _to_ark(self, p: G1) -> ark.G1Point:
        hit = self._pinned_ark.get(id(p))
        return hit if hit is not None else self._convert(bytes(p.compress()))

    def g1_msm(self, points: Sequence[G1], scalars: Sequence[int]) -> G1:
        n = len(points)
        if n != len(scalars):
            raise InvalidParameter("multi-scalar multiplication needs as many scalars as points")
        if n < self.MSM_THRESHOLD:
            return super().g1_msm(points, scalars)
        res = ark.G1Point.multiexp_unchecked([self._to_ark(p) for p in points], [ark.Scalar(k % R) for k in scalars])
        return _P1.uncompress(bytes(res.to_compressed_bytes()))

    def g1_map_to_curve(self, u: int) -> G1:
        return _P1.uncompress(bytes(ark.G1Point.map_from_fp_be(u.to_bytes(48, "big")).to_compressed_bytes()))
