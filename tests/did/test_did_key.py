"""did:key against the did:key spec's published examples and test vectors (w3c-ccg/did-key-spec), and errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from did import did_key
from did.document import DIDDocument, VerificationMethod
from did.errors import IiotidError, InvalidDid, InvalidKey, MethodNotSupported
from did.keys import KeyType, PrivateKey, PublicKey, b64url_decode, base58_decode, multibase_encode

VEC = Path(__file__).parent / "did_key_vectors"


def load(name: str) -> Any:
    return json.loads((VEC / name).read_text())


def legacy_public(entry: dict[str, Any], kt: KeyType) -> PublicKey:
    """The 2018/2019-era entries carry either raw base58 or a JWK."""
    if "publicKeyJwk" in entry:
        return PublicKey.from_jwk(entry["publicKeyJwk"])
    return PublicKey.from_raw(kt, base58_decode(entry["publicKeyBase58"]))


def legacy_private(entry: dict[str, Any], kt: KeyType) -> PrivateKey:
    if "privateKeyJwk" in entry:
        return PrivateKey.from_jwk(entry["privateKeyJwk"])
    return PrivateKey.from_raw(kt, base58_decode(entry["privateKeyBase58"]))


def test_spec_example_document_is_reproduced_exactly() -> None:
    # Spec v0.9, appendix "Test Vectors" / "Ed25519 with X25519": the full document.
    example = load("spec-example-ed25519-x25519.json")
    assert did_key.resolve(example["id"]).to_json() == example
    pk = PublicKey.from_multibase(example["id"].removeprefix("did:key:"))
    assert did_key.create(pk).to_json() == example
    assert did_key.did_from_public_key(pk) == example["id"]


@pytest.mark.parametrize(
    ("did", "key_type"),
    [
        ("did:key:z6Mkf5rGMoatrSj1f4CyvuHBeXJELe9RPdzo2PKGNCKVtZxP", KeyType.ED25519),
        ("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", KeyType.SECP256K1),
        ("did:key:zQ3shtxV1FrJfhqE1dvxYRcCknWNjHc3c5X1y3ZSoPDi2aur2", KeyType.SECP256K1),
        ("did:key:zQ3shZc2QzApp2oymGvQbzP8eKheVshBHbU4ZYjeXqwSKEn6N", KeyType.SECP256K1),
        (
            "did:key:zUC7EK3ZakmukHhuncwkbySmomv3FmrkmS36E4Ks5rsb6VQSRpoCrx6Hb8e2Nk6UvJFSdyw9NK1scFXJp21gNNYFjVWNgaqyGn"
            "kyhtagagCpQb5B7tagJu3HDbjQ8h5ypoHjwBb",
            KeyType.BLS12381_G2,
        ),
        ("did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv", KeyType.P256),
    ],
)
def test_spec_v09_example_dids_resolve(did: str, key_type: KeyType) -> None:
    doc = did_key.resolve(did)
    vm = doc.verification_method[0]
    mb = did.removeprefix("did:key:")
    assert vm.id == f"{did}#{mb}"
    assert vm.type == "Multikey" and vm.controller == did
    assert vm.public_key.key_type is key_type
    assert vm.public_key.to_multibase() == mb
    for rel in ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation"):
        assert doc.find_verification_method(vm.id, rel) is vm
    assert doc.key_agreement == ([] if key_type is not KeyType.ED25519 else doc.key_agreement)
    assert DIDDocument.from_json(doc.to_json()) == doc


def test_p384_example_is_an_unsupported_key_type() -> None:
    with pytest.raises(InvalidKey) as e:
        did_key.resolve("did:key:z82LkvCwHNreneWpsgPEbV3gu1C6NFJEBg4srfJ5gdxEsMGRJUz2sG9FE42shbn2xkZJh54")
    assert e.value.code == "unsupportedPublicKeyType"


def test_legacy_ed25519_x25519_vectors_seed_to_did_and_key_agreement() -> None:
    for did, v in load("ed25519-x25519.json").items():
        sk = PrivateKey.from_raw(KeyType.ED25519, bytes.fromhex(v["seed"]))
        assert did_key.did_from_public_key(sk.public_key) == did
        assert legacy_public(v["verificationKeyPair"], KeyType.ED25519) == sk.public_key
        x = sk.to_x25519()
        ka = v["keyAgreementKeyPair"]
        assert legacy_public(ka, KeyType.X25519) == x.public_key
        assert legacy_private(ka, KeyType.X25519) == x
        assert ka["id"].endswith("#" + x.public_key.to_multibase())
        doc = did_key.resolve(did)
        assert doc.find_verification_method(ka["id"], "keyAgreement").public_key == x.public_key
        legacy = DIDDocument.from_json(v["didDocument"])
        assert legacy.find_verification_method(ka["id"], "keyAgreement").public_key == x.public_key
        assert legacy.verification_method[0].public_key == sk.public_key


def test_legacy_x25519_vectors() -> None:
    for did, d in load("x25519.json")["didDocument"].items():
        doc = did_key.resolve(did)
        vm = doc.find_verification_method(did.removeprefix("did:key:"), "keyAgreement")
        assert vm.public_key.key_type is KeyType.X25519
        assert vm.public_key == legacy_public(d["verificationMethod"][0], KeyType.X25519)
        assert doc.authentication == []


def test_legacy_secp256k1_vectors_secret_to_did() -> None:
    for did, v in load("secp256k1.json").items():
        kp = v["verificationKeyPair"]
        sk = legacy_private(kp, KeyType.SECP256K1)
        if "seed" in v:
            assert sk.raw.hex() == v["seed"]
        assert sk.public_key == legacy_public(kp, KeyType.SECP256K1)
        assert did_key.did_from_public_key(sk.public_key) == did
        assert DIDDocument.from_json(v["didDocument"]).verification_method[0].public_key == sk.public_key


def test_legacy_nist_vectors_p256_jwks() -> None:
    seen = 0
    for did, v in load("nist-curves.json").items():
        vm = v["verificationMethod"]
        if "publicKeyJwk" not in vm or vm["publicKeyJwk"]["crv"] != "P-256":
            continue
        sk = PrivateKey.from_jwk(vm["privateKeyJwk"])
        assert did_key.did_from_public_key(sk.public_key) == did
        doc = did_key.resolve(did, public_key_format="JsonWebKey")
        assert doc.verification_method[0].to_json()["publicKeyJwk"] == vm["publicKeyJwk"]
        assert DIDDocument.from_json(v["didDocument"]).verification_method[0].public_key == sk.public_key
        seen += 1
    assert seen == 2
    # The P256Key2021 entry carries raw compressed bytes in base58.
    entry = load("nist-curves.json")["did:key:zDnaeTiq1PdzvZXUaMdezchcMJQpBdH2VN4pgrrEhMCCbmwSb"]["verificationMethod"]
    sk = PrivateKey.from_raw(KeyType.P256, base58_decode(entry["privateKeyBase58"]))
    assert sk.public_key.raw == base58_decode(entry["publicKeyBase58"])
    assert did_key.did_from_public_key(sk.public_key) == "did:key:zDnaeTiq1PdzvZXUaMdezchcMJQpBdH2VN4pgrrEhMCCbmwSb"
    for did in ("did:key:z82Lm1MpAkeJcix9K8TMiLd5NMAhnwkjjCBeWHXyu3U4oT2MVJJKXkcVBgjGhnLBn2Kaau9",
                "did:key:z2J9gaYxrKVpdoG9A4gRnmpnRCcxU6agDtFVVBVdn1JedouoZN7SzcyREXXzWgt3gGiwpoHq7K68X4m32D8HgzG8wv3sY5j7"):
        with pytest.raises(InvalidKey):
            did_key.resolve(did)


def test_legacy_bls_vectors() -> None:
    for did, v in load("bls12381.json").items():
        kp = v["verificationKeyPair"]
        if kp["type"] != "Bls12381G2Key2020":
            with pytest.raises(InvalidKey) as e:  # z5Tc...: the G1+G2 pair codec 0xee
                did_key.resolve(did)
            assert e.value.code == "unsupportedPublicKeyType"
            continue
        pk = did_key.public_key_from_did(did)
        assert pk.raw == base58_decode(kp["publicKeyBase58"])
        sk = PrivateKey.from_raw(KeyType.BLS12381_G2, base58_decode(kp["privateKeyBase58"]))
        assert sk.public_key == pk
        assert DIDDocument.from_json(v["didDocument"]).verification_method[0].public_key == pk


def test_create_for_each_supported_type_and_json_web_key_format() -> None:
    for kt in (KeyType.ED25519, KeyType.P256, KeyType.SECP256K1, KeyType.BLS12381_G2, KeyType.X25519):
        pk = PrivateKey.from_raw(kt, (99).to_bytes(32, "big")).public_key
        doc = did_key.create(pk)
        assert did_key.resolve(doc.id) == doc
        jdoc = did_key.create(pk, public_key_format="JsonWebKey")
        assert PublicKey.from_jwk(jdoc.to_json()["verificationMethod"][0]["publicKeyJwk"]) == pk
        if kt is KeyType.ED25519:
            assert isinstance(doc.key_agreement[0], VerificationMethod)
            assert not did_key.create(pk, enable_encryption_key_derivation=False).key_agreement


def test_version_component() -> None:
    did = "did:key:1:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    assert did_key.resolve(did).id == did
    for bad in ("did:key:0:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                "did:key:x:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                "did:key:2:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"):
        with pytest.raises(InvalidDid):
            did_key.resolve(bad)


@pytest.mark.parametrize(
    ("did", "error", "code"),
    [
        ("did:key:", InvalidDid, "invalidDid"),
        ("did:key:6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", InvalidDid, "invalidDid"),
        ("did:key:u7QHt", InvalidDid, "invalidDid"),
        ("did:key:z0OIl", InvalidDid, "invalidDid"),
        ("did:key:" + multibase_encode(b"\xed\x01" + b"\x01" * 31), InvalidKey, "invalidPublicKeyLength"),
        ("did:key:" + multibase_encode(b"\x80\x24" + b"\x02" + b"\xff" * 32), InvalidKey, "invalidPublicKey"),
        ("did:key:" + multibase_encode(b"\x85\x24" + b"\x01" * 32), InvalidKey, "unsupportedPublicKeyType"),
        ("did:key:a:b:c:d", InvalidDid, "invalidDid"),
        ("did:web:example.com", MethodNotSupported, "methodNotSupported"),
        ("not a did", InvalidDid, "invalidDid"),
        ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#frag", InvalidDid, "invalidDid"),
    ],
)
def test_resolve_errors(did: str, error: type[IiotidError], code: str) -> None:
    with pytest.raises(error) as e:
        did_key.resolve(did)
    assert e.value.code == code


def test_x25519_did_key_vector_jwk_form() -> None:
    did = next(iter(load("x25519.json")["didDocument"]))
    doc = did_key.resolve(did, public_key_format="JsonWebKey")
    jwk = doc.key_agreement[0] if doc.key_agreement and not isinstance(doc.key_agreement[0], str) else None
    vm = jwk or doc.verification_method[0]
    assert vm.to_json()["publicKeyJwk"]["crv"] == "X25519"
    assert len(b64url_decode(vm.to_json()["publicKeyJwk"]["x"])) == 32
