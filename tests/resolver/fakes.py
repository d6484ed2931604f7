"""Test doubles for the resolver: an in-memory BEP 44 store standing in for ``did.dht.DhtClient``, and a clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from did.bep44 import MutableItem
from did.errors import IiotidError, StaleRecord


class CasMismatch(IiotidError):
    code = "casMismatch"


@dataclass
class FakeClock:
    now: float = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeDht:
    """One BEP 44 store with the DhtClient surface. ``reachable=False`` makes every call fail like a dead network;
    ``answer`` (when set) is returned by ``get_mutable`` instead of the store (a forged / stale / foreign record)."""

    store: dict[bytes, MutableItem] = field(default_factory=dict)
    reachable: bool = True
    answer: MutableItem | None = None
    use_answer: bool = False
    gets: int = 0
    puts: int = 0
    nodes: int = 8
    kept_alive: set[bytes] = field(default_factory=set)

    async def get_mutable(
        self, public_key: bytes, salt: bytes = b"", *, min_seq: int | None = None
    ) -> MutableItem | None:
        self.gets += 1
        if not self.reachable:
            raise OSError("network unreachable")
        if self.use_answer:
            return self.answer
        item = self.store.get(public_key + salt)
        if item is None or (min_seq is not None and item.seq < min_seq):
            return None
        return item

    async def put_mutable(self, item: MutableItem, *, cas: int | None = None, keep_alive: bool = False) -> int:
        self.puts += 1
        if not self.reachable:
            raise OSError("network unreachable")
        item.verify()
        key = item.public_key + item.salt
        current = self.store.get(key)
        if current is not None and cas is not None and cas != current.seq:
            raise CasMismatch(f"cas {cas} does not match seq {current.seq}")  # BEP 44 error 301
        if current is not None and item.seq < current.seq:
            raise StaleRecord(f"seq {item.seq} is lower than {current.seq}")  # BEP 44 error 302
        self.store[key] = item
        if keep_alive:
            self.kept_alive.add(key)
        return self.nodes
