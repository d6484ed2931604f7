"""agent.api.vc_api: W3C VC API routes (issue / verify / derive), DID resolution through the agent, the W3C
presentation verifier, a real loopback socket, and interop with Digital Bazaar (@digitalbazaar/vc, bbs-2023)."""

from __future__ import annotations

import asyncio
import copy
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import credentials
from agent.api.app import create_app
from agent.api.vc_api import (
    is_w3c_presentation_request,
    presentation_verifier,
    problem_detail,
    verify_w3c_presentation,
)
from agent.config import AgentConfig, token_hash
from agent.errors import InvalidRequest
from credentials import jose, jsonld
from credentials.errors import SignatureMismatch
from did.keys import KeyType
from resolver import Resolver
from tests.agent.agent_fixtures import new_issuer, swarm
from tests.credentials.di_helpers import did_key_identity
from tests.nodejs import node_available, run_node

TOKEN = "vc-api-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
V2 = "https://www.w3.org/ns/credentials/v2"
CRYPTO = "https://www.w3.org/TR/vc-data-model#CRYPTOGRAPHIC_SECURITY_ERROR"


def unsigned(subject: str = "did:example:device-1", **extra: Any) -> dict[str, Any]:
    return {
        "@context": [V2, {"@vocab": "https://plant.example/vocab#"}],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": subject, "line": 3, "cell": "A", "torque": 42},
        **extra,
    }


@dataclass
class Env:
    client: httpx.AsyncClient
    issuer: Any
    config: AgentConfig
    resolver: Resolver


@asynccontextmanager
async def agent_env(tmp_path: Path, nodes: int = 4) -> AsyncIterator[Env]:
    async with swarm(nodes) as sw:
        issuer = await new_issuer(tmp_path / "oem.db", sw.client())
        resolver = Resolver(dht=sw.client())
        config = AgentConfig(tmp_path, admin_token_hashes=[token_hash(TOKEN)], issuer=issuer,
                             extra={"resolver": resolver})
        app = create_app(config)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://agent") as c:
            try:
                yield Env(c, issuer, config, resolver)
            finally:
                await issuer.storage.close()


async def issue(env: Env, credential: dict[str, Any], **options: Any) -> dict[str, Any]:
    r = await env.client.post("/credentials/issue", json={"credential": credential, "options": options},
                              headers=AUTH)
    assert r.status_code == 201, r.text
    vc: dict[str, Any] = r.json()["verifiableCredential"]
    return vc


async def verify(env: Env, vc: dict[str, Any], **options: Any) -> dict[str, Any]:
    r = await env.client.post("/credentials/verify", json={"verifiableCredential": vc, "options": options})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


# ------------------------------------------------------------------------------------------------- issue / verify
async def test_issue_and_verify_eddsa(tmp_path: Path) -> None:
    async with agent_env(tmp_path) as env:
        for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
            vc = await issue(env, unsigned(), cryptosuite=suite, created="2026-01-02T03:04:05Z")
            assert vc["issuer"] == env.issuer.did  # filled in: this agent's issuer
            assert vc["proof"]["cryptosuite"] == suite and vc["proof"]["created"] == "2026-01-02T03:04:05Z"
            assert vc["proof"]["verificationMethod"] == env.issuer.verification_method
            out = await verify(env, vc, returnCredential=True, returnResults=True)
            assert out["verified"] is True and out["errors"] == [] and out["checks"] == ["proof"]
            assert out["controller"] == env.issuer.did and out["mediaType"] == "application/vc"
            assert out["credential"] == vc and out["results"]["proof"][0]["verified"] is True
            tampered = copy.deepcopy(vc)
            tampered["credentialSubject"]["torque"] = 43
            out = await verify(env, tampered)
            assert out["verified"] is False
            assert {p["type"] for p in out["errors"]} == {CRYPTO}
            assert out["errors"][0]["iiotidCode"] == "signatureMismatch"
        # the issuance is audited
        entries = (await env.client.get("/admin/audit", headers=AUTH)).json()["entries"]
        assert any(e["action"] == "issue" for e in entries)


