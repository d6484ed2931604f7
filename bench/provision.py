"""OEM batch provisioning benchmark: N devices (keys, did:dht records published to a loopback DHT, birth
certificates, BBS attestations, status entries) through ``agent.issuer.Issuer.provision`` into a fresh SQLite store.

    .venv/bin/python bench/provision.py [--count 10000] [--nodes 20] [--runs 3] [--chunk 200] [--concurrency 128]

Goal (issue 8): 10,000 devices in < 60 s.  Also times the same batch without the DHT (signing + storage only) and a
per-device cost breakdown of the CPU steps, so the DHT share is visible.  Prints the median of ``--runs``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.crypto_store import MIN_MEM, MIN_OPS
from agent.issuer import Issuer, IssuerProfile, serials_range
from agent.storage import Storage
from did.dht import LocalSwarm

PROFILE = IssuerProfile(
    manufacturer="ACME Industrial",
    product_type="PX-400 pressure transmitter",
    status_base_url="https://oem.example/status",
    gateway_endpoint="https://gw.plant4.example/api",
    firmware_version=120,
    security_level=3,
    country="DE",
)


async def serve_swarm(nodes: int) -> None:
    """Child process: a loopback swarm; prints its bootstrap address, runs until stdin closes."""
    swarm = LocalSwarm(nodes)
    await swarm.start()
    host, port = swarm.nodes[0].address
    print(f"{host}:{port}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await swarm.stop()


async def one_run(
    count: int, nodes: int, chunk: int, concurrency: int, dht: bool, workers: int | None = None
) -> tuple[float, int]:
    """The DHT is a swarm in another process (as it is in reality: other machines); the issuer joins it with its
    own node, whose client queries wait up to 1 s."""
    from did.dht import DhtNode
    from did.dht.swarm import loopback_config

    with tempfile.TemporaryDirectory() as tmp:
        storage = await Storage.open(Path(tmp) / "oem.sqlite")
        child = node = None
        if dht:
            child = subprocess.Popen([sys.executable, __file__, "--serve-swarm", str(nodes)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
            assert child.stdout is not None
            host, _, port = child.stdout.readline().strip().rpartition(":")
            node = DhtNode(config=loopback_config(query_timeout=1.0, stall_timeout=0.25))
            await node.start()
            await node.bootstrap([(host, int(port))])
        try:
            issuer = await Issuer.initialize(storage, "bench", PROFILE, dht=node, kdf_ops=MIN_OPS, kdf_mem=MIN_MEM)
            t = time.perf_counter()
            report = await issuer.provision(serials_range("B-", count), chunk=chunk, concurrency=concurrency,
                                           workers=workers)
            elapsed = time.perf_counter() - t
            if report.count("created") != count:
                raise SystemExit(f"only {report.count('created')} of {count} devices were created")
            published = count - len(report.unpublished)
        finally:
            if node is not None:
                await node.stop()
            if child is not None:
                assert child.stdin is not None
                child.stdin.close()
                child.wait(timeout=30)
            await storage.close()
    return elapsed, published


def breakdown(n: int = 200) -> list[tuple[str, float]]:
    """Median-free quick per-step CPU costs (ms per device) of what _build does."""
    import credentials
    from agent import attestation
    from credentials.vocab import birth_certificate
    from did import did_dht
    from did.did_dht import AdditionalKey
    from did.did_key import did_from_public_key
    from did.keys import KeyType, PrivateKey

    oem = PrivateKey.generate(KeyType.ED25519)
    bbs = PrivateKey.generate(KeyType.BLS12381_G2)
    bbs_did = did_from_public_key(bbs.public_key)
    rows: list[tuple[str, float]] = []

    def timed(name: str, fn: object) -> None:
        t = time.perf_counter()
        for _ in range(n):
            fn()  # type: ignore[operator]
        rows.append((name, (time.perf_counter() - t) / n * 1000))

    timed("Ed25519 + P-256 keygen", lambda: (PrivateKey.generate(KeyType.ED25519), PrivateKey.generate(KeyType.P256)))
    ident, att = PrivateKey.generate(KeyType.ED25519), PrivateKey.generate(KeyType.P256)

    def doc() -> object:
        d = did_dht.create_document(ident, extra_keys=[AdditionalKey(att.public_key, id="attest")],
                                    services=[{"id": "gw", "type": "IIoTGateway", "serviceEndpoint": "https://gw/"}])
        return did_dht.to_bep44(ident, d, seq=1)

    timed("did:dht document + BEP 44 record", doc)
    did = did_dht.did_from_identity_key(ident.public_key)
    timed("birth certificate (eddsa-rdfc-2022)", lambda: credentials.issue(
        birth_certificate("did:example:oem", did, {"manufacturerName": "ACME", "serialNumber": "1",
                                                   "firmwareVersion": "120", "securityLevel": 3}),
        key=oem, verification_method="did:example:oem#a", suite="eddsa-rdfc-2022"))
    timed("BBS attestation (9 messages)", lambda: attestation.sign(
        bbs, did, {"manufacturer": "ACME", "productType": "PX", "serialNumber": "1", "firmwareVersion": 120,
                   "securityLevel": 3, "dateOfManufacture": "2026-01-01", "device": did, "revocationIndex": 5},
        attestation.new_device_secret(os.urandom), issued="2026-01-01T00:00:00Z", issuer=bbs_did))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--nodes", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--workers", type=int, default=None,
                    help="signing processes (default: Issuer.provision's choice: one per core, large batches)")
    ap.add_argument("--no-dht-too", action="store_true", help="also time the batch without the DHT")
    ap.add_argument("--serve-swarm", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_swarm:
        asyncio.run(serve_swarm(args.serve_swarm))
        return
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
          f"; {args.count} devices, {args.nodes}-node loopback DHT, median of {args.runs} runs")
    for step, ms in breakdown():
        print(f"{step:<40} {ms:8.3f} ms/device")
    for dht in (False, True) if args.no_dht_too else (True,):
        samples = [asyncio.run(one_run(args.count, args.nodes, args.chunk, args.concurrency, dht, args.workers))
                   for _ in range(args.runs)]
        secs = statistics.median(s[0] for s in samples)
        pub = min(s[1] for s in samples)
        label = "provision + DHT publish" if dht else "provision, no DHT (sign + store)"
        print(f"{label:<40} {secs:8.2f} s   {args.count / secs:8.0f} devices/s   published {pub}/{args.count}"
              f"   runs: {', '.join(f'{s[0]:.2f}' for s in samples)}")


if __name__ == "__main__":
    main()
