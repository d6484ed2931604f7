"""The Mainline DHT (BEP 5 + BEP 44): KRPC codec, routing table, record store, asyncio node, local swarms."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from did.bep44 import MutableItem
from did.dht.node import DhtConfig, DhtNode
from did.dht.swarm import LocalSwarm, loopback_config


@runtime_checkable
class DhtClient(Protocol):
    """What resolvers and agents need from a DHT: BEP 44 mutable get/put."""

    async def get_mutable(
        self, public_key: bytes, salt: bytes = b"", *, min_seq: int | None = None
    ) -> MutableItem | None: ...

    async def put_mutable(self, item: MutableItem, *, cas: int | None = None, keep_alive: bool = False) -> int: ...


__all__ = ["DhtClient", "DhtConfig", "DhtNode", "LocalSwarm", "loopback_config"]
