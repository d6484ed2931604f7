"""BEP 5 "Routing Table": k-buckets over the 160-bit id space, split when the bucket holding our own id fills.

Node states (BEP 5): *good* if it answered one of our queries within the last 15 minutes, or answered once and sent
us a query within 15 minutes; *questionable* after 15 minutes of silence; *bad* after failing several queries in a
row. A full bucket replaces bad nodes first; otherwise the least-recently-seen questionable node is pinged and
evicted if it does not answer (the caller does the ping: :meth:`RoutingTable.add` returns the node to ping).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from did.errors import EncodingError
from did.mainline.krpc import ID_SIZE, Address

ID_SPACE = 1 << (8 * ID_SIZE)
GOOD_FOR = 15 * 60.0  # BEP 5: good if active in the last 15 minutes
MAX_FAILS = 2  # consecutive failed queries after which a node is bad


@dataclass(slots=True)
class NodeEntry:
    id: bytes
    addr: Address
    last_seen: float = 0.0  # last query or response from it
    last_response: float = 0.0  # last response to one of our queries (0 = never answered)
    fails: int = 0

    def state(self, now: float) -> str:
        if self.fails >= MAX_FAILS:
            return "bad"
        if self.last_response and now - self.last_seen < GOOD_FOR:
            return "good"
        return "questionable"


@dataclass(slots=True)
class Bucket:
    lo: int
    hi: int  # exclusive
    nodes: list[NodeEntry] = field(default_factory=list)  # least recently seen first
    replacements: list[NodeEntry] = field(default_factory=list)
    last_changed: float = 0.0

    def covers(self, value: int) -> bool:
        return self.lo <= value < self.hi


class RoutingTable:
    def __init__(self, own_id: bytes, *, k: int = 8) -> None:
        if len(own_id) != ID_SIZE:
            raise EncodingError("own node id must be 20 bytes")
        self.own_id = own_id
        self._own = int.from_bytes(own_id, "big")
        self.k = k
        self.buckets: list[Bucket] = [Bucket(0, ID_SPACE)]

    def __len__(self) -> int:
        return sum(len(b.nodes) for b in self.buckets)

    def __iter__(self) -> Iterator[NodeEntry]:
        for b in self.buckets:
            yield from b.nodes

    def bucket_for(self, node_id: bytes) -> Bucket:
        value = int.from_bytes(node_id, "big")
        lo, hi = 0, len(self.buckets) - 1
        while lo <= hi:  # buckets are sorted and contiguous
            mid = (lo + hi) // 2
            b = self.buckets[mid]
            if value < b.lo:
                hi = mid - 1
            elif value >= b.hi:
                lo = mid + 1
            else:
                return b
        raise AssertionError("buckets do not cover the id space")  # pragma: no cover

    def get(self, node_id: bytes) -> NodeEntry | None:
        for n in self.bucket_for(node_id).nodes:
            if n.id == node_id:
                return n
        return None

    def add(self, node_id: bytes, addr: Address, now: float, *, responded: bool = False) -> NodeEntry | None:
        """Insert or refresh a contact. Returns a node the caller should ping (the least-recently-seen
        questionable one of a full bucket); the newcomer waits in the bucket's replacement cache meanwhile."""
        if node_id == self.own_id or len(node_id) != ID_SIZE:
            return None
        while True:
            bucket = self.bucket_for(node_id)
            for i, n in enumerate(bucket.nodes):
                if n.id == node_id:
                    if n.addr != addr and not responded:
                        return None  # an unverified claim to move a known id to another address is ignored
                    n.addr = addr
                    n.last_seen = now
                    if responded:
                        n.last_response = now
                        n.fails = 0
                    bucket.nodes.append(bucket.nodes.pop(i))  # most recently seen last
                    return None
            entry = NodeEntry(node_id, addr, now, now if responded else 0.0)
            if len(bucket.nodes) < self.k:
                bucket.nodes.append(entry)
                bucket.last_changed = now
                return None
            if bucket.covers(self._own) and bucket.hi - bucket.lo > 1:
                self._split(bucket)
                continue
            for i, n in enumerate(bucket.nodes):
                if n.state(now) == "bad":
                    bucket.nodes[i] = entry
                    bucket.last_changed = now
                    return None
            self._add_replacement(bucket, entry)
            for n in bucket.nodes:
                if n.state(now) == "questionable":
                    return n
            return None

    def _add_replacement(self, bucket: Bucket, entry: NodeEntry) -> None:
        bucket.replacements = [r for r in bucket.replacements if r.id != entry.id]
        bucket.replacements.append(entry)
        del bucket.replacements[: -self.k]

    def _split(self, bucket: Bucket) -> None:
        mid = (bucket.lo + bucket.hi) // 2
        low = Bucket(bucket.lo, mid, last_changed=bucket.last_changed)
        high = Bucket(mid, bucket.hi, last_changed=bucket.last_changed)
        for n in bucket.nodes:
            (low if int.from_bytes(n.id, "big") < mid else high).nodes.append(n)
        for n in bucket.replacements:
            (low if int.from_bytes(n.id, "big") < mid else high).replacements.append(n)
        i = self.buckets.index(bucket)
        self.buckets[i : i + 1] = [low, high]

    def failed(self, node_id: bytes, now: float) -> None:
        """A query to the node timed out. A bad node is replaced by the freshest replacement, if any."""
        bucket = self.bucket_for(node_id)
        for i, n in enumerate(bucket.nodes):
            if n.id == node_id:
                n.fails += 1
                if n.state(now) == "bad" and bucket.replacements:
                    bucket.nodes.pop(i)
                    bucket.nodes.append(bucket.replacements.pop())
                    bucket.last_changed = now
                return

    def remove(self, node_id: bytes) -> None:
        bucket = self.bucket_for(node_id)
        bucket.nodes = [n for n in bucket.nodes if n.id != node_id]
        if bucket.replacements:
            bucket.nodes.append(bucket.replacements.pop())

    def closest(self, target: bytes, count: int | None = None, *, now: float | None = None) -> list[NodeEntry]:
        """The ``count`` (default k) known non-bad nodes closest to ``target`` by XOR distance."""
        t = int.from_bytes(target, "big")
        nodes = [n for n in self if now is None or n.state(now) != "bad"]
        nodes.sort(key=lambda n: int.from_bytes(n.id, "big") ^ t)
        return nodes[: count or self.k]

    def stale_buckets(self, now: float, interval: float) -> list[Bucket]:
        """BEP 5: buckets not changed in ``interval`` (15 minutes in the BEP) should be refreshed."""
        return [b for b in self.buckets if now - b.last_changed >= interval]
