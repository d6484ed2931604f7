"""The node's item store (BEP 44 mutable/immutable items, BEP 5 announced peers): expiry, bounded size, seq rule.

BEP 44 "Expiration": items are kept for about 2 hours unless re-put; the originator republishes. The store is bounded:
when full, the entry closest to expiry is evicted first, except items this node keeps alive for its owner.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from did.bep44 import ImmutableItem, MutableItem
from did.errors import DidError
from did.mainline.krpc import CAS_MISMATCH, SEQ_TOO_LOW, Address, KrpcError


@dataclass(slots=True)
class StoredItem:
    item: MutableItem | ImmutableItem
    expires: float


class RecordStore:
    def __init__(self, *, ttl: float = 7200.0, max_items: int = 10_000, max_peers_per_hash: int = 100) -> None:
        self.ttl = ttl
        self.max_items = max_items
        self.max_peers_per_hash = max_peers_per_hash
        self._items: OrderedDict[bytes, StoredItem] = OrderedDict()  # insertion/refresh order = expiry order
        self._peers: dict[bytes, OrderedDict[Address, float]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def get(self, target: bytes, now: float) -> MutableItem | ImmutableItem | None:
        entry = self._items.get(target)
        if entry is None:
            return None
        if entry.expires <= now:
            del self._items[target]
            return None
        return entry.item

    def put_immutable(self, item: ImmutableItem, now: float) -> None:
        self._set(item.target, item, now)

    def put_mutable(self, item: MutableItem, now: float, *, cas: int | None = None) -> None:
        """Store a verified mutable item under BEP 44's rules: ``cas`` must equal the stored seq (301), and the
        seq must not go down (302). An equal seq is accepted only for the identical value (a re-put refreshing
        the expiry); a different value under the same seq is refused with 302 so one holder cannot rewrite a
        published version."""
        current = self.get(item.target, now)
        if isinstance(current, MutableItem):
            if cas is not None and cas != current.seq:
                raise KrpcError(CAS_MISMATCH, f"CAS {cas} does not match the stored seq {current.seq}")
            if item.seq < current.seq or (item.seq == current.seq and item.v_bencoded != current.v_bencoded):
                raise KrpcError(SEQ_TOO_LOW, f"seq {item.seq} is not newer than the stored seq {current.seq}")
        self._set(item.target, item, now)

    def _set(self, target: bytes, item: MutableItem | ImmutableItem, now: float) -> None:
        self._items.pop(target, None)
        self._items[target] = StoredItem(item, now + self.ttl)
        self.expire(now)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    def expire(self, now: float) -> int:
        removed = 0
        while self._items:
            target, entry = next(iter(self._items.items()))
            if entry.expires > now:
                break
            del self._items[target]
            removed += 1
        for info_hash in list(self._peers):
            peers = self._peers[info_hash]
            for addr in [a for a, exp in peers.items() if exp <= now]:
                del peers[addr]
            if not peers:
                del self._peers[info_hash]
        return removed

    def items(self) -> list[tuple[bytes, MutableItem | ImmutableItem, float]]:
        return [(t, e.item, e.expires) for t, e in self._items.items()]

    # --- BEP 5 announce_peer / get_peers -------------------------------------------------------------------------

    def announce(self, info_hash: bytes, addr: Address, now: float) -> None:
        if info_hash not in self._peers and len(self._peers) >= self.max_items:
            raise StoreFull("the peer store is full")
        peers = self._peers.setdefault(info_hash, OrderedDict())
        peers.pop(addr, None)
        peers[addr] = now + self.ttl
        while len(peers) > self.max_peers_per_hash:
            peers.popitem(last=False)

    def peers(self, info_hash: bytes, now: float, limit: int = 50) -> list[Address]:
        peers = self._peers.get(info_hash)
        if not peers:
            return []
        return [a for a, exp in peers.items() if exp > now][-limit:]


class StoreFull(DidError):
    code = "storeFull"
