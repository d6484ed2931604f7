"""Sigma protocols over BLS12-381 G1 (Schnorr 1991; Chaum-Pedersen 1992; Cramer-Damgard-Schoenmakers 1994).

One statement type covers knowledge of a discrete log and equality of discrete logs across bases:
:class:`DLogStatement` ``(bases B_1..B_k, publics Y_1..Y_k)`` claims knowledge of ``x`` with ``Y_i = B_i * x`` for
every i (k = 1: knowledge of DL; k >= 2: equality of DLs).  Sign convention, the same as BBS proofs
(draft-irtf-cfrg-bbs-signatures-09 section 3.7.2, ``m^ = m~ + m*c``):

    commit   T_i = B_i * t                     (t uniform)
    respond  z   = t + c*x  (mod r)
    verify   T_i == B_i * z - Y_i * c

* AND composition: several statements answered with one challenge (:func:`prove_and` / :func:`verify_and`).
* OR composition (CDS): of statements S_1..S_n the prover knows one witness; it simulates the others with chosen
  sub-challenges and the sub-challenges sum to the challenge (:func:`or_commit` / :func:`or_respond` /
  :func:`or_recompute` for use inside a larger proof, :func:`prove_or` / :func:`verify_or` stand-alone).

Stand-alone proofs derive the challenge from a :class:`~zkp.schnorr.transcript.Transcript` holding the statement and
the commitments (strong Fiat-Shamir).  Soundness: special soundness of each sigma protocol plus the random-oracle model
for the hash; zero-knowledge: honest-verifier ZK made non-interactive in the ROM.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from zkp.backend import G1, Backend
from zkp.backend.hash_to_field import R
from zkp.errors import InvalidParameter, InvalidProof
from zkp.schnorr.transcript import RandomBytes, Transcript, random_scalar


@dataclass(frozen=True)
class DLogStatement:
    """``Y_i = B_i * x`` for all i, for one secret x."""

    bases: tuple[G1, ...]
    publics: tuple[G1, ...]

    def __post_init__(self) -> None:
        if not self.bases or len(self.bases) != len(self.publics):
            raise InvalidParameter("a DLogStatement needs as many public points as bases (at least one)")

    def commit(self, t: int, backend: Backend) -> list[G1]:
        return [backend.g1_mul(b, t) for b in self.bases]

    def recompute(self, c: int, z: int, backend: Backend) -> list[G1]:
        """``B_i * z - Y_i * c``: the commitments an accepting transcript must have had."""
        neg_c = (-c) % R
        return [
            backend.g1_add(backend.g1_mul(b, z % R), backend.g1_mul(y, neg_c))
            for b, y in zip(self.bases, self.publics, strict=True)
        ]

    def holds(self, x: int, backend: Backend) -> bool:
        return all(backend.g1_eq(backend.g1_mul(b, x % R), y) for b, y in zip(self.bases, self.publics, strict=True))

    def absorb(self, transcript: Transcript) -> None:
        transcript.append_points(b"bases", self.bases)
        transcript.append_points(b"publics", self.publics)


def respond(t: int, c: int, x: int) -> int:
    return (t + c * x) % R


# -- AND composition --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AndProof:
    challenge: int
    responses: tuple[int, ...]


def prove_and(
    statements: Sequence[DLogStatement],
    witnesses: Sequence[int],
    transcript: Transcript,
    *,
    backend: Backend,
    rng: RandomBytes | None = None,
) -> AndProof:
    """Prove every statement (each with its own witness) under one challenge; the transcript binds the context."""
    if len(statements) != len(witnesses) or not statements:
        raise InvalidParameter("one witness per statement is needed")
    for s, x in zip(statements, witnesses, strict=True):
        if not s.holds(x, backend):
            raise InvalidParameter("a witness does not satisfy its statement; refusing to prove")
    get = rng or os.urandom
    ts = [random_scalar(get) for _ in statements]
    for s, t in zip(statements, ts, strict=True):
        s.absorb(transcript)
        transcript.append_points(b"T", s.commit(t, backend))
    c = transcript.challenge()
    return AndProof(c, tuple(respond(t, c, x) for t, x in zip(ts, witnesses, strict=True)))


def verify_and(
    statements: Sequence[DLogStatement], proof: AndProof, transcript: Transcript, *, backend: Backend
) -> None:
    if len(proof.responses) != len(statements) or not statements:
        raise InvalidProof("AND proof has the wrong number of responses")
    for s, z in zip(statements, proof.responses, strict=True):
        s.absorb(transcript)
        transcript.append_points(b"T", s.recompute(proof.challenge, z, backend))
    if transcript.challenge() != proof.challenge:
        raise InvalidProof("Schnorr proof does not verify")


# -- key possession: knowledge of x with P = G*x ----------------------------------------------------------------------
def prove_dlog(
    base: G1, public: G1, secret: int, transcript: Transcript, *, backend: Backend, rng: RandomBytes | None = None
) -> AndProof:
    """Schnorr proof of knowledge of ``secret`` with ``public = base * secret`` (key possession)."""
    return prove_and([DLogStatement((base,), (public,))], [secret], transcript, backend=backend, rng=rng)


def verify_dlog(base: G1, public: G1, proof: AndProof, transcript: Transcript, *, backend: Backend) -> None:
    verify_and([DLogStatement((base,), (public,))], proof, transcript, backend=backend)


def prove_dleq(
    bases: Sequence[G1],
    publics: Sequence[G1],
    secret: int,
    transcript: Transcript,
    *,
    backend: Backend,
    rng: RandomBytes | None = None,
) -> AndProof:
    """Chaum-Pedersen proof that ``publics[i] = bases[i] * secret`` for all i with one secret."""
    return prove_and([DLogStatement(tuple(bases), tuple(publics))], [secret], transcript, backend=backend, rng=rng)


def verify_dleq(
    bases: Sequence[G1], publics: Sequence[G1], proof: AndProof, transcript: Transcript, *, backend: Backend
) -> None:
    verify_and([DLogStatement(tuple(bases), tuple(publics))], proof, transcript, backend=backend)


# -- OR composition (CDS) ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrState:
    """Prover state between the commit and respond phases (secret: keep private, use once)."""

    known: int
    witness: int
    t: int
    sim_challenges: tuple[int, ...]  # c_k for k != known (entry at `known` is 0)
    sim_responses: tuple[int, ...]


def or_commit(
    statements: Sequence[DLogStatement], known: int, witness: int, *, backend: Backend, rng: RandomBytes
) -> tuple[list[G1], OrState]:
    """Commitments ``T_k`` for every branch: real for ``known``, simulated (``B*z_k - Y*c_k``) for the others."""
    n = len(statements)
    if not 0 <= known < n:
        raise InvalidParameter("the known branch of an OR proof must be one of its statements")
    t = random_scalar(rng)
    cs = [0] * n
    zs = [0] * n
    points: list[G1] = []
    for k, s in enumerate(statements):
        if k == known:
            points.extend(s.commit(t, backend))
        else:
            cs[k] = random_scalar(rng)
            zs[k] = random_scalar(rng)
            points.extend(s.recompute(cs[k], zs[k], backend))
    return points, OrState(known, witness % R, t, tuple(cs), tuple(zs))


def or_respond(state: OrState, challenge: int) -> tuple[list[int], list[int]]:
    """``(c_1..c_(n-1), z_1..z_n)``; the last sub-challenge is implied: ``c_n = c - sum(c_1..c_(n-1))``."""
    cs = list(state.sim_challenges)
    cs[state.known] = (challenge - sum(cs)) % R
    zs = list(state.sim_responses)
    zs[state.known] = respond(state.t, cs[state.known], state.witness)
    return cs[:-1], zs


def or_recompute(
    statements: Sequence[DLogStatement],
    challenge: int,
    challenges: Sequence[int],
    responses: Sequence[int],
    *,
    backend: Backend,
) -> list[G1]:
    """The branch commitments an accepting OR proof must have had (to be hashed and compared by the caller)."""
    n = len(statements)
    if len(challenges) != n - 1 or len(responses) != n:
        raise InvalidProof("OR proof has the wrong number of challenges or responses")
    cs = [*challenges, (challenge - sum(challenges)) % R]
    points: list[G1] = []
    for s, c, z in zip(statements, cs, responses, strict=True):
        points.extend(s.recompute(c, z, backend))
    return points


@dataclass(frozen=True)
class OrProof:
    challenge: int
    challenges: tuple[int, ...]
    responses: tuple[int, ...]


def prove_or(
    statements: Sequence[DLogStatement],
    known: int,
    witness: int,
    transcript: Transcript,
    *,
    backend: Backend,
    rng: RandomBytes | None = None,
) -> OrProof:
    """Stand-alone 1-of-n proof: knowledge of the witness of one statement, without saying which."""
    if not 0 <= known < len(statements) or not statements[known].holds(witness, backend):
        raise InvalidParameter("the witness does not satisfy the chosen statement; refusing to prove")
    points, state = or_commit(statements, known, witness, backend=backend, rng=rng or os.urandom)
    for s in statements:
        s.absorb(transcript)
    transcript.append_points(b"T", points)
    c = transcript.challenge()
    cs, zs = or_respond(state, c)
    return OrProof(c, tuple(cs), tuple(zs))


def verify_or(statements: Sequence[DLogStatement], proof: OrProof, transcript: Transcript, *, backend: Backend) -> None:
    points = or_recompute(statements, proof.challenge, proof.challenges, proof.responses, backend=backend)
    for s in statements:
        s.absorb(transcript)
    transcript.append_points(b"T", points)
    if transcript.challenge() != proof.challenge:
        raise InvalidProof("OR proof does not verify")
