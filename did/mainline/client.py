"""The DHT client interface the resolver depends on (a :class:`DhtNode` satisfies it; tests may fake it)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from did.bep44 import MutableItem


@runtime_checkable
class DhtClient(Protocol):
    async def get_mutable(self, public_key: bytes, salt: bytes = b"", *, min_seq: int | None = None
                          ) -> MutableItem | None:
        """The valid item with the highest seq found under sha1(public_key + salt), or None."""
        ...

    async def put_mutable(self, item: MutableItem, *, cas: int | None = None, keep_alive: bool = False) -> int:
        """Store ``item`` on the closest nodes; returns how many stored it."""
        ...
