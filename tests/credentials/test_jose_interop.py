"""VC-JOSE against panva/jose (interop/dbvc_jose.mjs): theirs verify ours and ours verify theirs, EdDSA and ES256."""

from __future__ import annotations

import pytest

from credentials import jose
from did.keys import KeyType
from tests.credentials.di_helpers import NOW, DictResolver, credential, did_key_identity
from tests.nodejs import run_node

pytestmark = pytest.mark.interop


@pytest.mark.parametrize(("key_type", "alg"), [(KeyType.ED25519, "EdDSA"), (KeyType.P256, "ES256")])
async def test_both_directions(key_type: KeyType, alg: str) -> None:
    key, did, vm = did_key_identity(key_type)
    vc = credential(did)
    ours = jose.issue_jwt(vc, key, vm)
    out = run_node("dbvc_jose.mjs", {"op": "verify", "token": ours, "jwk": key.public_key.to_jwk(), "alg": alg})
    assert out["verified"], out
    assert out["header"] == {"alg": alg, "kid": vm, "typ": "vc+jwt", "cty": "vc"} and out["payload"] == vc
    tampered = ours[:-6] + ("AAAAAA" if not ours.endswith("AAAAAA") else "BBBBBB")
    out = run_node("dbvc_jose.mjs", {"op": "verify", "token": tampered, "jwk": key.public_key.to_jwk(), "alg": alg})
    assert not out["verified"]
    theirs = run_node(
        "dbvc_jose.mjs", {"op": "sign", "payload": vc, "jwk": key.to_jwk(include_private=True), "alg": alg, "kid": vm}
    )["token"]
    result = await jose.verify_jwt(theirs, DictResolver(), now=NOW)
    assert result.verified, result.errors
    assert result.credential == vc
