"""GET /1.0/identifiers/{did}: content negotiation and status codes (DID Resolution HTTP(S) binding), in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from did.did_key import create
from did.keys import PrivateKey
from resolver import Resolver
from resolver.http import create_app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Resolver())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
        yield c


@pytest.fixture
def did_key() -> str:
    return create(PrivateKey.from_raw("ed25519", bytes(range(32))).public_key).id


async def test_default_is_the_resolution_result(client: httpx.AsyncClient, did_key: str) -> None:
    resp = await client.get(f"/1.0/identifiers/{did_key}")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/did-resolution")
    body = resp.json()
    assert body["didDocument"]["id"] == did_key
    assert body["didResolutionMetadata"]["contentType"] == "application/did+json"


@pytest.mark.parametrize(
    ("accept", "media", "has_context"),
    [
        ("application/did+json", "application/did+json", True),
        ("application/did+ld+json", "application/did+ld+json", True),
    ],
)
async def test_document_representations(
    client: httpx.AsyncClient, did_key: str, accept: str, media: str, has_context: bool
) -> None:
    resp = await client.get(f"/1.0/identifiers/{did_key}", headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith(media)
    assert resp.json()["id"] == did_key
    assert ("@context" in resp.json()) is has_context


async def test_universal_resolver_profile(client: httpx.AsyncClient, did_key: str) -> None:
    accept = 'application/ld+json;profile="https://w3id.org/did-resolution"'
    resp = await client.get(f"/1.0/identifiers/{did_key}", headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/ld+json")
    assert "https://w3id.org/did-resolution" in resp.headers["content-type"]
    assert resp.json()["didDocument"]["id"] == did_key


@pytest.mark.parametrize(
    ("did", "status", "error"),
    [
        ("not-a-did", 400, "invalidDid"),
        ("did:key:zzz", None, None),
        ("did:web:example.com", 501, "methodNotSupported"),
    ],
)
async def test_error_statuses(client: httpx.AsyncClient, did: str, status: int | None, error: str | None) -> None:
    resp = await client.get(f"/1.0/identifiers/{did}", headers={"Accept": "application/did+json"})
    body = resp.json()
    assert body["didDocument"] is None
    if status is not None:
        assert resp.status_code == status
        assert body["didResolutionMetadata"]["error"] == error
    else:
        assert 400 <= resp.status_code < 500


async def test_not_acceptable(client: httpx.AsyncClient, did_key: str) -> None:
    resp = await client.get(f"/1.0/identifiers/{did_key}", headers={"Accept": "text/html"})
    assert resp.status_code == 406
    assert resp.json()["didResolutionMetadata"]["error"] == "representationNotSupported"


async def test_dereference_fragment(client: httpx.AsyncClient, did_key: str) -> None:
    frag = did_key.split(":")[-1]
    resp = await client.get(f"/1.0/identifiers/{did_key}%23{frag}")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/did-url-dereferencing")
    assert resp.json()["content"]["id"] == f"{did_key}#{frag}"
    only = await client.get(f"/1.0/identifiers/{did_key}%23{frag}", headers={"Accept": "application/did+json"})
    assert only.json()["type"] == "Multikey"
    missing = await client.get(f"/1.0/identifiers/{did_key}%23nope")
    assert missing.status_code == 404
    assert missing.json()["dereferencingMetadata"]["error"] in {"notFound", "verificationMethodNotFound"}


async def test_health_and_openapi(client: httpx.AsyncClient) -> None:
    health = await client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    spec = (await client.get("/openapi.json")).json()
    assert "/1.0/identifiers/{identifier}" in spec["paths"]
    assert set(spec["paths"]["/{z32}"]) == {"get", "put"}
    assert "application/octet-stream" in spec["paths"]["/{z32}"]["put"]["requestBody"]["content"]
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_cors_preflight(client: httpx.AsyncClient) -> None:
    resp = await client.options(
        "/" + "y" * 52, headers={"Origin": "http://web.example", "Access-Control-Request-Method": "PUT"}
    )
    assert resp.status_code == 200
    assert resp.headers["access-control-allow-origin"] in {"*", "http://web.example"}
    assert "PUT" in resp.headers["access-control-allow-methods"]
