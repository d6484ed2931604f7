"""bbs-2023 interop with Digital Bazaar's @digitalbazaar/bbs-2023-cryptosuite 2.x (interop/bbs2023.mjs), all three
directions: we derive and verify from their base proofs, they verify our derived proofs, our base proofs derive
(and verify) in theirs.  Their documentLoader serves exactly our bundled contexts."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import credentials
from credentials import jsonld
from did.keys import KeyType, PrivateKey
from tests.credentials.di_helpers import NOW, DictResolver, did_key_identity
from tests.nodejs import run_node

pytestmark = pytest.mark.interop

MANDATORY = ["/issuer", "/credentialSubject/manufacturer"]
SELECTIVE = ["/credentialSubject/firmwareVersion", "/credentialSubject/calibrations/1"]


def _contexts() -> dict[str, Any]:
    return {u: jsonld.get_context(u) for u in jsonld.registered_urls()}


def _key_json(key: PrivateKey) -> dict[str, str]:
    return {"publicKeyMultibase": key.public_key.to_multibase(), "secretKeyMultibase": key.secret_multibase()}


def _credential(did: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", {"@vocab": "https://plant.example/vocab#"}],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:device-42",
            "manufacturer": "ACME Sensors",
            "model": "TX-9",
            "firmwareVersion": 142,
            "securityLevel": 3,
            "calibrations": [{"date": "2026-02-01", "lab": "North"}, {"date": "2026-05-01", "lab": "South"}],
        },
    }


def test_we_derive_and_verify_their_base_proof() -> None:
    key, did, _vm = did_key_identity(KeyType.BLS12381_G2, seed=21)
    base = run_node("bbs2023.mjs", {"op": "issue", "credential": _credential(did), "key": _key_json(key),
                                     "mandatoryPointers": MANDATORY, "contexts": _contexts()})
    assert base["proof"]["cryptosuite"] == "bbs-2023"
    derived = credentials.derive(base, SELECTIVE, presentation_header=b"\x01\x02")
    assert derived["credentialSubject"]["firmwareVersion"] == 142 and "model" not in derived["credentialSubject"]
    result = credentials.verify_sync(derived, resolver=DictResolver(), now=NOW)
    assert result.verified, result.errors


def test_they_verify_our_derived_proof_and_catch_tampering() -> None:
    key, did, vm = did_key_identity(KeyType.BLS12381_G2, seed=22)
    base = credentials.issue(_credential(did), key=key, verification_method=vm, suite="bbs-2023",
                             suite_options={"mandatory_pointers": MANDATORY}, created="2026-06-01T11:00:00Z")
    derived = credentials.derive(base, SELECTIVE, presentation_header=b"gw-1")
    out = run_node("bbs2023.mjs", {"op": "verify", "credential": derived, "contexts": _contexts()})
    assert out["verified"], out["error"]
    tampered = copy.deepcopy(derived)
    tampered["credentialSubject"]["firmwareVersion"] = 150
    out = run_node("bbs2023.mjs", {"op": "verify", "credential": tampered, "contexts": _contexts()})
    assert not out["verified"]


def test_our_base_proof_derives_in_theirs() -> None:
    key, did, vm = did_key_identity(KeyType.BLS12381_G2, seed=23)
    base = credentials.issue(_credential(did), key=key, verification_method=vm, suite="bbs-2023",
                             suite_options={"mandatory_pointers": MANDATORY}, created="2026-06-01T11:00:00Z")
    theirs = run_node("bbs2023.mjs", {"op": "derive", "credential": base, "selectivePointers": SELECTIVE,
                                       "presentationHeader": "aabb", "contexts": _contexts()})
    ours = credentials.derive(base, SELECTIVE, presentation_header=bytes.fromhex("aabb"))
    assert {k: v for k, v in theirs.items() if k != "proof"} == {k: v for k, v in ours.items() if k != "proof"}
    out = run_node("bbs2023.mjs", {"op": "verify", "credential": theirs, "contexts": _contexts()})
    assert out["verified"], out["error"]
    result = credentials.verify_sync(theirs, resolver=DictResolver(), now=NOW)
    assert result.verified, result.errors
