"""Membership of a hidden, BBS-linked attribute in a small public set, by a 1-of-n CDS OR proof.

With ``C = g*x + h*r``, the statement ``x in {s_1..s_n}`` is the disjunction over k of "``C - g*s_k`` is a multiple
of ``h``" (witness r); the OR proof (:mod:`zkp.schnorr.sigma`) hides which k.  The opening of ``C`` is linked to the
BBS response for the message as in :mod:`zkp.schnorr.range_proof`.  Soundness: DL in G1 (binding of C) and the ROM.

Size: ``48 (C) + 32 (r^) + (n-1)*32 (sub-challenges) + n*32 (responses)`` = ``48 + 64n`` bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkp.backend import G1, Backend
from zkp.backend.hash_to_field import R
from zkp.errors import InvalidParameter, InvalidProof
from zkp.schnorr.pedersen import PedersenParams
from zkp.schnorr.range_proof import POINT, SCALAR, RangeError, read_point, read_scalar
from zkp.schnorr.sigma import DLogStatement, OrState, or_commit, or_recompute, or_respond, respond
from zkp.schnorr.transcript import RandomBytes, random_scalar

MAX_SET = 256


def check_set(members: Sequence[int]) -> list[int]:
    """Validate a public set (1..256 distinct scalars); returns the members reduced mod r."""
    if not isinstance(members, list | tuple) or not 1 <= len(members) <= MAX_SET:
        raise InvalidParameter(f"a set predicate needs 1 to {MAX_SET} members")
    out = []
    for s in members:
        if not isinstance(s, int) or isinstance(s, bool):
            raise InvalidParameter("set members must be integers (scalars of the encoded attribute values)")
        out.append(s % R)
    if len(set(out)) != len(out):
        raise InvalidParameter("set members must be distinct")
    return out


def set_proof_size(n: int) -> int:
    return POINT + SCALAR + (2 * n - 1) * SCALAR


@dataclass(frozen=True)
class SetProof:
    commitment: G1
    r_hat: int
    challenges: tuple[int, ...]
    responses: tuple[int, ...]


@dataclass(frozen=True)
class SetProverState:
    commitment: G1
    or_state: OrState
    r: int
    r_tilde: int


def _statements(params: PedersenParams, c: G1, members: Sequence[int]) -> list[DLogStatement]:
    be = params.backend
    return [DLogStatement((params.h,), (be.g1_sub(c, be.g1_mul(params.g, s)),)) for s in members]


def set_commit(
    params: PedersenParams, members: Sequence[int], value: int, m_tilde: int, rng: RandomBytes
) -> tuple[list[G1], SetProverState]:
    """Commit phase: points ``C, T_C, T_1..T_n`` for the challenge."""
    ms = check_set(members)
    try:
        known = ms.index(value % R)
    except ValueError:
        raise RangeError("the attribute value is not in the set; refusing to prove") from None
    r = random_scalar(rng)
    c = params.commit(value, r)
    pts, st = or_commit(_statements(params, c, ms), known, r, backend=params.backend, rng=rng)
    r_tilde = random_scalar(rng)
    t_c = params.commit(m_tilde, r_tilde)
    return [c, t_c, *pts], SetProverState(c, st, r, r_tilde)


def set_respond(state: SetProverState, challenge: int) -> SetProof:
    cs, zs = or_respond(state.or_state, challenge)
    return SetProof(state.commitment, respond(state.r_tilde, challenge, state.r), tuple(cs), tuple(zs))


def set_recompute(
    params: PedersenParams, members: Sequence[int], proof: SetProof, challenge: int, m_hat: int
) -> list[G1]:
    ms = check_set(members)
    be = params.backend
    pts = or_recompute(
        _statements(params, proof.commitment, ms), challenge, proof.challenges, proof.responses, backend=be
    )
    t_c = be.g1_sub(params.commit(m_hat, proof.r_hat), be.g1_mul(proof.commitment, challenge))
    return [proof.commitment, t_c, *pts]


def set_proof_to_bytes(proof: SetProof, backend: Backend) -> bytes:
    """``C || r^ || c_1..c_(n-1) || z_1..z_n``."""
    scalars = (proof.r_hat, *proof.challenges, *proof.responses)
    return backend.g1_to_bytes(proof.commitment) + b"".join(s.to_bytes(SCALAR, "big") for s in scalars)


def set_proof_from_bytes(data: bytes, n: int, backend: Backend) -> SetProof:
    if len(data) != set_proof_size(n):
        raise InvalidProof(
            f"a set proof over {n} members is {set_proof_size(n)} bytes, got {len(data)}", code="malformedProof"
        )
    c = read_point(data, 0, backend)
    sc = [read_scalar(data, POINT + i * SCALAR) for i in range(2 * n)]
    return SetProof(c, sc[0], tuple(sc[1:n]), tuple(sc[n:]))
