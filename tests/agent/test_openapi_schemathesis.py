"""Schema-driven fuzzing of the whole agent app (admin API, status lists, W3C VC API, DID resolution) with
schemathesis over its own OpenAPI document, in process: every operation, with the admin bearer token, no 5xx,
responses match their documented schemas and content types.

The app runs on one background event loop together with its issuer (aiosqlite storage); requests go through
httpx's ASGI transport on that loop, so every request sees the same issuer, store and locks as a served agent.
Bounded and deterministic: ``derandomize``, a few examples per operation; provisioning bodies are capped at 3
devices per request (the generator would otherwise ask for 10,000 and time the test, not the API)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from agent.api.app import create_app
from agent.config import AgentConfig, token_hash
from resolver import Resolver
from tests.agent.agent_fixtures import new_issuer

T = TypeVar("T")
TOKEN = "schemathesis-admin-token"
MAX_DEVICES = 3

# The OpenAPI document does not depend on the issuer: build it once from an app with none.
schema = schemathesis.openapi.from_dict(create_app(AgentConfig(Path("unused"))).openapi())


class _Agent:
    """An issuer and the app on a private event loop in a daemon thread."""

    def __init__(self, tmp: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.issuer: Any = self.run(new_issuer(tmp / "oem.db", None))
        resolver = Resolver(None)
        config = AgentConfig(tmp, admin_token_hashes=[token_hash(TOKEN)], issuer=self.issuer,
                             extra={"resolver": resolver})
        self.app = create_app(config)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://agent")
        # two devices so that path parameters sometimes name real ones
        self.run(self.issuer.provision(["SN-000000", "SN-000001"]))

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def close(self) -> None:
        self.run(self.client.aclose())
        self.run(self.issuer.storage.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    async def send(self, kwargs: dict[str, Any]) -> httpx.Response:
        body: dict[str, Any] = {}
        if "json" in kwargs:
            body["json"] = kwargs["json"]
        elif kwargs.get("data") is not None:
            data = kwargs["data"]
            body["content"] = data.encode() if isinstance(data, str) else data
        return await self.client.request(kwargs["method"], kwargs["url"], headers=kwargs.get("headers"),
                                         params=kwargs.get("params"), **body)


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Agent]:
    a = _Agent(tmp_path_factory.mktemp("schemathesis"))
    try:
        yield a
    finally:
        a.close()


def _bound(case: schemathesis.Case) -> None:
    if case.operation.path == "/admin/devices" and case.method.upper() == "POST" and isinstance(case.body, dict):
        if isinstance(case.body.get("count"), int):
            case.body["count"] = min(case.body["count"], MAX_DEVICES)
        if isinstance(case.body.get("devices"), list):
            case.body["devices"] = case.body["devices"][:MAX_DEVICES]


def _not_a_server_error(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """No 5xx, except the DID Resolution binding's documented 501 methodNotSupported (a DID of a method this agent
    does not resolve, W3C DID Resolution §"HTTP(S) Binding")."""
    if case.operation.path.startswith("/1.0/identifiers/") and response.status_code == 501:
        return None
    return checks.not_a_server_error(ctx, response, case)


@schema.parametrize()
@settings(max_examples=15, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_agent_api_conforms(case: schemathesis.Case, agent: _Agent) -> None:
    _bound(case)
    kwargs = case.as_transport_kwargs(base_url="http://agent", headers={"Authorization": f"Bearer {TOKEN}"})
    response = agent.run(agent.send(kwargs))
    case.validate_response(response, checks=[
        _not_a_server_error, checks.response_schema_conformance, checks.content_type_conformance,
    ])
