"""DhtNode over real UDP on loopback: BEP 5 queries, BEP 44 get/put rules and error codes, tokens, persistence."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import nacl.signing
import pytest

from did.bencode import bdecode, bencode
from did.bep44 import MutableItem, mutable_target
from did.dht import DhtNode, LocalSwarm, loopback_config
from did.dht.krpc import KrpcError, PutRejected, decode_message


class Raw(asyncio.DatagramProtocol):
    """A bare UDP socket to send hand-made datagrams and read raw answers."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.queue.put_nowait(data)


async def raw_socket() -> tuple[asyncio.DatagramTransport, Raw]:
    loop = asyncio.get_running_loop()
    t, p = await loop.create_datagram_endpoint(Raw, local_addr=("127.0.0.1", 0))
    return t, p  # type: ignore[return-value]


async def ask(node: DhtNode, q: bytes, a: dict[bytes, Any], t: bytes = b"zz") -> dict[bytes, Any]:
    tr, proto = await raw_socket()
    try:
        tr.sendto(bencode({b"t": t, b"y": b"q", b"q": q, b"a": {b"id": b"R" * 20, **a}}), node.address)
        return bdecode(await asyncio.wait_for(proto.queue.get(), 2))
    finally:
        tr.close()


@pytest.fixture
async def node() -> Any:
    n = DhtNode(config=loopback_config())
    await n.start()
    yield n
    await n.stop()


async def test_ping_find_node_get_peers_announce(node: DhtNode) -> None:
    r = await ask(node, b"ping", {})
    assert r[b"y"] == b"r" and r[b"r"][b"id"] == node.node_id and r[b"t"] == b"zz"
    r = await ask(node, b"find_node", {b"target": b"T" * 20})
    assert isinstance(r[b"r"][b"nodes"], bytes)
    r = await ask(node, b"get_peers", {b"info_hash": b"H" * 20})
    token = r[b"r"][b"token"]
    r = await ask(node, b"announce_peer", {b"info_hash": b"H" * 20, b"port": 6881, b"token": token})
    assert r[b"y"] == b"r"
    r = await ask(node, b"get_peers", {b"info_hash": b"H" * 20})
    assert r[b"r"][b"values"] == [bytes([127, 0, 0, 1]) + (6881).to_bytes(2, "big")]


async def test_protocol_errors(node: DhtNode) -> None:
    r = await ask(node, b"nosuch", {})
    assert r[b"e"][0] == 204
    r = await ask(node, b"find_node", {b"target": b"short"})
    assert r[b"e"][0] == 203
    r = await ask(node, b"announce_peer", {b"info_hash": b"H" * 20, b"port": 1, b"token": b"forged"})
    assert r[b"e"][0] == 203


async def _token(node: DhtNode, target: bytes) -> bytes:
    return (await ask(node, b"get", {b"target": target}))[b"r"][b"token"]


async def test_bep44_put_rules(node: DhtNode) -> None:
    sk = nacl.signing.SigningKey.generate()
    pk = bytes(sk.verify_key)
    target = mutable_target(pk)
    item = MutableItem.sign(sk, b"v1", 5)
    tok = await _token(node, target)
    base = {b"k": pk, b"token": tok}

    def put(it: MutableItem, extra: dict[bytes, Any] | None = None) -> dict[bytes, Any]:
        return {**base, b"seq": it.seq, b"sig": it.signature, b"v": it.v, **(extra or {})}

    assert (await ask(node, b"put", put(item)))[b"y"] == b"r"
    got = (await ask(node, b"get", {b"target": target}))[b"r"]
    assert (got[b"v"], got[b"seq"], got[b"k"]) == (b"v1", 5, pk)
    # seq in a get: value omitted unless the stored one is newer (BEP 44)
    assert b"v" not in (await ask(node, b"get", {b"target": target, b"seq": 5}))[b"r"]
    older = MutableItem.sign(sk, b"old", 4)
    assert (await ask(node, b"put", put(older)))[b"e"][0] == 302
    newer = MutableItem.sign(sk, b"v2", 6)
    assert (await ask(node, b"put", put(newer, {b"cas": 4})))[b"e"][0] == 301
    assert (await ask(node, b"put", put(newer, {b"cas": 5})))[b"y"] == b"r"
    forged = put(MutableItem.sign(sk, b"v3", 7))
    forged[b"v"] = b"tampered"
    assert (await ask(node, b"put", forged))[b"e"][0] == 206
    big = {**base, b"seq": 9, b"sig": b"s" * 64, b"v": b"x" * 1001}
    assert (await ask(node, b"put", big))[b"e"][0] == 205
    salty = {**put(newer), b"salt": b"s" * 65}
    assert (await ask(node, b"put", salty))[b"e"][0] == 207
    bad_token = {**put(MutableItem.sign(sk, b"v4", 8)), b"token": b"nope"}
    assert (await ask(node, b"put", bad_token))[b"e"][0] == 203


