"""A DHT network for gateway tests: a loopback LocalSwarm of real nodes (``did.dht.swarm``).

Until the DHT package is present in the tree the in-memory :class:`FakeDht` stands in (one shared store).
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import AsyncIterator
from typing import Any

from tests.resolver.fakes import FakeDht

HAVE_SWARM = importlib.util.find_spec("did.dht") is not None


@contextlib.asynccontextmanager
async def dht_network(nodes: int = 6) -> AsyncIterator[tuple[Any, Any]]:
    """Yield two DHT clients on the same network: one for the gateway, one for an independent reader."""
    if not HAVE_SWARM:
        fake = FakeDht()
        yield fake, fake
        return
    from did.dht.swarm import LocalSwarm

    async with LocalSwarm(nodes) as swarm:
        yield swarm.nodes[0], swarm.nodes[-1]
