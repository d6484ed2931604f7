"""Interop with npm ``bittorrent-dht`` 11.0.12: their nodes and ours in one loopback network.

Items put by either side are got by the other (BEP 44 mutable and immutable), and lookups route through the other
implementation's nodes (chain topology)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import nacl.signing
import pytest

from did.bencode import bencode
from did.bep44 import MutableItem, immutable_target
from did.mainline import DhtNode
from did.mainline.swarm import SWARM_CONFIG
from tests.did.mainline.btdht import BtDhtPeers
from tests.nodejs import node_available

pytestmark = [pytest.mark.interop, pytest.mark.skipif(not node_available(), reason="node/npm modules missing")]

SEED = bytes(range(32))


@pytest.fixture
async def theirs() -> AsyncIterator[BtDhtPeers]:
    peers = await BtDhtPeers.spawn()
    yield peers
    await peers.close()


async def _ours(n: int, bootstrap: list[tuple[str, int]]) -> list[DhtNode]:
    nodes = []
    for _ in range(n):
        node = DhtNode(config=SWARM_CONFIG, bootstrap=bootstrap + [x.address for x in nodes[-2:]])
        await node.start()
        nodes.append(node)
    for node in nodes:
        await node.bootstrap()
    return nodes


async def test_mixed_network_put_by_either_side_got_by_the_other(theirs: BtDhtPeers) -> None:
    ours = await _ours(6, [])
    try:
        started = await theirs.call("start", n=6, bootstrap=[f"127.0.0.1:{ours[0].address[1]}"])
        their_addrs = [("127.0.0.1", n["port"]) for n in started["nodes"]]
        for node in ours:  # rejoin so our nodes also know theirs
            node.bootstrap_nodes = their_addrs[:2]
            await node.bootstrap()
        assert any(len(n.routing) > 5 for n in ours)
        # ours -> theirs, mutable (with salt) and immutable
        sk = nacl.signing.SigningKey(SEED)
        item = MutableItem.sign(sk, b"did:dht packet from python", 7, b"iiot")
        assert await ours[1].put_mutable(item) >= 4
        got = await theirs.call("get_mutable", node=3, publicKey=item.public_key.hex(), salt=b"iiot".hex())
        assert got["item"]["seq"] == 7 and bytes.fromhex(got["item"]["v"]) == item.v
        assert bytes.fromhex(got["item"]["sig"]) == item.signature
        target = await ours[2].put_immutable(b"immutable from python")
        got = await theirs.call("get_immutable", node=4, target=target.hex())
        assert bytes.fromhex(got["v"]) == b"immutable from python"
        # theirs -> ours
        put = await theirs.call("put_mutable", node=5, seed=(b"\x09" * 32).hex(), v=b"from node".hex(), seq=3)
        assert put["stored"] >= 1
        mine = await ours[4].get_mutable(bytes.fromhex(put["publicKey"]))
        assert mine is not None and mine.seq == 3 and mine.v == b"from node"
        mine.verify()
        imm = await theirs.call("put_immutable", node=0, v=b"immutable from node".hex())
        assert bytes.fromhex(imm["target"]) == immutable_target(bencode(b"immutable from node"))
        assert await ours[5].get_immutable(bytes.fromhex(imm["target"])) == b"immutable from node"
        # a higher seq from their side replaces ours everywhere; our stale put is refused by their nodes too
        newer = await theirs.call("put_mutable", node=1, seed=SEED.hex(), v=b"v8".hex(), seq=8, salt=b"iiot".hex())
        assert newer["stored"] >= 1
        latest = await ours[0].get_mutable(item.public_key, b"iiot")
        assert latest is not None and latest.seq == 8 and latest.v == b"v8"
    finally:
        for node in ours:
            await node.stop()


async def test_lookups_route_through_the_other_implementation(theirs: BtDhtPeers) -> None:
    """Chain topology. (1) our A knows only their B; B knows our C, which alone holds the item: A's get must go
    A -> B -> C. (2) their X knows only our Y; Y knows their Z, which alone holds an item: X -> Y -> Z."""
    a, c, y = (DhtNode(config=SWARM_CONFIG) for _ in range(3))
    for n in (a, c, y):
        await n.start()
    try:
        (b,) = (await theirs.call("start", n=1, exact=True, bootstrap=[f"127.0.0.1:{c.address[1]}"]))["nodes"]
        b_addr = ("127.0.0.1", b["port"])
        assert await a.ping(b_addr) == bytes.fromhex(b["nodeId"])
        assert [n.id for n in a.routing] == [bytes.fromhex(b["nodeId"])]
        item = MutableItem.sign(nacl.signing.SigningKey(SEED), b"held only by C", 1)
        c.store.put_mutable(item, c.clock())
        got = await a.get_mutable(item.public_key)
        assert got == item
        assert a.routing.get(c.node_id) is not None  # learned from B's answer, then asked directly

        # (2): Z (theirs) first, known by our Y; X (theirs) bootstraps from Y only
        (z,) = (await theirs.call("start", n=1, exact=True, bootstrap=[]))["nodes"]
        z_addr = ("127.0.0.1", z["port"])
        await y.ping(z_addr)
        held = await theirs.call("store_local", node=z["index"], seed=(b"\x05" * 32).hex(), v=b"held by Z".hex(),
                                 seq=4)
        (x,) = (await theirs.call("start", n=1, exact=True, bootstrap=[f"127.0.0.1:{y.address[1]}"]))["nodes"]
        routing = (await theirs.call("routing", node=x["index"]))["nodes"]
        assert {r["port"] for r in routing} <= {y.address[1], z["port"]}  # Z known only via Y's answer
        got2 = await theirs.call("get_mutable", node=x["index"], publicKey=held["publicKey"])
        assert got2["item"] is not None and bytes.fromhex(got2["item"]["v"]) == b"held by Z"
        assert got2["item"]["seq"] == 4
        assert y.stats.received > 0
        await asyncio.sleep(0)
    finally:
        for n in (a, c, y):
            await n.stop()
