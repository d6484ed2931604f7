"""Shared helpers for the issuer-side agent tests (an issuer on a small loopback DHT)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from agent.crypto_store import MIN_MEM, MIN_OPS
from agent.issuer import Issuer, IssuerProfile
from agent.storage import Storage
from did.dht import LocalSwarm

PASS = "test passphrase"
PROFILE = IssuerProfile(
    manufacturer="ACME Industrial",
    product_type="PX-400 pressure transmitter",
    status_base_url="https://oem.example/status",
    gateway_endpoint="https://gw.plant4.example/api",
    firmware_version=120,
    security_level=3,
    country="DE",
)


async def new_issuer(path: Path, dht: Any, **kw: Any) -> Issuer:
    storage = await Storage.open(path)
    return await Issuer.initialize(storage, PASS, PROFILE, dht=dht, kdf_ops=MIN_OPS, kdf_mem=MIN_MEM, **kw)


@asynccontextmanager
async def swarm(n: int = 8) -> AsyncIterator[LocalSwarm]:
    s = LocalSwarm(n, seed=1)
    await s.start()
    try:
        yield s
    finally:
        await s.stop()
