"""bbs-2023 (W3C vc-di-bbs): the published baseline vectors step by step, derivation and verification through the
public API, negative cases and a property over random disclosure subsets."""

from __future__ import annotations

import copy
import json
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import credentials
from credentials import sd_primitives as sd
from credentials.errors import CredentialError, InvalidProofValue, ProofError, SignatureMismatch
from credentials.suites import bbs_2023 as bbs
from did.keys import KeyType, PrivateKey, PublicKey
from tests.conftest import VECTORS
from tests.credentials.di_helpers import NOW, DictResolver, did_key_identity, register_vector_contexts
from zkp.bbs import interface as bbs_core
from zkp.bbs.ciphersuites import mock_random_scalars_dst, seeded_random_scalars

V = VECTORS / "vc-di-bbs"


def load(name: str) -> Any:
    return json.loads((V / name).read_text())


KEYS = load("BBSKeyMaterial.json")
PK = bytes.fromhex(KEYS["publicKeyHex"])
SK = bytes.fromhex(KEYS["privateKeyHex"])
HMAC_KEY = bytes.fromhex(KEYS["hmacKeyString"])
PUBLIC = PublicKey.from_raw(KeyType.BLS12381_G2, PK)
CASES = [("", "windDoc.json", "windMandatory.json", "windSelective.json"),
         ("prc/", None, "prCredMandatory.json", "prCredSelective.json")]


@pytest.fixture(autouse=True, scope="module")
def _contexts() -> None:
    register_vector_contexts()


def unsigned(prefix: str, doc_name: str | None) -> dict[str, Any]:
    if doc_name:
        return load(doc_name)
    # SOURCES.md: prc/* was generated from the signed base document's input, not prCredUnsigned.json
    signed = load(prefix + "addSignedSDBase.json")
    return {k: v for k, v in signed.items() if k != "proof"}


@pytest.mark.parametrize(("prefix", "doc_name", "mandatory_name", "selective_name"), CASES)
def test_base_proof_steps_match_the_vectors(prefix: str, doc_name: str | None, mandatory_name: str,
                                            selective_name: str) -> None:
    doc = unsigned(prefix, doc_name)
    mandatory = load(mandatory_name)
    grouped = sd.canonicalize_and_group(doc, sd.shuffled_label_map_factory(HMAC_KEY), {"mandatory": mandatory})
    assert grouped.nquads == load(prefix + "addBaseDocHMACCanon.json")
    transform = load(prefix + "addBaseTransform.json")
    assert grouped.groups["mandatory"].matching == {i: q for i, q in transform["mandatory"]["value"]}
    assert grouped.groups["mandatory"].non_matching == {i: q for i, q in transform["nonMandatory"]["value"]}
    hashes = load(prefix + "addHashData.json")
    assert sd.hash_mandatory(grouped.groups["mandatory"].matching.values()).hex() == hashes["mandatoryHash"]
    options = {k: v for k, v in load(prefix + "addProofConfig.json").items() if k != "@context"}
    assert bbs._proof_hash(options, doc).hex() == hashes["proofHash"]
    # BBS Sign is deterministic: the signature is reproduced byte for byte (draft -09 code; the vectors cite -05)
    header = bytes.fromhex(hashes["proofHash"] + hashes["mandatoryHash"])
    messages = [q.encode() for q in grouped.groups["mandatory"].non_matching.values()]
    expected_sig = load(prefix + "addRawBaseSignatureInfo.json")["bbsSignature"]
    assert bbs_core.sign(SK, PK, header, messages).hex() == expected_sig
    # ... and so is the whole base proofValue
    key = PrivateKey.from_raw(KeyType.BLS12381_G2, SK)
    value = bbs.create_base_proof_value(doc, options, key, mandatory_pointers=mandatory, hmac_key=HMAC_KEY)
    assert value == load(prefix + "addSignedSDBase.json")["proof"]["proofValue"]


