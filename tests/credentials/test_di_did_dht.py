"""Credentials issued by a did:dht DID verify through resolver.Resolver and the DHT (an in-memory BEP 44 store)."""

from __future__ import annotations

import pytest

import credentials
from tests.credentials.di_helpers import NOW, credential

did_dht = pytest.importorskip("did.did_dht")

from resolver import Resolver  # noqa: E402
from tests.resolver.fakes import FakeDht  # noqa: E402
from tests.resolver.records import did_of, document, identity_key, record  # noqa: E402


async def test_did_dht_issuer_verifies_through_the_dht() -> None:
    key = identity_key(41)
    did = did_of(key)
    dht = FakeDht()
    item = record(key, doc=document(key))
    dht.store[item.public_key] = item
    resolver = Resolver(dht)
    doc = await resolver.resolve_document(did)
    vm = next(m.id for m in doc.verification_method if m.public_key == key.public_key)
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        signed = credentials.issue(credential(did), key=key, verification_method=vm, suite=suite, created=NOW)
        result = await credentials.verify(signed, resolver=resolver, now=NOW)
        assert result.verified, result.errors
        assert result.issuer == did


async def test_unreachable_dht_is_a_typed_failure() -> None:
    key = identity_key(42)
    did = did_of(key)
    signed = credentials.issue(
        credential(did), key=key, verification_method=f"{did}#0", suite="eddsa-rdfc-2022", created=NOW
    )
    result = await credentials.verify(signed, resolver=Resolver(FakeDht(reachable=False)), now=NOW)
    assert result.codes == ["verificationMethodNotFound"]
