"""pkarr relay API (PUT/GET /{z32}) and did:dht resolution over HTTP, in-process (httpx ASGITransport)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import nacl.signing
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from did.bep44 import MutableItem
from did.errors import StaleRecord
from resolver import ResolutionCache, Resolver
from resolver.http import create_app
from resolver.ratelimit import RateLimiter
from tests.resolver.fakes import FakeClock, FakeDht
from tests.resolver.records import SEQ, did_of, document, identity_key, record, z32_of

KEY = identity_key(1)
Z32 = z32_of(KEY)
OCTETS = {"Content-Type": "application/octet-stream"}


class Gateway:
    def __init__(self, dht: FakeDht, client: httpx.AsyncClient, clock: FakeClock) -> None:
        self.dht, self.client, self.clock = dht, client, clock


@pytest.fixture
async def gw() -> AsyncIterator[Gateway]:
    dht, clock = FakeDht(), FakeClock()
    resolver = Resolver(dht, cache=ResolutionCache(min_ttl=60, max_ttl=600), clock=clock)
    app = create_app(resolver, dht, rate_limiter=RateLimiter(rate=1, burst=5, clock=clock))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        yield Gateway(dht, client, clock)


async def put(gw: Gateway, item: MutableItem, z32: str = Z32, **headers: str) -> httpx.Response:
    return await gw.client.put(f"/{z32}", content=item.to_relay_bytes(), headers={**OCTETS, **headers})


async def test_put_verifies_publishes_and_get_returns_the_payload(gw: Gateway) -> None:
    item = record(KEY)
    resp = await put(gw, item)
    assert resp.status_code == 204, resp.text
    assert resp.headers["pkarr-dht-stored-nodes"] == "8"
    assert resp.headers["access-control-allow-origin"] == "*"
    assert gw.dht.store[KEY.public_key.raw] == item
    assert KEY.public_key.raw in gw.dht.kept_alive  # the gateway keeps records it relays alive
    got = await gw.client.get(f"/{Z32}")
    assert got.status_code == 200
    assert got.content == item.to_relay_bytes()
    assert got.headers["content-type"] == "application/pkarr.org/relays#payload"
    assert got.headers["cache-control"] == "public, max-age=600"  # record TTL 7200 clamped by max_ttl
    assert gw.dht.gets == 0  # served from the cache warmed by the PUT
    gw.clock.advance(100)
    again = await gw.client.get(f"/{Z32}", headers={"If-None-Match": got.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "public, max-age=500"


async def test_get_asks_the_dht(gw: Gateway) -> None:
    item = record(KEY)
    gw.dht.store[KEY.public_key.raw] = item
    got = await gw.client.get(f"/{Z32}")
    assert got.status_code == 200 and got.content == item.to_relay_bytes()
    assert gw.dht.gets == 1


async def test_get_unknown_is_404_and_bad_key_is_400(gw: Gateway) -> None:
    assert (await gw.client.get(f"/{Z32}")).status_code == 404
    assert (await gw.client.get("/" + "0" * 52)).status_code == 400  # '0' is not in the z-base-32 alphabet
    assert (await gw.client.get("/tooshort")).status_code == 400


async def test_put_rejects_bad_signature(gw: Gateway) -> None:
    body = bytearray(record(KEY).to_relay_bytes())
    body[10] ^= 0xFF
    resp = await gw.client.put(f"/{Z32}", content=bytes(body), headers=OCTETS)
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalidSignature"
    assert gw.dht.puts == 0


async def test_put_for_the_wrong_key_is_rejected(gw: Gateway) -> None:
    resp = await put(gw, record(identity_key(2)))  # valid record, but of another key than the path
    assert resp.status_code == 400


@pytest.mark.parametrize(("size", "status"), [(10, 400), (71, 400), (1073, 413), (5000, 413)])
async def test_put_size_limits(gw: Gateway, size: int, status: int) -> None:
    resp = await gw.client.put(f"/{Z32}", content=b"\x00" * size, headers=OCTETS)
    assert resp.status_code == status


async def test_put_rejects_value_that_is_not_a_dns_packet(gw: Gateway) -> None:
    item = MutableItem.sign(nacl.signing.SigningKey(bytes([1]) * 32), b"hi", SEQ)  # identity_key(1)
    resp = await put(gw, item)
    assert resp.status_code == 400
    assert "DNS" in resp.json()["message"]


async def test_stale_seq_conflict_and_republication(gw: Gateway) -> None:
    newer, older = record(KEY, SEQ + 1), record(KEY, SEQ)
    assert (await put(gw, newer)).status_code == 204
    resp = await put(gw, older)
    assert resp.status_code == 409 and resp.json()["error"] == "staleRecord"
    assert (await put(gw, newer)).status_code == 204  # identical re-put: republication
    # equal seq, different value: the lexicographically lower payload is rejected (did:dht conflict resolution)
    other = record(KEY, SEQ + 1, doc=document(KEY, services=1))
    lower, higher = sorted([newer, other], key=lambda i: i.v_bencoded)
    status = (await put(gw, lower)).status_code
    assert status in {204, 409}
    if lower is other:
        assert status == 409
    else:  # the stored one is the lower: the higher replaces it
        assert (await put(gw, higher)).status_code == 204


async def test_cas_mismatch_is_412(gw: Gateway) -> None:
    assert (await put(gw, record(KEY, SEQ))).status_code == 204
    assert (await put(gw, record(KEY, SEQ + 1), **{"If-Match": str(SEQ - 1)})).status_code == 412
    assert (await put(gw, record(KEY, SEQ + 1), **{"If-Match": str(SEQ)})).status_code == 204
    assert (await put(gw, record(KEY, SEQ + 2), **{"If-Match": "abc"})).status_code == 400


async def test_dht_stale_error_maps_to_409(gw: Gateway) -> None:
    class Rejecting(FakeDht):
        async def put_mutable(self, item, *, cas=None, keep_alive=False):  # type: ignore[no-untyped-def]
            raise StaleRecord("the network holds seq 99999999999")

    app = create_app(Resolver(Rejecting()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        resp = await client.put(f"/{Z32}", content=record(KEY).to_relay_bytes(), headers=OCTETS)
    assert resp.status_code == 409


async def test_dht_failure_is_500_and_nothing_is_cached(gw: Gateway) -> None:
    gw.dht.reachable = False
    resp = await put(gw, record(KEY))
    assert resp.status_code == 500
    gw.dht.reachable = True
    assert (await gw.client.get(f"/{Z32}")).status_code == 404


async def test_rate_limit(gw: Gateway) -> None:
    item = record(KEY)
    statuses = [(await put(gw, item)).status_code for _ in range(6)]
    assert statuses == [204] * 5 + [429]
    gw.clock.advance(1.0)
    assert (await put(gw, item)).status_code == 204


async def test_reads_are_rate_limited_per_client() -> None:
    clock = FakeClock()
    app = create_app(Resolver(FakeDht()), read_rate_limiter=RateLimiter(rate=1, burst=3, clock=clock))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        statuses = [(await client.get(f"/{Z32}")).status_code for _ in range(3)]
        statuses.append((await client.get(f"/1.0/identifiers/{did_of(KEY)}")).status_code)
        assert statuses == [404, 404, 404, 429]
        clock.advance(1)
        assert (await client.get(f"/1.0/identifiers/{did_of(KEY)}")).status_code == 404


async def test_put_without_dht_is_503() -> None:
    app = create_app(Resolver())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        resp = await client.put(f"/{Z32}", content=record(KEY).to_relay_bytes(), headers=OCTETS)
    assert resp.status_code == 503


# --- did:dht over the Universal Resolver endpoint ------------------------------------------------------------------


async def test_identifiers_endpoint_resolves_did_dht(gw: Gateway) -> None:
    assert (await put(gw, record(KEY, doc=document(KEY, services=1)))).status_code == 204
    resp = await gw.client.get(f"/1.0/identifiers/{did_of(KEY)}")
    assert resp.status_code == 200
    body = resp.json()
    assert body["didDocument"] == document(KEY, services=1).to_json()
    assert body["didDocumentMetadata"]["versionId"] == str(SEQ)
    doc = await gw.client.get(f"/1.0/identifiers/{did_of(KEY)}", headers={"Accept": "application/did+ld+json"})
    assert doc.json()["@context"] == "https://www.w3.org/ns/did/v1"
    missing = await gw.client.get(f"/1.0/identifiers/{did_of(identity_key(7))}")
    assert missing.status_code == 404
    assert missing.json()["didResolutionMetadata"]["error"] == "notFound"
    bad = await gw.client.get("/1.0/identifiers/did:dht:cyuoqaf7itop8ohww4yn5ojg13qaq83r9zihgqntc5i9zwrfdfov")
    assert bad.status_code == 400
    assert bad.json()["didResolutionMetadata"]["error"] == "invalidPublicKey"


async def test_deactivated_did_is_410(gw: Gateway) -> None:
    from did import did_dht

    assert (await put(gw, did_dht.deactivate(KEY, seq=SEQ))).status_code == 204
    resp = await gw.client.get(f"/1.0/identifiers/{did_of(KEY)}")
    assert resp.status_code == 410
    assert resp.json()["didDocumentMetadata"]["deactivated"] is True
    doc = await gw.client.get(f"/1.0/identifiers/{did_of(KEY)}", headers={"Accept": "application/did+json"})
    assert doc.status_code == 410 and doc.json()["id"] == did_of(KEY)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=1200), flip=st.integers(min_value=0, max_value=2000))
async def test_put_fuzz_never_errors_server_side(gw: Gateway, body: bytes, flip: int) -> None:
    """Random bodies and single-byte corruptions of a valid record are refused with 4xx, never 5xx."""
    valid = bytearray(record(KEY, SEQ + 1000).to_relay_bytes())
    valid[flip % len(valid)] ^= 0x01
    for payload in (body, bytes(valid)):
        gw.clock.advance(60)  # keep the rate limiter out of the way
        resp = await gw.client.put(f"/{Z32}", content=payload, headers=OCTETS)
        assert 400 <= resp.status_code < 500, (resp.status_code, resp.text)
    assert gw.dht.puts == 0


async def test_over_a_real_loopback_socket() -> None:
    """The same API served by uvicorn on 127.0.0.1: PUT, GET, resolve, health, OpenAPI."""
    from tests.resolver.servers import serve

    dht = FakeDht()
    async with serve(create_app(Resolver(dht), dht)) as url, httpx.AsyncClient(base_url=url) as http:
        item = record(KEY, doc=document(KEY, services=1))
        assert (await http.put(f"/{Z32}", content=item.to_relay_bytes(), headers=OCTETS)).status_code == 204
        got = await http.get(f"/{Z32}")
        assert got.status_code == 200 and got.content == item.to_relay_bytes()
        res = await http.get(f"/1.0/identifiers/{did_of(KEY)}", headers={"Accept": "application/did+json"})
        assert res.status_code == 200 and res.json() == document(KEY, services=1).to_json()
        assert (await http.get("/health")).json()["status"] == "ok"
        assert (await http.get("/openapi.json")).json()["info"]["title"].startswith("iiotid")
