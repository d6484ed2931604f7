"""Fuzzing the UDP handler: nothing a remote sends stops the node from serving; 203 where BEP 5 says."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from did.bencode import bencode
from did.mainline import DhtConfig, DhtNode, krpc
from tests.did.mainline.udp import Probe

ID = b"F" * 20


@pytest.fixture
async def node() -> AsyncIterator[DhtNode]:
    n = DhtNode(config=DhtConfig(rate_limit=None))
    await n.start()
    yield n
    await n.stop()


async def assert_serving(node: DhtNode, probe: Probe, others: list[object] | None = None) -> None:
    """Ping the node; replies to earlier datagrams that arrive first are collected into ``others``."""
    probe.send(node.address, krpc.query(b"pp", "ping", {b"id": ID}))
    while True:
        reply = await probe.recv(timeout=1.0)
        assert reply is not None, "the node stopped answering"
        if isinstance(reply, dict) and reply.get(b"t") == b"pp":
            assert reply[b"r"][b"id"] == node.node_id
            return
        if others is not None:
            others.append(reply)


async def _drain(probe: Probe) -> list[object]:
    out = []
    while (m := await probe.recv(timeout=0.05)) is not None:
        out.append(m)
    return out


def _malformed_queries() -> list[bytes]:
    good = krpc.query(b"aa", "get", {b"id": ID, b"target": b"T" * 20})
    huge = b"9" * 60
    return [
        good[: len(good) // 2],  # truncated bencode
        good[:-1],
        b"d1:t2:aa1:y1:q1:q4:ping1:ad2:idi" + huge + b"eee",  # huge integer as id (unsorted keys too)
        bencode({b"t": b"aa", b"y": b"q", b"q": b"ping", b"a": {b"id": int(huge)}}),
        bencode({b"t": b"aa", b"y": b"q", b"q": b"ping", b"a": b"notadict"}),
        bencode({b"t": b"aa", b"y": b"q", b"q": [b"ping"], b"a": {b"id": ID}}),
        bencode({b"t": b"aa", b"y": b"q", b"q": b"get", b"a": {b"id": ID, b"target": [1, 2]}}),
        bencode({b"t": b"aa", b"y": b"q", b"q": b"get", b"a": {b"id": ID, b"target": b"T" * 20, b"seq": b"x"}}),
        bencode({b"t": b"aa", b"y": b"q", b"q": b"put", b"a": {b"id": ID, b"v": b"x", b"k": 5, b"token": b"t"}}),
        bencode({b"t": b"aa", b"y": b"q", b"q": b"put", b"a": {b"id": ID, b"k": b"k" * 32, b"seq": 2**70,
                                                            b"sig": b"s" * 64, b"v": b"x", b"token": b"t"}}),
        bencode({b"t": b"aa", b"y": b"q", b"q": b"announce_peer", b"a": {b"id": ID, b"info_hash": b"I" * 20,
                                                                      b"port": -5, b"token": b"t"}}),
        bencode({b"t": 7, b"y": b"q", b"q": b"ping", b"a": {b"id": ID}}),
        bencode({b"t": b"aa", b"y": b"r", b"r": {b"id": ID, b"nodes": b"x" * 25}}),  # unsolicited response
        bencode({b"t": b"aa", b"y": b"e", b"e": [201]}),
        b"l" * 10_000,  # deep nesting, and oversize
        b"i" + huge + b"e",
        b"",
        b"d" + b"x" * 1400,
    ]


async def test_malformed_queries_never_stop_the_node(node: DhtNode) -> None:
    probe = await Probe.open()
    try:
        replies: list[object] = []
        for data in _malformed_queries():
            probe.send(node.address, data)
            await assert_serving(node, probe, replies)
        replies += await _drain(probe)
        assert node.stats.malformed >= 8 and len(replies) >= 5
        # every reply is a well-formed KRPC message; errors are 203 (protocol) as BEP 5 prescribes
        for r in replies:
            assert isinstance(r, dict) and r[b"y"] in (b"r", b"e")
            if r[b"y"] == b"e":
                assert r[b"e"][0] == krpc.PROTOCOL_ERROR
    finally:
        probe.close()


async def test_addressable_malformed_query_gets_203(node: DhtNode) -> None:
    probe = await Probe.open()
    try:
        data = bencode({b"t": b"zz", b"y": b"q", b"q": b"get", b"a": {b"id": ID, b"target": b"short"}})
        reply = await probe.ask(node.address, data)
        assert reply[b"t"] == b"zz" and reply[b"e"][0] == krpc.PROTOCOL_ERROR
        data = bencode({b"t": b"zz", b"y": b"q", b"q": b"ping", b"a": {b"id": [1]}})
        assert (await probe.ask(node.address, data))[b"e"][0] == krpc.PROTOCOL_ERROR
    finally:
        probe.close()


async def test_random_bytes_and_mutations(node: DhtNode) -> None:
    rnd = random.Random(44)
    probe = await Probe.open()
    seeds = [*_malformed_queries(), krpc.query(b"aa", "find_node", {b"id": ID, b"target": b"T" * 20})]
    try:
        for i in range(400):
            if i % 2:
                data = rnd.randbytes(rnd.randrange(0, 1600))
            else:
                base = bytearray(rnd.choice(seeds))
                for _ in range(rnd.randrange(1, 4)):
                    if base:
                        base[rnd.randrange(len(base))] = rnd.randrange(256)
                data = bytes(base)
            probe.send(node.address, data)
        await _drain(probe)
        await assert_serving(node, probe)
    finally:
        probe.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([b"id", b"target", b"info_hash", b"token", b"v", b"k", b"sig", b"seq",
                                        b"salt", b"cas", b"port", b"implied_port"]),
                       st.one_of(st.binary(max_size=40), st.integers(-2**70, 2**70),
                                 st.lists(st.binary(max_size=4), max_size=3)), max_size=8),
       st.sampled_from([b"ping", b"find_node", b"get_peers", b"announce_peer", b"get", b"put", b"bogus"]))
def test_wrong_types_in_arguments_are_handled(args: dict[bytes, object], method: bytes) -> None:
    node = DhtNode(config=DhtConfig(rate_limit=None))
    node.address  # noqa: B018 - not started: replies are dropped, but the handler must not raise
    node._on_datagram(bencode({b"t": b"aa", b"y": b"q", b"q": method, b"a": args}), ("127.0.0.1", 9))
