"""Fuzzing the UDP handler with hypothesis and seeded mutations: every datagram a remote can send leaves the node
serving, and addressable malformed queries get BEP 5's 203 (protocol error)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from did.bencode import bdecode, bencode
from did.dht import DhtNode, loopback_config
from did.dht.krpc import METHOD_UNKNOWN, PROTOCOL_ERROR
from tests.did.dht.test_node import raw_socket

ID = b"F" * 20


@pytest.fixture
async def node() -> AsyncIterator[DhtNode]:
    n = DhtNode(config=loopback_config())
    await n.start()
    yield n
    await n.stop()


def _q(q: Any, a: Any, t: Any = b"aa") -> bytes:
    return bencode({b"t": t, b"y": b"q", b"q": q, b"a": a})


def malformed() -> list[bytes]:
    good = _q(b"get", {b"id": ID, b"target": b"T" * 20})
    huge = b"9" * 60
    return [
        good[: len(good) // 2],  # truncated bencode
        good[:-1],
        b"d1:t2:aa1:y1:q1:q4:ping1:ad2:idi" + huge + b"eee",  # huge integer as id, unsorted keys
        _q(b"ping", {b"id": int(huge)}),
        _q(b"ping", b"notadict"),
        _q([b"ping"], {b"id": ID}),
        _q(b"get", {b"id": ID, b"target": [1, 2]}),
        _q(b"get", {b"id": ID, b"target": b"T" * 20, b"seq": b"x"}),
        _q(b"put", {b"id": ID, b"v": b"x", b"k": 5, b"token": b"t"}),
        _q(b"put", {b"id": ID, b"k": b"k" * 32, b"seq": 2**70, b"sig": b"s" * 64, b"v": b"x", b"token": b"t"}),
        _q(b"announce_peer", {b"id": ID, b"info_hash": b"I" * 20, b"port": -5, b"token": b"t"}),
        bencode({b"t": 7, b"y": b"q", b"q": b"ping", b"a": {b"id": ID}}),
        bencode({b"t": b"aa", b"y": b"r", b"r": {b"id": ID, b"nodes": b"x" * 25}}),  # unsolicited response
        bencode({b"t": b"aa", b"y": b"e", b"e": [201]}),
        b"l" * 10_000,  # deep nesting, oversize
        b"i" + huge + b"e",
        b"",
        b"d" + b"x" * 1400,
    ]


async def still_serving(node: DhtNode, replies: list[dict[bytes, Any]] | None = None) -> None:
    tr, proto = await raw_socket()
    try:
        tr.sendto(_q(b"ping", {b"id": ID}, t=b"pp"), node.address)
        while True:
            raw = await asyncio.wait_for(proto.queue.get(), 2)
            msg = bdecode(raw)
            if isinstance(msg, dict) and msg.get(b"t") == b"pp":
                assert msg[b"r"][b"id"] == node.node_id
                return
            if replies is not None:
                replies.append(msg)
    finally:
        tr.close()


async def send_all(node: DhtNode, datagrams: list[bytes]) -> list[dict[bytes, Any]]:
    tr, proto = await raw_socket()
    try:
        for d in datagrams:
            tr.sendto(d, node.address)
        await asyncio.sleep(0.05)
        out = []
        while not proto.queue.empty():
            out.append(bdecode(proto.queue.get_nowait()))
        return out
    finally:
        tr.close()


async def test_malformed_queries_never_stop_the_node(node: DhtNode) -> None:
    for d in malformed():
        replies = await send_all(node, [d])
        await still_serving(node)
        for r in replies:  # well-formed KRPC; an error is 203 or 204 (BEP 5); ignorable extras may be answered
            assert isinstance(r, dict) and r[b"y"] in (b"r", b"e")
            if r[b"y"] == b"e":
                assert r[b"e"][0] in (PROTOCOL_ERROR, METHOD_UNKNOWN)


async def test_addressable_malformed_query_gets_203(node: DhtNode) -> None:
    for d in (_q(b"get", {b"id": ID, b"target": b"short"}, t=b"zz"), _q(b"ping", {b"id": [1]}, t=b"zz")):
        replies = await send_all(node, [d])
        assert replies and replies[0][b"t"] == b"zz" and replies[0][b"e"][0] == PROTOCOL_ERROR


async def test_seeded_random_bytes_and_mutations(node: DhtNode) -> None:
    rnd = random.Random(44)
    seeds = [*malformed(), _q(b"find_node", {b"id": ID, b"target": b"T" * 20})]
    batch = []
    for i in range(600):
        if i % 2:
            batch.append(rnd.randbytes(rnd.randrange(0, 1600)))
        else:
            base = bytearray(rnd.choice(seeds))
            for _ in range(rnd.randrange(1, 4)):
                if base:
                    base[rnd.randrange(len(base))] = rnd.randrange(256)
            batch.append(bytes(base))
    await send_all(node, batch)
    await still_serving(node)


bencodable = st.recursive(
    st.integers(min_value=-(2**80), max_value=2**80) | st.binary(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.binary(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.sampled_from([b"ping", b"find_node", b"get_peers", b"announce_peer", b"get", b"put", b"vote"]) | st.binary(),
    a=st.dictionaries(
        st.sampled_from([b"id", b"target", b"info_hash", b"token", b"port", b"v", b"k", b"sig", b"seq", b"salt",
                         b"cas"]),
        bencodable,
        max_size=7,
    ),
    t=st.binary(max_size=8) | st.integers(),
)
async def test_hypothesis_well_formed_bencode_wrong_fields(node: DhtNode, q: bytes, a: dict[bytes, Any],
                                                           t: Any) -> None:
    replies = await send_all(node, [_q(q, a, t)])
    for r in replies:
        assert isinstance(r, dict) and r[b"y"] in (b"r", b"e")
    await still_serving(node)