@pytest.mark.parametrize(("prefix", "doc_name", "mandatory_name", "selective_name"), CASES)
def test_their_derived_proof_verifies_and_ours_reproduces_everything_but_the_randomness(
    prefix: str, doc_name: str | None, mandatory_name: str, selective_name: str
) -> None:
    revealed = load(prefix + "derivedRevealDocument.json")
    unsecured = {k: v for k, v in revealed.items() if k != "proof"}
    options = {k: v for k, v in revealed["proof"].items() if k != "proofValue"}
    parsed = bbs.verify_derived(unsecured, options, revealed["proof"]["proofValue"], PUBLIC)
    disclosure = load(prefix + "derivedDisclosureData.json")
    assert parsed.mandatory_indexes == disclosure["mandatoryIndexes"]
    assert parsed.selective_indexes == disclosure["adjSelectiveIndexes"]
    assert parsed.label_map == dict(disclosure["labelMap"]["value"])

    material = load("BBSDeriveMaterial.json")
    mocked = partial(seeded_random_scalars, bytes.fromhex(material["pseudoRandSeedHex"]), mock_random_scalars_dst())
    ours = bbs.derive(load(prefix + "addSignedSDBase.json"), load(selective_name),
                      presentation_header=bytes.fromhex(material["presentationHeaderHex"]), random_scalars=mocked)
    assert {k: v for k, v in ours.items() if k != "proof"} == unsecured
    ours_parsed = bbs.parse_derived_proof(ours["proof"]["proofValue"])
    assert ours_parsed.label_map == parsed.label_map
    assert ours_parsed.mandatory_indexes == parsed.mandatory_indexes
    assert ours_parsed.selective_indexes == parsed.selective_indexes
    assert ours_parsed.presentation_header == parsed.presentation_header
    assert len(ours_parsed.proof) == len(parsed.proof)
    bbs.verify_derived(unsecured, options, ours["proof"]["proofValue"], PUBLIC)


# ------------------------------------------------------------------------------------------------ public API
CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2", {"@vocab": "https://plant.example/vocab#"}],
    "type": ["VerifiableCredential"],
    "issuer": "did:example:placeholder",
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
MANDATORY = ["/issuer", "/credentialSubject/manufacturer"]
OPTIONAL = ["/credentialSubject/model", "/credentialSubject/firmwareVersion", "/credentialSubject/securityLevel",
            "/credentialSubject/calibrations/0", "/credentialSubject/calibrations/1/lab", "/validFrom"]


@pytest.fixture(scope="module")
def issued() -> tuple[dict[str, Any], DictResolver]:
    key, did, vm = did_key_identity(KeyType.BLS12381_G2, seed=7)
    cred = dict(copy.deepcopy(CREDENTIAL), issuer=did)
    signed = credentials.issue(cred, key=key, verification_method=vm, suite="bbs-2023",
                               created="2026-06-01T11:00:00Z", suite_options={"mandatory_pointers": MANDATORY})
    return signed, DictResolver()


async def test_issue_derive_verify(issued: tuple[dict[str, Any], DictResolver]) -> None:
    signed, resolver = issued
    derived = credentials.derive(signed, ["/credentialSubject/firmwareVersion"], presentation_header=b"nonce-1")
    subject = derived["credentialSubject"]
    assert subject == {"id": "did:example:device-42", "manufacturer": "ACME Sensors", "firmwareVersion": 142}
    result = await credentials.verify(derived, resolver=resolver, now=NOW)
    assert result.verified, result.errors
    # the base proof itself is for the holder, never accepted by a verifier
    base = await credentials.verify(signed, resolver=resolver, now=NOW)
    assert not base.verified


async def test_tampering_is_detected(issued: tuple[dict[str, Any], DictResolver]) -> None:
    signed, resolver = issued
    derived = credentials.derive(signed, ["/credentialSubject/firmwareVersion", "/credentialSubject/model"])
    cases = []
    altered = copy.deepcopy(derived)
    altered["credentialSubject"]["firmwareVersion"] = 143
    cases.append(altered)
    altered = copy.deepcopy(derived)
    altered["credentialSubject"]["manufacturer"] = "Rogue"
    cases.append(altered)
    altered = copy.deepcopy(derived)
    del altered["credentialSubject"]["model"]
    cases.append(altered)
    altered = copy.deepcopy(derived)
    altered["credentialSubject"]["extra"] = "claim"
    cases.append(altered)
    altered = copy.deepcopy(derived)
    altered["proof"]["created"] = "2026-06-01T11:00:01Z"
    cases.append(altered)
    for case in cases:
        result = await credentials.verify(case, resolver=resolver, now=NOW)
        assert not result.verified
        assert all(isinstance(e, CredentialError) for e in result.errors)


