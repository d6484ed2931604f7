"""Every tampering is rejected, each with its own reason code (issue 5 "Negative tests")."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

import credentials
from credentials.data_integrity import decode_proof_value, encode_proof_value
from did.keys import KeyType
from tests.credentials.di_helpers import (
    CREATED,
    NOW,
    DictResolver,
    credential,
    custom_identity,
    did_key_identity,
)

SUITES = ["eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019"]
KEY_TYPES = {"eddsa-rdfc-2022": KeyType.ED25519, "eddsa-jcs-2022": KeyType.ED25519, "ecdsa-rdfc-2019": KeyType.P256}


def _signed(suite: str, **extra: Any) -> dict[str, Any]:
    key, did, vm = did_key_identity(KEY_TYPES[suite])
    return credentials.issue(credential(did, **extra), key=key, verification_method=vm, suite=suite, created=CREATED)


async def _codes(doc: dict[str, Any], **kwargs: Any) -> list[str]:
    kwargs.setdefault("now", NOW)
    result = await credentials.verify(doc, resolver=kwargs.pop("resolver", DictResolver()), **kwargs)
    assert result.verified is (not result.errors)
    return result.codes


@pytest.mark.parametrize("suite", SUITES)
async def test_untampered_verifies(suite: str) -> None:
    doc = _signed(suite)
    result = await credentials.verify(doc, resolver=DictResolver(), now=NOW)
    assert result.verified, result.errors
    assert result.issuer == doc["issuer"]
    assert result.verification_method == doc["proof"]["verificationMethod"]


@pytest.mark.parametrize("suite", SUITES)
async def test_tampered_claim(suite: str) -> None:
    doc = _signed(suite)
    doc["credentialSubject"]["name"] = "Pump 43"
    assert await _codes(doc) == ["signatureMismatch"]


@pytest.mark.parametrize("suite", SUITES)
async def test_tampered_proof_value_bits(suite: str) -> None:
    doc = _signed(suite)
    sig = bytearray(decode_proof_value(doc["proof"]["proofValue"]))
    sig[10] ^= 0x01
    doc["proof"]["proofValue"] = encode_proof_value(bytes(sig))
    assert await _codes(doc) == ["signatureMismatch"]


@pytest.mark.parametrize("suite", SUITES)
async def test_malformed_proof_value(suite: str) -> None:
    doc = _signed(suite)
    doc["proof"]["proofValue"] = doc["proof"]["proofValue"][:-4]  # too short to be a 64-byte signature
    assert await _codes(doc) == ["invalidProofValue"]
    doc["proof"]["proofValue"] = "u" + doc["proof"]["proofValue"][1:]  # not base58btc
    assert await _codes(doc) == ["invalidProofValue"]


@pytest.mark.parametrize("suite", SUITES)
async def test_tampered_proof_options(suite: str) -> None:
    doc = _signed(suite)
    doc["proof"]["created"] = "2026-06-01T11:00:01Z"
    assert await _codes(doc) == ["signatureMismatch"]


@pytest.mark.parametrize("suite", SUITES)
async def test_tampered_context(suite: str) -> None:
    # The credential defines its own term inline; re-pointing that term at another IRI changes what the claim
    # means (RDFC: other N-Quads; JCS: other bytes), so the signature no longer matches.
    extra = {"model": "https://vocab.example/iiot#model"}
    doc = _signed(suite)
    doc = _resign(
        {**doc, "@context": [*doc["@context"], extra], "credentialSubject": {"id": "did:ex:1", "model": "X1"}}, suite
    )
    assert await _codes(doc) == []
    tampered = copy.deepcopy(doc)
    tampered["@context"][1] = {"model": "https://attacker.example/vocab#model"}
    if suite == "eddsa-jcs-2022":
        # the proof carries the document's @context (vc-di-eddsa §3.3.1); it must prefix the document's.
        assert await _codes(tampered) == ["malformedProof"]
        tampered["proof"]["@context"] = tampered["@context"]
    assert await _codes(tampered) == ["signatureMismatch"]


async def test_jcs_appended_context_is_allowed_only_if_known() -> None:
    """vc-di-eddsa §3.3.2 steps 3-4: the proof's @context must be a prefix of the document's; more may follow."""
    doc = _signed("eddsa-jcs-2022")
    appended = copy.deepcopy(doc)
    appended["@context"] = [*doc["@context"], "https://w3id.org/security/multikey/v1"]
    assert await _codes(appended) == []
    appended["@context"] = [*doc["@context"], "https://attacker.example/v1"]
    assert await _codes(appended) == ["unknownContext"]


@pytest.mark.parametrize("suite", SUITES)
async def test_unknown_context_url(suite: str) -> None:
    doc = _signed(suite)
    doc["@context"] = [*doc["@context"], "https://attacker.example/context.jsonld"]
    assert await _codes(doc) == ["unknownContext"]


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"])
async def test_undefined_term_is_refused_not_dropped(suite: str) -> None:
    key, did, vm = did_key_identity(KEY_TYPES[suite])
    vc = credential(did)
    vc["credentialSubject"]["serialNumber"] = "SN-1"  # not defined by credentials/v2
    with pytest.raises(credentials.errors.UndefinedTerm) as info:
        credentials.issue(vc, key=key, verification_method=vm, suite=suite, created=CREATED)
    assert info.value.code == "undefinedTerm" and info.value.term == "serialNumber"
    # Adding it after signing: without safe mode the term would be dropped and the signature would still match.
    doc = _signed(suite)
    doc["credentialSubject"]["serialNumber"] = "SN-1"
    assert await _codes(doc) == ["undefinedTerm"]


async def test_canonical_order_rdfc_is_independent_of_member_order() -> None:
    """RDFC signs the graph, not the bytes: reordering JSON members keeps it valid; JCS sorts members itself."""
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        doc = _signed(suite)
        reordered = dict(reversed(list(doc.items())))
        reordered["credentialSubject"] = dict(reversed(list(doc["credentialSubject"].items())))
        assert await _codes(reordered) == []


async def test_canonical_order_of_ordered_values_is_signed() -> None:
    """Array order of @context is meaningful: the v2 context must come first (VC DM 2.0 §4.3)."""
    for suite in SUITES:
        key, did, vm = did_key_identity(KEY_TYPES[suite])
        ctx = ["https://www.w3.org/ns/credentials/v2", {"ExampleCredential": "https://vocab.example/ExampleCredential"}]
        vc = credential(did, type=["VerifiableCredential", "ExampleCredential"])
        vc["@context"] = ctx
        doc = credentials.issue(vc, key=key, verification_method=vm, suite=suite, created=CREATED)
        assert await _codes(doc) == []
        swapped = copy.deepcopy(doc)
        swapped["@context"] = list(reversed(swapped["@context"]))
        assert (await _codes(swapped))[0] == "invalidContext"


def _resign(doc: dict[str, Any], suite: str) -> dict[str, Any]:
    key, did, vm = did_key_identity(KEY_TYPES[suite])
    doc = {k: v for k, v in doc.items() if k != "proof"}
    doc["issuer"] = did
    return credentials.issue(doc, key=key, verification_method=vm, suite=suite, created=CREATED)


@pytest.mark.parametrize("suite", SUITES)
async def test_expired_credential(suite: str) -> None:
    key, did, vm = did_key_identity(KEY_TYPES[suite])
    vc = credential(did, validUntil="2026-05-01T00:00:00Z")
    doc = credentials.issue(vc, key=key, verification_method=vm, suite=suite, created="2026-03-01T00:00:00Z")
    assert await _codes(doc) == ["credentialExpired"]
    assert await _codes(doc, now=NOW - timedelta(days=60)) == []


async def test_not_yet_valid_credential() -> None:
    doc = _signed("eddsa-rdfc-2022", validFrom="2026-07-01T00:00:00Z")
    assert await _codes(doc) == ["credentialNotYetValid"]


@pytest.mark.parametrize("suite", SUITES)
async def test_expired_proof(suite: str) -> None:
    key, did, vm = did_key_identity(KEY_TYPES[suite])
    doc = credentials.issue(
        credential(did), key=key, verification_method=vm, suite=suite, created=CREATED, expires="2026-06-01T11:30:00Z"
    )
    assert await _codes(doc) == ["proofExpired"]
    assert await _codes(doc, now=NOW - timedelta(minutes=45)) == []


async def test_proof_created_in_future() -> None:
    key, did, vm = did_key_identity()
    doc = credentials.issue(
        credential(did), key=key, verification_method=vm, suite="eddsa-rdfc-2022", created="2026-06-02T00:00:00Z"
    )
    assert await _codes(doc) == ["proofNotYetValid"]


@pytest.mark.parametrize("suite", SUITES)
async def test_wrong_purpose(suite: str) -> None:
    key, did, vm = did_key_identity(KEY_TYPES[suite])
    doc = credentials.issue(
        credential(did), key=key, verification_method=vm, suite=suite, created=CREATED, purpose="authentication"
    )
    assert await _codes(doc) == ["proofPurposeMismatch"]
    assert await _codes(doc, purpose="authentication") == []


@pytest.mark.parametrize("suite", SUITES)
async def test_key_not_in_assertion_method(suite: str) -> None:
    did = "did:example:oem-7"
    key, vm, document = custom_identity(did, KEY_TYPES[suite], relationships=("authentication",))
    doc = credentials.issue(credential(did), key=key, verification_method=vm, suite=suite, created=CREATED)
    assert await _codes(doc, resolver=DictResolver({did: document})) == ["verificationMethodNotAuthorized"]
    _, _, listed = custom_identity(did, KEY_TYPES[suite], relationships=("assertionMethod",))
    listed.verification_method[0].public_key = key.public_key
    assert await _codes(doc, resolver=DictResolver({did: listed})) == []


async def test_verification_method_not_found() -> None:
    did = "did:example:oem-8"
    key, vm, document = custom_identity(did)
    doc = credentials.issue(credential(did), key=key, verification_method=vm, suite="eddsa-rdfc-2022", created=CREATED)
    doc["proof"]["verificationMethod"] = f"{did}#key-2"
    assert await _codes(doc, resolver=DictResolver({did: document})) == ["verificationMethodNotFound"]
    assert await _codes(doc, resolver=DictResolver()) == ["verificationMethodNotFound"]


async def test_controller_mismatch() -> None:
    did = "did:example:oem-9"
    key, vm, document = custom_identity(did)
    document.verification_method[0].controller = "did:example:someone-else"
    doc = credentials.issue(credential(did), key=key, verification_method=vm, suite="eddsa-rdfc-2022", created=CREATED)
    assert await _codes(doc, resolver=DictResolver({did: document})) == ["controllerMismatch"]


async def test_issuer_does_not_control_key() -> None:
    key, _did, vm = did_key_identity()
    doc = credentials.issue(
        credential("did:example:claimed-oem"), key=key, verification_method=vm, suite="eddsa-rdfc-2022", created=CREATED
    )
    assert await _codes(doc) == ["issuerMismatch"]


async def test_wrong_key_type_for_suite() -> None:
    key, did, vm = did_key_identity(KeyType.P256)
    with pytest.raises(credentials.errors.InvalidVerificationMethod):
        credentials.issue(credential(did), key=key, verification_method=vm, suite="eddsa-rdfc-2022")
    doc = _signed("ecdsa-rdfc-2019")
    doc["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    assert await _codes(doc) == ["invalidVerificationMethod"]


async def test_unsupported_cryptosuite_and_missing_proof() -> None:
    doc = _signed("eddsa-rdfc-2022")
    doc["proof"]["cryptosuite"] = "rot13-2024"
    assert await _codes(doc) == ["unsupportedCryptosuite"]
    del doc["proof"]
    assert await _codes(doc) == ["proofMissing"]


async def test_malformed_proof() -> None:
    doc = _signed("eddsa-rdfc-2022")
    doc["proof"]["type"] = "Ed25519Signature2020"
    assert await _codes(doc) == ["malformedProof"]
    doc = _signed("eddsa-rdfc-2022")
    del doc["proof"]["verificationMethod"]
    assert await _codes(doc) == ["malformedProof"]
    doc = _signed("eddsa-rdfc-2022")
    doc["proof"]["created"] = "yesterday"
    assert await _codes(doc) == ["malformedProof"]
    for junk in ([{}], [], 5, "urn:uuid:not-there"):
        doc = _signed("eddsa-rdfc-2022")
        doc["proof"]["previousProof"] = junk
        assert await _codes(doc) == ["malformedProof"]


def test_issue_refuses_key_that_is_not_the_did_key() -> None:
    key, _, _ = did_key_identity()
    _, did, vm = did_key_identity()
    with pytest.raises(credentials.errors.InvalidVerificationMethod):
        credentials.issue(credential(did), key=key, verification_method=vm, suite="eddsa-rdfc-2022")


def test_verify_sync_and_non_object() -> None:
    result = credentials.verify_sync(["not", "an", "object"], resolver=DictResolver())  # type: ignore[arg-type]
    assert not result.verified and result.codes == ["invalidCredential"]
    doc = _signed("eddsa-jcs-2022")
    assert credentials.verify_sync(doc, resolver=DictResolver(), now=NOW).verified


async def test_jcs_refuses_undefined_terms_too() -> None:
    """eddsa-jcs-2022 signs JSON bytes, but safe mode still applies on both sides."""
    key, did, vm = did_key_identity()
    vc = credential(did)
    vc["credentialSubject"]["serialNumber"] = "SN-1"
    with pytest.raises(credentials.errors.UndefinedTerm):
        credentials.issue(vc, key=key, verification_method=vm, suite="eddsa-jcs-2022", created=CREATED)
    from credentials import jsonld

    jsonld.set_fast_path(False)  # the PyLD expansion gives the same answer
    try:
        with pytest.raises(credentials.errors.UndefinedTerm):
            credentials.issue(vc, key=key, verification_method=vm, suite="eddsa-jcs-2022", created=CREATED)
    finally:
        jsonld.set_fast_path(True)
