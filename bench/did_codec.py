"""did:dht codec benchmark: DID document -> DNS packet (encode), packet -> document (decode), BEP 44 signing
(sign) and signature checking of a relay body (verify), plus the whole publish (encode + sign) and resolve
(verify + decode) paths; @web5/dids 1.2.0 timed on the same document in the same run.

    .venv/bin/python bench/did_codec.py [--runs 5] [--n 2000] [--no-web5]

Prints operations per second, the median of ``--runs`` runs of ``--n`` operations each (web5: median of
``--runs`` Node processes, each timing ``--n // 4`` operations after a warm-up).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from did import did_dht
from did.bep44 import MutableItem
from did.document import DIDDocument
from did.keys import PrivateKey

SEQ = 1_732_000_000


def rate(fn: Callable[[], object], n: int, runs: int) -> float:
    results = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        results.append(n / (time.perf_counter() - t0))
    return statistics.median(results)


def device_document(identity: PrivateKey) -> DIDDocument:
    """The profile's typical device (specs/did-dht-iiot.md): identity, P-256 attestation key, X25519, 2 services."""
    return did_dht.create_document(
        identity,
        extra_keys=[
            did_dht.AdditionalKey(PrivateKey.from_raw("p256", bytes([2]) * 32), id="attest",
                                  purposes=("assertionMethod", "authentication")),
            did_dht.AdditionalKey(PrivateKey.from_raw("x25519", bytes([3]) * 32), id="ka"),
        ],
        services=[
            {"id": "#gw", "type": "IIoTGateway", "serviceEndpoint": "https://gw.plant-7.example.com/api"},
            {"id": "#dcm", "type": "DIDCommMessaging", "serviceEndpoint": "https://gw.plant-7.example.com/didcomm"},
        ],
    )


WEB5_SHAPE = {
    "services": [
        {"id": "gw", "type": "IIoTGateway", "serviceEndpoint": "https://gw.plant-7.example.com/api"},
        {"id": "dcm", "type": "DIDCommMessaging", "serviceEndpoint": "https://gw.plant-7.example.com/didcomm"},
    ],
    "verificationMethods": [{"algorithm": "secp256k1", "id": "attest", "purposes": ["assertionMethod"]}],
    "types": [0],
}


def bench_ours(name: str, identity: PrivateKey, doc: DIDDocument, n: int, runs: int) -> dict[str, float]:
    did = doc.id
    packet = did_dht.to_packet(doc, types=[0])
    item = MutableItem.create(identity.public_key.raw, packet, SEQ, identity.sign)
    body = item.to_relay_bytes()
    public = identity.public_key.raw
    out = {
        "encode": rate(lambda: did_dht.to_packet(doc, types=[0]), n, runs),
        "decode": rate(lambda: did_dht.from_packet(did, packet), n, runs),
        "sign": rate(lambda: MutableItem.create(public, packet, SEQ, identity.sign), n, runs),
        "verify": rate(lambda: MutableItem.from_relay_bytes(public, body, verify=True), n, runs),
        "publish (encode+sign)": rate(lambda: did_dht.to_bep44(identity, doc, seq=SEQ, types=[0]), n, runs),
        "resolve (verify+decode)": rate(lambda: did_dht.from_relay_bytes(did, body), n, runs),
    }
    print(f"# {name}: packet {len(packet)} bytes (compressed), limit {did_dht.MAX_PACKET_SIZE}")
    return out


def bench_web5(n: int, runs: int) -> tuple[dict[str, float], dict[str, object]]:
    from tests.nodejs import run_node

    results = [run_node("web5_did_dht.mjs", {"action": "bench", "n": n, **WEB5_SHAPE}) for _ in range(runs)]
    keys = ("encode", "decode", "sign", "verify")
    return {k: statistics.median(float(r[k]) for r in results) for k in keys}, results[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--no-web5", action="store_true")
    args = ap.parse_args()
    identity = PrivateKey.from_raw("ed25519", bytes(range(32)))

    rows: dict[str, dict[str, float]] = {}
    rows["iiotid, device profile doc"] = bench_ours("device profile", identity, device_document(identity),
                                                    args.n, args.runs)
    web5_doc = did_dht.create_document(
        identity,
        extra_keys=[did_dht.AdditionalKey(PrivateKey.from_raw("secp256k1", bytes([4]) * 32), id="attest")],
        services=WEB5_SHAPE["services"],  # type: ignore[arg-type]
    )
    rows["iiotid, web5-shaped doc"] = bench_ours("web5-shaped (Ed25519 + secp256k1 + 2 services)", identity,
                                                 web5_doc, args.n, args.runs)
    if not args.no_web5:
        web5, sample = bench_web5(max(args.n // 4, 50), args.runs)
        print(f"# @web5/dids 1.2.0: packet {sample['packetSize']} bytes (names uncompressed)")
        rows["@web5/dids 1.2.0, web5-shaped doc"] = web5

    ops = ["encode", "decode", "sign", "verify", "publish (encode+sign)", "resolve (verify+decode)"]
    print(f"{'implementation':38s}" + "".join(f"{op:>26s}" for op in ops))
    for impl, r in rows.items():
        print(f"{impl:38s}" + "".join(f"{r[op]:>26,.0f}" if op in r else f"{'-':>26s}" for op in ops))
    print("operations per second, median of runs")


if __name__ == "__main__":
    main()
