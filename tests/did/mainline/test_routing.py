"""BEP 5 routing table: bucket invariants under random inserts (hypothesis), splitting, states and eviction."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from did.mainline.routing import ID_SPACE, RoutingTable

ids = st.binary(min_size=20, max_size=20)


def _check_invariants(table: RoutingTable) -> None:
    assert table.buckets[0].lo == 0 and table.buckets[-1].hi == ID_SPACE
    for a, b in zip(table.buckets, table.buckets[1:], strict=False):
        assert a.hi == b.lo  # contiguous, sorted, no overlap
    seen = set()
    for b in table.buckets:
        assert len(b.nodes) <= table.k
        for n in b.nodes:
            assert b.covers(int.from_bytes(n.id, "big"))
            assert n.id not in seen and n.id != table.own_id
            seen.add(n.id)


@settings(max_examples=60, deadline=None)
@given(ids, st.lists(ids, max_size=300))
def test_bucket_invariants_and_closest(own: bytes, others: list[bytes]) -> None:
    table = RoutingTable(own, k=8)
    for i, nid in enumerate(others):
        table.add(nid, ("10.0.0.1", 1000 + i % 60000), now=float(i), responded=True)
    _check_invariants(table)
    target = others[0] if others else own
    stored = sorted((n.id for n in table), key=lambda x: int.from_bytes(x, "big") ^ int.from_bytes(target, "big"))
    assert [n.id for n in table.closest(target, 8)] == stored[:8]


@settings(max_examples=40, deadline=None)
@given(ids, st.lists(ids, min_size=1, max_size=100, unique=True))
def test_no_contact_lost_while_buckets_have_room(own: bytes, others: list[bytes]) -> None:
    """Only a bucket that does not cover our own id may refuse a contact; ours always splits."""
    table = RoutingTable(own, k=8)
    for nid in others:
        table.add(nid, ("10.0.0.2", 1), now=0.0, responded=True)
        if nid != own:
            bucket = table.bucket_for(nid)
            assert table.get(nid) is not None or len(bucket.nodes) == table.k


def test_own_bucket_splits_far_bucket_does_not() -> None:
    own = b"\x00" * 20
    table = RoutingTable(own, k=2)
    far = [bytes([0x80 | i]) + b"\x00" * 19 for i in range(4)]
    for i, nid in enumerate(far):
        table.add(nid, ("10.0.0.1", 1 + i), now=0.0, responded=True)
    near = bytes([0x01]) + b"\x00" * 19
    table.add(near, ("10.0.0.1", 99), now=0.0, responded=True)
    far_bucket = table.bucket_for(far[0])
    assert len(far_bucket.nodes) == 2 and len(far_bucket.replacements) == 2
    assert table.get(near) is not None and len(table.buckets) >= 2


def test_full_bucket_asks_to_ping_questionable_then_bad_node_is_replaced() -> None:
    own = b"\x00" * 20
    table = RoutingTable(own, k=2)
    a, b, c = (bytes([0x80 | i]) + b"\x01" * 19 for i in range(3))
    table.add(a, ("10.0.0.1", 1), now=0.0, responded=True)
    table.add(b, ("10.0.0.1", 2), now=1.0, responded=True)
    table.add(own[:19] + b"\x01", ("10.0.0.1", 3), now=1.0, responded=True)  # forces the split
    # 16 minutes later a and b are questionable: the least recently seen one (a) must be pinged
    to_ping = table.add(c, ("10.0.0.1", 4), now=1000.0)
    assert to_ping is not None and to_ping.id == a
    assert table.get(c) is None
    table.failed(a, 1001.0)
    table.failed(a, 1002.0)  # bad after repeated failures: the replacement takes its place
    assert table.get(a) is None and table.get(c) is not None


def test_states() -> None:
    table = RoutingTable(b"\x00" * 20)
    nid = b"\x01" * 20
    table.add(nid, ("10.0.0.1", 1), now=0.0)
    node = table.get(nid)
    assert node is not None and node.state(1.0) == "questionable"  # never answered us
    table.add(nid, ("10.0.0.1", 1), now=10.0, responded=True)
    assert node.state(11.0) == "good" and node.state(10.0 + 16 * 60) == "questionable"


def test_unverified_address_change_is_ignored() -> None:
    table = RoutingTable(b"\x00" * 20)
    nid = b"\x01" * 20
    table.add(nid, ("10.0.0.1", 1), now=0.0, responded=True)
    table.add(nid, ("6.6.6.6", 1), now=1.0)
    assert table.get(nid).addr == ("10.0.0.1", 1)  # type: ignore[union-attr]
