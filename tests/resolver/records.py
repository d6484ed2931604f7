"""Build real did:dht records (through ``did.did_dht``) for the resolver tests."""

from __future__ import annotations

from typing import Any

from did import did_dht
from did.bep44 import MutableItem
from did.document import DIDDocument, Service
from did.keys import PrivateKey

SEQ = 1_700_000_000


def identity_key(n: int) -> PrivateKey:
    return PrivateKey.from_raw("ed25519", bytes([n]) * 32)


def document(key: PrivateKey, *, services: int = 0) -> DIDDocument:
    did = did_dht.did_from_identity_key(key.public_key)
    svcs = [
        Service.from_json(
            {"id": f"#s{i}", "type": "DeviceGateway", "serviceEndpoint": f"https://gw{i}.plant.example/"}, base=did
        )
        for i in range(services)
    ]
    return did_dht.create_document(key.public_key, services=svcs)


def record(key: PrivateKey, seq: int = SEQ, *, doc: DIDDocument | None = None, **kwargs: Any) -> MutableItem:
    """A signed BEP 44 record carrying ``doc`` (default: the minimal document of ``key``)."""
    return did_dht.to_bep44(doc if doc is not None else document(key), key, seq=seq, **kwargs)


def did_of(key: PrivateKey) -> str:
    return did_dht.did_from_identity_key(key.public_key)


def z32_of(key: PrivateKey) -> str:
    return did_of(key).removeprefix("did:dht:")
