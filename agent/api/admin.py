"""Admin HTTP API of the OEM / operator agent (FastAPI router), and the public status list route.

All ``/admin/...`` routes need ``Authorization: Bearer <token>``; the token's SHA-256 is compared in constant time
with the hashes in the config and the store (401 otherwise, ``WWW-Authenticate: Bearer``).

* ``POST /admin/devices``  ``{"devices": ["SN1", {"serial": "SN2", "publicKey": …, "proof": …, "record": …}]}`` or
  ``{"count": 10, "prefix": "ACME-"}`` -> the provisioning report (idempotent by serial)
* ``GET /admin/devices?state=&limit=&offset=`` ; ``GET /admin/devices/{serial}``
* ``POST /admin/devices/{serial}/events``  ``{"eventType": "firmwareUpdated", "site": …, "actorRole": …,
  "firmwareVersion": 142, "payloadDigests": [...]}`` (signed by the OEM) or ``{"credential": {…signed event…}}``
* ``POST /admin/devices/{serial}/status``  ``{"action": "revoke" | "suspend" | "unsuspend"}``
* ``GET /admin/devices/{serial}/chain`` -> ``{"chain": [birth, events…]}``;  ``GET /admin/audit``
* ``GET /status/{list_id}`` (public): the signed BitstringStatusListCredential
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from agent.config import AgentConfig, token_matches
from agent.errors import InvalidRequest, NotInitialised, Unauthorized

MAX_BATCH = 10_000


class ProvisionBody(BaseModel):
    devices: list[str | dict[str, Any]] | None = None
    count: int | None = Field(default=None, ge=1, le=MAX_BATCH)
    prefix: str = Field(default="SN-", max_length=64)
    start: int = Field(default=0, ge=0)


class EventBody(BaseModel):
    eventType: str | None = None
    site: str | None = None
    actorRole: str | None = None
    firmwareVersion: int | None = None
    payloadDigests: list[dict[str, Any]] = Field(default_factory=list)
    newOwner: str | None = None
    credential: dict[str, Any] | None = None


class StatusBody(BaseModel):
    action: str


_bearer = HTTPBearer(auto_error=False)


def admin_guard(config: AgentConfig) -> Callable[..., Awaitable[None]]:
    """The FastAPI dependency every admin route uses: a bearer token whose SHA-256 is configured or stored
    (compared in constant time, :func:`agent.config.token_matches`)."""

    async def require_admin(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        hashes = list(config.admin_token_hashes)
        if config.issuer is not None:
            hashes += await config.issuer.storage.admin_token_hashes()
        if creds is None or creds.scheme.lower() != "bearer" or not token_matches(creds.credentials, hashes):
            raise Unauthorized("a valid admin bearer token is required")

    return require_admin


def build_router(config: AgentConfig) -> APIRouter:
    router = APIRouter()

    def issuer() -> Any:
        if config.issuer is None:
            raise NotInitialised("this agent has no issuer loaded")
        return config.issuer

    require_admin = admin_guard(config)

    admin = APIRouter(prefix="/admin", dependencies=[Depends(require_admin)], tags=["admin"])

    @admin.post("/devices")
    async def provision(body: ProvisionBody) -> dict[str, Any]:
        from agent.issuer import serials_range

        if (body.devices is None) == (body.count is None):
            raise InvalidRequest("give either devices or count")
        batch: list[Any] = list(body.devices) if body.devices is not None else serials_range(
            body.prefix, body.count or 0, body.start
        )
        if len(batch) > MAX_BATCH:
            raise InvalidRequest(f"at most {MAX_BATCH} devices per request")
        report = await issuer().provision(batch)
        out: dict[str, Any] = report.to_json()
        return out

    @admin.get("/devices")
    async def list_devices(
        state: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        st = issuer().storage
        rows = await st.list_devices(state=state, limit=limit, offset=offset)
        return {"total": await st.count_devices(state=state), "devices": [r.to_json() for r in rows]}

    @admin.get("/devices/{serial}")
    async def get_device(serial: str) -> dict[str, Any]:
        row = await issuer()._device(serial)
        out: dict[str, Any] = row.to_json()
        return out

    @admin.post("/devices/{serial}/events")
    async def add_event(serial: str, body: EventBody) -> dict[str, Any]:
        iss = issuer()
        if body.credential is not None:
            await iss.append_event(serial, body.credential)
            return body.credential
        if not body.eventType:
            raise InvalidRequest("give eventType (signed by this agent) or credential (signed elsewhere)")
        event: dict[str, Any] = await iss.issue_event(
            serial, body.eventType, site=body.site, actor_role=body.actorRole, payload_digests=body.payloadDigests,
            new_owner=body.newOwner, firmware_version=body.firmwareVersion,
        )
        return event

    @admin.post("/devices/{serial}/status")
    async def set_status(serial: str, body: StatusBody) -> dict[str, Any]:
        out: dict[str, Any] = await issuer().set_status(serial, body.action)
        return out

    @admin.get("/devices/{serial}/chain")
    async def chain(serial: str) -> dict[str, Any]:
        return {"chain": await issuer().export_chain(serial)}

    @admin.get("/audit")
    async def audit(limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
        return {"entries": await issuer().storage.audit_log(limit)}

    router.include_router(admin)

    @router.get("/status/{list_id}", tags=["status"])
    async def status_list(list_id: str, request: Request) -> dict[str, Any]:
        vc: dict[str, Any] = await issuer().status_list_credential(list_id)
        return vc

    return router
