"""The whole story over HTTP on loopback: one agent process (uvicorn on a real TCP socket) on a small loopback DHT.

The OEM provisions devices through the admin API (DIDs published to the DHT), transfers one to an integrator whose
own agent signs a commissioning event elsewhere and hands it in, updates firmware, revokes another; the exported
chain verifies with status read back from the agent's public status route; DIDs resolve through
``/1.0/identifiers``; credentials verify through ``/credentials/verify`` (a revoked one is refused); a device proves
possession of its DID in a W3C presentation bound to a single-use challenge; bbs-2023 issue -> derive -> verify.
On the gateway routes (``agent.api.gateway``), device holder agents answer ``/challenges`` (JSON and CBOR) and
``/presentations/verify`` admits, refuses the revoked and the outdated device and a replayed answer; a W3C
presentation bound to a gateway nonce verifies once, and not when replayed or when its credential is revoked."""

from __future__ import annotations

import asyncio
import copy
import importlib.util
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

import credentials
from agent.api.app import create_app
from agent.api.vc_api import presentation_verifier
from agent.config import AgentConfig, token_hash
from credentials.lifecycle import verify_chain
from credentials.vocab import lifecycle_event
from did.keys import KeyType, PrivateKey
from resolver import Resolver
from tests.agent.agent_fixtures import PROFILE, new_issuer, swarm
from tests.credentials.di_helpers import did_key_identity

TOKEN = "e2e-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
V2 = "https://www.w3.org/ns/credentials/v2"
HAS_GATEWAY = importlib.util.find_spec("agent.api.gateway") is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    client: httpx.AsyncClient
    issuer: Any
    config: AgentConfig
    base: str


@asynccontextmanager
async def served_agent(tmp_path: Path, *, extra: dict[str, Any] | None = None) -> AsyncIterator[Served]:
    """An OEM agent on a 6-node loopback DHT, served by uvicorn on 127.0.0.1 (on this event loop, where its storage
    and DHT client live)."""
    async with swarm(6) as sw:
        issuer = await new_issuer(tmp_path / "oem.db", sw.client())  # publishes the OEM DID
        issuer.resolver = Resolver(dht=sw.client())  # events signed elsewhere are verified before they are stored
        config = AgentConfig(tmp_path, admin_token_hashes=[token_hash(TOKEN)], issuer=issuer,
                             extra={"resolver": issuer.resolver, **(extra or {})})
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="off"))
        task = asyncio.create_task(server.serve())
        try:
            while not server.started:
                assert not task.done(), "uvicorn did not start"
                await asyncio.sleep(0.01)
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base, timeout=60) as c:
                yield Served(c, issuer, config, base)
        finally:
            server.should_exit = True
            await task
            await issuer.storage.close()


