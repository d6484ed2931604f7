"""Shared helpers for the Data Integrity / VC-JOSE tests: keys, a dictionary resolver, vector contexts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from credentials import jsonld
from did import did_key
from did.document import DIDDocument, VerificationMethod
from did.errors import NotFound
from did.keys import KeyType, PrivateKey
from tests.conftest import VECTORS

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
CREATED = "2026-06-01T11:00:00Z"

VECTOR_CONTEXTS = {
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
    "https://w3id.org/citizenship/v4rc1": "citizenship-v4rc1.jsonld",
    "https://www.w3.org/ns/credentials/undefined-terms/v2": "credentials-undefined-terms-v2.jsonld",
}


def register_vector_contexts() -> None:
    """Serve the example contexts the W3C vectors use (test-only: production bundles only the W3C core set)."""
    for url, name in VECTOR_CONTEXTS.items():
        jsonld.register_context(url, json.loads((VECTORS / "contexts" / name).read_text()))


class DictResolver:
    """Resolver over fixed DID documents; did:key DIDs are resolved offline as the real resolver does."""

    def __init__(self, documents: dict[str, DIDDocument] | None = None) -> None:
        self.documents = dict(documents or {})
        self.calls = 0

    async def resolve_document(self, did: str) -> DIDDocument:
        self.calls += 1
        if did in self.documents:
            return self.documents[did]
        if did.startswith("did:key:"):
            return did_key.resolve(did)
        raise NotFound(f"{did} not found")


def did_key_identity(key_type: KeyType = KeyType.ED25519, seed: int | None = None) -> tuple[PrivateKey, str, str]:
    """(private key, DID, verification method DID URL) for a fresh did:key."""
    if seed is None:
        key = PrivateKey.generate(key_type)
    else:
        key = PrivateKey.generate(key_type, rng=lambda n: bytes([seed]) * n)
    did = did_key.did_from_public_key(key.public_key)
    return key, did, f"{did}#{key.public_key.to_multibase()}"


def custom_identity(
    did: str, key_type: KeyType = KeyType.ED25519, relationships: tuple[str, ...] = ("assertionMethod",)
) -> tuple[PrivateKey, str, DIDDocument]:
    """A DID document for ``did`` with one key listed under ``relationships`` only."""
    key = PrivateKey.generate(key_type)
    doc = DIDDocument(id=did)
    vm = VerificationMethod.multikey(f"{did}#key-1", did, key.public_key)
    doc.add_verification_method(vm, relationships)
    return key, vm.id, doc


def credential(issuer: str, **extra: Any) -> dict[str, Any]:
    vc: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0c07c1ce-57cb-41af-bef2-1b932a1a0e6f",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Device attestation",
        "credentialSubject": {"id": "did:example:device-42", "name": "Pump 42"},
    }
    vc.update(extra)
    return vc
