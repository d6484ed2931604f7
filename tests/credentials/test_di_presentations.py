"""Presentations: authentication proofs bound to challenge and domain (VC DI 1.0 §2.1.2, §4.4 steps 6-7)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import credentials
from did.keys import KeyType
from tests.credentials.di_helpers import NOW, DictResolver, credential, did_key_identity

CHALLENGE, DOMAIN = "0f6b0a3c-nonce", "gateway-7.plant.example"


def _vp(suite: str = "eddsa-rdfc-2022", key_type: KeyType = KeyType.ED25519) -> tuple[dict[str, Any], str]:
    ikey, issuer, ivm = did_key_identity(key_type)
    hkey, holder, hvm = did_key_identity(key_type)
    vc = credentials.issue(
        credential(issuer), key=ikey, verification_method=ivm, suite=suite, created="2026-05-01T00:00:00Z"
    )
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [vc],
    }
    signed = credentials.sign_presentation(
        vp,
        key=hkey,
        verification_method=hvm,
        suite=suite,
        challenge=CHALLENGE,
        domain=DOMAIN,
        created="2026-06-01T11:59:00Z",
    )
    return signed, holder


@pytest.mark.parametrize(
    ("suite", "key_type"),
    [("eddsa-rdfc-2022", KeyType.ED25519), ("eddsa-jcs-2022", KeyType.ED25519), ("ecdsa-rdfc-2019", KeyType.P256)],
)
async def test_presentation_verifies(suite: str, key_type: KeyType) -> None:
    vp, holder = _vp(suite, key_type)
    assert vp["proof"]["challenge"] == CHALLENGE and vp["proof"]["domain"] == DOMAIN
    assert vp["proof"]["proofPurpose"] == "authentication"
    result = await credentials.verify_presentation(
        vp, resolver=DictResolver(), challenge=CHALLENGE, domain=DOMAIN, now=NOW
    )
    assert result.verified, result.errors
    assert result.holder == holder and [c.verified for c in result.credentials] == [True]


async def test_challenge_and_domain_required_and_checked() -> None:
    vp, _ = _vp()
    r = DictResolver()
    assert (await credentials.verify_presentation(vp, resolver=r, challenge="", now=NOW)).codes == ["challengeMismatch"]
    wrong = await credentials.verify_presentation(vp, resolver=r, challenge="replayed", domain=DOMAIN, now=NOW)
    assert wrong.codes == ["challengeMismatch"]
    other = await credentials.verify_presentation(vp, resolver=r, challenge=CHALLENGE, domain="evil.example", now=NOW)
    assert other.codes == ["domainMismatch"]
    with pytest.raises(credentials.errors.ChallengeMismatch):
        credentials.sign_presentation(
            vp, key=None, verification_method="did:x:y#z", suite="eddsa-rdfc-2022", challenge=""
        )  # type: ignore[arg-type]


async def test_presentation_proof_purpose_must_be_authentication() -> None:
    vp, _ = _vp()
    result = await credentials.verify_presentation(
        vp, resolver=DictResolver(), challenge=CHALLENGE, domain=DOMAIN, purpose="assertionMethod", now=NOW
    )
    assert result.codes == ["proofPurposeMismatch"]


async def test_tampered_embedded_credential_fails_presentation() -> None:
    vp, _ = _vp()
    tampered = copy.deepcopy(vp)
    tampered["verifiableCredential"][0]["credentialSubject"]["name"] = "Forged"
    result = await credentials.verify_presentation(
        tampered, resolver=DictResolver(), challenge=CHALLENGE, domain=DOMAIN, now=NOW
    )
    # the presentation proof covers the embedded credential, and the credential's own proof breaks too
    assert result.codes == ["signatureMismatch", "signatureMismatch"]
    assert not result.credentials[0].verified


async def test_holder_must_control_the_key() -> None:
    vp, _ = _vp()
    hkey, _holder, hvm = did_key_identity()
    unsigned = {k: v for k, v in vp.items() if k != "proof"}
    unsigned["holder"] = "did:example:someone-else"
    signed = credentials.sign_presentation(
        unsigned, key=hkey, verification_method=hvm, suite="eddsa-rdfc-2022", challenge=CHALLENGE, created=NOW
    )
    result = await credentials.verify_presentation(signed, resolver=DictResolver(), challenge=CHALLENGE, now=NOW)
    assert result.codes == ["issuerMismatch"]


async def test_verification_method_cache_is_used() -> None:
    vp, _ = _vp()
    r = DictResolver()
    for _ in range(3):
        assert (
            await credentials.verify_presentation(vp, resolver=r, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
        ).verified
    assert r.calls == 2  # holder and issuer, resolved once each (did:key entries never expire)


def test_injected_clock_sets_created() -> None:
    key, did, vm = did_key_identity()
    signed = credentials.issue(
        credential(did), key=key, verification_method=vm, suite="eddsa-jcs-2022", now=lambda: NOW
    )
    assert signed["proof"]["created"] == "2026-06-01T12:00:00Z"


async def test_proof_chain_issued_and_verified() -> None:
    """VC DI 1.0 §4.3: a second proof whose previousProof names the first signs over it."""
    k1, did, vm1 = did_key_identity()
    vc = credentials.issue(
        credential(did),
        key=k1,
        verification_method=vm1,
        suite="eddsa-rdfc-2022",
        created="2026-05-01T00:00:00Z",
        proof_id="urn:uuid:proof-1",
    )
    k2, _, vm2 = did_key_identity()
    chained = credentials.issue(
        vc,
        key=k2,
        verification_method=vm2,
        suite="eddsa-rdfc-2022",
        created="2026-05-02T00:00:00Z",
        previous_proof="urn:uuid:proof-1",
    )
    assert [p["verificationMethod"] for p in chained["proof"]] == [vm1, vm2]
    results = await credentials.data_integrity.verify_proofs(chained, resolver=DictResolver(), now=NOW)
    assert [r.verified for r in results] == [True, True]
    tampered = copy.deepcopy(chained)
    tampered["proof"][0]["created"] = "2026-05-01T00:00:01Z"
    results = await credentials.data_integrity.verify_proofs(tampered, resolver=DictResolver(), now=NOW)
    assert [r.verified for r in results] == [False, False]  # the chained proof covers the first one


async def test_enveloped_jwt_credentials_are_verified() -> None:
    """VC DM 2.0 §4.13.1: a presentation may carry data:application/vc+jwt credentials; they are checked too."""
    from credentials import jose

    ikey, issuer, ivm = did_key_identity()
    hkey, holder, hvm = did_key_identity()
    token = jose.issue_jwt(credential(issuer), ikey, ivm)
    envelope = {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{token}",
    }
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [envelope],
    }
    signed = credentials.sign_presentation(
        vp, key=hkey, verification_method=hvm, suite="eddsa-rdfc-2022", challenge=CHALLENGE, created=NOW
    )
    ok = await credentials.verify_presentation(signed, resolver=DictResolver(), challenge=CHALLENGE, now=NOW)
    assert ok.verified, ok.errors
    assert ok.credentials[0].issuer == issuer
    forged = token.split(".")
    forged[2] = forged[2][::-1]
    vp["verifiableCredential"] = [{**envelope, "id": "data:application/vc+jwt," + ".".join(forged)}]
    signed = credentials.sign_presentation(
        vp, key=hkey, verification_method=hvm, suite="eddsa-rdfc-2022", challenge=CHALLENGE, created=NOW
    )
    bad = await credentials.verify_presentation(signed, resolver=DictResolver(), challenge=CHALLENGE, now=NOW)
    assert not bad.verified and bad.codes[0] in {"signatureMismatch", "invalidJwt"}
