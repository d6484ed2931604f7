"""Presentations are backend-independent (prove on one BLS12-381 backend, verify on another), set predicates hold
for random sets, and the crypto-wasm-ts comparison script of bench/predicates.py runs and verifies its proofs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.nodejs import node_available, run_node
from zkp.backend import available_backends, get_backend
from zkp.errors import InvalidProof
from zkp.schnorr import Credential, Predicate, PresentationRequest, RangeError, encode_int, prove, verify

from .conftest import PK

NATIVE = [b for b in available_backends() if b != "pyecc"]

REQ = PresentationRequest(
    nonce=b"\x07" * 16,
    verifier="did:dht:gw",
    disclosed=(0,),
    predicates=(Predicate(2, "ge", lower=142), Predicate(3, "in", members=(2, 3, 5))),
    device_secret_index=9,
    pseudonym_scope="did:dht:gw",
)


@pytest.mark.parametrize("prover", NATIVE)
@pytest.mark.parametrize("verifier", NATIVE)
def test_cross_backend(credential: Credential, prover: str, verifier: str) -> None:
    pres = prove(REQ, credential, PK, backend=get_backend(prover))
    out = verify(REQ, pres, PK, backend=get_backend(verifier))
    assert out.pseudonym == pres.pseudonym


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(members=st.lists(st.integers(-1000, 1000), min_size=1, max_size=12, unique=True), pick=st.integers(0, 11))
def test_set_membership_property(credential: Credential, members: list[int], pick: int) -> None:
    value = credential.messages[3]  # encode_int(3)
    enc = tuple(encode_int(m) for m in members)
    req = PresentationRequest(nonce=b"\x01" * 16, verifier="did:x", predicates=(Predicate(3, "in", members=enc),))
    if value not in enc:
        with pytest.raises(RangeError):
            prove(req, credential, PK)
        return
    pres = prove(req, credential, PK)
    verify(req, pres, PK)
    other = tuple(m for m in enc if m != value) or (encode_int(999999),)
    with pytest.raises(InvalidProof):  # the same proof against a set without the value
        verify(
            PresentationRequest(nonce=b"\x01" * 16, verifier="did:x", predicates=(Predicate(3, "in", members=other),)),
            pres,
            PK,
        )


@pytest.mark.interop
@pytest.mark.skipif(not node_available(), reason="node or interop/node_modules missing")
def test_crypto_wasm_ts_bound_check_runs() -> None:
    out = run_node("dock_bound_check.mjs", {"iterations": 1, "min": 142, "max": 1000, "value": 150, "kind": "smc"})
    assert out["verified"] is True and out["proof_bytes"] > 0