async def test_story_over_http(tmp_path: Path) -> None:
    async with served_agent(tmp_path) as s:
        c, issuer = s.client, s.issuer
        # --- the OEM provisions a batch (DIDs on the DHT, birth certificates, status entries, attestations)
        r = await c.post("/admin/devices", json={"devices": [
            {"serial": "E2E-1", "attributes": {"firmwareVersion": 150}},
            {"serial": "E2E-2", "attributes": {"firmwareVersion": 150}},
            {"serial": "E2E-3", "attributes": {"firmwareVersion": 100}}]}, headers=AUTH)
        assert r.status_code == 200 and r.json()["created"] == 3 and r.json()["unpublished"] == 0, r.text
        r = await c.post("/admin/devices", json={"devices": ["E2E-1"]}, headers=AUTH)  # idempotent by serial
        assert r.json()["existing"] == 1 and r.json()["created"] == 0
        devices = {d["serial"]: d for d in (await c.get("/admin/devices", headers=AUTH)).json()["devices"]}
        assert set(devices) == {"E2E-1", "E2E-2", "E2E-3"}
        did1 = devices["E2E-1"]["did"]

        # --- DID resolution through the agent: the device's did:dht document comes from the DHT
        r = await c.get(f"/1.0/identifiers/{did1}")
        assert r.status_code == 200, r.text
        doc = r.json()["didDocument"]
        assert doc["id"] == did1 and issuer.did in doc.get("controller", [issuer.did])
        assert (await c.get(f"/1.0/identifiers/{issuer.did}")).json()["didDocument"]["alsoKnownAs"] == [issuer.bbs_did]
        assert (await c.get("/1.0/identifiers/did:dht:notvalid")).status_code == 400

        # --- lifecycle: OEM transfers E2E-1 to an integrator, whose agent signs the commissioning elsewhere
        integrator, integrator_did, integrator_vm = did_key_identity(KeyType.ED25519)
        r = await c.post("/admin/devices/E2E-1/events", json={"eventType": "ownershipTransferred",
                                                              "newOwner": integrator_did}, headers=AUTH)
        assert r.status_code == 200, r.text
        transfer = r.json()
        commissioned = credentials.issue(
            lifecycle_event(integrator_did, did1, "commissioned", transfer, site="Plant 4, line 3",
                            actor_role="integrator", event_time=datetime.now(UTC).replace(microsecond=0)),
            key=integrator, verification_method=integrator_vm, suite="eddsa-rdfc-2022")
        forged = {**commissioned, "credentialSubject": {**commissioned["credentialSubject"], "id": did1 + "x"}}
        r = await c.post("/admin/devices/E2E-1/events", json={"credential": forged}, headers=AUTH)
        assert r.status_code in (400, 409), r.text  # not about this device
        r = await c.post("/admin/devices/E2E-1/events", json={"credential": commissioned}, headers=AUTH)
        assert r.status_code == 200, r.text
        r = await c.post("/admin/devices/E2E-1/events", json={"credential": commissioned}, headers=AUTH)
        assert r.status_code == 409  # a second event on the same predecessor would fork the chain
        r = await c.post("/admin/devices/E2E-1/events", json={"eventType": "firmwareUpdated", "firmwareVersion": 151,
                                                              "site": "Plant 4"}, headers=AUTH)
        assert r.status_code == 200 and r.json()["credentialSubject"]["lifecycleEvent"]["sequence"] == 3

        # --- revoke E2E-2; the public status route serves the re-signed list
        r = await c.post("/admin/devices/E2E-2/status", json={"action": "revoke"}, headers=AUTH)
        assert r.status_code == 200 and r.json()["state"] == "revoked"

        async def status_over_http(url: str) -> dict[str, Any]:
            list_id = url.removeprefix(PROFILE.status_base_url + "/")
            resp = await c.get(f"/status/{list_id}")
            resp.raise_for_status()
            out: dict[str, Any] = resp.json()
            return out

        # --- the exported chain verifies: signatures (OEM on the DHT, integrator did:key), links, owner, status
        chain = (await c.get("/admin/devices/E2E-1/chain", headers=AUTH)).json()["chain"]
        assert len(chain) == 4
        report = await verify_chain(*chain, resolver=issuer.resolver, status_loader=status_over_http)
        assert report.verified and report.status_checked and report.owner == integrator_did, report.to_dict()
        tampered = copy.deepcopy(chain)
        tampered[2]["credentialSubject"]["lifecycleEvent"]["site"] = "elsewhere"
        assert not (await verify_chain(*tampered, resolver=issuer.resolver, status_loader=status_over_http)).verified
        revoked_chain = (await c.get("/admin/devices/E2E-2/chain", headers=AUTH)).json()["chain"]
        report = await verify_chain(*revoked_chain, resolver=issuer.resolver, status_loader=status_over_http)
        assert not report.verified and "revoked" in report.codes()

        # --- credentials through the W3C VC API
        out = (await c.post("/credentials/verify", json={"verifiableCredential": chain[0]})).json()
        assert out["verified"] is True and "credentialStatus" in out["checks"], out
        for event in chain[1:]:
            assert (await c.post("/credentials/verify", json={"verifiableCredential": event})).json()["verified"]
        out = (await c.post("/credentials/verify", json={"verifiableCredential": revoked_chain[0]})).json()
        assert out["verified"] is False and [e["iiotidCode"] for e in out["errors"]] == ["revoked"]

        # bbs-2023: the OEM issues, the holder derives what it wants to show, anyone verifies
        unsigned = {"@context": [V2, {"@vocab": "https://plant.example/v#"}], "type": ["VerifiableCredential"],
                    "credentialSubject": {"id": did1, "line": 3, "cell": "A"}}
        assert (await c.post("/credentials/issue", json={"credential": unsigned})).status_code == 401
        r = await c.post("/credentials/issue", json={"credential": unsigned, "options": {
            "cryptosuite": "bbs-2023", "mandatoryPointers": ["/issuer"]}}, headers=AUTH)
        assert r.status_code == 201, r.text
        r = await c.post("/credentials/derive", json={"verifiableCredential": r.json()["verifiableCredential"],
                                                      "options": {"selectivePointers": ["/credentialSubject/line"]}})
        assert r.status_code == 201, r.text
        derived = r.json()["verifiableCredential"]
        assert "cell" not in derived["credentialSubject"]
        assert (await c.post("/credentials/verify", json={"verifiableCredential": derived})).json()["verified"]

        # --- a device proves control of its did:dht (identity key #0) in a W3C presentation bound to a challenge
        bundle = await issuer.device_bundle("E2E-1")
        device_key = PrivateKey.from_secret_multibase(bundle["keys"]["identity"])
        vp = credentials.sign_presentation(
            {"@context": [V2], "type": ["VerifiablePresentation"], "holder": did1,
             "verifiableCredential": [chain[0]]},
            key=device_key, verification_method=f"{did1}#0", suite="eddsa-rdfc-2022", challenge="gw-nonce-1",
            domain="https://gw.plant4.example")
        used: set[str] = set()

        async def consume(challenge: str) -> bool:
            fresh = challenge not in used
            used.add(challenge)
            return fresh

        s.config.extra["consume_challenge"] = consume
        verify_vp = presentation_verifier(s.config)
        body = {"verifiablePresentation": vp,
                "options": {"challenge": "gw-nonce-1", "domain": "https://gw.plant4.example"}}
        out = await verify_vp(body)
        assert out["verified"] is True and out["controller"] == did1, out
        replay = await verify_vp(body)
        assert replay["verified"] is False
        assert replay["errors"][0]["type"] == "https://w3id.org/security#INVALID_CHALLENGE_ERROR"