async def test_immutable_put_get() -> None:
    async with LocalSwarm(12, seed=3) as swarm:
        target = await swarm.client().put_immutable(b"Hello World!")
        assert target.hex() == "e5f96f6f38320f0f33959cb4d3d656452117aadb"  # BEP 44 test vector 3
        assert await swarm.nodes[-1].get_immutable(target) == b"Hello World!"


async def test_salted_items_and_client_cas() -> None:
    async with LocalSwarm(12, seed=4) as swarm:
        sk = nacl.signing.SigningKey.generate()
        pk = bytes(sk.verify_key)
        assert await swarm.client().put_mutable(MutableItem.sign(sk, b"a", 1, b"salt-1")) > 0
        assert await swarm.client().put_mutable(MutableItem.sign(sk, b"b", 1, b"salt-2")) > 0
        assert (await swarm.client().get_mutable(pk, b"salt-1")).v == b"a"  # type: ignore[union-attr]
        assert (await swarm.client().get_mutable(pk, b"salt-2")).v == b"b"  # type: ignore[union-attr]
        assert await swarm.client().get_mutable(pk) is None
        # Every node holds seq 1 (a 12-node swarm's k closest can differ by a node or two between two lookups),
        # so each node a put reaches refuses it.
        for n in swarm.nodes:
            n.store.put_mutable(MutableItem.sign(sk, b"a", 1, b"salt-1"))
        # cas against a stale seq: every storing node refuses with BEP 44 error 301, raised typed
        with pytest.raises(PutRejected) as refused:
            await swarm.client().put_mutable(MutableItem.sign(sk, b"c", 3, b"salt-1"), cas=0)
        assert refused.value.krpc_code == 301 and refused.value.code == "casMismatch"
        # a lower seq than stored: 302
        with pytest.raises(PutRejected) as stale:
            await swarm.client().put_mutable(MutableItem.sign(sk, b"old", 0, b"salt-1"))
        assert stale.value.krpc_code == 302 and stale.value.code == "staleRecord"


async def test_query_errors_surface_typed(node: DhtNode) -> None:
    other = DhtNode(config=loopback_config())
    await other.start()
    try:
        with pytest.raises(KrpcError) as info:
            await other.query(node.address, b"nosuch", {})
        assert info.value.krpc_code == 204
    finally:
        await other.stop()


async def test_persistence_restart_rejoins(tmp_path: Path) -> None:
    async with LocalSwarm(10, seed=5) as swarm:
        sk = nacl.signing.SigningKey.generate()
        node = DhtNode(config=loopback_config(), data_dir=tmp_path)
        await node.start()
        await node.bootstrap([swarm.nodes[0].address])
        await node.put_mutable(MutableItem.sign(sk, b"kept", 1), keep_alive=True)
        known, node_id = len(node.table), node.node_id
        await node.stop()
        again = DhtNode(config=loopback_config(), data_dir=tmp_path)
        await again.start()
        try:
            assert again.node_id == node_id
            assert len(again.table) == known > 0  # rejoins from its saved contacts, no bootstrap address needed
            assert list(again.kept) == [mutable_target(bytes(sk.verify_key))]
            assert (await again.get_mutable(bytes(sk.verify_key))).v == b"kept"  # type: ignore[union-attr]
        finally:
            await again.stop()


async def test_fuzzing_the_udp_handler(node: DhtNode) -> None:
    """Random bytes, truncated bencode, huge ints, wrong types, oversize packets: the node keeps serving."""
    tr, proto = await raw_socket()
    rnd = os.urandom
    valid = bencode({b"t": b"ab", b"y": b"q", b"q": b"ping", b"a": {b"id": b"R" * 20}})
    junk = [
        rnd(50),
        valid[:-3],
        b"d1:t2:ab1:y1:q1:q4:ping1:ai" + b"9" * 300 + b"ee",
        bencode({b"t": b"ab", b"y": b"q", b"q": b"ping", b"a": [1, 2]}),
        bencode({b"t": b"ab", b"y": b"q", b"q": b"get", b"a": {b"id": b"R" * 20, b"target": 5}}),
        bencode({b"t": b"ab", b"y": b"q", b"q": b"put", b"a": {b"id": b"R" * 20, b"token": 1, b"v": b"x"}}),
        bencode({b"t": b"ab", b"y": b"r", b"r": {b"id": b"R" * 20}}),  # unsolicited response
        b"d1:t2:ab1:y1:q" + b"x" * 3000,  # oversize
        b"l" * 500,
    ]
    for i in range(3000):
        tr.sendto(junk[i % len(junk)] if i % 3 else rnd(1 + i % 700), node.address)
        if i % 200 == 0:
            await asyncio.sleep(0)
    await asyncio.sleep(0.2)
    while not proto.queue.empty():
        answer = decode_message(proto.queue.get_nowait())
        assert answer.y == b"e" and answer.e[0] in (203, 204)  # type: ignore[index]
    tr.close()
    r = await ask(node, b"ping", {})
    assert r[b"y"] == b"r"
    assert node.stats.dropped > 0
