"""KRPC codec (BEP 5) and the k-bucket routing table."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from did.dht.krpc import Message, NodeInfo, decode_message, decode_nodes, decode_peer, encode_nodes, encode_peer
from did.dht.routing import RoutingTable, bucket_index, distance
from did.errors import EncodingError


def test_bep5_ping_example_round_trips() -> None:
    # BEP 5 "ping" example: d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe
    raw = b"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe"
    msg = decode_message(raw)
    assert (msg.t, msg.y, msg.q, msg.sender_id) == (b"aa", b"q", b"ping", b"abcdefghij0123456789")
    assert msg.encode() == raw


def test_bep5_error_example() -> None:
    msg = decode_message(b"d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee")
    assert msg.e == (201, "A Generic Error Ocurred")


@pytest.mark.parametrize(
    "raw",
    [b"le", b"d1:t2:aae", b"d1:t2:aa1:y1:qe", b"d1:t2:aa1:y1:re", b"d1:eli201ee1:t2:aa1:y1:ee", b"d1:t2:aa1:y1:xe"],
)
def test_malformed_messages_are_typed(raw: bytes) -> None:
    with pytest.raises(EncodingError):
        decode_message(raw)


@given(st.lists(st.tuples(st.binary(min_size=20, max_size=20), st.integers(1, 65535)), max_size=8))
def test_compact_nodes_round_trip(entries: list[tuple[bytes, int]]) -> None:
    nodes = [NodeInfo(i, "127.0.0.1", p) for i, p in entries]
    assert decode_nodes(encode_nodes(nodes)) == nodes


def test_compact_peer() -> None:
    assert decode_peer(encode_peer("10.1.2.3", 6881)) == ("10.1.2.3", 6881)
    with pytest.raises(EncodingError):
        decode_nodes(b"x" * 25)


def test_message_encode_query() -> None:
    m = Message(t=b"xy", y=b"q", q=b"find_node", a={b"id": b"a" * 20, b"target": b"b" * 20})
    assert decode_message(m.encode()).a[b"target"] == b"b" * 20


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.binary(min_size=20, max_size=20), min_size=1, max_size=300, unique=True),
    st.binary(min_size=20, max_size=20),
)
def test_table_invariants(ids: list[bytes], target: bytes) -> None:
    own = b"\x55" * 20
    table = RoutingTable(own)
    for i, node_id in enumerate(ids):
        if node_id != own:
            table.seen(NodeInfo(node_id, "127.0.0.1", 1000 + i))
    for b in table.buckets:
        assert len(b.contacts) <= table.k
    closest = table.closest(target)
    assert len(closest) == min(8, len(table))
    # The closest list is sorted and nothing in the table is closer than its last entry.
    ds = [distance(n.id, target) for n in closest]
    assert ds == sorted(ds)
    if closest:
        assert all(distance(n.id, target) >= ds[-1] for n in table if n not in closest)


def test_full_bucket_prefers_old_nodes_and_evicts_failing_ones() -> None:
    clock = FakeClock()
    own = bytes(20)
    table = RoutingTable(own, clock=clock)
    far = [bytes([0x80 | i]) + os.urandom(19) for i in range(9)]  # all in bucket 0
    for i, node_id in enumerate(far[:8]):
        assert table.seen(NodeInfo(node_id, "127.0.0.1", 2000 + i)) is None
    oldest = table.seen(NodeInfo(far[8], "127.0.0.1", 3000))
    assert oldest is not None and oldest.info.id == far[0]  # caller must ping the least recently seen
    assert table.get(far[8]) is None  # kept in the replacement cache, not inserted
    table.failed(far[0])
    table.failed(far[0])
    assert table.get(far[0]) is None and table.get(far[8]) is not None


def test_random_id_in_bucket_lands_in_that_bucket() -> None:
    own = os.urandom(20)
    table = RoutingTable(own)
    for idx in (0, 1, 7, 42, 159):
        assert bucket_index(own, table.random_id_in_bucket(idx, os.urandom(20))) == idx


def test_same_id_from_another_address_does_not_hijack() -> None:
    table = RoutingTable(bytes(20))
    nid = b"\xff" * 20
    table.seen(NodeInfo(nid, "127.0.0.1", 1))
    table.seen(NodeInfo(nid, "127.0.0.2", 2))
    assert table.get(nid).info.port == 1  # type: ignore[union-attr]
