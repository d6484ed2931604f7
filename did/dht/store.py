"""Record store of a DHT node (BEP 44 "Expiration" and "Mutable items" storage rules).

Items expire after ``ttl`` seconds (default 2 h, as BEP 44 suggests) unless re-put; the store is bounded and evicts
the item that expires soonest. A mutable item replaces the stored one only when its ``seq`` is higher (equal seq
with identical content just refreshes it); ``cas`` must match the stored seq when given.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from did.bep44 import ImmutableItem, MutableItem
from did.dht.krpc import CAS_MISMATCH, SEQ_TOO_LOW, KrpcError

DEFAULT_TTL = 2 * 60 * 60.0


@dataclass(slots=True)
class Stored:
    item: MutableItem | ImmutableItem
    stored_at: float


class ItemStore:
    def __init__(
        self, *, ttl: float = DEFAULT_TTL, max_items: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_items = max_items
        self.clock = clock
        self._items: dict[bytes, Stored] = {}

    def __len__(self) -> int:
        return len(self._items)

    def get(self, target: bytes) -> MutableItem | ImmutableItem | None:
        s = self._items.get(target)
        if s is None:
            return None
        if self.clock() - s.stored_at > self.ttl:
            del self._items[target]
            return None
        return s.item

    def put_mutable(self, item: MutableItem, cas: int | None = None) -> None:
        """Store a verified mutable item, applying BEP 44's ``cas`` and ``seq`` rules (raises KrpcError)."""
        current = self.get(item.target)
        if isinstance(current, MutableItem):
            if cas is not None and cas != current.seq:
                raise KrpcError(CAS_MISMATCH, "CAS mismatch, re-read value and try again")
            if item.seq < current.seq:
                raise KrpcError(SEQ_TOO_LOW, "sequence number less than current")
            if item.seq == current.seq and (item.v_bencoded != current.v_bencoded):
                raise KrpcError(SEQ_TOO_LOW, "sequence number equal to current with a different value")
        self._set(item.target, item)

    def put_immutable(self, item: ImmutableItem) -> None:
        self._set(item.target, item)

    def _set(self, target: bytes, item: MutableItem | ImmutableItem) -> None:
        now = self.clock()
        if target not in self._items and len(self._items) >= self.max_items:
            self.expire()
            if len(self._items) >= self.max_items:
                oldest = min(self._items, key=lambda t: self._items[t].stored_at)
                del self._items[oldest]
        self._items[target] = Stored(item, now)

    def expire(self) -> int:
        now = self.clock()
        dead = [t for t, s in self._items.items() if now - s.stored_at > self.ttl]
        for t in dead:
            del self._items[t]
        return len(dead)

    def items(self) -> list[tuple[bytes, MutableItem | ImmutableItem, float]]:
        return [(t, s.item, s.stored_at) for t, s in self._items.items()]