async def test_issue_refusals(tmp_path: Path) -> None:
    async with agent_env(tmp_path) as env:
        c = env.client
        body = {"credential": unsigned()}
        assert (await c.post("/credentials/issue", json=body)).status_code == 401
        r = await c.post("/credentials/issue", json=body, headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"
        r = await c.post("/credentials/issue", json={"credential": unsigned(issuer="did:example:someone-else")},
                         headers=AUTH)
        assert r.status_code == 400 and r.json()["code"] == "invalidIssuer"
        bad = unsigned()
        del bad["type"]
        r = await c.post("/credentials/issue", json={"credential": bad}, headers=AUTH)
        assert r.status_code == 400 and r.json()["code"] == "invalidType"
        r = await c.post("/credentials/issue", json={"credential": {**unsigned(), "proof": {}}}, headers=AUTH)
        assert r.status_code == 400
        r = await c.post("/credentials/issue", json={"credential": {**unsigned(), "@context": ["https://evil.example"]}},
                         headers=AUTH)
        assert r.status_code == 400
        r = await c.post("/credentials/issue", json={"credential": unsigned(), "options": {
            "mandatoryPointers": ["/issuer"]}}, headers=AUTH)
        assert r.status_code == 400 and "bbs-2023" in r.json()["message"]
        r = await c.post("/credentials/issue", json={"credential": unsigned(), "options": {"created": "yesterday"}},
                         headers=AUTH)
        assert r.status_code == 400
        # schema violations are 422 (pydantic models, published in the OpenAPI document)
        for junk in ({"credential": unsigned(), "options": {"cryptosuite": "rsa-2048"}},
                     {"credential": unsigned(), "options": {"nonsense": 1}},
                     {"credential": "not an object"}, {}):
            r = await c.post("/credentials/issue", json=junk, headers=AUTH)
            assert r.status_code == 422, (junk, r.text)


async def test_issue_vc_jose(tmp_path: Path) -> None:
    async with agent_env(tmp_path) as env:
        vc = await issue(env, unsigned(), mediaType="application/vc+jwt")
        assert vc["type"] == "EnvelopedVerifiableCredential" and vc["id"].startswith("data:application/vc+jwt,")
        header, payload = jose.decode_unverified(vc["id"].split(",", 1)[1])
        assert header["kid"] == env.issuer.verification_method and payload["issuer"] == env.issuer.did
        out = await verify(env, vc)
        assert out["verified"] is True and out["mediaType"] == "application/vc+jwt"
        forged = {**vc, "id": vc["id"][:-4] + ("AAAA" if not vc["id"].endswith("AAAA") else "BBBB")}
        assert (await verify(env, forged))["verified"] is False
        r = await env.client.post("/credentials/verify", json={"verifiableCredential": {
            "@context": V2, "type": "EnvelopedVerifiableCredential", "id": "data:text/plain,hello"}})
        assert r.status_code == 400
        r = await env.client.post("/credentials/issue", json={"credential": unsigned(), "options": {
            "mediaType": "application/vc+jwt", "cryptosuite": "bbs-2023"}}, headers=AUTH)
        assert r.status_code == 400


async def test_bbs_issue_derive_verify(tmp_path: Path) -> None:
    async with agent_env(tmp_path) as env:
        base = await issue(env, unsigned(), cryptosuite="bbs-2023", mandatoryPointers=["/issuer"])
        assert base["issuer"] == env.issuer.bbs_did and base["proof"]["cryptosuite"] == "bbs-2023"
        # a base proof is for the holder: verifiers refuse it (vc-di-bbs §3.4.5)
        assert (await verify(env, base))["verified"] is False
        r = await env.client.post("/credentials/derive", json={"verifiableCredential": base, "options": {
            "selectivePointers": ["/credentialSubject/line"], "presentationHeader": "cafe01"}})
        assert r.status_code == 201, r.text
        derived = r.json()["verifiableCredential"]
        assert derived["credentialSubject"]["line"] == 3 and "cell" not in derived["credentialSubject"]
        assert (await verify(env, derived))["verified"] is True
        forged = copy.deepcopy(derived)
        forged["credentialSubject"]["line"] = 4
        out = await verify(env, forged)
        assert out["verified"] is False and CRYPTO in {p["type"] for p in out["errors"]}
        for options, code in (({"selectivePointers": ["not a pointer"]}, 400),
                              ({"selectivePointers": ["/credentialSubject/line"], "presentationHeader": "xyz"}, 422),
                              ({}, 422)):
            r = await env.client.post("/credentials/derive", json={"verifiableCredential": base, "options": options})
            assert r.status_code == code, (options, r.text)
        # an eddsa credential has no base proof to derive from
        plain = await issue(env, unsigned())
        r = await env.client.post("/credentials/derive", json={"verifiableCredential": plain,
                                                               "options": {"selectivePointers": ["/issuer"]}})
        assert r.status_code == 400 and r.json()["code"] == "invalidDisclosure"


async def test_verify_status_and_refusals(tmp_path: Path) -> None:
    async with agent_env(tmp_path) as env:
        c = env.client
        r = await c.post("/admin/devices", json={"devices": ["ST-1", "ST-2"]}, headers=AUTH)
        assert r.status_code == 200 and r.json()["created"] == 2
        birth = (await c.get("/admin/devices/ST-1/chain", headers=AUTH)).json()["chain"][0]
        out = await verify(env, birth, returnResults=True)
        assert out["verified"] is True, out
        assert "credentialStatus" in out["checks"] and len(out["results"]["credentialStatus"]) == 2
        assert (await c.post("/admin/devices/ST-1/status", json={"action": "suspend"}, headers=AUTH)).status_code == 200
        out = await verify(env, birth)
        assert out["verified"] is False and [p["iiotidCode"] for p in out["errors"]] == ["suspended"]
        await c.post("/admin/devices/ST-1/status", json={"action": "unsuspend"}, headers=AUTH)
        assert (await verify(env, birth))["verified"] is True
        await c.post("/admin/devices/ST-1/status", json={"action": "revoke"}, headers=AUTH)
        out = await verify(env, birth)
        assert out["verified"] is False and "revoked" in [p["iiotidCode"] for p in out["errors"]]
        assert (await verify(env, birth, checkStatus=False))["verified"] is True
        assert (await verify(env, birth, returnProblemDetails=False))["errors"] == []
        # a status list this agent cannot retrieve fails verification (Bitstring Status List §3.5)
        foreign = await issue(env, unsigned(credentialStatus={
            "id": "https://other.example/status/1#5", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": "5",
            "statusListCredential": "https://other.example/status/1"}))
        out = await verify(env, foreign)
        assert out["verified"] is False
        assert out["errors"][0]["type"] == "https://www.w3.org/ns/credentials/status-list#STATUS_RETRIEVAL_ERROR"

        async def loader(url: str) -> dict[str, Any]:
            assert url == "https://other.example/status/1"
            raise OSError("network unreachable")

        env.config.extra["status_loader"] = loader
        out = await verify(env, foreign)
        assert out["verified"] is False and "network unreachable" in out["errors"][0]["detail"]
        # what is not a credential
        no_proof = await verify(env, unsigned(issuer=env.issuer.did))
        assert no_proof["verified"] is False and no_proof["errors"][0]["field"] == "proof"
        r = await c.post("/credentials/verify", json={"verifiableCredential": {
            "@context": [V2], "type": ["VerifiablePresentation"]}})
        assert r.status_code == 400 and "/presentations/verify" in r.json()["message"]
        out = await verify(env, {"@context": [V2], "type": ["VerifiableCredential"], "proof": {}})
        assert out["verified"] is False and out["errors"]
        for junk in ({"verifiableCredential": "eyJ..."}, {"verifiableCredential": {}, "options": {"x": 1}},
                     {"verifiableCredential": {}, "options": {"proofPurpose": "capabilityInvocation"}}):
            assert (await c.post("/credentials/verify", json=junk)).status_code == 422
        r = await c.post("/credentials/verify", content=b"{", headers={"Content-Type": "application/json"})
        assert r.status_code == 422
        big = {"verifiableCredential": unsigned(filler="x" * (1 << 20))}
        r = await c.post("/credentials/verify", json=big)
        assert r.status_code == 413 and r.json()["code"] == "payloadTooLarge"


def _nested(depth: int) -> dict[str, Any]:
    subject: dict[str, Any] = {"id": "did:example:deep"}
    cur = subject
    for _ in range(depth):
        cur["a"] = {}
        cur = cur["a"]
    cur["b"] = 1
    return {"@context": [V2, {"@vocab": "https://x.example/#"}], "type": ["VerifiableCredential"],
            "credentialSubject": subject}


async def test_deeply_nested_documents(tmp_path: Path) -> None:
    """Regression (found by probing): deep documents were 500s, from the response serializer (depth 300) and from
    bbs-2023's selective-disclosure walk (RecursionError at depth 900).  They are answered, or refused with a 400."""
    async with agent_env(tmp_path) as env:
        vc = await issue(env, _nested(300), cryptosuite="eddsa-jcs-2022")
        out = await verify(env, vc, returnCredential=True)
        assert out["verified"] is True and out["credential"] == vc
        for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022", "bbs-2023"):
            r = await env.client.post("/credentials/issue", json={"credential": _nested(900), "options": {
                "cryptosuite": suite}}, headers=AUTH)
            # signed (the JSON stack coped) or refused as too deep, depending on the interpreter's recursion
            # headroom and library versions: never a 5xx
            assert r.status_code in (201, 400), (suite, r.status_code, r.text[:200])


async def test_credentials_status_route(tmp_path: Path) -> None:
    async with agent_env(tmp_path) as env:
        c = env.client
        await c.post("/admin/devices", json={"devices": ["CS-1"]}, headers=AUTH)
        device = (await c.get("/admin/devices/CS-1", headers=AUTH)).json()
        birth = (await c.get("/admin/devices/CS-1/chain", headers=AUTH)).json()["chain"][0]

        def body(purpose: str, status: bool, cid: str = device["did"]) -> dict[str, Any]:
            return {"credentialId": cid, "status": status,
                    "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose}}

        assert (await c.post("/credentials/status", json=body("suspension", True))).status_code == 401
        r = await c.post("/credentials/status", json=body("suspension", True), headers=AUTH)
        assert r.status_code == 200 and r.json()["state"] == "suspended", r.text
        assert (await verify(env, birth))["errors"][0]["iiotidCode"] == "suspended"
        r = await c.post("/credentials/status", json=body("suspension", False, "CS-1"), headers=AUTH)
        assert r.json()["state"] == "active" and (await verify(env, birth))["verified"] is True
        r = await c.post("/credentials/status", json=body("revocation", False), headers=AUTH)
        assert r.status_code == 400  # revocation cannot be undone
        r = await c.post("/credentials/status", json=body("revocation", True), headers=AUTH)
        assert r.json()["state"] == "revoked" and (await verify(env, birth))["verified"] is False
        assert (await c.post("/credentials/status", json=body("revocation", True, "nope"),
                             headers=AUTH)).status_code == 404
        r = await c.post("/credentials/status", json={**body("revocation", True), "credentialStatus": {
            "type": "StatusList2021Entry", "statusPurpose": "revocation"}}, headers=AUTH)
        assert r.status_code == 422


async def test_resolution_route(tmp_path: Path) -> None:
    async with agent_env(tmp_path) as env:
        r = await env.client.get(f"/1.0/identifiers/{env.issuer.did}")
        assert r.status_code == 200 and r.json()["didDocument"]["id"] == env.issuer.did
        r = await env.client.get(f"/1.0/identifiers/{env.issuer.did}", headers={"Accept": "application/did+json"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/did+json")
        assert (await env.client.get("/1.0/identifiers/did:dht:notvalid")).status_code == 400
        vm = env.issuer.verification_method.replace("#", "%23")
        r = await env.client.get(f"/1.0/identifiers/{vm}")
        assert r.status_code == 200 and r.json()["content"]["id"] == env.issuer.verification_method
        spec = (await env.client.get("/openapi.json")).json()
        assert {"/credentials/issue", "/credentials/verify", "/credentials/derive",
                "/1.0/identifiers/{identifier}"} <= set(spec["paths"])
        assert "/{z32}" not in spec["paths"]  # the relay catch-all is not the agent's


# ------------------------------------------------------------------------------------------------- presentations
def _vp(holder: str, *vcs: dict[str, Any]) -> dict[str, Any]:
    return {"@context": [V2], "type": ["VerifiablePresentation"], "holder": holder, "verifiableCredential": list(vcs)}


async def test_verify_w3c_presentation(tmp_path: Path) -> None:
    async with agent_env(tmp_path) as env:
        vc = await issue(env, unsigned())
        key, did, vm = did_key_identity(KeyType.ED25519)
        vp = credentials.sign_presentation(_vp(did, vc), key=key, verification_method=vm, suite="eddsa-rdfc-2022",
                                           challenge="nonce-1", domain="gw.plant.example")
        verify_vp = presentation_verifier(env.config)
        body = {"verifiablePresentation": vp, "options": {"challenge": "nonce-1", "domain": "gw.plant.example",
                                                          "returnPresentation": True}}
        assert is_w3c_presentation_request(body)
        out = await verify_vp(body)
        assert out["verified"] is True, out
        assert out["controller"] == did and out["checks"] == ["proof", "credentials"]
        assert out["credentialResults"][0]["verified"] is True and out["presentation"] == vp
        out = await verify_vp({**body, "options": {"challenge": "nonce-2", "domain": "gw.plant.example"}})
        assert out["verified"] is False
        assert "https://w3id.org/security#INVALID_CHALLENGE_ERROR" in {p["type"] for p in out["errors"]}
        out = await verify_vp({**body, "options": {"challenge": "nonce-1", "domain": "other.example"}})
        assert "https://w3id.org/security#INVALID_DOMAIN_ERROR" in {p["type"] for p in out["errors"]}
        # an embedded credential that was altered fails the presentation
        bad = copy.deepcopy(vc)
        bad["credentialSubject"]["cell"] = "B"
        vp2 = credentials.sign_presentation(_vp(did, bad), key=key, verification_method=vm, suite="eddsa-rdfc-2022",
                                            challenge="nonce-3")
        out = await verify_vp({"verifiablePresentation": vp2, "options": {"challenge": "nonce-3"}})
        assert out["verified"] is False and out["errors"] == [] and out["credentialResults"][0]["verified"] is False
        # a holder that does not control the proving key
        _, other_did, _ = did_key_identity(KeyType.ED25519)
        vp3 = credentials.sign_presentation(_vp(other_did, vc), key=key, verification_method=vm,
                                            suite="eddsa-rdfc-2022", challenge="nonce-4")
        out = await verify_vp({"verifiablePresentation": vp3, "options": {"challenge": "nonce-4"}})
        assert out["verified"] is False and out["errors"][0]["iiotidCode"] == "issuerMismatch"
        # single-use challenges: the gateway's store says whether a nonce is fresh
        used: set[str] = set()

        async def consume(ch: str) -> bool:
            fresh = ch not in used
            used.add(ch)
            return fresh

        once = {"verifiablePresentation": vp, "options": {"challenge": "nonce-1", "domain": "gw.plant.example"}}
        first = await verify_w3c_presentation(once, resolver=env.resolver, consume_challenge=consume)
        replay = await verify_w3c_presentation(once, resolver=env.resolver, consume_challenge=consume)
        assert first["verified"] is True and replay["verified"] is False
        # a pinned domain: the request cannot choose it, and a presentation made for another verifier is refused
        pinned = {"verifiablePresentation": vp, "options": {"challenge": "nonce-1"}}
        out = await verify_w3c_presentation(pinned, resolver=env.resolver, expected_domain="gw.plant.example")
        assert out["verified"] is True
        out = await verify_w3c_presentation(pinned, resolver=env.resolver, expected_domain="https://gw-b.example")
        assert out["verified"] is False
        assert "https://w3id.org/security#INVALID_DOMAIN_ERROR" in {p["type"] for p in out["errors"]}
        with pytest.raises(InvalidRequest):
            await verify_w3c_presentation({**pinned, "options": {"challenge": "nonce-1", "domain": "gw.plant.example"}},
                                          resolver=env.resolver, expected_domain="https://gw-b.example")
        # proofless presentation: credentials only, with a warning
        out = await verify_vp({"presentation": _vp(did, vc)})
        assert out["verified"] is True and out["warnings"][0]["title"] == "Holder not authenticated"
        # bodies that are not requests
        for junk in ({}, {"verifiablePresentation": vp}, {"verifiablePresentation": 5},
                     {"verifiablePresentation": vp, "presentation": vp, "options": {"challenge": "x"}},
                     {"verifiablePresentation": vp, "options": {"challenge": 7}}, {"unknown": 1}):
            with pytest.raises(InvalidRequest):
                await verify_vp(junk)  # type: ignore[arg-type]
        assert not is_w3c_presentation_request({"verifiablePresentation": {"type": ["IiotidZkPresentation"]}})
        assert not is_w3c_presentation_request([vp])


async def test_verify_enveloped_presentation(tmp_path: Path) -> None:
    async with agent_env(tmp_path) as env:
        vc = await issue(env, unsigned())
        key, did, vm = did_key_identity(KeyType.ED25519)
        verify_vp = presentation_verifier(env.config)

        def envelope(**claims: Any) -> dict[str, Any]:
            # nonce / aud are JWT claims (RFC 7519 / OpenID): the presentation's context defines them as such
            vp = {**_vp(did, vc), **claims, "@context": [V2, {"@vocab": "https://www.iana.org/assignments/jwt#"}]}
            token = jose.sign_vp_jwt(vp, key, vm)
            return {"@context": [V2], "type": ["EnvelopedVerifiablePresentation"],
                    "id": "data:application/vp+jwt," + token}

        ok = envelope(nonce="n-1", aud=["https://gw.example"])
        out = await verify_vp({"verifiablePresentation": ok, "options": {"challenge": "n-1", "domain": "https://gw.example"}})
        assert out["verified"] is True and out["mediaType"] == "application/vp+jwt", out
        out = await verify_vp({"verifiablePresentation": ok, "options": {"challenge": "n-2"}})
        assert out["verified"] is False
        out = await verify_vp({"verifiablePresentation": envelope(), "options": {"challenge": "n-1"}})
        assert out["verified"] is False  # no nonce claim: not bound to this challenge


def test_problem_details() -> None:
    p = problem_detail(SignatureMismatch("altered"))
    assert p == {"type": CRYPTO, "title": "Cryptographic security error", "detail": "altered",
                 "iiotidCode": "signatureMismatch"}
    p = problem_detail(InvalidRequest("x", code="somethingOdd"))
    assert p["type"] == "urn:iiotid:problem:somethingOdd"


# ------------------------------------------------------------------------------------------------- loopback socket
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_over_a_loopback_socket(tmp_path: Path) -> None:
    async with agent_env(tmp_path) as env:
        port = _free_port()
        # served on this event loop (the issuer's storage and DHT client live here), over a real TCP socket
        server = uvicorn.Server(uvicorn.Config(create_app(env.config), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="off"))
        task = asyncio.create_task(server.serve())
        try:
            while not server.started:
                await asyncio.sleep(0.01)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
                r = await c.post("/credentials/issue", json={"credential": unsigned()}, headers=AUTH)
                assert r.status_code == 201 and r.headers["content-type"] == "application/json"
                r = await c.post("/credentials/verify", json={"verifiableCredential": r.json()["verifiableCredential"]})
                assert r.status_code == 200 and r.json()["verified"] is True
                r = await c.get(f"/1.0/identifiers/{env.issuer.did}")
                assert r.status_code == 200
        finally:
            server.should_exit = True
            await task


# ------------------------------------------------------------------------------------------------- interop
def _contexts() -> dict[str, Any]:
    return {u: jsonld.get_context(u) for u in jsonld.registered_urls()}


@pytest.mark.interop
@pytest.mark.skipif(not node_available(), reason="node and interop/node_modules are needed")
async def test_interop_digital_bazaar(tmp_path: Path) -> None:
    """Ours -> theirs: a credential from /credentials/issue verifies in @digitalbazaar/vc (its documentLoader is
    given the OEM's did:dht document, as resolved through the agent's own /1.0/identifiers route).  Theirs -> ours:
    a credential DB signs verifies through /credentials/verify.  bbs-2023: DB derives from our base proof and
    verifies the result."""
    async with agent_env(tmp_path) as env:
        vc = await issue(env, {**unsigned(), "validUntil": "2036-01-01T00:00:00Z"})
        r = await env.client.get(f"/1.0/identifiers/{env.issuer.did}", headers={"Accept": "application/did+ld+json"})
        doc = r.json()
        vm = next(m for m in doc["verificationMethod"] if m["id"] == env.issuer.verification_method)
        served = {**_contexts(), env.issuer.did: doc,
                  vm["id"]: {"@context": "https://w3id.org/security/multikey/v1", **vm}}
        payload = {"op": "verify", "suite": "eddsa-rdfc-2022", "credential": vc, "contexts": served}
        out = await asyncio.to_thread(run_node, "dbvc_di.mjs", payload)
        assert out == {"verified": True, "error": ""}
        tampered = copy.deepcopy(vc)
        tampered["credentialSubject"]["line"] = 9
        out = await asyncio.to_thread(run_node, "dbvc_di.mjs", {**payload, "credential": tampered})
        assert out["verified"] is False

        key, did, _ = did_key_identity(KeyType.ED25519)
        theirs = await asyncio.to_thread(run_node, "dbvc_di.mjs", {
            "op": "issue", "suite": "eddsa-rdfc-2022", "credential": unsigned(issuer=did),
            "key": {"publicKeyMultibase": key.public_key.to_multibase(), "secretKeyMultibase": key.secret_multibase()},
            "contexts": _contexts()})
        out = await verify(env, theirs)
        assert out["verified"] is True and out["controller"] == did, out
        theirs["credentialSubject"]["cell"] = "Z"
        assert (await verify(env, theirs))["verified"] is False

        base = await issue(env, unsigned(), cryptosuite="bbs-2023", mandatoryPointers=["/issuer"])
        derived = await asyncio.to_thread(run_node, "bbs2023.mjs", {
            "op": "derive", "credential": base, "selectivePointers": ["/credentialSubject/torque"],
            "contexts": _contexts()})
        assert "line" not in derived["credentialSubject"]
        out = await asyncio.to_thread(run_node, "bbs2023.mjs", {"op": "verify", "credential": derived,
                                                                "contexts": _contexts()})
        assert out["verified"] is True, out
        assert (await verify(env, derived))["verified"] is True  # their derived proof, our verifier


# ------------------------------------------------------------------------------------------------- properties
_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=12))
_json = st.recursive(_json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    doc = copy.deepcopy(doc)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


def test_any_change_to_an_issued_credential_is_refused(tmp_path: Path) -> None:
    """Property: replacing any member of a credential issued by /credentials/issue (eddsa-rdfc-2022 and
    eddsa-jcs-2022) with another JSON value either leaves it semantically equal or makes /credentials/verify answer
    ``verified: false`` (or 400 for what is no longer a credential); never a 5xx."""

    async def go() -> None:
        async with agent_env(tmp_path) as env:
            issued = {s: await issue(env, unsigned(), cryptosuite=s) for s in ("eddsa-rdfc-2022", "eddsa-jcs-2022")}
            loop = asyncio.get_running_loop()

            @settings(max_examples=40, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])
            @given(data=st.data())
            def prop(data: st.DataObject) -> None:
                suite = data.draw(st.sampled_from(sorted(issued)))
                vc = issued[suite]
                path = data.draw(st.sampled_from(_paths(vc)))
                value = data.draw(_json)
                mutated = _set(vc, path, value)
                fut = asyncio.run_coroutine_threadsafe(env.client.post(
                    "/credentials/verify", json={"verifiableCredential": mutated}), loop)
                r = fut.result(timeout=60)
                assert r.status_code in (200, 400), (path, value, r.text)
                if r.status_code == 200 and r.json()["verified"]:
                    # only a change JSON-LD does not see (same canonical form) may keep verifying
                    assert mutated == vc or suite == "eddsa-rdfc-2022", (path, value)
                    assert credentials.canonicalize(mutated) == credentials.canonicalize(vc), (path, value)

            await asyncio.to_thread(prop)

    asyncio.run(go())


@pytest.mark.interop
@pytest.mark.skipif(not node_available(), reason="node and interop/node_modules are needed")
async def test_interop_vc_jose_panva(tmp_path: Path) -> None:
    """VC-JOSE both ways with panva/jose: our application/vc+jwt from /credentials/issue verifies there with the key
    resolved through /1.0/identifiers; a token jose signs (did:key kid) verifies through /credentials/verify."""
    from did.keys import PublicKey

    async with agent_env(tmp_path) as env:
        vc = await issue(env, unsigned(), mediaType="application/vc+jwt")
        token = vc["id"].split(",", 1)[1]
        vm_url = env.issuer.verification_method.replace("#", "%23")
        vm = (await env.client.get(f"/1.0/identifiers/{vm_url}")).json()["content"]
        jwk = vm.get("publicKeyJwk") or PublicKey.from_multibase(vm["publicKeyMultibase"]).to_jwk()
        out = await asyncio.to_thread(run_node, "dbvc_jose.mjs", {"op": "verify", "token": token, "jwk": jwk,
                                                                   "alg": "EdDSA"})
        assert out["verified"] is True and out["header"]["typ"] == "vc+jwt", out
        assert out["payload"]["issuer"] == env.issuer.did

        key, did, kid = did_key_identity(KeyType.ED25519)
        payload = unsigned(issuer=did)
        signed = await asyncio.to_thread(run_node, "dbvc_jose.mjs", {
            "op": "sign", "payload": payload, "jwk": key.to_jwk(include_private=True), "alg": "EdDSA", "kid": kid})
        envelope = {"@context": V2, "type": "EnvelopedVerifiableCredential",
                    "id": "data:application/vc+jwt," + signed["token"]}
        result = await verify(env, envelope)
        assert result["verified"] is True and result["controller"] == did, result
