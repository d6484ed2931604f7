"""A local multi-node DHT in one process (demos, tests, benchmarks): n nodes on loopback, bootstrapped together."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from did.dht.node import DhtConfig, DhtNode


def loopback_config(**overrides: float) -> DhtConfig:
    """Settings for an all-loopback network: short timeouts, and no per-IP rate limit (every node is 127.0.0.1)."""
    cfg = DhtConfig(query_timeout=0.5, stall_timeout=0.08, rate_limit_per_ip=1e9, rate_burst=1e9)
    for key, value in overrides.items():
        setattr(cfg, key, value)
    return cfg


class LocalSwarm:
    """``async with LocalSwarm(50) as swarm: node = swarm.client()``."""

    def __init__(
        self,
        n: int,
        *,
        base_port: int = 0,
        host: str = "127.0.0.1",
        config: DhtConfig | None = None,
        seed: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        if n < 1:
            raise ValueError("a swarm needs at least one node")
        self.n = n
        self.base_port = base_port
        self.host = host
        self.config = config or loopback_config()
        self.rand = random.Random(seed)
        self.progress = progress
        self.nodes: list[DhtNode] = []
        self.dead: list[DhtNode] = []

    async def start(self) -> LocalSwarm:
        for i in range(self.n):
            port = self.base_port + i if self.base_port else 0
            node = DhtNode(host=self.host, port=port, config=self.config)
            await node.start()
            self.nodes.append(node)
        seed = self.nodes[0]
        # Every node learns the first one, then all look themselves up (in parallel batches).
        for i, node in enumerate(self.nodes[1:], start=1):
            node.table.seen(seed.info)
            seed.table.seen(node.info)
            if self.progress:
                self.progress(i, self.n * 2)
        batch = 16
        for start in range(0, self.n, batch):
            group = self.nodes[start : start + batch]
            await asyncio.gather(*(node.bootstrap([seed.address]) for node in group), return_exceptions=True)
            if self.progress:
                self.progress(self.n + start + len(group), self.n * 2)
        return self

    async def stop(self) -> None:
        await asyncio.gather(*(node.stop() for node in self.nodes + self.dead), return_exceptions=True)

    async def __aenter__(self) -> LocalSwarm:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def client(self) -> DhtNode:
        """A random live node to issue client operations from."""
        return self.rand.choice(self.nodes)

    @property
    def bootstrap_addresses(self) -> list[tuple[str, int]]:
        return [n.address for n in self.nodes[:3]]

    async def kill(self, fraction: float) -> list[DhtNode]:
        """Stop a random ``fraction`` of the live nodes (churn)."""
        count = int(len(self.nodes) * fraction)
        victims = self.rand.sample(self.nodes, count)
        for v in victims:
            self.nodes.remove(v)
            self.dead.append(v)
        await asyncio.gather(*(v.stop() for v in victims), return_exceptions=True)
        return victims
