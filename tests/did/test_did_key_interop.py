"""Multikey interop with Digital Bazaar (@digitalbazaar/ed25519-multikey, ecdsa-multikey, bls12-381-multikey) and
signature interop with noble-curves (the library under @web5/dids), run with Node (interop/multikey.mjs)."""

from __future__ import annotations

import hashlib

import pytest

from did import did_key
from did.document import DIDDocument
from did.keys import KeyType, PrivateKey, PublicKey
from did.multikey import from_dict, to_dict
from tests.nodejs import run_node

pytestmark = pytest.mark.interop

DATA = b"iiotid multikey interop"
KIND_TYPE = {"ed25519": KeyType.ED25519, "p256": KeyType.P256, "bls": KeyType.BLS12381_G2}


@pytest.fixture(scope="module")
def theirs() -> list[dict]:
    return run_node("multikey.mjs", {"op": "generate", "kinds": ["ed25519", "p256", "bls", "ed25519", "p256", "bls"]})


def test_their_keys_parse_and_match_their_jwks(theirs: list[dict]) -> None:
    for item in theirs:
        mk = from_dict(item["multikey"])
        key = mk.private_key
        assert key is not None
        assert key.key_type is KIND_TYPE[item["kind"]]
        # Our public key derived from their secret equals their public key (BLS: SK * P2, big-endian SK).
        assert key.public_key.to_multibase() == item["multikey"]["publicKeyMultibase"]
        assert mk.id == item["multikey"]["id"] and mk.controller == "did:example:interop"
        # JWK: compare the members RFC 7517/8037 define; they add alg/key_ops/ext.
        ours = key.public_key.to_jwk()
        assert ours == {k: item["jwk"][k] for k in ours}
        assert PrivateKey.from_jwk(item["jwkSecret"]) == key
        # A did:key made from their key resolves to their key.
        did = did_key.did_from_public_key(key.public_key)
        assert did_key.resolve(did).verification_method[0].public_key.to_multibase() == mk.public_key.to_multibase()


def test_we_verify_their_signatures(theirs: list[dict]) -> None:
    for item in theirs:
        if item["kind"] == "bls":
            continue
        pk = PublicKey.from_multibase(item["multikey"]["publicKeyMultibase"])
        pk.verify(bytes.fromhex(item["data"]), bytes.fromhex(item["signature"]))


def test_they_import_our_keys_and_we_verify_each_other() -> None:
    keys = {
        "ed25519": PrivateKey.generate(KeyType.ED25519),
        "p256": PrivateKey.generate(KeyType.P256),
        # BBS key generation belongs to zkp; a random scalar below the group order is a valid BLS secret.
        "bls": PrivateKey.from_raw(KeyType.BLS12381_G2, hashlib.sha256(b"bls interop").digest()[:31].rjust(32, b"\0")),
    }
    payload = [
        {"kind": kind, "multikey": to_dict(k, id=f"did:example:ours#{kind}", controller="did:example:ours")}
        for kind, k in keys.items()
    ]
    out = run_node("multikey.mjs", {"op": "import", "keys": payload, "data": DATA.hex()})
    for sent, got in zip(payload, out, strict=True):
        # They re-export exactly what we wrote (public and secret, same prefixes and lengths).
        for prop in ("publicKeyMultibase", "secretKeyMultibase", "id", "controller", "type"):
            assert got["multikey"][prop] == sent["multikey"][prop], prop
        if sent["kind"] != "bls":
            keys[sent["kind"]].public_key.verify(DATA, bytes.fromhex(got["signature"]))
    items = [
        {
            "kind": kind,
            "multikey": to_dict(k, include_secret=False),
            "data": DATA.hex(),
            "signature": k.sign(DATA).hex(),
        }
        for kind, k in keys.items()
        if kind != "bls"
    ]
    assert run_node("multikey.mjs", {"op": "verify", "items": items}) == [True, True]


def test_did_key_documents_load_in_their_library() -> None:
    """Every verification method in our did:key documents imports in their library as the same key."""
    pk = PrivateKey.generate(KeyType.ED25519).public_key
    doc = did_key.create(pk)
    vms = [vm.to_json() for vm in doc.all_verification_methods() if vm.public_key.key_type is KeyType.ED25519]
    vms += [vm.to_json() for vm in did_key.create(PrivateKey.generate(KeyType.P256).public_key).verification_method]
    kinds = ["ed25519", "p256"]
    keys = [{"kind": k, "multikey": m} for k, m in zip(kinds, vms, strict=True)]
    out = run_node("multikey.mjs", {"op": "import", "keys": keys})
    for vm, got in zip(vms, out, strict=True):
        assert got["multikey"]["publicKeyMultibase"] == vm["publicKeyMultibase"]
        assert got["multikey"]["id"] == vm["id"]
    assert DIDDocument.from_json(doc.to_json()) == doc


@pytest.mark.parametrize("curve", ["secp256k1", "p256", "ed25519"])
def test_noble_curves_signatures_are_identical_and_cross_verify(curve: str) -> None:
    """ES256K / ES256 / EdDSA: our deterministic signatures equal noble's byte for byte (RFC 6979 + low-S for
    secp256k1, as noble-secp256k1 requires), and each side verifies the other's."""
    kt = {"secp256k1": KeyType.SECP256K1, "p256": KeyType.P256, "ed25519": KeyType.ED25519}[curve]
    keys = [PrivateKey.generate(kt) for _ in range(8)]
    msgs = [f"message {i}".encode() * (i + 1) for i in range(8)]
    items = [
        {"curve": curve, "secret": k.raw.hex(), "data": m.hex(), "signature": k.sign(m).hex()}
        for k, m in zip(keys, msgs, strict=True)
    ]
    out = run_node("multikey.mjs", {"op": "noble", "items": items})
    for k, m, item, got in zip(keys, msgs, items, out, strict=True):
        assert got["verifies"] is True
        assert bytes.fromhex(got["publicKey"]) == k.public_key.raw
        assert got["signature"] == item["signature"]
        k.public_key.verify(m, bytes.fromhex(got["signature"]))
