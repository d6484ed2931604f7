"""Mainline DHT benchmark (did.mainline): a 200-node loopback network in one process publishing and resolving
did:dht records (BEP 44 mutable items), without and with 30% churn, and in the same run a swarm of npm
``bittorrent-dht`` 11.0.12 nodes of the same size doing the same BEP 44 put/get.

    .venv/bin/python bench/mainline_dht.py [--nodes 200] [--records 100] [--resolves 1000] [--no-node]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from did import did_dht
from did.keys import PrivateKey
from did.mainline import LocalSwarm
from did.mainline.swarm import SWARM_CONFIG, with_config


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def row(name: str, lat: list[float], ok: int, total: int, msgs: list[int] | None) -> str:
    m = f"{statistics.mean(msgs):6.1f}" if msgs else "   n/a"
    return (f"| {name:<40} | {pct(lat, 50):8.2f} | {pct(lat, 99):8.2f} | {100 * ok / max(total, 1):8.2f}% "
            f"| {ok:>5}/{total:<5} | {m} |")


HEADER = ("| operation                                | p50 (ms) | p99 (ms) |  success  |    n        | msgs |\n"
          "|------------------------------------------|----------|----------|-----------|-------------|------|")


async def ours(n: int, records: int, resolves: int, rnd: random.Random) -> list[str]:
    cfg = with_config(SWARM_CONFIG, republish_interval=2.0, ping_interval=1.0)
    out: list[str] = []
    t0 = time.perf_counter()
    async with LocalSwarm(n, config=cfg, seed=rnd.randrange(1 << 30)) as swarm:
        boot = time.perf_counter() - t0
        keys = [PrivateKey.generate("Ed25519", rng=rnd.randbytes) for _ in range(records)]
        items = [did_dht.to_bep44(k, did_dht.create_document(k), seq=1) for k in keys]
        publishers = rnd.sample(swarm.nodes, 10)
        lat, msgs, ok = [], [], 0
        for i, item in enumerate(items):
            node = publishers[i % len(publishers)]
            t = time.perf_counter()
            stored = await node.put_mutable(item, keep_alive=True)
            lat.append((time.perf_counter() - t) * 1000)
            msgs.append(node.last_lookup_queries)
            ok += stored > 0
        out.append(row(f"ours: publish ({n} nodes)", lat, ok, records, msgs))

        async def resolve_round(label: str) -> None:
            lat, msgs, ok = [], [], 0
            for i in range(resolves):
                item = items[i % records]
                client = swarm.client()
                t = time.perf_counter()
                got = await client.get_mutable(item.public_key)
                lat.append((time.perf_counter() - t) * 1000)
                msgs.append(client.last_lookup_queries)
                ok += got == item
            out.append(row(label, lat, ok, resolves, msgs))

        await resolve_round("ours: resolve, no churn")
        await swarm.kill(0.30, spare=publishers)
        await resolve_round("ours: resolve, 30% killed, before republish")
        await asyncio.sleep(cfg.republish_interval * 1.5)
        await resolve_round("ours: resolve, 30% killed, after republish")
    out.append(f"(ours: {n} nodes bootstrapped in {boot:.1f} s)")
    return out


async def theirs(n: int, records: int, resolves: int, rnd: random.Random) -> list[str]:
    from tests.did.mainline.btdht import BtDhtPeers
    from tests.nodejs import node_available

    if not node_available():
        return ["(bittorrent-dht: node or interop/node_modules missing, skipped)"]
    out: list[str] = []
    peers = await BtDhtPeers.spawn()
    try:
        t0 = time.perf_counter()
        await peers.call("start", n=n, bootstrap=[], timeout=900)
        boot = time.perf_counter() - t0
        seeds = [rnd.randbytes(32) for _ in range(records)]
        key = PrivateKey.generate("Ed25519", rng=rnd.randbytes)
        packet = did_dht.to_bep44(key, did_dht.create_document(key), seq=1).v  # the same did:dht packet size
        assert isinstance(packet, bytes)
        lat, ok, pks = [], 0, []
        for seed in seeds:
            r = await peers.call("put_mutable", node=rnd.randrange(n), seed=seed.hex(), v=packet.hex(), seq=1)
            lat.append(r["ms"])
            ok += r["stored"] > 0
            pks.append(r["publicKey"])
        out.append(row(f"bittorrent-dht: put ({n} nodes)", lat, ok, records, None))
        lat, ok = [], 0
        count = min(resolves, records * 3)
        for i in range(count):
            r = await peers.call("get_mutable", node=rnd.randrange(n), publicKey=pks[i % records])
            lat.append(r["ms"])
            ok += r["item"] is not None and bytes.fromhex(r["item"]["v"]) == packet
        out.append(row("bittorrent-dht: get, no churn", lat, ok, count, None))
        alive = (await peers.call("kill", fraction=0.30))["alive"]
        lat, ok = [], 0
        for i in range(count):
            r = await peers.call("get_mutable", node=rnd.choice(alive), publicKey=pks[i % records])
            lat.append(r["ms"])
            ok += r["item"] is not None and bytes.fromhex(r["item"]["v"]) == packet
        out.append(row("bittorrent-dht: get, 30% killed (no republish)", lat, ok, count, None))
        out.append(f"(bittorrent-dht: {n} nodes started in {boot:.1f} s)")
    finally:
        await peers.close()
    return out


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=200)
    ap.add_argument("--records", type=int, default=100)
    ap.add_argument("--resolves", type=int, default=1000)
    ap.add_argument("--no-node", action="store_true", help="skip the bittorrent-dht comparison")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    lines = await ours(args.nodes, args.records, args.resolves, rnd)
    if not args.no_node:
        lines += await theirs(args.nodes, args.records, args.resolves, rnd)
    print(HEADER)
    for line in lines:
        print(line)


if __name__ == "__main__":
    asyncio.run(main())
