"""did:key interop with @web5/dids 1.2.0 DidKey (interop/did_key_web5.mjs): same DIDs from the same keys, the same
keys (including the derived X25519 key) in both documents, and both sides reject the same malformed DIDs."""

from __future__ import annotations

import pytest

from did import did_key
from did.document import DIDDocument
from did.errors import IiotidError
from did.keys import KeyType, PrivateKey
from tests.nodejs import run_node

pytestmark = pytest.mark.interop

WEB5_OPTIONS = {"publicKeyFormat": "JsonWebKey2020", "enableEncryptionKeyDerivation": True}


def _keys_by_relationship(doc: DIDDocument) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for rel, entries in doc.relationships().items():
        mbs = set()
        for e in entries:
            ref = e if isinstance(e, str) else e.id
            mbs.add(doc.find_verification_method(ref).public_key.to_multibase())
        if mbs:
            out[rel] = mbs
    return out


def test_dids_created_by_web5_match_ours() -> None:
    created = run_node("did_key_web5.mjs", {"op": "create", "algorithms": ["Ed25519", "secp256k1", "Ed25519"]})
    for item in created:
        sk = PrivateKey.from_jwk(item["privateJwk"])
        assert did_key.did_from_public_key(sk.public_key) == item["did"]
        theirs = DIDDocument.from_json(item["didDocument"])  # their JsonWebKey2020 document parses in our model
        ours = did_key.resolve(item["did"])
        assert theirs.id == ours.id
        assert _keys_by_relationship(theirs)["authentication"] == _keys_by_relationship(ours)["authentication"]
        assert {vm.public_key for vm in theirs.verification_method} >= {sk.public_key}


@pytest.mark.parametrize(
    ("key_type", "options"),
    [
        (KeyType.ED25519, WEB5_OPTIONS),
        # web5 derives the encryption key only from Ed25519 (like the spec) and fails otherwise, so no derivation.
        (KeyType.SECP256K1, {"publicKeyFormat": "JsonWebKey2020"}),
    ],
)
def test_web5_resolves_our_dids_to_the_same_keys(key_type: KeyType, options: dict[str, object]) -> None:
    keys = [PrivateKey.generate(key_type) for _ in range(3)]
    dids = [did_key.did_from_public_key(k.public_key) for k in keys]
    results = run_node("did_key_web5.mjs", {"op": "resolve", "dids": dids, "options": options})
    for k, did, res in zip(keys, dids, results, strict=True):
        theirs = DIDDocument.from_json(res["didDocument"])
        ours = did_key.resolve(did)
        # The same key in every relationship; for Ed25519 the same derived X25519 key agreement key.
        assert _keys_by_relationship(theirs) == _keys_by_relationship(ours)
        if key_type is KeyType.ED25519:
            assert _keys_by_relationship(theirs)["keyAgreement"] == {k.public_key.to_x25519().to_multibase()}
        # Verification method ids are the same: did + "#" + multibase.
        assert {vm.id for vm in theirs.all_verification_methods()} == {vm.id for vm in ours.all_verification_methods()}


@pytest.mark.parametrize(
    "did",
    [
        "did:key:zBAD0",
        "did:key:6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do",
        "did:key:",
        "did:web:example.com",
    ],
)
def test_both_reject_malformed_dids(did: str) -> None:
    [res] = run_node("did_key_web5.mjs", {"op": "resolve", "dids": [did], "options": WEB5_OPTIONS})
    assert "error" in res
    with pytest.raises(IiotidError):
        did_key.resolve(did)
