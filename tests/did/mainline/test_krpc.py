"""KRPC codec (BEP 5): messages, compact contact encodings, and typed errors on malformed input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from did.bencode import bencode
from did.errors import DidError, EncodingError
from did.mainline import krpc

ids = st.binary(min_size=20, max_size=20)
addrs = st.tuples(st.ip_addresses(v=4).map(str), st.integers(0, 65535))


def test_ping_query_matches_bep5_example() -> None:
    # BEP 5 "ping" example: d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe
    data = krpc.query(b"aa", "ping", {b"id": b"abcdefghij0123456789"})
    assert data == b"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe"
    msg = krpc.decode(data)
    assert (msg.t, msg.y, msg.q, msg.sender_id) == (b"aa", b"q", b"ping", b"abcdefghij0123456789")


def test_error_matches_bep5_example() -> None:
    # BEP 5 "Errors" example: d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee
    data = krpc.error(b"aa", 201, "A Generic Error Ocurred")
    assert data == b"d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee"
    assert krpc.decode(data).error == (201, "A Generic Error Ocurred")


def test_response_round_trip_with_version_and_ip() -> None:
    data = krpc.response(b"xy", {b"id": b"m" * 20}, version=b"II\x00\x01", ip=b"\x7f\x00\x00\x01\x00\x50")
    msg = krpc.decode(data)
    assert msg.y == b"r" and msg.body[b"id"] == b"m" * 20 and msg.v == b"II\x00\x01" and msg.ip


@pytest.mark.parametrize(
    "raw",
    [
        bencode([1, 2]),
        bencode({b"y": b"q"}),
        bencode({b"t": b"a", b"y": b"q", b"q": b"ping"}),
        bencode({b"t": b"a", b"y": b"q", b"q": b"ping", b"a": {b"id": b"short"}}),
        bencode({b"t": b"a", b"y": b"r", b"r": b"x"}),
        bencode({b"t": b"a", b"y": b"e", b"e": [b"x"]}),
        bencode({b"t": b"a", b"y": b"z"}),
    ],
)
def test_malformed_messages_raise_protocol_error(raw: bytes) -> None:
    with pytest.raises(krpc.KrpcError) as info:
        krpc.decode(raw)
    assert info.value.krpc_code == krpc.PROTOCOL_ERROR


def test_not_bencode_raises_encoding_error() -> None:
    with pytest.raises(EncodingError):
        krpc.decode(b"d1:t2:aa")


def test_transaction_id_recovered_only_for_queries() -> None:
    assert krpc.transaction_id(bencode({b"t": b"zz", b"y": b"q", b"q": b"ping"})) == b"zz"
    assert krpc.transaction_id(bencode({b"t": b"zz", b"y": b"r"})) is None
    assert krpc.transaction_id(b"garbage") is None


def test_compact_peer_is_6_bytes_network_order() -> None:
    assert krpc.encode_peer(("1.2.3.4", 6881)) == b"\x01\x02\x03\x04\x1a\xe1"
    with pytest.raises(EncodingError):
        krpc.encode_peer(("::1", 1))
    with pytest.raises(EncodingError):
        krpc.decode_peer(b"12345")


@settings(max_examples=100)
@given(st.lists(st.tuples(ids, addrs), max_size=16))
def test_compact_nodes_round_trip(nodes: list[tuple[bytes, tuple[str, int]]]) -> None:
    data = krpc.encode_nodes(nodes)
    assert len(data) == 26 * len(nodes)
    assert krpc.decode_nodes(data) == nodes


@settings(max_examples=200)
@given(st.binary(max_size=64))
def test_decode_only_raises_typed_errors(data: bytes) -> None:
    try:
        krpc.decode(data)
    except DidError:
        pass


@settings(max_examples=100)
@given(ids, st.binary(min_size=1, max_size=4), st.sampled_from(["ping", "find_node", "get", "put"]))
def test_query_round_trip(nid: bytes, t: bytes, method: str) -> None:
    msg = krpc.decode(krpc.query(t, method, {b"id": nid, b"target": nid}))
    assert msg.t == t and msg.q == method.encode() and msg.sender_id == nid and msg.body[b"target"] == nid
