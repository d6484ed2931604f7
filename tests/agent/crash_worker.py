"""Subprocess for tests/agent/test_crash.py: initialise (if needed) and provision a batch, printing progress.

Usage: python -m tests.agent.crash_worker DB COUNT
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from agent.issuer import Issuer, serials_range
from agent.storage import Storage
from did.dht import LocalSwarm
from tests.agent.agent_fixtures import PASS, new_issuer


async def main(db: Path, count: int) -> None:
    swarm = LocalSwarm(4)
    await swarm.start()
    if db.exists():
        issuer = await Issuer.load(await Storage.open(db), PASS, dht=swarm.client())
    else:
        issuer = await new_issuer(db, swarm.client())
    print("ready", flush=True)

    def progress(n: int) -> None:
        print("progress", n, flush=True)

    await issuer.provision(serials_range("K-", count), chunk=10, concurrency=8, progress=progress)
    print("done", flush=True)
    await issuer.storage.close()
    await swarm.stop()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
