"""Crash safety: a provisioning process killed with SIGKILL mid-batch resumes with no duplicate or missing device,
and every committed credential verifies."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import credentials
from agent import attestation
from agent.issuer import Issuer, serials_range
from agent.storage import Storage
from resolver import Resolver
from tests.agent.agent_fixtures import PASS, swarm

ROOT = Path(__file__).resolve().parents[2]
COUNT = 120


def _kill_midway(db: Path, after: int) -> int:
    proc = subprocess.Popen([sys.executable, "-m", "tests.agent.crash_worker", str(db), str(COUNT)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    done = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("progress"):
            done += int(line.split()[1])
            if done >= after:
                proc.send_signal(signal.SIGKILL)
                break
        assert not line.startswith("done"), "the worker finished before it could be killed"
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return done


def test_sigkill_mid_batch_then_resume(tmp_path: Path) -> None:
    db = tmp_path / "oem.db"
    reported = _kill_midway(db, 30)

    async def check() -> None:
        storage = await Storage.open(db)
        stored = await storage.count_devices()
        assert reported <= stored < COUNT  # everything reported is durable; the batch was cut short
        # no half-written device: every stored device has its keys, birth certificate and attestation
        for row in await storage.list_devices(limit=COUNT):
            kinds = Counter(c.kind for c in await storage.credentials(row.serial))
            assert kinds == {"birth": 1, "attestation": 1}, row.serial
            assert {k.purpose for k in await storage.keys_of(row.serial)} == {"identity", "attest", "device-secret"}
        async with swarm(4) as sw:
            issuer = await Issuer.load(storage, PASS, dht=sw.client())
            await issuer.publish_self()
            report = await issuer.provision(serials_range("K-", COUNT), chunk=25)
            assert report.count("existing") == stored and report.count("created") == COUNT - stored
            assert not report.unpublished  # the ones never confirmed before the crash were published again
            assert await storage.count_devices() == COUNT
            rows = await storage.list_devices(limit=COUNT + 10)
            assert sorted(r.serial for r in rows) == serials_range("K-", COUNT)
            assert len({r.did for r in rows}) == COUNT
            async with storage.db.execute("SELECT list_id, COUNT(*), COUNT(DISTINCT idx) FROM status_entries "
                                          "GROUP BY list_id") as cur:
                for _list_id, n, distinct in await cur.fetchall():
                    assert n == distinct == COUNT  # one index per device per list, never reused
            resolver = Resolver(dht=sw.client())
            for row in rows[:: max(1, COUNT // 20)]:
                birth = (await issuer.export_chain(row.serial))[0]
                result = await credentials.verify(birth, resolver=resolver)
                assert result.verified, (row.serial, result.errors)
                bundle = await issuer.device_bundle(row.serial)
                attestation.verify(bundle["attestation"], int(bundle["deviceSecret"], 16))
                assert json.loads(row.document)["id"] == row.did
            await resolver.aclose()
        await storage.close()

    asyncio.run(check())