@pytest.mark.skipif(not HAS_GATEWAY, reason="agent.api.gateway (/challenges, /presentations/verify) not there yet")
async def test_gateway_over_http(tmp_path: Path) -> None:
    from agent.holder import Holder
    from agent.policy import Policy
    from agent.verifier import Verifier

    extra: dict[str, Any] = {}
    async with served_agent(tmp_path, extra=extra) as s:
        c, issuer = s.client, s.issuer

        async def status(issuer_did: str) -> Any:
            return (await c.get("/status/revocation-1")).json()

        policy = Policy.from_dict({
            "name": "gate-1", "verifier": "did:example:gate-1", "trustedIssuers": [issuer.did],
            "disclose": ["manufacturer"],
            "predicates": [{"attribute": "firmwareVersion", "op": "ge", "value": 142}],
            "requireStatus": True,
        })
        s.config.extra["verifier"] = Verifier(policy, resolver=issuer.resolver, status_source=status)
        s.config.extra["presentation_domain"] = policy.verifier  # W3C presentations must be made for this gateway
        r = await c.post("/admin/devices", json={"devices": [
            {"serial": "G-1", "attributes": {"firmwareVersion": 150}},
            {"serial": "G-2", "attributes": {"firmwareVersion": 150}},
            {"serial": "G-3", "attributes": {"firmwareVersion": 100}}]}, headers=AUTH)
        assert r.status_code == 200 and r.json()["created"] == 3, r.text
        holders = {}
        for serial in ("G-1", "G-2", "G-3"):
            h = Holder.create(tmp_path / f"{serial}.holder", "pin", ops=1, mem=8192)
            h.import_bundle(await issuer.device_bundle(serial))
            holders[serial] = h
        assert (await c.post("/admin/devices/G-2/status", json={"action": "revoke"}, headers=AUTH)).status_code == 200

        async def attempt(serial: str) -> httpx.Response:
            ch = (await c.post("/challenges")).json()
            return await c.post("/presentations/verify", json=holders[serial].answer(ch))

        r = await attempt("G-1")
        assert r.status_code == 200 and r.json()["admitted"], r.text
        r = await attempt("G-2")
        assert r.status_code == 403 and r.json()["reasons"][0]["code"] == "revoked", r.text
        r = await attempt("G-3")
        assert r.status_code == 403 and r.json()["reasons"][0]["code"] == "oldFirmware", r.text
        ch = (await c.post("/challenges")).json()
        answer = holders["G-1"].answer(ch)
        assert (await c.post("/presentations/verify", json=answer)).status_code == 200
        r = await c.post("/presentations/verify", json=answer)
        assert r.status_code == 403 and r.json()["reasons"][0]["code"] == "replayedChallenge", r.text
        # CBOR on the constrained link
        r = await c.post("/challenges", headers={"Accept": "application/cbor"})
        assert r.status_code == 201 and r.headers["content-type"].startswith("application/cbor")
        r = await c.post("/presentations/verify", content=holders["G-1"].answer_cbor(r.content),
                         headers={"Content-Type": "application/cbor"})
        assert r.status_code == 200 and r.json()["admitted"], r.text
        # a W3C presentation on the same route: the gateway's nonce is its challenge, single use as well
        device = (await c.get("/admin/devices/G-1", headers=AUTH)).json()
        birth = (await c.get("/admin/devices/G-1/chain", headers=AUTH)).json()["chain"][0]
        key = PrivateKey.from_secret_multibase((await issuer.device_bundle("G-1"))["keys"]["identity"])
        nonce = (await c.post("/challenges")).json()["nonce"]
        vp = credentials.sign_presentation(
            {"@context": [V2], "type": ["VerifiablePresentation"], "holder": device["did"],
             "verifiableCredential": [birth]},
            key=key, verification_method=f"{device['did']}#0", suite="eddsa-rdfc-2022", challenge=nonce,
            domain=policy.verifier)
        body = {"verifiablePresentation": vp, "options": {"challenge": nonce}}
        r = await c.post("/presentations/verify", json=body)
        assert r.status_code == 200 and r.json()["verified"] is True, r.text
        assert r.json()["controller"] == device["did"] and r.json()["credentialResults"][0]["verified"]
        r = await c.post("/presentations/verify", json=body)
        assert r.status_code == 200 and r.json()["verified"] is False  # replayed
        nonce = (await c.post("/challenges")).json()["nonce"]
        revoked_birth = (await c.get("/admin/devices/G-2/chain", headers=AUTH)).json()["chain"][0]
        vp = credentials.sign_presentation(
            {"@context": [V2], "type": ["VerifiablePresentation"], "holder": device["did"],
             "verifiableCredential": [revoked_birth]},
            key=key, verification_method=f"{device['did']}#0", suite="eddsa-rdfc-2022", challenge=nonce,
            domain=policy.verifier)
        r = await c.post("/presentations/verify", json={"verifiablePresentation": vp, "options": {"challenge": nonce}})
        out = r.json()
        assert out["verified"] is False and out["credentialResults"][0]["errors"][0]["iiotidCode"] == "revoked"
        # relayed: made (with this gateway's nonce) for another gateway's domain
        nonce = (await c.post("/challenges")).json()["nonce"]
        vp = credentials.sign_presentation(
            {"@context": [V2], "type": ["VerifiablePresentation"], "holder": device["did"]},
            key=key, verification_method=f"{device['did']}#0", suite="eddsa-rdfc-2022", challenge=nonce,
            domain="did:example:gate-2")
        r = await c.post("/presentations/verify", json={"verifiablePresentation": vp, "options": {"challenge": nonce}})
        assert r.status_code == 200 and r.json()["verified"] is False
        assert r.json()["errors"][0]["type"] == "https://w3id.org/security#INVALID_DOMAIN_ERROR"
        r = await c.post("/presentations/verify", json={"verifiablePresentation": vp,
                                                         "options": {"challenge": "never-issued"}})
        assert r.json()["verified"] is False
        for junk in (b"{", b"[]", b"null", b'{"verifiablePresentation": 5}'):
            r = await c.post("/presentations/verify", content=junk, headers={"Content-Type": "application/json"})
            assert 400 <= r.status_code < 500, (junk, r.status_code, r.text)
