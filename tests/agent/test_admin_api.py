"""agent.api.admin: bearer auth (401), provisioning, events, status, chain export, public status list, OpenAPI."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from agent.api.app import create_app
from agent.config import AgentConfig, token_hash
from credentials.status_list import StatusList
from tests.agent.agent_fixtures import new_issuer, swarm

TOKEN = "s3cret-admin-token"


def test_admin_api(tmp_path: Path) -> None:
    async def go() -> None:
        async with swarm(4) as sw:
            issuer = await new_issuer(tmp_path / "oem.db", sw.client())
            app = create_app(AgentConfig(tmp_path, admin_token_hashes=[token_hash(TOKEN)], issuer=issuer))
            auth = {"Authorization": f"Bearer {TOKEN}"}
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://agent") as c:
                assert (await c.get("/admin/devices")).status_code == 401
                r = await c.get("/admin/devices", headers={"Authorization": "Bearer wrong"})
                assert r.status_code == 401 and r.json()["code"] == "unauthorized"
                r = await c.post("/admin/devices", json={"count": 3, "prefix": "API-"}, headers=auth)
                assert r.status_code == 200, r.text
                assert r.json()["created"] == 3 and r.json()["unpublished"] == 0
                r = await c.post("/admin/devices", json={"devices": ["API-000000", "API-X"]}, headers=auth)
                assert (r.json()["existing"], r.json()["created"]) == (1, 1)
                assert (await c.post("/admin/devices", json={}, headers=auth)).status_code == 400
                r = await c.get("/admin/devices", params={"limit": 2}, headers=auth)
                assert r.json()["total"] == 4 and len(r.json()["devices"]) == 2
                assert (await c.get("/admin/devices/nope", headers=auth)).status_code == 404
                r = await c.post("/admin/devices/API-000001/events",
                                 json={"eventType": "firmwareUpdated", "firmwareVersion": 142}, headers=auth)
                assert r.status_code == 200 and r.json()["credentialSubject"]["lifecycleEvent"]["sequence"] == 1
                r = await c.post("/admin/devices/API-000001/events", json={"eventType": "exploded"}, headers=auth)
                assert r.status_code == 400
                r = await c.get("/admin/devices/API-000001/chain", headers=auth)
                assert len(r.json()["chain"]) == 2
                r = await c.post("/admin/devices/API-000002/status", json={"action": "revoke"}, headers=auth)
                assert r.json()["state"] == "revoked"
                idx = r.json()["index"]
                r = await c.get("/status/revocation-1")  # public, no token
                assert r.status_code == 200 and StatusList.from_credential(r.json()).get(idx) == 1
                assert (await c.get("/status/none-9")).status_code == 404
                assert (await c.get("/admin/audit", headers=auth)).json()["entries"][0]["action"] == "revoke"
                spec = (await c.get("/openapi.json")).json()
                assert "/admin/devices" in spec["paths"] and "/status/{list_id}" in spec["paths"]
            await issuer.storage.close()

    asyncio.run(go())
