"""Per-DID resolution cache honouring the record TTLs, with stale retention for offline fallback.

A did:dht record is a DNS packet whose resource records carry TTLs (did:dht spec, "DIDs as DNS Records":
recommended 7200 s). The cache keeps a verified record for the smallest TTL in its packet, clamped to
``[min_ttl, max_ttl]``. Expired entries are *not* dropped: they stay (bounded, least recently used evicted) so the
resolver can fall back to them when the DHT is unreachable. ``notFound`` outcomes are cached briefly
(``negative_ttl``) so a flood of lookups for an unpublished DID does not each cost a DHT walk.

The cache never replaces a record with one of a lower ``seq`` (BEP 44 / did:dht: the highest seq is
authoritative). Time is always passed in (``now``): the cache holds no clock.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from did.bep44 import MutableItem
from did.errors import IiotidError


class CacheConfigError(IiotidError):
    code = "invalidOptions"


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """A verified record, its decoded resolution, and when it was fetched / stops being fresh."""

    did: str
    item: MutableItem
    document: dict[str, Any] | None  # None: the record verified but is not a decodable did:dht document
    document_metadata: dict[str, Any]
    ttl: float
    fetched_at: float
    expires_at: float
    decode_error: str | None = None

    @property
    def seq(self) -> int:
        return self.item.seq

    def is_fresh(self, now: float) -> bool:
        return now < self.expires_at

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)


class ResolutionCache:
    """Bounded LRU of did:dht resolutions keyed by DID, plus a short negative cache."""

    def __init__(
        self,
        *,
        max_entries: int = 10_000,
        min_ttl: float = 60.0,
        max_ttl: float = 86_400.0,
        negative_ttl: float = 30.0,
        max_stale_age: float | None = 7 * 86_400.0,
    ) -> None:
        if max_entries < 1:
            raise CacheConfigError("max_entries must be at least 1")
        if not 0 <= min_ttl <= max_ttl:
            raise CacheConfigError("cache TTL bounds must satisfy 0 <= min_ttl <= max_ttl")
        if negative_ttl < 0 or (max_stale_age is not None and max_stale_age < 0):
            raise CacheConfigError("negative_ttl and max_stale_age must not be negative")
        self.max_entries = max_entries
        self.min_ttl = float(min_ttl)
        self.max_ttl = float(max_ttl)
        self.negative_ttl = float(negative_ttl)
        self.max_stale_age = max_stale_age
        self._entries: OrderedDict[str, CacheEntry] = OrderedDict()
        self._negative: OrderedDict[str, float] = OrderedDict()  # did -> expires_at

    def __len__(self) -> int:
        return len(self._entries)

    def clamp_ttl(self, ttl: float | None) -> float:
        """The record TTL bounded to ``[min_ttl, max_ttl]`` (``None``: no TTL in the record -> ``min_ttl``)."""
        if ttl is None:
            return self.min_ttl
        return min(self.max_ttl, max(self.min_ttl, float(ttl)))

    # --- positive entries ---------------------------------------------------------------------------------------

    def get(self, did: str, now: float) -> CacheEntry | None:
        """The entry for ``did`` if it is still fresh."""
        entry = self._entries.get(did)
        if entry is None or not entry.is_fresh(now):
            return None
        self._entries.move_to_end(did)
        return entry

    def get_stale(self, did: str, now: float) -> CacheEntry | None:
        """The entry for ``did`` fresh or expired (offline fallback), unless older than ``max_stale_age``."""
        entry = self._entries.get(did)
        if entry is None:
            return None
        if self.max_stale_age is not None and now - entry.expires_at > self.max_stale_age:
            return None
        self._entries.move_to_end(did)
        return entry

    def put(
        self,
        did: str,
        item: MutableItem,
        document: dict[str, Any] | None,
        document_metadata: dict[str, Any],
        *,
        record_ttl: float | None,
        now: float,
        decode_error: str | None = None,
    ) -> CacheEntry:
        """Store a verified record; a record with a lower seq than the cached one is refused (the cached one stays
        and is returned, its freshness renewed: the network has been asked and holds nothing newer)."""
        ttl = self.clamp_ttl(record_ttl)
        current = self._entries.get(did)
        if current is not None and item.seq < current.seq:
            entry = CacheEntry(
                did,
                current.item,
                current.document,
                current.document_metadata,
                current.ttl,
                now,
                now + current.ttl,
                current.decode_error,
            )
        else:
            entry = CacheEntry(did, item, document, document_metadata, ttl, now, now + ttl, decode_error)
        self._entries[did] = entry
        self._entries.move_to_end(did)
        self._negative.pop(did, None)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return entry

    def invalidate(self, did: str) -> None:
        self._entries.pop(did, None)
        self._negative.pop(did, None)

    # --- negative entries ---------------------------------------------------------------------------------------

    def put_negative(self, did: str, now: float) -> None:
        if self.negative_ttl <= 0:
            return
        self._negative[did] = now + self.negative_ttl
        self._negative.move_to_end(did)
        while len(self._negative) > self.max_entries:
            self._negative.popitem(last=False)

    def is_negative(self, did: str, now: float) -> bool:
        expires = self._negative.get(did)
        if expires is None:
            return False
        if now >= expires:
            del self._negative[did]
            return False
        return True
