"""Record store rules (BEP 44): seq never goes down, CAS, expiry, bounded size — property-tested."""

from __future__ import annotations

import nacl.signing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from did.bep44 import ImmutableItem, MutableItem
from did.mainline import DhtClient, DhtNode, krpc
from did.mainline.store import RecordStore

KEY = nacl.signing.SigningKey(b"\x03" * 32)
ITEMS = {(seq, v): MutableItem.sign(KEY, v, seq) for seq in range(6) for v in (b"a", b"b")}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from([b"a", b"b"]), st.none() | st.integers(0, 5)),
                max_size=25))
def test_seq_never_decreases_and_cas_is_enforced(puts: list[tuple[int, bytes, int | None]]) -> None:
    store = RecordStore()
    current: MutableItem | None = None
    for seq, v, cas in puts:
        item = ITEMS[(seq, v)]
        try:
            store.put_mutable(item, 0.0, cas=cas)
        except krpc.KrpcError as exc:
            assert current is not None
            if exc.krpc_code == krpc.CAS_MISMATCH:
                assert cas is not None and cas != current.seq
            else:
                assert exc.krpc_code == krpc.SEQ_TOO_LOW
                assert seq < current.seq or (seq == current.seq and v != current.v)
            continue
        assert current is None or seq > current.seq or item == current
        current = item
        assert store.get(item.target, 0.0) == item


def test_expiry_and_bound() -> None:
    store = RecordStore(ttl=10.0, max_items=3)
    for i in range(5):
        store.put_immutable(ImmutableItem(b"%d" % i), float(i))
    assert len(store) == 3
    assert store.get(ImmutableItem(b"0").target, 5.0) is None  # evicted (oldest first)
    assert store.get(ImmutableItem(b"4").target, 13.9) is not None
    assert store.get(ImmutableItem(b"4").target, 14.1) is None  # expired
    assert store.expire(100.0) == 2 and len(store) == 0


def test_peer_store_expires() -> None:
    store = RecordStore(ttl=5.0)
    store.announce(b"i" * 20, ("10.0.0.1", 1), 0.0)
    assert store.peers(b"i" * 20, 4.0) == [("10.0.0.1", 1)]
    assert store.peers(b"i" * 20, 6.0) == []


def test_node_is_a_dht_client() -> None:
    assert isinstance(DhtNode(), DhtClient)


@pytest.mark.parametrize("bad", [b"", b"x" * 19])
def test_bad_node_id_is_a_typed_error(bad: bytes) -> None:
    from did.errors import EncodingError

    with pytest.raises(EncodingError):
        DhtNode(node_id=bad)
