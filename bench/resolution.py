"""Resolver and gateway throughput/latency: did:key, did:dht cached / uncached, HTTP in-process and on loopback.

Run: .venv/bin/python bench/resolution.py [--n 2000]
The DHT here is an in-memory BEP 44 store, so "uncached" measures the resolver's own work per lookup (signature
verification, DNS packet decoding, document construction), not network latency (that is bench/dht.py).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from did import did_dht
from did.bep44 import MutableItem
from did.did_key import create as did_key_create
from did.document import Service
from did.keys import PrivateKey
from resolver import ResolutionCache, Resolver
from resolver.http import create_app
from resolver.ratelimit import RateLimiter


class MemoryDht:
    def __init__(self) -> None:
        self.store: dict[bytes, MutableItem] = {}

    async def get_mutable(
        self, public_key: bytes, salt: bytes = b"", *, min_seq: int | None = None
    ) -> MutableItem | None:
        return self.store.get(public_key)

    async def put_mutable(self, item: MutableItem, *, cas: int | None = None, keep_alive: bool = False) -> int:
        self.store[item.public_key] = item
        return 1


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


async def timed(label: str, n: int, fn) -> tuple[str, int, float, float, float]:  # type: ignore[no-untyped-def]
    lat = []
    start = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        await fn(i)
        lat.append((time.perf_counter() - t) * 1e6)
    total = time.perf_counter() - start
    return label, n, n / total, statistics.median(lat), pct(lat, 99)


async def main(n: int) -> None:
    keys = [PrivateKey.generate("ed25519") for _ in range(n)]
    dht = MemoryDht()
    dids = []
    for k in keys:
        did = did_dht.did_from_identity_key(k.public_key)
        svc = Service.from_json(
            {"id": "#gw", "type": "IIoTGateway", "serviceEndpoint": "https://gw.example/"}, base=did
        )
        item = did_dht.to_bep44(k, did_dht.create_document(k.public_key, services=[svc]), seq=1_700_000_000)
        dht.store[item.public_key] = item
        dids.append(did)
    did_keys = [did_key_create(k.public_key).id for k in keys]

    cached = Resolver(dht)
    for d in dids:
        await cached.resolve(d)
    uncached = Resolver(dht, cache=ResolutionCache(min_ttl=0, max_ttl=0, negative_ttl=0))
    offline = Resolver()

    rows = [
        await timed("did:key resolve, first time", n, lambda i: offline.resolve(did_keys[i])),
        await timed("did:key resolve, repeated (memoised)", n, lambda i: offline.resolve(did_keys[i % 100])),
        await timed("did:dht resolve, cached", n, lambda i: cached.resolve(dids[i])),
        await timed("did:dht resolve, uncached (verify+decode)", n, lambda i: uncached.resolve(dids[i])),
        await timed("did:dht resolve_document, cached", n, lambda i: cached.resolve_document(dids[i])),
    ]
    unlimited = RateLimiter(rate=1e9, burst=10**9)  # measure the gateway, not its per-client throttle
    app = create_app(cached, dht, read_rate_limiter=unlimited)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as http:
        rows.append(
            await timed(
                "HTTP GET /1.0/identifiers (ASGI, cached)", n, lambda i: http.get(f"/1.0/identifiers/{dids[i]}")
            )
        )
        rows.append(await timed("HTTP GET /{z32} relay (ASGI, cached)", n, lambda i: http.get("/" + dids[i][8:])))

    print(f"{'operation':46} {'n':>6} {'ops/s':>9} {'p50 us':>9} {'p99 us':>9}")
    for label, count, rate, p50, p99 in rows:
        print(f"{label:46} {count:>6} {rate:>9.0f} {p50:>9.1f} {p99:>9.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    asyncio.run(main(parser.parse_args().n))
