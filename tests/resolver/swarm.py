"""A DHT network for gateway tests: a loopback LocalSwarm of real Mainline DHT nodes (``did.dht.swarm``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from did.dht.swarm import LocalSwarm


@contextlib.asynccontextmanager
async def dht_network(nodes: int = 6) -> AsyncIterator[tuple[Any, Any]]:
    """Yield two nodes of one loopback swarm: one under the gateway, one for an independent reader."""
    async with LocalSwarm(nodes) as swarm:
        yield swarm.nodes[0], swarm.nodes[-1]