def test_presentation_header_binding(issued: tuple[dict[str, Any], DictResolver]) -> None:
    signed, _ = issued
    derived = credentials.derive(signed, ["/credentialSubject/model"], presentation_header=b"gateway-A|nonce-7")
    unsecured = {k: v for k, v in derived.items() if k != "proof"}
    options = {k: v for k, v in derived["proof"].items() if k != "proofValue"}
    bbs.verify_derived(unsecured, options, derived["proof"]["proofValue"], PUBLIC_ISSUED(signed),
                       expected_presentation_header=b"gateway-A|nonce-7")
    with pytest.raises(SignatureMismatch):
        bbs.verify_derived(unsecured, options, derived["proof"]["proofValue"], PUBLIC_ISSUED(signed),
                           expected_presentation_header=b"gateway-B|nonce-7")
    # replaying the proof under another header: rewrite the header inside the proofValue
    parsed = bbs.parse_derived_proof(derived["proof"]["proofValue"])
    forged = bbs.serialize_derived_proof(bbs.DerivedProof(parsed.proof, parsed.label_map, parsed.mandatory_indexes,
                                                          parsed.selective_indexes, b"gateway-B|nonce-7"))
    with pytest.raises(SignatureMismatch):
        bbs.verify_derived(unsecured, options, forged, PUBLIC_ISSUED(signed))


def PUBLIC_ISSUED(signed: dict[str, Any]) -> PublicKey:
    return PublicKey.from_raw(KeyType.BLS12381_G2, bbs.parse_base_proof(signed["proof"]["proofValue"]).public_key)


@pytest.mark.parametrize("value", ["", "zabc", "u", "u!!!!", "uAAAA", 5, None,
                                   "u" + sd._b64u(b"\xd9\x5d\x03" + b"\xff"),
                                   "u" + sd._b64u(b"\xd9\x5d\x03\x83\x01\x02\x03")])
def test_malformed_derived_proof_values_are_typed(value: object) -> None:
    with pytest.raises(InvalidProofValue):
        bbs.parse_derived_proof(value)


def test_derive_errors_are_typed(issued: tuple[dict[str, Any], DictResolver]) -> None:
    signed, _ = issued
    with pytest.raises(sd.SelectionError):
        credentials.derive(signed, ["/credentialSubject/nope"])
    with pytest.raises(sd.SelectionError):
        credentials.derive(signed, ["credentialSubject"])
    with pytest.raises(ProofError):
        credentials.derive({k: v for k, v in signed.items() if k != "proof"}, ["/issuer"])
    other = copy.deepcopy(signed)
    other["credentialSubject"]["model"] = "TX-10"  # the base proof does not sign this document
    with pytest.raises(ProofError):
        credentials.derive(other, ["/credentialSubject/model"])


def test_wrong_key_type_is_refused() -> None:
    key, did, vm = did_key_identity(KeyType.ED25519, seed=3)
    with pytest.raises(CredentialError):
        credentials.issue(dict(copy.deepcopy(CREDENTIAL), issuer=did), key=key, verification_method=vm,
                          suite="bbs-2023")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=len(OPTIONAL)), st.binary(max_size=16))
async def test_any_subset_derives_and_verifies(issued: tuple[dict[str, Any], DictResolver], chosen: list[str],
                                               header: bytes) -> None:
    signed, resolver = issued
    derived = credentials.derive(signed, chosen, presentation_header=header)
    result = await credentials.verify(derived, resolver=resolver, now=NOW)
    assert result.verified, result.errors
    subject = derived["credentialSubject"]
    assert subject["manufacturer"] == "ACME Sensors"
    assert ("model" in subject) == ("/credentialSubject/model" in chosen)
    assert ("firmwareVersion" in subject) == ("/credentialSubject/firmwareVersion" in chosen)
    assert ("validFrom" in derived) == ("/validFrom" in chosen)


