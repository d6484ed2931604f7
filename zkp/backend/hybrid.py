"""Native backend that uses each library where it is faster (measured in BENCHMARKS.md, "## BBS").

Points are blst points (pyblst): blst's GLV scalar multiplication, Miller loop + final exponentiation and point
decompression are faster than arkworks' here.  pyblst has no multi-scalar multiplication, so the pinned points of
an MSM (the cached BBS generators P1, Q_1, H_i; see :meth:`Backend.pin_g1`) go to arkworks' Pippenger MSM as a
fixed-base MSM over precomputed ``P * 2^(64 i)`` bases with 64-bit scalars (:func:`zkp.backend.arkworks.split_msm`);
a pinned point is converted (and its shifted copies computed) once.  The arkworks result comes back through blst's
checked decoder.  The other points of an MSM (a few per BBS equation: D, Abar, Bbar) are blst multiplications
(below ``MSM_VARIABLE_THRESHOLD`` of them; many go to one arkworks MSM), and fewer than ``MSM_FIXED_THRESHOLD``
pinned points count as unpinned.  Hashing to G1 for non-XMD
expanders uses arkworks' SSWU map.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import py_arkworks_bls12381 as ark
import pyblst

from zkp.backend.arkworks import ark_scalar, split_bases, split_msm
from zkp.backend.base import G1, R
from zkp.backend.blst import BlstBackend
from zkp.errors import InvalidParameter

_P1 = pyblst.BlstP1Element


class HybridBackend(BlstBackend):
    name: ClassVar[str] = "hybrid"
    native: ClassVar[bool] = True

    # Below this many pinned points, blst multiplications (62 µs each) beat one split arkworks MSM plus the
    # conversion of its result (BENCHMARKS.md, "## BBS", per-operation table).
    MSM_FIXED_THRESHOLD: ClassVar[int] = 5
    # From this many unpinned points on, one arkworks MSM (with per-point conversion) beats blst multiplications.
    MSM_VARIABLE_THRESHOLD: ClassVar[int] = 24

    def __init__(self) -> None:
        super().__init__()
        self._split: dict[int, list[ark.G1Point]] = {}

    def pin_g1(self, p: G1) -> None:
        super().pin_g1(p)
        encoded = self.g1_encode(p)
        if not encoded[0] & 0x40:  # the identity needs no MSM term
            self._split[id(p)] = split_bases(ark.G1Point.from_compressed_bytes_unchecked(encoded))

    def g1_msm(self, points: Sequence[G1], scalars: Sequence[int]) -> G1:
        n = len(points)
        if n != len(scalars):
            raise InvalidParameter("multi-scalar multiplication needs as many scalars as points")
        split = self._split
        fixed = [i for i, p in enumerate(points) if id(p) in split]
        if len(fixed) < self.MSM_FIXED_THRESHOLD:
            fixed = []
        taken = set(fixed)
        rest = [i for i in range(n) if i not in taken]
        acc = None
        if fixed:
            res = split_msm([split[id(points[i])] for i in fixed], [scalars[i] for i in fixed])
            acc = _P1.uncompress(bytes(res.to_compressed_bytes()))
        if len(rest) >= self.MSM_VARIABLE_THRESHOLD:
            # Variable bases: converted through the compressed encoding (arkworks' unchecked decoder; they are
            # valid blst points already), one arkworks MSM, the result back through blst's checked decoder.
            conv = [self._to_ark(points[i]) for i in rest]
            res = ark.G1Point.multiexp_unchecked(conv, [ark_scalar(scalars[i]) for i in rest])
            var = _P1.uncompress(bytes(res.to_compressed_bytes()))
            return var if acc is None else acc + var
        for i in rest:
            term = points[i].scalar_mul(scalars[i] % R)
            acc = term if acc is None else acc + term
        return self._g1_id if acc is None else acc

    @staticmethod
    def _to_ark(p: G1) -> ark.G1Point:
        enc = bytes(p.compress())
        return ark.G1Point.identity() if enc[0] & 0x40 else ark.G1Point.from_compressed_bytes_unchecked(enc)

    def g1_map_to_curve(self, u: int) -> G1:
        return _P1.uncompress(bytes(ark.G1Point.map_from_fp_be(u.to_bytes(48, "big")).to_compressed_bytes()))
