"""An in-process loopback network of Mainline DHT nodes, for demos, tests and benchmarks."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from did.mainline.node import DhtConfig, DhtNode

# loopback: every node shares 127.0.0.1, so per-IP rate limiting is off and timeouts are short
SWARM_CONFIG = DhtConfig(query_timeout=0.5, soft_timeout=0.02, rate_limit=None)


class LocalSwarm:
    """``async with LocalSwarm(100) as swarm:`` starts ``n`` nodes on 127.0.0.1 (ports ``base_port + i``, or
    ephemeral with ``base_port=0``), bootstraps them through the first nodes, and stops them on exit."""

    def __init__(self, n: int, base_port: int = 0, config: DhtConfig | None = None, *,
                 host: str = "127.0.0.1", seed: int | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 node_factory: Callable[..., DhtNode] = DhtNode) -> None:
        self.n = n
        self.base_port = base_port
        self.config = config or SWARM_CONFIG
        self.host = host
        self._rand = random.Random(seed)
        self._seeded = seed is not None  # reproducible ids/secrets for tests; otherwise os.urandom
        self.progress = progress
        self.node_factory = node_factory
        self.nodes: list[DhtNode] = []
        self.dead: list[DhtNode] = []

    def _rng(self, n: int) -> bytes:
        return self._rand.randbytes(n)

    async def start(self) -> None:
        for i in range(self.n):
            port = self.base_port + i if self.base_port else 0
            node = self.node_factory(host=self.host, port=port, config=self.config,
                                     rng=self._rng if self._seeded else os.urandom)
            await node.start()
            self.nodes.append(node)
        seeds = [n.address for n in self.nodes[:3]]
        for node in self.nodes:
            node.bootstrap_nodes = [a for a in seeds if a != node.address] or [self.nodes[-1].address]
        done = 0
        # the first nodes join one by one so the seeds know each other; the rest join in parallel batches
        for node in self.nodes[:3]:
            await node.bootstrap()
            done += 1
            self._report(done)
        batch = 16
        for i in range(3, self.n, batch):
            group = self.nodes[i : i + batch]
            await asyncio.gather(*(node.bootstrap() for node in group))
            done += len(group)
            self._report(done)
        # a second pass lets early joiners learn about everyone who came after them
        for i in range(0, self.n, batch):
            await asyncio.gather(*(node.bootstrap() for node in self.nodes[i : i + batch]))

    def _report(self, done: int) -> None:
        if self.progress is not None:
            self.progress(done, self.n)

    async def stop(self) -> None:
        await asyncio.gather(*(n.stop() for n in self.nodes + self.dead), return_exceptions=True)

    async def __aenter__(self) -> LocalSwarm:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    @property
    def alive(self) -> list[DhtNode]:
        return [n for n in self.nodes if n.running]

    async def kill(self, fraction: float, *, spare: list[DhtNode] | None = None) -> list[DhtNode]:
        """Stop a random ``fraction`` of the live nodes (never those in ``spare``); returns them."""
        keep = set(map(id, spare or []))
        candidates = [n for n in self.alive if id(n) not in keep]
        victims = self._rand.sample(candidates, min(len(candidates), round(len(self.alive) * fraction)))
        for v in victims:
            await v.stop()
            self.dead.append(v)
        return victims

    def client(self) -> DhtNode:
        """A random live node to use as the client of the network."""
        return self._rand.choice(self.alive)


def with_config(config: DhtConfig, **changes: Any) -> DhtConfig:
    return replace(config, **changes)
