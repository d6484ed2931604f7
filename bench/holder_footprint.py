"""Holder-agent footprint: import time and resident memory of ``agent.holder`` in fresh interpreters.

    .venv/bin/python bench/holder_footprint.py [--runs 7]

Each run starts a new interpreter that (1) imports ``agent.holder`` (timed), (2) reports RSS, (3) opens a provisioned
wallet and answers one gateway challenge (BBS proof + 16-bit range predicate + pseudonym), (4) reports RSS again and
which server modules are loaded (there must be none).  Goals (issue 8): import < 0.3 s, RSS < 40 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import agent.holder
t_import = time.perf_counter() - t0
def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
rss_import = rss_mb()
h = agent.holder.Holder.open(sys.argv[1], "pin")
challenge = json.loads(open(sys.argv[2]).read())
t1 = time.perf_counter()
answer = h.answer(challenge)
t_answer = time.perf_counter() - t1
assert answer["type"] == "IiotidPresentationAnswer"
server = [m for m in ("fastapi", "uvicorn", "aiosqlite", "starlette", "pyld") if m in sys.modules]
print(json.dumps({"import_s": t_import, "rss_import_mb": rss_import, "rss_answer_mb": rss_mb(),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "answer_s": t_answer,
                  "server_modules": server}))
"""


async def prepare(work: Path) -> tuple[Path, Path]:
    from agent.crypto_store import MIN_MEM, MIN_OPS
    from agent.holder import Holder
    from agent.issuer import Issuer, IssuerProfile
    from agent.policy import Policy
    from agent.storage import Storage
    from agent.verifier import Verifier
    from did.dht import LocalSwarm

    async with LocalSwarm(4, seed=2) as sw:
        storage = await Storage.open(work / "oem.db")
        profile = IssuerProfile(manufacturer="ACME", product_type="PX", status_base_url="https://oem.example/s",
                                firmware_version=150, security_level=3)
        issuer = await Issuer.initialize(storage, "x", profile, dht=sw.client(), kdf_ops=MIN_OPS, kdf_mem=MIN_MEM)
        await issuer.provision(["FP-1"])
        holder = Holder.create(work / "device.holder", "pin")  # production KDF cost
        holder.import_bundle(await issuer.device_bundle("FP-1"))
        policy = Policy.from_dict({"verifier": "did:example:gw", "trustedIssuers": [issuer.did],
                                   "disclose": ["manufacturer"],
                                   "predicates": [{"attribute": "firmwareVersion", "op": "ge", "value": 142}]})
        (work / "challenge.json").write_text(json.dumps(Verifier(policy).challenge()))
        await storage.close()
    return work / "device.holder", work / "challenge.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wallet, challenge = asyncio.run(prepare(Path(tmp)))
        results = []
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, "-c", CHILD, str(wallet), str(challenge)], capture_output=True,
                                 text=True, check=True, cwd=ROOT)
            results.append(json.loads(out.stdout))
    med = {k: statistics.median(r[k] for r in results) for k in ("import_s", "rss_import_mb", "rss_answer_mb",
                                                                  "peak_mb", "answer_s")}
    print(f"| holder agent ({args.runs} fresh interpreters, median) | value | goal |")
    print("|---|---:|---:|")
    print(f"| import agent.holder | {med['import_s'] * 1000:.0f} ms | < 300 ms |")
    print(f"| RSS after import | {med['rss_import_mb']:.1f} MB | < 40 MB |")
    print(f"| RSS after open + one answer (BBS + 16-bit range + pseudonym) | {med['rss_answer_mb']:.1f} MB | < 40 MB |")
    print(f"| peak RSS | {med['peak_mb']:.1f} MB | |")
    print(f"| open wallet (Argon2id) + answer, first in process | {med['answer_s'] * 1000:.0f} ms | |")
    print(f"| server modules loaded | {sorted({m for r in results for m in r['server_modules']}) or 'none'} | none |")


if __name__ == "__main__":
    main()
