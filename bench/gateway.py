"""Gateway benchmark: access decisions per second and latency over HTTP on loopback, the load from a separate process.

    .venv/bin/python bench/gateway.py [--devices 20] [--requests 600] [--concurrency 8] [--port 8765]

The gateway process runs the real stack: an OEM ``agent.issuer.Issuer`` on an 8-node loopback DHT provisions
``--devices`` devices, the gateway ``agent.verifier.Verifier`` (policy: manufacturer disclosed, firmwareVersion >= 142
as a 16-bit range predicate, per-gateway pseudonym, holder binding, revocation status) is served by uvicorn through
``agent.api.app.create_app`` (one process, one event loop).  Issuer resolution (did:dht -> BBS key) and the status
list are fetched once and then cached, as in production.

The load process (``--role load``) holds the devices' ``agent.holder.Holder`` wallets.  Each round it fetches
challenges (``POST /challenges``), answers them all (BBS proof + range proof, ~6 ms each, outside the timed part),
then sends the answers with ``--concurrency`` requests in flight (``POST /presentations/verify``) and times each.
Reported: decisions/s over the timed part, p50/p99 latency, admitted count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

POLICY = {
    "name": "bench", "verifier": "did:example:bench-gateway", "disclose": ["manufacturer"],
    "predicates": [{"attribute": "firmwareVersion", "op": "ge", "value": 142}],
    "requireStatus": True, "pseudonym": True, "nonceTtlSeconds": 600,
}


async def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from agent.api.app import create_app
    from agent.config import AgentConfig
    from agent.crypto_store import MIN_MEM, MIN_OPS
    from agent.issuer import Issuer, IssuerProfile
    from agent.policy import Policy
    from agent.storage import Storage
    from agent.verifier import Verifier
    from did.dht import LocalSwarm
    from resolver import Resolver

    work = Path(args.workdir)
    async with LocalSwarm(8, seed=3) as sw:
        storage = await Storage.open(work / "oem.db")
        profile = IssuerProfile(manufacturer="ACME Industrial", product_type="PX-400",
                                status_base_url="https://oem.example/status", firmware_version=150,
                                security_level=3)
        issuer = await Issuer.initialize(storage, "bench", profile, dht=sw.client(), kdf_ops=MIN_OPS,
                                         kdf_mem=MIN_MEM)
        await issuer.publish_self()
        await issuer.provision([f"GW-{i:04d}" for i in range(args.devices)])
        bundles = [await issuer.device_bundle(f"GW-{i:04d}") for i in range(args.devices)]
        (work / "bundles.json").write_text(json.dumps(bundles))
        resolver = Resolver(dht=sw.client())

        async def status(did: str) -> dict:
            return await issuer.status_list_credential("revocation-1")

        verifier = Verifier(Policy.from_dict({**POLICY, "trustedIssuers": [issuer.did]}), resolver=resolver,
                            status_source=status, cache_ttl=3600, workers=args.workers)
        app = create_app(AgentConfig(work, extra={"verifier": verifier, "resolver": resolver}))
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning",
                                               access_log=False, lifespan="off"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        (work / "ready").write_text("1")
        while not (work / "done").exists():
            await asyncio.sleep(0.2)
        server.should_exit = True
        await task
        await storage.close()


async def load(args: argparse.Namespace) -> dict:
    import httpx

    from agent.holder import Holder

    work = Path(args.workdir)
    bundles = json.loads((work / "bundles.json").read_text())
    holders = []
    for i, b in enumerate(bundles):
        h = Holder.create(work / f"h{i}.holder", "pin", ops=1, mem=8192)
        h.import_bundle(b)
        holders.append(h)
    base = f"http://127.0.0.1:{args.port}"
    latencies: list[float] = []
    admitted = 0
    elapsed = 0.0
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as c:
        # warm-up: first decision resolves the issuer over the DHT and fetches the status list
        ch = (await c.post("/challenges")).json()
        assert (await c.post("/presentations/verify", json=holders[0].answer(ch))).json()["admitted"]
        remaining = args.requests
        while remaining > 0:
            batch = min(remaining, 200)
            challenges = [(await c.post("/challenges")).json() for _ in range(batch)]
            answers = [holders[i % len(holders)].answer(ch) for i, ch in enumerate(challenges)]
            async def one(answer: dict, sem: asyncio.Semaphore) -> bool:
                async with sem:
                    t = time.perf_counter()
                    r = await c.post("/presentations/verify", json=answer)
                    latencies.append((time.perf_counter() - t) * 1000)
                    return bool(r.status_code == 200 and r.json().get("admitted"))

            t0 = time.perf_counter()
            sem = asyncio.Semaphore(args.concurrency)
            results = await asyncio.gather(*(one(a, sem) for a in answers))
            elapsed += time.perf_counter() - t0
            admitted += sum(results)
            remaining -= batch
    lat = sorted(latencies)
    return {"requests": len(lat), "admitted": admitted, "seconds": elapsed, "per_second": len(lat) / elapsed,
            "p50_ms": lat[len(lat) // 2], "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
            "mean_ms": statistics.mean(lat)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--role", choices=["main", "serve", "load"], default="main")
    ap.add_argument("--devices", type=int, default=20)
    ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--workers", type=int, default=2, help="gateway verification processes (0: in the event loop)")
    ap.add_argument("--workdir", default="")
    args = ap.parse_args()
    if args.role == "serve":
        asyncio.run(serve(args))
        return
    if args.role == "load":
        print(json.dumps(asyncio.run(load(args))))
        return
    with tempfile.TemporaryDirectory() as work:
        common = [f"--devices={args.devices}", f"--port={args.port}", f"--workdir={work}", f"--workers={args.workers}"]
        server = subprocess.Popen([sys.executable, __file__, "--role", "serve", *common])
        try:
            deadline = time.time() + 120
            while not (Path(work) / "ready").exists():
                if server.poll() is not None or time.time() > deadline:
                    raise SystemExit("the gateway process did not start")
                time.sleep(0.1)
            out = subprocess.run([sys.executable, __file__, "--role", "load", *common,
                                  f"--requests={args.requests}", f"--concurrency={args.concurrency}"],
                                 capture_output=True, text=True, check=True)
            res = json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            (Path(work) / "done").write_text("1")
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
    print("| gateway decisions (BBS 10 msgs + 16-bit range + pseudonym + status, HTTP) | value |")
    print("|---|---:|")
    print(f"| decisions/s ({res['requests']} requests, {args.concurrency} in flight) | {res['per_second']:.0f} |")
    print(f"| latency p50 / p99 (ms) | {res['p50_ms']:.1f} / {res['p99_ms']:.1f} |")
    print(f"| admitted | {res['admitted']}/{res['requests']} |")
    print(f"(cpu count {os.cpu_count()}, gateway verification processes {args.workers})")


if __name__ == "__main__":
    main()