def test_tampered_proof_bytes_wrong_key_and_bad_pointers_are_typed(
    issued: tuple[dict[str, Any], DictResolver]
) -> None:
    signed, _ = issued
    derived = credentials.derive(signed, ["/credentialSubject/model"], presentation_header=b"n")
    unsecured = {k: v for k, v in derived.items() if k != "proof"}
    options = {k: v for k, v in derived["proof"].items() if k != "proofValue"}
    raw = bytearray(bbs._b64u_decode(derived["proof"]["proofValue"][1:]))
    for offset in (3 + 10, len(raw) // 2, len(raw) - 40):  # inside the BBS proof, the label map, the indexes
        flipped = bytearray(raw)
        flipped[offset] ^= 0x01
        with pytest.raises(ProofError):
            bbs.verify_derived(unsecured, options, "u" + sd._b64u(bytes(flipped)), PUBLIC_ISSUED(signed))
    # a verifier key that is not BLS12-381 G2
    ed = PrivateKey.from_raw(KeyType.ED25519, bytes(32)).public_key
    with pytest.raises(CredentialError) as err:
        bbs.verify_derived(unsecured, options, derived["proof"]["proofValue"], ed)
    assert err.value.code == "invalidVerificationMethod"
    # a removed mandatory claim
    missing = copy.deepcopy(unsecured)
    del missing["credentialSubject"]["manufacturer"]
    with pytest.raises(SignatureMismatch):
        bbs.verify_derived(missing, options, derived["proof"]["proofValue"], PUBLIC_ISSUED(signed))
    # mandatory pointers that select nothing are refused at issuance
    key, did, vm = did_key_identity(KeyType.BLS12381_G2, seed=8)
    with pytest.raises(sd.SelectionError):
        credentials.issue(dict(copy.deepcopy(CREDENTIAL), issuer=did), key=key, verification_method=vm,
                          suite="bbs-2023", suite_options={"mandatory_pointers": ["/credentialSubject/nope"]})
    with pytest.raises(ProofError):
        credentials.issue(dict(copy.deepcopy(CREDENTIAL), issuer=did), key=key, verification_method=vm,
                          suite="bbs-2023", suite_options={"mandatory_pointers": "/issuer"})


def test_bad_points_and_lengths_inside_proof_values_are_typed(issued: tuple[dict[str, Any], DictResolver]) -> None:
    signed, _ = issued
    base = bbs.parse_base_proof(signed["proof"]["proofValue"])
    identity_g1, identity_g2 = b"\xc0" + bytes(47), b"\xc0" + bytes(95)
    not_on_curve_g2 = b"\x80" + b"\x01" * 95

    def with_base(**changes: Any) -> dict[str, Any]:
        doc = copy.deepcopy(signed)
        doc["proof"]["proofValue"] = bbs.serialize_base_proof(bbs.BaseProof(**{**base.__dict__, **changes}))
        return doc

    for bad in (with_base(public_key=identity_g2), with_base(public_key=not_on_curve_g2),
                with_base(signature=identity_g1 + base.signature[48:]), with_base(header=bytes(64))):
        with pytest.raises(ProofError):
            credentials.derive(bad, ["/credentialSubject/model"])
    raw = bbs._b64u_decode(signed["proof"]["proofValue"][1:])
    short_sig = "u" + sd._b64u(raw[:3] + bytes([raw[3]]) + b"\x58\x4f" + base.signature[:79] + raw[3 + 1 + 2 + 80:])
    with pytest.raises(InvalidProofValue):
        bbs.parse_base_proof(short_sig)

    derived = credentials.derive(signed, ["/credentialSubject/model"])
    unsecured = {k: v for k, v in derived.items() if k != "proof"}
    options = {k: v for k, v in derived["proof"].items() if k != "proofValue"}
    parsed = bbs.parse_derived_proof(derived["proof"]["proofValue"])
    for proof in (identity_g1 + parsed.proof[48:], parsed.proof[:48] + identity_g1 + parsed.proof[96:],
                  parsed.proof[:-1], parsed.proof + bytes(32), b""):
        value = bbs.serialize_derived_proof(bbs.DerivedProof(**{**parsed.__dict__, "proof": proof}))
        with pytest.raises(ProofError):
            bbs.verify_derived(unsecured, options, value, PUBLIC_ISSUED(signed))
    for indexes in ([0, 0], [5], [1, 0]):  # repeated, out of range, out of order
        value = bbs.serialize_derived_proof(bbs.DerivedProof(**{**parsed.__dict__, "selective_indexes": indexes}))
        with pytest.raises(ProofError):
            bbs.verify_derived(unsecured, options, value, PUBLIC_ISSUED(signed))
