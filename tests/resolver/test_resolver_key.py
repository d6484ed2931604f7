"""Resolver on did:key (offline) and the DID Resolution error codes (web5-spec did_dht resolve vectors)."""

from __future__ import annotations

import pytest

from did.did_key import create
from did.errors import InvalidDid, MethodNotSupported, NotFound
from did.keys import PrivateKey
from resolver import DID_JSON, DID_LD_JSON, RepresentationNotSupported, Resolver
from resolver.errors import InvalidDidUrl
from tests.conftest import load_vector


@pytest.fixture
def did_key() -> str:
    return create(PrivateKey.from_raw("ed25519", bytes(range(32))).public_key).id


async def test_did_key_resolves_offline(did_key: str) -> None:
    result = await Resolver().resolve(did_key)
    assert result.error is None
    assert result.document is not None and result.document["id"] == did_key
    assert result.resolution_metadata["contentType"] == DID_JSON
    out = result.to_json()
    assert set(out) >= {"didDocument", "didResolutionMetadata", "didDocumentMetadata"}
    assert out["didDocument"]["verificationMethod"][0]["controller"] == did_key


async def test_resolve_document_and_dereference(did_key: str) -> None:
    resolver = Resolver()
    doc = await resolver.resolve_document(did_key)
    assert doc.id == did_key
    vm = await resolver.dereference(f"{did_key}#{did_key.split(':')[-1]}")
    assert vm.id == f"{did_key}#{did_key.split(':')[-1]}"
    assert vm.public_key.key_type.value.lower().startswith("ed25519")
    # keyAgreement embeds the derived X25519 method: dereferencing finds embedded methods too
    ka = doc.to_json()["keyAgreement"][0]["id"]
    assert (await resolver.dereference(ka)).id == ka


@pytest.mark.parametrize(
    ("url", "error"),
    [("did:key:z6Mk#", NotFound), ("nope#x", InvalidDidUrl), ("did:web:example.com#key-1", MethodNotSupported)],
)
async def test_dereference_errors_are_typed(url: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        await Resolver().dereference(url)


async def test_dereference_unknown_fragment(did_key: str) -> None:
    with pytest.raises(NotFound):
        await Resolver().dereference(f"{did_key}#nothing-here")


async def test_json_ld_representation_carries_context(did_key: str) -> None:
    result = await Resolver().resolve(did_key, accept=DID_LD_JSON)
    assert result.resolution_metadata["contentType"] == DID_LD_JSON
    assert "@context" in result.to_json()["didDocument"]


async def test_unsupported_representation(did_key: str) -> None:
    result = await Resolver().resolve(did_key, accept="text/html")
    assert result.error == "representationNotSupported" and result.document is None
    with pytest.raises(RepresentationNotSupported):
        raise RepresentationNotSupported("x")


@pytest.mark.parametrize("vector", load_vector("did-dht/web5-spec/resolve.json")["vectors"])
async def test_web5_spec_resolution_error_vectors(vector: dict) -> None:
    """web5-spec test-vectors/did_dht/resolve.json: methodNotSupported, notFound, invalidPublicKey, invalidDid."""
    from tests.resolver.fakes import FakeDht

    result = await Resolver(FakeDht()).resolve(vector["input"]["didUri"])
    assert result.error == vector["output"]["didResolutionMetadata"]["error"]
    assert result.document is None and result.error_message


@pytest.mark.parametrize(
    ("did", "code"),
    [
        ("did:key:zzz", None),  # multibase garbage: a did:key error, never an exception
        ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do", None),
        ("did:web:example.com", "methodNotSupported"),
        ("", "invalidDid"),
        ("did:key:" + "z" * 3000, "invalidDid"),
    ],
)
async def test_errors_never_raise(did: str, code: str | None) -> None:
    result = await Resolver().resolve(did)
    assert result.error is not None and result.document is None
    if code is not None:
        assert result.error == code


async def test_resolve_document_raises_typed_errors() -> None:
    resolver = Resolver()
    with pytest.raises(InvalidDid):
        await resolver.resolve_document("not a did")
    with pytest.raises(MethodNotSupported):
        await resolver.resolve_document("did:web:example.com")
