"""VC-JOSE (application/vc+jwt, vp+jwt) with EdDSA and ES256 through jwcrypto."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from credentials import errors, jose
from did.keys import KeyType
from tests.credentials.di_helpers import NOW, DictResolver, credential, custom_identity, did_key_identity


def _b64(obj: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(("key_type", "alg"), [(KeyType.ED25519, "EdDSA"), (KeyType.P256, "ES256")])
async def test_round_trip(key_type: KeyType, alg: str) -> None:
    key, did, vm = did_key_identity(key_type)
    vc = credential(did)
    token = jose.issue_jwt(vc, key, vm)
    header, payload = jose.decode_unverified(token)
    assert header == {"alg": alg, "kid": vm, "typ": "vc+jwt", "cty": "vc"}
    assert payload == vc  # VC-JOSE-COSE §3.1.1: the payload is the credential itself
    result = await jose.verify_jwt(token, DictResolver(), now=NOW)
    assert result.verified, result.errors
    assert result.issuer == did and result.verification_method == vm and result.credential == vc
    assert jose.issue_jwt(vc, key, verification_method=vm).split(".")[:2] == token.split(".")[:2]


async def test_presentation_jwt() -> None:
    key, did, vm = did_key_identity()
    vp = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation", "holder": did}
    token = jose.sign_vp_jwt(vp, key, vm)
    result = await jose.verify_jwt(token, DictResolver(), now=NOW)
    assert result.verified and result.holder == did


async def _codes(token: str, resolver: Any = None) -> list[str]:
    result = await jose.verify_jwt(token, resolver or DictResolver(), now=NOW)
    assert not result.verified
    return result.codes


async def test_rejections() -> None:
    key, did, vm = did_key_identity()
    token = jose.issue_jwt(credential(did), key, vm)
    h, p, s = token.split(".")
    forged = credential(did)
    forged["credentialSubject"]["name"] = "Forged"
    assert await _codes(f"{h}.{_b64(forged)}.{s}") == ["signatureMismatch"]
    assert await _codes(f"{h}.{p}.{s[:-2]}{'AA' if not s.endswith('AA') else 'BA'}") == ["signatureMismatch"]
    header = jose.decode_unverified(token)[0]
    assert await _codes(f"{_b64({**header, 'alg': 'none'})}.{p}.") == ["unsupportedAlgorithm"]
    assert await _codes(f"{_b64({**header, 'alg': 'HS256'})}.{p}.{s}") == ["unsupportedAlgorithm"]
    assert await _codes(f"{_b64({**header, 'alg': 'ES256'})}.{p}.{s}") == ["algorithmMismatch"]
    assert await _codes(f"{_b64({**header, 'typ': 'JWT'})}.{p}.{s}") == ["invalidJwt"]
    assert await _codes(f"{_b64({k: v for k, v in header.items() if k != 'kid'})}.{p}.{s}") == ["invalidJwt"]
    assert await _codes(f"{_b64({**header, 'crit': ['b64']})}.{p}.{s}") == ["invalidJwt"]
    for junk in ["", "a.b", "a.b.c.d", "!!!.???.***", 42]:
        assert await _codes(junk) == ["invalidJwt"]  # type: ignore[arg-type]


async def test_expired_and_issuer_and_purpose() -> None:
    key, did, vm = did_key_identity()
    assert await _codes(jose.issue_jwt(credential(did, validUntil="2026-02-01T00:00:00Z"), key, vm)) == [
        "credentialExpired"
    ]
    assert await _codes(jose.issue_jwt(credential("did:example:other"), key, vm)) == ["issuerMismatch"]
    owner = "did:example:oem-jose"
    okey, ovm, document = custom_identity(owner, relationships=("authentication",))
    assert await _codes(jose.issue_jwt(credential(owner), okey, ovm), DictResolver({owner: document})) == [
        "verificationMethodNotAuthorized"
    ]
    bad_ctx = credential(did)
    bad_ctx["@context"] = [*bad_ctx["@context"], "https://attacker.example/ctx"]
    with pytest.raises(errors.UnknownContext):
        jose.issue_jwt(bad_ctx, key, vm)
    # a token made elsewhere with that context is refused by the verifier
    assert await _codes(jose._sign(bad_ctx, key, vm, "vc+jwt", "vc")) == ["unknownContext"]


def test_issue_errors_are_typed() -> None:
    key, did, vm = did_key_identity()
    with pytest.raises(jose.JoseError):
        jose.issue_jwt(credential(did), key, "")
    with pytest.raises(jose.JoseError):
        jose.issue_jwt({**credential(did), "proof": {}}, key, vm)
    xkey, _, _ = did_key_identity(KeyType.SECP256K1)
    with pytest.raises(jose.JoseError):
        jose.issue_jwt(credential(did), xkey, vm)


def test_undefined_terms_refused() -> None:
    key, did, vm = did_key_identity()
    vc = credential(did)
    vc["credentialSubject"]["serialNumber"] = "SN-1"
    with pytest.raises(errors.UndefinedTerm):
        jose.issue_jwt(vc, key, vm)
