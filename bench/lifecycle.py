"""Lifecycle chain verification benchmark: build a signed N-event chain, then time ``verify_chain``.

    .venv/bin/python bench/lifecycle.py [--events 1000] [--runs 5] [--suites eddsa-jcs-2022,eddsa-rdfc-2022]

Goal (issue 5): a 1,000-event chain verifies in < 1 s. Events are issued by three did:key actors (OEM,
integrator, operator) under a role policy; the resolver is the real ``resolver.Resolver`` (did:key offline, with
its cache). Building (signing) the chain is timed separately. Prints one table row per suite: median and best of
``--runs`` verifications, per-event cost, and the part spent outside signature checks (links, order, policy).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import credentials
from credentials.lifecycle import ChainPolicy, verify_chain
from credentials.vocab import EVENT_TYPES, birth_certificate, lifecycle_event
from did.did_key import did_from_public_key
from did.keys import KeyType, PrivateKey
from resolver import Resolver

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CYCLE = [t for t in EVENT_TYPES if t not in ("ownershipTransferred", "decommissioned")]


def actor(seed: int) -> tuple[Any, str, str]:
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_from_public_key(key.public_key)
    return key, did, f"{did}#{did.removeprefix('did:key:')}"


def build(n: int, suite: str) -> tuple[dict[str, Any], list[dict[str, Any]], ChainPolicy]:
    oem, integrator, operator = actor(1), actor(2), actor(3)
    actors = [oem, integrator, operator]
    birth = credentials.issue(
        birth_certificate(oem[1], "did:example:device", {"manufacturerName": "ACME", "serialNumber": "1"},
                          id="urn:uuid:birth", valid_from=T0),
        key=oem[0], verification_method=oem[2], suite=suite, created="2026-01-01T00:00:00Z",
    )
    events, prev = [], birth
    for i in range(1, n + 1):
        key, did, vm = actors[i % 3]
        vc = lifecycle_event(did, "did:example:device", CYCLE[i % len(CYCLE)], prev,
                             event_time=T0 + timedelta(minutes=i), id=f"urn:uuid:event-{i}", site="Plant 4")
        prev = credentials.issue(vc, key=key, verification_method=vm, suite=suite, created="2026-01-01T00:00:00Z")
        events.append(prev)
    policy = ChainPolicy.from_dict({
        "manufacturers": [oem[1]],
        "roles": {"integrator": [integrator[1]], "operator": [operator[1]]},
        "eventIssuers": {"*": ["manufacturer", "integrator", "operator"]},
    })
    return birth, events, policy


async def verify_once(birth: dict[str, Any], events: list[dict[str, Any]], policy: ChainPolicy,
                      resolver: Resolver, *, skip_proofs: bool = False) -> float:
    async def accept(doc: Any) -> None:
        return None

    t = time.perf_counter()
    report = await verify_chain(birth, *events, policy=policy, resolver=resolver,
                                verify_proof=accept if skip_proofs else None, now=T0 + timedelta(days=30))
    elapsed = time.perf_counter() - t
    if not report.verified:
        raise SystemExit(f"chain did not verify: {report.issues[:3]}")
    return elapsed


def status_table(runs: int) -> None:
    """Bitstring Status List costs that a chain verification or an issuer pays."""
    import random

    from credentials.status_list import MIN_ENTRIES, Bitstring, IndexAllocator, StatusList, StatusListVerifier

    def median_time(fn: Any, n: int) -> float:
        samples = []
        for _ in range(runs):
            t = time.perf_counter()
            for _ in range(n):
                fn()
            samples.append((time.perf_counter() - t) / n)
        return statistics.median(samples)

    sl = StatusList("https://status.example/lists/1", size=MIN_ENTRIES, rng=random.Random(1))
    for _ in range(MIN_ENTRIES // 100):  # 1 % revoked
        sl.revoke(sl.allocate())
    encoded = sl.bits.encode()
    doc = sl.credential("did:example:issuer")

    async def loader(url: str) -> dict[str, Any]:
        return doc

    async def accept(d: Any) -> None:
        return None

    verifier = StatusListVerifier(loader, verify_proof=accept)
    entry = sl.entry(12345)
    cred = {"issuer": "did:example:issuer", "credentialStatus": entry}

    async def checks(n: int) -> float:
        await verifier.check(cred)
        t = time.perf_counter()
        for _ in range(n):
            await verifier.check(cred)
        return (time.perf_counter() - t) / n

    nearly_full = IndexAllocator(MIN_ENTRIES, rng=random.Random(2))
    for _ in range(MIN_ENTRIES - MIN_ENTRIES // 50):
        nearly_full.allocate()
    rows = [
        ("encode 131,072-entry list (1 % set)", median_time(lambda: sl.bits.encode(), 20)),
        ("decode (expand) it", median_time(lambda: Bitstring.decode(encoded), 20)),
        ("check one entry, list cached", statistics.median(asyncio.run(checks(2000)) for _ in range(runs))),
        ("allocate an index, list 1 % used", median_time(sl.allocate, 200)),
        ("allocate an index, list 98 % used", median_time(nearly_full.allocate, 100)),
    ]
    print(f"\n| status list operation ({len(encoded)} characters encoded) | median |")
    print("|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1e6:,.0f} µs |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--suites", default="eddsa-jcs-2022,eddsa-rdfc-2022")
    ap.add_argument("--no-status", action="store_true", help="skip the status list table")
    args = ap.parse_args()
    print(f"# {platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
          f"{args.events} events, {args.runs} runs (median / best)")
    print("| suite | build (sign) s | verify median s | verify best s | µs/event | links+policy only s | < 1 s |")
    print("|---|---|---|---|---|---|---|")
    for suite in args.suites.split(","):
        t = time.perf_counter()
        birth, events, policy = build(args.events, suite)
        build_s = time.perf_counter() - t
        resolver = Resolver()
        # Shuffle-free worst case is the same as shuffled: ordering is by links. Warm the resolver once.
        asyncio.run(verify_once(birth, events[:1], policy, resolver))
        times = [asyncio.run(verify_once(birth, events, policy, resolver)) for _ in range(args.runs)]
        links = statistics.median(
            asyncio.run(verify_once(birth, events, policy, resolver, skip_proofs=True)) for _ in range(args.runs))
        med = statistics.median(times)
        print(f"| {suite} | {build_s:.2f} | {med:.3f} | {min(times):.3f} | {med / (args.events + 1) * 1e6:.0f} | "
              f"{links:.3f} | {'yes' if med < 1 else 'no'} |")
    if not args.no_status:
        status_table(args.runs)


if __name__ == "__main__":
    main()
