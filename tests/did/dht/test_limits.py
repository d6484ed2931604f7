"""Resource limits and BEP 5/44 storage rules of did.dht: write tokens bound to the requester's IP and a rotating
secret, per-IP rate limit, maximum packet size, record expiry and bound, seq/cas rules (hypothesis)."""

from __future__ import annotations

import asyncio

import nacl.signing
from hypothesis import given, settings
from hypothesis import strategies as st

from did.bencode import bencode
from did.bep44 import ImmutableItem, MutableItem
from did.dht import DhtNode, loopback_config
from did.dht.krpc import CAS_MISMATCH, SEQ_TOO_LOW, KrpcError
from did.dht.store import ItemStore
from tests.did.dht.test_node import ask, raw_socket


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _sign(sk: nacl.signing.SigningKey, seq: int, v: bytes) -> MutableItem:
    return MutableItem.sign(sk, v, seq)


def test_tokens_bound_to_ip_and_rotate_keeping_the_previous_secret() -> None:
    clock = Clock()
    node = DhtNode(config=loopback_config(token_rotation=300.0), clock=clock)
    tok = node._token("10.0.0.1", node._secrets[0])
    assert node._token_ok("10.0.0.1", tok)
    assert not node._token_ok("10.0.0.2", tok)  # another IP cannot use it
    clock.now += 301
    node._rotate()
    assert node._token_ok("10.0.0.1", tok)  # previous secret still accepted (BEP 5: up to ten minutes)
    clock.now += 301
    node._rotate()
    assert not node._token_ok("10.0.0.1", tok)  # two rotations later it is refused
    assert not node._token_ok("10.0.0.1", b"\x00" * 8)
    assert not node._token_ok("10.0.0.1", 5)


async def test_per_ip_rate_limit_drops_excess_and_recovers() -> None:
    node = DhtNode(config=loopback_config(rate_limit_per_ip=20.0, rate_burst=20.0))
    await node.start()
    try:
        tr, proto = await raw_socket()
        ping = bencode({b"t": b"aa", b"y": b"q", b"q": b"ping", b"a": {b"id": b"R" * 20}})
        for _ in range(200):
            tr.sendto(ping, node.address)
        await asyncio.sleep(0.2)
        answered = proto.queue.qsize()
        tr.close()
        assert 15 <= answered < 100 and node.stats.dropped >= 100
        await asyncio.sleep(0.3)  # tokens refill at 20/s
        assert (await ask(node, b"ping", {}))[b"y"] == b"r"
    finally:
        await node.stop()


async def test_oversize_datagrams_are_dropped_unread() -> None:
    node = DhtNode(config=loopback_config(max_packet_size=1500))
    await node.start()
    try:
        tr, proto = await raw_socket()
        big = bencode({b"t": b"aa", b"y": b"q", b"q": b"ping", b"a": {b"id": b"R" * 20, b"pad": b"p" * 1600}})
        tr.sendto(big, node.address)
        await asyncio.sleep(0.1)
        assert proto.queue.empty() and node.stats.dropped == 1
        tr.close()
        assert (await ask(node, b"ping", {}))[b"y"] == b"r"
    finally:
        await node.stop()


def test_store_expires_after_ttl_and_is_bounded() -> None:
    clock = Clock()
    store = ItemStore(ttl=7200.0, max_items=3, clock=clock)
    items = [ImmutableItem(v=bytes([i])) for i in range(4)]
    for it in items:
        clock.now += 1
        store.put_immutable(it)
    assert len(store) == 3 and store.get(items[0].target) is None  # the soonest-expiring one was evicted
    clock.now += 7201
    assert store.get(items[3].target) is None and store.expire() >= 0 and len(store) == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.binary(min_size=1, max_size=3), st.none() | st.integers(0, 6)),
                min_size=1, max_size=12))
def test_seq_never_decreases_and_cas_is_enforced(puts: list[tuple[int, bytes, int | None]]) -> None:
    sk = nacl.signing.SigningKey(b"\x07" * 32)
    store = ItemStore()
    current: MutableItem | None = None
    for seq, v, cas in puts:
        item = _sign(sk, seq, v)
        expected: int | None = None
        if current is not None:
            if cas is not None and cas != current.seq:
                expected = CAS_MISMATCH
            elif seq < current.seq or (seq == current.seq and item.v_bencoded != current.v_bencoded):
                expected = SEQ_TOO_LOW
        try:
            store.put_mutable(item, cas=cas)
        except KrpcError as exc:
            assert exc.krpc_code == expected
            continue
        assert expected is None
        current = item
        got = store.get(item.target)
        assert isinstance(got, MutableItem) and got.seq == seq

