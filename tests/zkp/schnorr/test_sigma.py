"""Stand-alone sigma protocols: knowledge of DL, DLEQ, AND and OR composition, transcript domain separation."""

from __future__ import annotations

import os

import pytest

from zkp.backend import get_backend
from zkp.backend.hash_to_field import R
from zkp.errors import InvalidParameter, InvalidProof
from zkp.schnorr.pedersen import pedersen_params
from zkp.schnorr.sigma import (
    AndProof,
    DLogStatement,
    OrProof,
    prove_and,
    prove_dleq,
    prove_dlog,
    prove_or,
    verify_and,
    verify_dleq,
    verify_dlog,
    verify_or,
)
from zkp.schnorr.transcript import Transcript, frame

BE = get_backend()
PP = pedersen_params(BE)
G, H = PP.g, PP.h


def t(label: bytes = b"test") -> Transcript:
    return Transcript(b"TEST-" + label, BE)


def test_key_possession_round_trip_and_context_binding() -> None:
    x = 123456789
    pub = BE.g1_mul(G, x)
    proof = prove_dlog(G, pub, x, t(), backend=BE)
    verify_dlog(G, pub, proof, t(), backend=BE)
    with pytest.raises(InvalidProof):
        verify_dlog(G, pub, proof, t(b"other"), backend=BE)  # another protocol label
    with pytest.raises(InvalidProof):
        verify_dlog(G, BE.g1_mul(G, x + 1), proof, t(), backend=BE)
    with pytest.raises(InvalidProof):
        verify_dlog(G, pub, AndProof(proof.challenge, ((proof.responses[0] + 1) % R,)), t(), backend=BE)
    with pytest.raises(InvalidParameter):
        prove_dlog(G, pub, x + 1, t(), backend=BE)  # the prover refuses a wrong witness


def test_dleq_equal_and_unequal_logs() -> None:
    x = 987654321
    proof = prove_dleq([G, H], [BE.g1_mul(G, x), BE.g1_mul(H, x)], x, t(), backend=BE)
    verify_dleq([G, H], [BE.g1_mul(G, x), BE.g1_mul(H, x)], proof, t(), backend=BE)
    with pytest.raises(InvalidProof):
        verify_dleq([G, H], [BE.g1_mul(G, x), BE.g1_mul(H, x + 1)], proof, t(), backend=BE)


def test_and_composition() -> None:
    xs = [5, 7]
    st = [DLogStatement((G,), (BE.g1_mul(G, 5),)), DLogStatement((H,), (BE.g1_mul(H, 7),))]
    proof = prove_and(st, xs, t(), backend=BE)
    verify_and(st, proof, t(), backend=BE)
    with pytest.raises(InvalidProof):
        verify_and(st[:1], proof, t(), backend=BE)
    with pytest.raises(InvalidProof):
        verify_and(list(reversed(st)), AndProof(proof.challenge, tuple(reversed(proof.responses))), t(), backend=BE)


@pytest.mark.parametrize("known", [0, 1, 2])
def test_or_composition_hides_branch_and_verifies(known: int) -> None:
    w = 42
    publics = [BE.g1_mul(H, w) if k == known else BE.g1_mul(G, 1000 + k) for k in range(3)]
    st = [DLogStatement((H,), (p,)) for p in publics]
    proof = prove_or(st, known, w, t(), backend=BE, rng=os.urandom)
    verify_or(st, proof, t(), backend=BE)
    with pytest.raises(InvalidProof):
        verify_or(
            st,
            OrProof(proof.challenge, ((proof.challenges[0] + 1) % R, *proof.challenges[1:]), proof.responses),
            t(),
            backend=BE,
        )
    with pytest.raises(InvalidParameter):
        prove_or(st, (known + 1) % 3, w, t(), backend=BE)


def test_or_proof_fails_when_no_branch_is_true() -> None:
    st = [DLogStatement((H,), (BE.g1_mul(G, 1),)), DLogStatement((H,), (BE.g1_mul(G, 2),))]
    with pytest.raises(InvalidParameter):
        prove_or(st, 0, 1, t(), backend=BE)


def test_transcript_framing_is_injective() -> None:
    assert frame(b"a", b"bc") != frame(b"ab", b"c")
    a, b = Transcript(b"P"), Transcript(b"P")
    a.append(b"x", b"12")
    a.append(b"y", b"3")
    b.append(b"x", b"1")
    b.append(b"y", b"23")
    assert a.digest() != b.digest()
    with pytest.raises(TypeError):
        Transcript(b"P").append_point(b"p", G)


def test_pedersen_generators_independent_of_bbs_base() -> None:
    assert not BE.g1_eq(G, H)
    assert not BE.g1_eq(G, BE.g1_generator())
    assert BE.g1_eq(PP.commit(3, 4), BE.g1_add(BE.g1_mul(G, 3), BE.g1_mul(H, 4)))
