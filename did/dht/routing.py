"""Kademlia routing table (BEP 5 "Routing Table").

Node ids are 160-bit; distance is XOR. Buckets are indexed by the length of the common prefix with our own id
(equivalent to BEP 5's "split the bucket holding our id" layout, fixed in advance): bucket ``i`` holds nodes whose
first differing bit with us is bit ``i``. Each bucket holds at most ``k`` (8) good nodes plus a small replacement
cache. A node is *good* if it answered recently, *questionable* after 15 minutes of silence, and *bad* after
``max_failures`` unanswered queries; bad nodes are replaced first, and when a bucket is full of good nodes the
least-recently-seen one is pinged and evicted only if it fails (Kademlia's preference for long-lived nodes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from did.dht.krpc import NODE_ID_SIZE, NodeInfo

K = 8
ID_BITS = NODE_ID_SIZE * 8
QUESTIONABLE_AFTER = 15 * 60.0


def distance(a: bytes, b: bytes) -> int:
    return int.from_bytes(a, "big") ^ int.from_bytes(b, "big")


def bucket_index(own: bytes, other: bytes) -> int:
    """Common prefix length of two ids (0..159); ``ID_BITS`` when equal."""
    d = distance(own, other)
    return ID_BITS - d.bit_length() if d else ID_BITS


@dataclass(slots=True)
class Contact:
    info: NodeInfo
    last_seen: float
    failures: int = 0

    def is_bad(self, max_failures: int) -> bool:
        return self.failures >= max_failures

    def is_good(self, now: float) -> bool:
        return self.failures == 0 and now - self.last_seen < QUESTIONABLE_AFTER


@dataclass(slots=True)
class Bucket:
    contacts: list[Contact] = field(default_factory=list)  # least recently seen first
    replacements: list[Contact] = field(default_factory=list)
    last_changed: float = 0.0


class RoutingTable:
    def __init__(
        self,
        own_id: bytes,
        *,
        k: int = K,
        max_failures: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if len(own_id) != NODE_ID_SIZE:
            raise ValueError("node id must be 20 bytes")
        self.own_id = own_id
        self.k = k
        self.max_failures = max_failures
        self.clock = clock
        self.buckets = [Bucket(last_changed=clock()) for _ in range(ID_BITS)]

    def __len__(self) -> int:
        return sum(len(b.contacts) for b in self.buckets)

    def __iter__(self) -> Iterator[NodeInfo]:
        for b in self.buckets:
            for c in b.contacts:
                yield c.info

    def _bucket(self, node_id: bytes) -> Bucket | None:
        idx = bucket_index(self.own_id, node_id)
        return None if idx >= ID_BITS else self.buckets[idx]

    def get(self, node_id: bytes) -> Contact | None:
        bucket = self._bucket(node_id)
        if bucket is None:
            return None
        for c in bucket.contacts:
            if c.info.id == node_id:
                return c
        return None

    def seen(self, info: NodeInfo) -> Contact | None:
        """Record that ``info`` answered us or queried us.

        Returns ``None`` when the node was added or refreshed. When its bucket is full of nodes that are not bad,
        the node goes to the replacement cache and the least-recently-seen contact is returned: the caller pings it
        and calls :meth:`failed` if it does not answer, which promotes the replacement.
        """
        bucket = self._bucket(info.id)
        if bucket is None or len(info.id) != NODE_ID_SIZE:
            return None
        now = self.clock()
        for i, c in enumerate(bucket.contacts):
            if c.info.id == info.id:
                if c.info.addr != info.addr:
                    # Same id from another address: keep the known one (BEP 42-style caution against hijacking).
                    return None
                c.last_seen, c.failures = now, 0
                bucket.contacts.append(bucket.contacts.pop(i))
                bucket.last_changed = now
                return None
        contact = Contact(info, now)
        if len(bucket.contacts) < self.k:
            bucket.contacts.append(contact)
            bucket.last_changed = now
            return None
        for i, c in enumerate(bucket.contacts):
            if c.is_bad(self.max_failures):
                bucket.contacts.pop(i)
                bucket.contacts.append(contact)
                bucket.last_changed = now
                return None
        bucket.replacements = [r for r in bucket.replacements if r.info.id != info.id][-(self.k - 1) :]
        bucket.replacements.append(contact)
        return bucket.contacts[0]

    def failed(self, node_id: bytes) -> None:
        """A query to ``node_id`` timed out; a bad node is evicted in favour of the newest replacement."""
        bucket = self._bucket(node_id)
        if bucket is None:
            return
        for i, c in enumerate(bucket.contacts):
            if c.info.id == node_id:
                c.failures += 1
                if c.is_bad(self.max_failures) and bucket.replacements:
                    bucket.contacts.pop(i)
                    bucket.contacts.append(bucket.replacements.pop())
                    bucket.last_changed = self.clock()
                return

    def remove(self, node_id: bytes) -> None:
        bucket = self._bucket(node_id)
        if bucket is not None:
            bucket.contacts = [c for c in bucket.contacts if c.info.id != node_id]

    def closest(self, target: bytes, count: int | None = None) -> list[NodeInfo]:
        """The ``count`` (default k) known non-bad nodes closest to ``target`` by XOR distance."""
        count = count or self.k
        t = int.from_bytes(target, "big")
        nodes = [c.info for b in self.buckets for c in b.contacts if not c.is_bad(self.max_failures)]
        nodes.sort(key=lambda n: int.from_bytes(n.id, "big") ^ t)
        return nodes[:count]

    def stale_buckets(self, older_than: float) -> list[int]:
        """Indexes of non-empty-range buckets not changed for ``older_than`` seconds (to refresh by a lookup)."""
        now = self.clock()
        deepest = max((i for i, b in enumerate(self.buckets) if b.contacts), default=0)
        return [i for i in range(deepest + 1) if now - self.buckets[i].last_changed > older_than]

    def random_id_in_bucket(self, index: int, rand: bytes) -> bytes:
        """An id sharing exactly ``index`` leading bits with ours (to refresh bucket ``index``)."""
        own = int.from_bytes(self.own_id, "big")
        r = int.from_bytes(rand[:NODE_ID_SIZE].ljust(NODE_ID_SIZE, b"\0"), "big")
        flip = 1 << (ID_BITS - 1 - index)
        low_mask = flip - 1
        value = ((own ^ flip) & ~low_mask) | (r & low_mask)
        return value.to_bytes(NODE_ID_SIZE, "big")

    def contacts(self) -> list[Contact]:
        return [c for b in self.buckets for c in b.contacts]
