"""DHT benchmark (did.dht): a loopback network of N nodes in one process publishing and resolving did:dht records
(BEP 44 mutable items), without and with 30% churn, and in the same run a swarm of npm ``bittorrent-dht`` 11.0.12
nodes of the same size (one Node process) doing the same BEP 44 put/get as the comparison.

    .venv/bin/python bench/dht.py [--nodes 200] [--records 100] [--resolves 1000] [--no-node] [--seed 2026]

Latency is wall time of one ``put_mutable`` / ``get_mutable`` call made from a random live node (ours) or of one
``dht.put`` / ``dht.get`` inside Node (theirs). "msgs" is the number of KRPC queries the lookup sent (ours only;
a put adds up to k=8 ``put`` queries after its ``get`` lookup).
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
from did.bep44 import MutableItem
from did.dht import LocalSwarm, loopback_config
from did.errors import DidError
from did.keys import KeyType, PrivateKey


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def row(name: str, lat: list[float], ok: int, total: int, msgs: list[int] | None) -> str:
    m = f"{statistics.mean(msgs):5.1f}" if msgs else "  n/a"
    return (
        f"| {name:<46} | {pct(lat, 50):8.2f} | {pct(lat, 99):8.2f} | {100 * ok / max(total, 1):7.2f}% "
        f"| {ok:>5}/{total:<5} | {m} |"
    )


HEADER = (
    "| operation                                      | p50 (ms) | p99 (ms) | success  |      n      | msgs  |\n"
    "|------------------------------------------------|----------|----------|----------|-------------|-------|"
)


def _record(rnd: random.Random, seq: int) -> tuple[PrivateKey, MutableItem]:
    key = PrivateKey.generate(KeyType.ED25519, rng=rnd.randbytes)
    return key, did_dht.to_bep44(key, did_dht.create_document(key), seq=seq)


async def ours(n: int, records: int, resolves: int, rnd: random.Random) -> list[str]:
    # Republishing is triggered explicitly below (one period after the kill), so the timer does not add load to the
    # measured rounds; silent contacts are pinged every 2 s (BEP 5's 15 min, scaled down) so dead ones turn bad.
    cfg = loopback_config(republish_interval=3600.0, refresh_interval=60.0, ping_interval=2.0, stall_timeout=0.02)
    out: list[str] = []
    t0 = time.perf_counter()
    async with LocalSwarm(n, config=cfg, seed=rnd.randrange(1 << 30)) as swarm:
        boot = time.perf_counter() - t0
        items = [_record(rnd, 1)[1] for _ in range(records)]
        publishers = rnd.sample(swarm.nodes, 10)
        lat: list[float] = []
        msgs: list[int] = []
        ok = 0
        for i, item in enumerate(items):
            node = publishers[i % len(publishers)]
            t = time.perf_counter()
            try:
                stored = await node.put_mutable(item, keep_alive=True)
            except DidError:
                stored = 0
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
                try:
                    got = await client.get_mutable(item.public_key)
                except DidError:
                    got = None
                lat.append((time.perf_counter() - t) * 1000)
                msgs.append(client.last_lookup_queries)
                ok += got == item
            out.append(row(label, lat, ok, resolves, msgs))

        await resolve_round("ours: resolve, no churn")
        for p in publishers:  # the publishers stay up (they keep their records alive)
            swarm.nodes.remove(p)
        await swarm.kill(0.30 * n / len(swarm.nodes))
        swarm.nodes.extend(publishers)
        await resolve_round("ours: resolve, 30% killed, before republish")
        await asyncio.gather(*(p.republish() for p in publishers))
        await asyncio.sleep(cfg.ping_interval * 2.5)
        await resolve_round("ours: resolve, 30% killed, after one republish")
    out.append(f"(ours: {n} nodes started and bootstrapped in {boot:.1f} s)")
    return out


async def theirs(n: int, records: int, resolves: int, rnd: random.Random) -> list[str]:
    from tests.did.dht.btdht import BtDht
    from tests.nodejs import node_available

    if not node_available():
        return ["(bittorrent-dht: node or interop/node_modules missing, skipped)"]
    out: list[str] = []
    async with BtDht() as bt:
        t0 = time.perf_counter()
        try:  # one at a time, each joining through the last three started (bittorrent-dht's own bootstrap lookup)
            await bt.call("start", n=n, sequential=True, link=False, timeout=600)
        except TimeoutError:
            return [f"(bittorrent-dht: {n} nodes did not all become ready within 600 s; comparison not measured)"]
        boot = time.perf_counter() - t0
        _key, sample = _record(rnd, 1)
        packet = sample.v  # a did:dht record of the same size as ours
        assert isinstance(packet, bytes)
        seeds = [rnd.randbytes(32) for _ in range(records)]
        lat: list[float] = []
        ok = 0
        targets: list[str] = []
        for seed in seeds:
            try:
                r = await bt.call("put", index=rnd.randrange(n), seed=seed.hex(), v=packet.hex(), seq=1)
                ok += r["stored"] > 0
                lat.append(r["ms"])
                targets.append(r["hash"])
            except RuntimeError:
                targets.append("")
        out.append(row(f"bittorrent-dht: put ({n} nodes)", lat, ok, records, None))

        async def get_round(label: str, alive: list[int], count: int) -> None:
            lat, ok = [], 0
            for i in range(count):
                target = targets[i % records]
                if not target:
                    continue
                try:
                    r = await bt.call("get", index=rnd.choice(alive), target=target)
                except RuntimeError:
                    continue
                lat.append(r["ms"])
                ok += r["item"] is not None and bytes.fromhex(r["item"]["v"]) == packet
            out.append(row(label, lat, ok, count, None))

        # theirs waits out a full query timeout for every dead contact (~2 s per get under churn): fewer gets there
        await get_round("bittorrent-dht: get, no churn", list(range(n)), min(resolves, records * 3))
        dead = set(rnd.sample(range(n), int(n * 0.3)))
        await bt.call("destroy", indices=sorted(dead))
        await get_round("bittorrent-dht: get, 30% killed (no republish)", [i for i in range(n) if i not in dead],
                        min(resolves, records))
        out.append(f"(bittorrent-dht: {n} nodes started and bootstrapped in {boot:.1f} s)")
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
