"""bbs-2023 feature options (W3C vc-di-bbs §3.3.1 featureOption): the published HolderBinding, Pseudonym and
PseudonymHB vectors step by step (``anonymous_holder_binding`` on Blind BBS -02; the pseudonym options on
per-verifier-linkability -00, see credentials/suites/bbs_2023_pseudonym.py), and each feature through the public API."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import credentials
from credentials import jsonld
from credentials import sd_primitives as sd
from credentials.errors import MalformedProof, ProofError, SignatureMismatch
from credentials.suites import bbs_2023 as bbs
from did.keys import KeyType, PrivateKey, PublicKey
from tests.conftest import VECTORS
from tests.credentials.di_helpers import NOW, DictResolver, did_key_identity
from zkp.backend.hash_to_field import R
from zkp.bbs import blind
from zkp.bbs.ciphersuites import mock_random_scalars_dst, seeded_random_scalars

V = VECTORS / "vc-di-bbs"
FEATURE_CONTEXTS = {  # the contexts the feature vectors' license.json names (copies in shared/vectors/contexts)
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://w3id.org/vdl/v1": "vdl-v1.jsonld",
    "https://w3id.org/vdl/aamva/v1": "vdl-aamva-v1.jsonld",
}


def load(name: str) -> Any:
    return json.loads((V / name).read_text())


KEYS = load("BBSKeyMaterial.json")
PK = bytes.fromhex(KEYS["publicKeyHex"])
SK = bytes.fromhex(KEYS["privateKeyHex"])
HMAC_KEY = bytes.fromhex(KEYS["hmacKeyString"])
PUBLIC = PublicKey.from_raw(KeyType.BLS12381_G2, PK)
HOLDER_SECRET = bytes.fromhex(load("FeatureInputs/holderSecret.json")["holderSecretHex"])
HB = "HolderBinding/"


@pytest.fixture(autouse=True, scope="module")
def _contexts() -> Iterator[None]:
    for url, name in FEATURE_CONTEXTS.items():
        jsonld.register_context(url, json.loads((VECTORS / "contexts" / name).read_text()))
    # license.json has "@type": "@json" values (vdl driving_privileges); the native JSON-LD path walks into them
    # instead of handing them to PyLD (reported to the credentials owner), so these vectors run on PyLD's path
    jsonld.set_fast_path(False)
    yield
    jsonld.set_fast_path(True)


def _split(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], Any]:
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    options = {k: v for k, v in doc["proof"].items() if k != "proofValue"}
    return unsecured, options, doc["proof"]["proofValue"]


@pytest.mark.parametrize("folder", ["HolderBinding/", "Pseudonym/", "PseudonymHB/"])
def test_feature_base_transformation_matches_the_vectors(folder: str) -> None:
    # canonicalization, HMAC relabelling, grouping and hashing do not depend on the feature option
    doc = load("FeatureInputs/license.json")
    grouped = sd.canonicalize_and_group(doc, sd.shuffled_label_map_factory(HMAC_KEY),
                                        {"mandatory": load("FeatureInputs/licenseMandatory.json")})
    assert grouped.nquads == load(folder + "addBaseDocHMACCanon.json")
    transform = load(folder + "addBaseTransform.json")
    assert grouped.groups["mandatory"].matching == {i: q for i, q in transform["mandatory"]["value"]}
    assert grouped.groups["mandatory"].non_matching == {i: q for i, q in transform["nonMandatory"]["value"]}
    hashes = load(folder + "addHashData.json")
    assert sd.hash_mandatory(grouped.groups["mandatory"].matching.values()).hex() == hashes["mandatoryHash"]
    options = {k: v for k, v in load(folder + "addProofConfig.json").items() if k != "@context"}
    assert bbs._proof_hash(options, doc).hex() == hashes["proofHash"]


def test_holder_binding_base_proof_is_byte_exact() -> None:
    doc = load("FeatureInputs/license.json")
    options = {k: v for k, v in load(HB + "addProofConfig.json").items() if k != "@context"}
    commitment = bytes.fromhex(load(HB + "commitmentInfo.json")["commitmentWithProof"])
    key = PrivateKey.from_raw(KeyType.BLS12381_G2, SK)
    mandatory = load("FeatureInputs/licenseMandatory.json")
    value = bbs.create_base_proof_value(doc, options, key, mandatory_pointers=mandatory, hmac_key=HMAC_KEY,
                                        commitment_with_proof=commitment)
    assert value == load(HB + "addSignedSDBase.json")["proof"]["proofValue"]
    parsed = bbs.parse_base_proof(value)
    assert parsed.feature == bbs.HOLDER_BINDING
    assert parsed.signature.hex() == load(HB + "addRawBaseSignatureInfo.json")["bbsSignature"]


def test_their_holder_bound_derived_proof_verifies_and_ours_matches_it() -> None:
    revealed = load(HB + "derivedRevealDocument.json")
    unsecured, options, value = _split(revealed)
    parsed = bbs.verify_derived(unsecured, options, value, PUBLIC)
    disclosure = load(HB + "derivedDisclosureData.json")
    assert parsed.feature == bbs.HOLDER_BINDING
    assert parsed.length_bbs_messages == disclosure["lengthBBSMessages"]
    assert parsed.mandatory_indexes == disclosure["mandatoryIndexes"]
    assert parsed.selective_indexes == disclosure["adjSelectiveIndexes"]
    assert parsed.label_map == dict(disclosure["labelMap"]["value"])
    assert unsecured == load(HB + "derivedUnsignedReveal.json")

    material = load("BBSDeriveMaterial.json")
    mocked = partial(seeded_random_scalars, bytes.fromhex(material["pseudoRandSeedHex"]), mock_random_scalars_dst())
    blind_value = int(load(HB + "commitmentInfo.json")["secretProverBlind"], 16)
    ours = bbs.derive(load(HB + "addSignedSDBase.json"), load("FeatureInputs/licenseSelective.json"),
                      presentation_header=bytes.fromhex(material["presentationHeaderHex"]),
                      holder_secret=HOLDER_SECRET, prover_blind=blind_value, random_scalars=mocked)
    ours_unsecured, ours_options, ours_value = _split(ours)
    assert ours_unsecured == unsecured
    ours_parsed = bbs.verify_derived(ours_unsecured, ours_options, ours_value, PUBLIC)
    for field in ("label_map", "mandatory_indexes", "selective_indexes", "presentation_header", "feature",
                  "length_bbs_messages"):
        assert getattr(ours_parsed, field) == getattr(parsed, field), field
    assert len(ours_parsed.proof) == len(parsed.proof)  # 272 + 32 * (17 hidden + blind + holder secret)
    # the altered-document and foreign-header cases fail for the holder-bound proof too
    altered = copy.deepcopy(ours_unsecured)
    altered["credentialSubject"]["driversLicense"]["issuing_country"] = "XX"
    with pytest.raises(SignatureMismatch):
        bbs.verify_derived(altered, ours_options, ours_value, PUBLIC)
    with pytest.raises(SignatureMismatch):
        bbs.verify_derived(ours_unsecured, ours_options, ours_value, PUBLIC, expected_presentation_header=b"other")


def test_holder_binding_needs_the_right_secret() -> None:
    base = load(HB + "addSignedSDBase.json")
    selective = load("FeatureInputs/licenseSelective.json")
    blind_value = int(load(HB + "commitmentInfo.json")["secretProverBlind"], 16)
    with pytest.raises(bbs.DisclosureError) as err:
        bbs.derive(base, selective)
    assert err.value.code == "holderSecretRequired"
    with pytest.raises(bbs.DisclosureError):
        bbs.derive(base, selective, holder_secret=b"\x00" * 32, prover_blind=blind_value)
    with pytest.raises(bbs.DisclosureError):
        bbs.derive(base, selective, holder_secret=HOLDER_SECRET, prover_blind=blind_value + 1)


PROVER_NYM = int(load("FeatureInputs/proverNym.json")["proverNymHex"], 16)
ENTROPY = int(load("FeatureInputs/signerNymEntropy.json")["signerNymEntropyHex"], 16)
VERIFIER = load("FeatureInputs/verifierInfo.json")["verifierId"].encode()


@pytest.mark.parametrize("folder", ["Pseudonym/", "PseudonymHB/"])
def test_pseudonym_base_proofs_match_the_vectors(folder: str) -> None:
    doc = load("FeatureInputs/license.json")
    options = {k: v for k, v in load(folder + "addProofConfig.json").items() if k != "@context"}
    commitment = bytes.fromhex(load(folder + "commitmentInfo.json")["commitmentWithProof"])
    feature = bbs.HOLDER_BINDING_PSEUDONYM if folder == "PseudonymHB/" else bbs.PSEUDONYM
    key = PrivateKey.from_raw(KeyType.BLS12381_G2, SK)
    mandatory = load("FeatureInputs/licenseMandatory.json")
    value = bbs.create_base_proof_value(doc, options, key, mandatory_pointers=mandatory, hmac_key=HMAC_KEY,
                                        commitment_with_proof=commitment, feature=feature, signer_nym_entropy=ENTROPY)
    expected = load(folder + "addSignedSDBase.json")["proof"]["proofValue"]
    ours_raw, theirs_raw = bbs._b64u_decode(value[1:]), bbs._b64u_decode(expected[1:])
    # SOURCES.md erratum: both vector folders use the holder_binding_pseudonym header 0x08; the CBOR is identical
    assert ours_raw[3:] == theirs_raw[3:]
    assert ours_raw[:3] == (b"\xd9\x5d\x08" if feature == bbs.HOLDER_BINDING_PSEUDONYM else b"\xd9\x5d\x06")
    parsed = bbs.parse_base_proof(value)
    assert parsed.signature.hex() == load(folder + "addRawBaseSignatureInfo.json")["bbsSignature"]
    assert parsed.signer_nym_entropy == ENTROPY
    # the issuer never sees nym_secret: it is prover_nym + entropy, known to the holder only
    assert (PROVER_NYM + ENTROPY) % R == int(load(folder + "nymSecret.json")["nymSecretHex"], 16)


@pytest.mark.parametrize("folder", ["Pseudonym/", "PseudonymHB/"])
def test_their_pseudonym_proofs_verify_and_ours_give_the_same_pseudonym(folder: str) -> None:
    unsecured, options, value = _split(load(folder + "derivedRevealDocument.json"))
    disclosure = load(folder + "derivedDisclosureData.json")
    with pytest.raises(MalformedProof):  # the vectors' proofs name no nym_domain: the verifier must give its own
        bbs.verify_derived(unsecured, options, value, PUBLIC)
    parsed = bbs.verify_derived(unsecured, options, value, PUBLIC, expected_nym_domain=VERIFIER)
    assert parsed.pseudonym is not None and parsed.pseudonym.hex() == disclosure["pseudonym"]
    assert parsed.length_bbs_messages == disclosure["lengthBBSMessages"]
    assert parsed.selective_indexes == disclosure["adjSelectiveIndexes"]
    with pytest.raises(SignatureMismatch):  # another verifier's domain
        bbs.verify_derived(unsecured, options, value, PUBLIC, expected_nym_domain=b"https://other.example/")

    material = load("BBSDeriveMaterial.json")
    mocked = partial(seeded_random_scalars, bytes.fromhex(material["pseudoRandSeedHex"]), mock_random_scalars_dst())
    blind_value = int(load(folder + "commitmentInfo.json")["secretProverBlind"], 16)
    secret = HOLDER_SECRET if folder == "PseudonymHB/" else None
    ours = bbs.derive(load(folder + "addSignedSDBase.json"), load("FeatureInputs/licenseSelective.json"),
                      presentation_header=bytes.fromhex(material["presentationHeaderHex"]), holder_secret=secret,
                      prover_blind=blind_value, prover_nym=PROVER_NYM, nym_domain=VERIFIER, random_scalars=mocked)
    ours_unsecured, ours_options, ours_value = _split(ours)
    assert ours_unsecured == unsecured
    ours_parsed = bbs.verify_derived(ours_unsecured, ours_options, ours_value, PUBLIC, expected_nym_domain=VERIFIER)
    assert ours_parsed.pseudonym == parsed.pseudonym  # deterministic: OP(verifier) * nym_secret
    assert ours_parsed.nym_domain == VERIFIER  # we write nym_domain (8 items, vc-di-bbs §3.3.8)
    assert len(ours_parsed.proof) == len(parsed.proof)
    with pytest.raises(SignatureMismatch) as err:
        bbs.verify_derived(ours_unsecured, ours_options, ours_value, PUBLIC, expected_nym_domain=b"https://x.example/")
    assert err.value.code == "nymDomainMismatch"
    # the proof is bound to its nym_domain: rewriting the domain inside the proofValue breaks it
    forged = bbs.serialize_derived_proof(bbs.DerivedProof(**{**ours_parsed.__dict__, "nym_domain": b"https://x.example/"}))
    with pytest.raises(SignatureMismatch):
        bbs.verify_derived(ours_unsecured, ours_options, forged, PUBLIC)
    with pytest.raises(bbs.DisclosureError):  # without the prover nym nothing can be derived
        bbs.derive(load(folder + "addSignedSDBase.json"), [], holder_secret=secret, prover_blind=blind_value,
                   nym_domain=VERIFIER)
    with pytest.raises(bbs.DisclosureError):  # a wrong prover nym fails the signature check
        bbs.derive(load(folder + "addSignedSDBase.json"), [], holder_secret=secret, prover_blind=blind_value,
                   prover_nym=PROVER_NYM + 1, nym_domain=VERIFIER)


# ------------------------------------------------------------------------------------------------ public API
CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2", {"@vocab": "https://plant.example/vocab#"}],
    "type": ["VerifiableCredential"],
    "issuer": "did:example:placeholder",
    "credentialSubject": {"id": "did:example:device-7", "manufacturer": "ACME", "firmwareVersion": 142,
                          "securityLevel": 3},
}


async def test_holder_bound_issue_derive_verify_through_the_api() -> None:
    # the device commits to its secret; the OEM signs blind; only the device can present
    device_secret = b"device-7 holder secret"
    commitment, prover_blind = bbs.holder_commitment(device_secret)
    key, did, vm = did_key_identity(KeyType.BLS12381_G2, seed=31)
    signed = credentials.issue(dict(copy.deepcopy(CREDENTIAL), issuer=did), key=key, verification_method=vm,
                               suite="bbs-2023", created="2026-06-01T11:00:00Z",
                               suite_options={"mandatory_pointers": ["/issuer"], "commitment_with_proof": commitment})
    assert bbs.parse_base_proof(signed["proof"]["proofValue"]).feature == bbs.HOLDER_BINDING
    derived = credentials.derive(signed, ["/credentialSubject/firmwareVersion"], presentation_header=b"gw|n1",
                                 holder_secret=device_secret, prover_blind=prover_blind)
    assert "securityLevel" not in derived["credentialSubject"]
    result = await credentials.verify(derived, resolver=DictResolver(), now=NOW)
    assert result.verified, result.errors
    # a thief with the credential but not the secret cannot present it
    with pytest.raises(ProofError):
        credentials.derive(signed, ["/credentialSubject/firmwareVersion"], holder_secret=b"guess",
                           prover_blind=prover_blind)
    # a bad commitment is refused at issuance
    forged = commitment[:-1] + bytes([commitment[-1] ^ 1])
    with pytest.raises(MalformedProof) as err:
        credentials.issue(dict(copy.deepcopy(CREDENTIAL), issuer=did), key=key, verification_method=vm,
                          suite="bbs-2023", suite_options={"commitment_with_proof": forged})
    assert err.value.code == "invalidCommitment"


def test_derived_proof_value_codec_roundtrip_and_checks() -> None:
    proof = bbs.DerivedProof(b"\x01" * 272, {"c14n0": "b1"}, [0], [2], b"ph", bbs.HOLDER_BINDING, 9)
    assert bbs.parse_derived_proof(bbs.serialize_derived_proof(proof)) == proof
    raw = bbs._b64u_decode(bbs.serialize_derived_proof(proof)[1:])
    assert raw[:3] == b"\xd9\x5d\x05"
    baseline = bbs.DerivedProof(b"\x01" * 272, {}, [], [], b"")
    assert bbs._b64u_decode(bbs.serialize_derived_proof(baseline)[1:])[:3] == b"\xd9\x5d\x03"
    assert blind.committed_count(bbs.holder_commitment(b"s")[0]) == 1


async def test_pseudonyms_through_the_api_are_per_verifier() -> None:
    from zkp.bbs.pseudonym import generate_prover_nyms

    device_secret, prover_nym = b"device-9 secret", generate_prover_nyms(1)[0]
    commitment, prover_blind = bbs.holder_nym_commitment(prover_nym, device_secret)
    key, did, vm = did_key_identity(KeyType.BLS12381_G2, seed=33)
    signed = credentials.issue(dict(copy.deepcopy(CREDENTIAL), issuer=did), key=key, verification_method=vm,
                               suite="bbs-2023", created="2026-06-01T11:00:00Z",
                               suite_options={"mandatory_pointers": ["/issuer"], "commitment_with_proof": commitment,
                                              "feature": bbs.HOLDER_BINDING_PSEUDONYM})

    def show(domain: bytes) -> tuple[dict[str, Any], bytes]:
        derived = credentials.derive(signed, ["/credentialSubject/securityLevel"], holder_secret=device_secret,
                                     prover_blind=prover_blind, prover_nym=prover_nym, nym_domain=domain)
        unsecured, options, value = _split(derived)
        parsed = bbs.verify_derived(unsecured, options, value, PUBLIC_OF(signed), expected_nym_domain=domain)
        assert parsed.pseudonym is not None
        return derived, parsed.pseudonym

    a1, nym_a1 = show(b"did:example:gateway-A")
    _, nym_a2 = show(b"did:example:gateway-A")
    _, nym_b = show(b"did:example:gateway-B")
    assert nym_a1 == nym_a2 != nym_b  # linkable at one gateway only
    assert a1["proof"]["proofValue"] != _["proof"]["proofValue"]
    result = await credentials.verify(a1, resolver=DictResolver(), now=NOW)
    assert result.verified, result.errors
    with pytest.raises(MalformedProof):  # a pseudonym credential needs a commitment
        credentials.issue(dict(copy.deepcopy(CREDENTIAL), issuer=did), key=key, verification_method=vm,
                          suite="bbs-2023", suite_options={"feature": bbs.PSEUDONYM})
    with pytest.raises(bbs.UnsupportedFeature):
        credentials.issue(dict(copy.deepcopy(CREDENTIAL), issuer=did), key=key, verification_method=vm,
                          suite="bbs-2023", suite_options={"feature": "nope", "commitment_with_proof": commitment})


def PUBLIC_OF(signed: dict[str, Any]) -> PublicKey:
    return PublicKey.from_raw(KeyType.BLS12381_G2, bbs.parse_base_proof(signed["proof"]["proofValue"]).public_key)


OPTIONAL = ["/credentialSubject/manufacturer", "/credentialSubject/firmwareVersion", "/credentialSubject/securityLevel"]


@pytest.fixture(scope="module")
def nym_credential() -> tuple[dict[str, Any], bytes, int, int]:
    from zkp.bbs.pseudonym import generate_prover_nyms

    secret, prover_nym = b"device-11 secret", generate_prover_nyms(1)[0]
    commitment, prover_blind = bbs.holder_nym_commitment(prover_nym, secret)
    key, did, vm = did_key_identity(KeyType.BLS12381_G2, seed=35)
    signed = credentials.issue(dict(copy.deepcopy(CREDENTIAL), issuer=did), key=key, verification_method=vm,
                               suite="bbs-2023", created="2026-06-01T11:00:00Z",
                               suite_options={"mandatory_pointers": ["/issuer"], "commitment_with_proof": commitment,
                                              "feature": bbs.HOLDER_BINDING_PSEUDONYM})
    return signed, secret, prover_nym, prover_blind


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(OPTIONAL), unique=True), st.sampled_from([b"gw-A", b"gw-B", b"gw-C"]),
       st.binary(max_size=8))
def test_any_subset_and_domain_derives_verifies_and_keeps_the_pseudonym(
    nym_credential: tuple[dict[str, Any], bytes, int, int], chosen: list[str], domain: bytes, header: bytes
) -> None:
    signed, secret, prover_nym, prover_blind = nym_credential
    derived = credentials.derive(signed, chosen, presentation_header=header, holder_secret=secret,
                                 prover_blind=prover_blind, prover_nym=prover_nym, nym_domain=domain)
    unsecured, options, value = _split(derived)
    parsed = bbs.verify_derived(unsecured, options, value, PUBLIC_OF(signed), expected_nym_domain=domain,
                                expected_presentation_header=header)
    from credentials.suites import bbs_2023_pseudonym as nym

    op = nym._op(domain, nym._setup()[2], nym._setup()[1])
    base = bbs.parse_base_proof(signed["proof"]["proofValue"])
    expected = nym._setup()[1].g1_mul(op, (prover_nym + base.signer_nym_entropy) % R)  # type: ignore[operator]
    assert parsed.pseudonym == nym._setup()[1].g1_to_bytes(expected)
    subject = derived.get("credentialSubject", {})
    for pointer in OPTIONAL:
        assert (pointer.rsplit("/", 1)[1] in subject) == (pointer in chosen)
