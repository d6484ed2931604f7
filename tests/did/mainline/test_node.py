"""One node over real UDP: BEP 5 queries, BEP 44 put/get rules and error codes, tokens, limits, persistence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import nacl.signing
import pytest

from did.bencode import bencode
from did.bep44 import ImmutableItem, MutableItem, immutable_target
from did.errors import EncodingError
from did.mainline import DhtConfig, DhtNode, PutRejected, krpc
from tests.did.mainline.udp import Probe

CLIENT_ID = b"C" * 20


class FakeClock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
async def node() -> AsyncIterator[DhtNode]:
    n = DhtNode(config=DhtConfig(rate_limit=None, query_timeout=0.3))
    await n.start()
    yield n
    await n.stop()


@pytest.fixture
async def probe() -> AsyncIterator[Probe]:
    p = await Probe.open()
    yield p
    p.close()


def q(method: str, **args: object) -> bytes:
    a = {b"id": CLIENT_ID, **{k.encode(): v for k, v in args.items()}}
    return krpc.query(b"tx", method, a)


async def token_for(probe: Probe, node: DhtNode, target: bytes) -> bytes:
    reply = await probe.ask(node.address, q("get", target=target))
    return reply[b"r"][b"token"]


def signed(seq: int, v: object = b"doc", salt: bytes = b"", key: nacl.signing.SigningKey | None = None
           ) -> MutableItem:
    return MutableItem.sign(key or nacl.signing.SigningKey(b"\x07" * 32), v, seq, salt)


def put_args(item: MutableItem, token: bytes, **extra: object) -> bytes:
    args: dict[str, object] = {"k": item.public_key, "seq": item.seq, "sig": item.signature, "v": item.v,
                               "token": token, **extra}
    if item.salt:
        args["salt"] = item.salt
    return q("put", **args)


async def test_ping_find_node_and_version(node: DhtNode, probe: Probe) -> None:
    reply = await probe.ask(node.address, q("ping"))
    assert reply[b"y"] == b"r" and reply[b"r"][b"id"] == node.node_id and reply[b"t"] == b"tx"
    assert reply[b"v"] == node.config.version
    reply = await probe.ask(node.address, q("find_node", target=b"T" * 20))
    nodes = krpc.decode_nodes(reply[b"r"][b"nodes"])
    assert nodes == [] or all(len(n[0]) == 20 for n in nodes)
    # the querying node was added to the routing table (BEP 5: queries are a sign of life)
    assert node.routing.get(CLIENT_ID) is not None


async def test_unknown_method_is_204_and_bad_args_203(node: DhtNode, probe: Probe) -> None:
    reply = await probe.ask(node.address, q("vote", target=b"x" * 20))
    assert reply[b"y"] == b"e" and reply[b"e"][0] == krpc.METHOD_UNKNOWN
    reply = await probe.ask(node.address, q("find_node", target=b"short"))
    assert reply[b"e"][0] == krpc.PROTOCOL_ERROR
    reply = await probe.ask(node.address, bencode({b"t": b"zz", b"y": b"q", b"q": b"ping", b"a": {b"id": b"x"}}))
    assert reply[b"t"] == b"zz" and reply[b"e"][0] == krpc.PROTOCOL_ERROR


async def test_mutable_put_get_and_bep44_error_codes(node: DhtNode, probe: Probe) -> None:
    item = signed(5)
    token = await token_for(probe, node, item.target)
    assert (await probe.ask(node.address, put_args(item, b"wrong-token")))[b"e"][0] == krpc.PROTOCOL_ERROR
    assert (await probe.ask(node.address, put_args(item, token)))[b"y"] == b"r"
    got = (await probe.ask(node.address, q("get", target=item.target)))[b"r"]
    assert (got[b"k"], got[b"seq"], got[b"sig"], got[b"v"]) == (item.public_key, 5, item.signature, b"doc")
    # with seq >= stored, v is left out (BEP 44 get "seq")
    got = (await probe.ask(node.address, q("get", target=item.target, seq=5)))[b"r"]
    assert got[b"seq"] == 5 and b"v" not in got
    # 302: lower seq; 301: CAS mismatch; 206: forged signature; 205: v too big; 207: salt too big
    assert (await probe.ask(node.address, put_args(signed(4), token)))[b"e"][0] == krpc.SEQ_TOO_LOW
    assert (await probe.ask(node.address, put_args(signed(6), token, cas=4)))[b"e"][0] == krpc.CAS_MISMATCH
    assert (await probe.ask(node.address, put_args(signed(6), token, cas=5)))[b"y"] == b"r"
    forged = MutableItem(item.public_key, 9, b"evil", item.signature)
    assert (await probe.ask(node.address, put_args(forged, token)))[b"e"][0] == krpc.INVALID_SIGNATURE
    big = q("put", k=item.public_key, seq=10, sig=item.signature, v=b"x" * 1001, token=token)
    assert (await probe.ask(node.address, big))[b"e"][0] == krpc.MESSAGE_TOO_BIG
    salty = q("put", k=item.public_key, seq=10, sig=item.signature, v=b"x", salt=b"s" * 65, token=token)
    assert (await probe.ask(node.address, salty))[b"e"][0] == krpc.SALT_TOO_BIG
    # the stored item is still seq 6 after all of this
    got = (await probe.ask(node.address, q("get", target=item.target)))[b"r"]
    assert got[b"seq"] == 6


async def test_immutable_put_get(node: DhtNode, probe: Probe) -> None:
    v = [b"a", 1, {b"x": b"y"}]
    target = immutable_target(bencode(v))
    token = await token_for(probe, node, target)
    assert (await probe.ask(node.address, q("put", v=v, token=token)))[b"y"] == b"r"
    assert (await probe.ask(node.address, q("get", target=target)))[b"r"][b"v"] == v


async def test_announce_and_get_peers_with_implied_port(node: DhtNode, probe: Probe) -> None:
    ih = b"I" * 20
    reply = (await probe.ask(node.address, q("get_peers", info_hash=ih)))[b"r"]
    token = reply[b"token"]
    assert b"values" not in reply
    assert (await probe.ask(node.address, q("announce_peer", info_hash=ih, port=6881, token=b"bad")))[b"e"][0] == 203
    assert (await probe.ask(node.address, q("announce_peer", info_hash=ih, port=6881, token=token)))[b"y"] == b"r"
    assert (await probe.ask(node.address, q("announce_peer", info_hash=ih, port=1, implied_port=1,
                                            token=token)))[b"y"] == b"r"
    values = (await probe.ask(node.address, q("get_peers", info_hash=ih)))[b"r"][b"values"]
    peers = {krpc.decode_peer(v) for v in values}
    assert ("127.0.0.1", 6881) in peers and ("127.0.0.1", probe.transport.get_extra_info("sockname")[1]) in peers


async def test_token_rotation_accepts_previous_secret_only() -> None:
    clock = FakeClock()
    node = DhtNode(config=DhtConfig(rate_limit=None), clock=clock)
    await node.start()
    probe = await Probe.open()
    try:
        item = signed(1)
        token = await token_for(probe, node, item.target)
        clock.t += 301  # one rotation: the previous secret is still accepted
        assert (await probe.ask(node.address, put_args(item, token)))[b"y"] == b"r"
        clock.t += 301 * 2  # two more rotations: the token is dead
        assert (await probe.ask(node.address, put_args(signed(2), token)))[b"e"][0] == krpc.PROTOCOL_ERROR
    finally:
        probe.close()
        await node.stop()


async def test_oversize_packets_dropped_and_rate_limited() -> None:
    node = DhtNode(config=DhtConfig(rate_limit=5.0, rate_burst=5.0, max_packet_size=1500))
    await node.start()
    probe = await Probe.open()
    try:
        big = q("ping", pad=b"x" * 2000)
        assert await probe.ask(node.address, big, timeout=0.2) is None
        assert node.stats.dropped_oversize == 1
        for _ in range(20):
            probe.send(node.address, q("ping"))
        answers = 0
        while await probe.recv(timeout=0.2) is not None:
            answers += 1
        assert 4 <= answers <= 7 and node.stats.dropped_rate >= 13
    finally:
        probe.close()
        await node.stop()


async def test_store_expires_items() -> None:
    clock = FakeClock()
    node = DhtNode(config=DhtConfig(rate_limit=None, record_ttl=60), clock=clock)
    item = signed(1)
    node.store.put_mutable(item, clock())
    assert node.store.get(item.target, clock() + 59) == item
    assert node.store.get(item.target, clock() + 61) is None


def test_store_is_bounded() -> None:
    node = DhtNode(config=DhtConfig(max_records=10))
    for i in range(25):
        node.store.put_immutable(ImmutableItem(b"%d" % i), 0.0)
    assert len(node.store) == 10


async def test_two_nodes_client_api_and_rejections() -> None:
    cfg = DhtConfig(rate_limit=None, query_timeout=0.3)
    a, b = DhtNode(config=cfg), DhtNode(config=cfg)
    await a.start()
    await b.start()
    try:
        b.bootstrap_nodes = [a.address]
        await b.bootstrap()
        assert await b.ping(a.address) == a.node_id
        item = signed(3, salt=b"salt")
        assert await b.put_mutable(item) == 1
        assert await a.get_mutable(item.public_key, b"salt") == item
        assert await a.get_mutable(item.public_key, b"salt", min_seq=4) is None
        assert await b.get_mutable(item.public_key) is None  # no salt: another target
        with pytest.raises(PutRejected) as info:
            await b.put_mutable(signed(2, salt=b"salt"))
        assert info.value.code == "staleRecord"
        with pytest.raises(PutRejected) as info:
            await b.put_mutable(signed(4, salt=b"salt"), cas=1)
        assert info.value.code == "casMismatch"
        with pytest.raises(EncodingError):
            await b.get_mutable(b"short")
    finally:
        await a.stop()
        await b.stop()


async def test_restart_with_persistence_rejoins(tmp_path: Path) -> None:
    cfg = DhtConfig(rate_limit=None, query_timeout=0.3)
    hub = DhtNode(config=cfg)
    await hub.start()
    node = DhtNode(config=cfg, data_dir=tmp_path, bootstrap=[hub.address])
    await node.start()
    try:
        await node.bootstrap()
        node_id = node.node_id
        item = signed(7)
        await node.put_mutable(item, keep_alive=True)
        await node.stop()
        # restart with no bootstrap list: id, contacts and the kept item come back from SQLite
        again = DhtNode(config=cfg, data_dir=tmp_path)
        await again.start()
        try:
            assert again.node_id == node_id
            assert again.routing.get(hub.node_id) is not None
            assert item.target in again.kept
            assert await again.bootstrap() >= 1
            assert await again.get_mutable(item.public_key) == item
            hub.store = type(hub.store)()  # the hub forgets; the republisher puts it back
            assert await again.republish() == 1
            assert await hub.get_mutable(item.public_key) == item
        finally:
            await again.stop()
    finally:
        await hub.stop()
        await node.stop()
