"""ResolutionCache: TTL clamping, freshness, stale retention, LRU bound, seq monotonicity, negative entries."""

from __future__ import annotations

import nacl.signing
import pytest

from did.bep44 import MutableItem
from resolver.cache import CacheConfigError, ResolutionCache

KEY = nacl.signing.SigningKey(bytes(range(32)))
DID = "did:dht:example"


def item(seq: int, v: bytes = b"packet") -> MutableItem:
    return MutableItem.sign(KEY, v, seq)


def put(cache: ResolutionCache, seq: int, *, ttl: float | None, now: float, did: str = DID):
    return cache.put(did, item(seq), {"id": did, "seq": seq}, {}, record_ttl=ttl, now=now)


def test_ttl_is_clamped_to_bounds() -> None:
    cache = ResolutionCache(min_ttl=60, max_ttl=3600)
    assert cache.clamp_ttl(1) == 60
    assert cache.clamp_ttl(7200) == 3600
    assert cache.clamp_ttl(300) == 300
    assert cache.clamp_ttl(None) == 60


def test_entry_is_fresh_until_its_ttl_then_only_stale() -> None:
    cache = ResolutionCache(min_ttl=10, max_ttl=1000)
    put(cache, 5, ttl=300, now=1000.0)
    assert cache.get(DID, 1299.9) is not None
    assert cache.get(DID, 1300.0) is None
    stale = cache.get_stale(DID, 1300.0)
    assert stale is not None and stale.seq == 5


def test_stale_entries_expire_after_max_stale_age() -> None:
    cache = ResolutionCache(min_ttl=10, max_ttl=100, max_stale_age=50)
    put(cache, 1, ttl=100, now=0.0)
    assert cache.get_stale(DID, 150.0) is not None
    assert cache.get_stale(DID, 150.1) is None


def test_lower_seq_never_replaces_but_renews_freshness() -> None:
    cache = ResolutionCache(min_ttl=10, max_ttl=1000)
    put(cache, 10, ttl=100, now=0.0)
    entry = put(cache, 9, ttl=500, now=200.0)
    assert entry.seq == 10 and entry.document == {"id": DID, "seq": 10}
    assert entry.expires_at == 300.0  # the kept record's own TTL, counted from now
    assert cache.get(DID, 250.0) is not None
    assert put(cache, 11, ttl=100, now=300.0).seq == 11


def test_bounded_lru_evicts_least_recently_used() -> None:
    cache = ResolutionCache(max_entries=2, min_ttl=10, max_ttl=100)
    put(cache, 1, ttl=100, now=0.0, did="did:dht:a")
    put(cache, 1, ttl=100, now=0.0, did="did:dht:b")
    assert cache.get("did:dht:a", 1.0) is not None  # touch a: b is now the oldest
    put(cache, 1, ttl=100, now=2.0, did="did:dht:c")
    assert len(cache) == 2
    assert cache.get_stale("did:dht:b", 3.0) is None
    assert cache.get("did:dht:a", 3.0) is not None and cache.get("did:dht:c", 3.0) is not None


def test_negative_entries_are_short_and_cleared_by_a_record() -> None:
    cache = ResolutionCache(negative_ttl=30)
    cache.put_negative(DID, 100.0)
    assert cache.is_negative(DID, 129.0)
    assert not cache.is_negative(DID, 130.0)
    cache.put_negative(DID, 200.0)
    put(cache, 1, ttl=100, now=201.0)
    assert not cache.is_negative(DID, 202.0)


def test_negative_caching_can_be_disabled() -> None:
    cache = ResolutionCache(negative_ttl=0)
    cache.put_negative(DID, 0.0)
    assert not cache.is_negative(DID, 0.0)


def test_invalidate_drops_both_kinds() -> None:
    cache = ResolutionCache()
    put(cache, 1, ttl=100, now=0.0)
    cache.invalidate(DID)
    assert cache.get_stale(DID, 0.0) is None


@pytest.mark.parametrize(
    "kwargs",
    [{"max_entries": 0}, {"min_ttl": 10, "max_ttl": 5}, {"min_ttl": -1}, {"negative_ttl": -1}, {"max_stale_age": -1}],
)
def test_bad_configuration_is_a_typed_error(kwargs: dict[str, float]) -> None:
    with pytest.raises(CacheConfigError) as err:
        ResolutionCache(**kwargs)  # type: ignore[arg-type]
    assert err.value.code == "invalidOptions"
