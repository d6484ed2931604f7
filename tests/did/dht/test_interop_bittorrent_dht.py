"""Interop with webtorrent's bittorrent-dht 11 (npm) on loopback: one mixed network of their nodes and ours.

Items put by either side are got by the other (BEP 44 mutable and immutable); a node of ours whose only contact is
one of theirs resolves through their routing, and a node of theirs whose only contact is ours resolves through ours.
"""

from __future__ import annotations

import nacl.signing
import pytest

from did.bencode import bencode
from did.bep44 import MutableItem, mutable_target
from did.dht import DhtNode, LocalSwarm, loopback_config
from tests.did.dht.btdht import BtDht

pytestmark = pytest.mark.interop

SEED = bytes(range(32))


async def test_mixed_network_put_get_both_ways() -> None:
    async with LocalSwarm(12, seed=21) as ours, BtDht() as theirs:
        boot = [f"{h}:{p}" for h, p in ours.bootstrap_addresses]
        started = await theirs.call("start", n=12, bootstrap=boot)
        assert len(started["nodes"]) == 12

        # ours -> theirs, mutable
        sk = nacl.signing.SigningKey.generate()
        item = MutableItem.sign(sk, b"did:dht record from iiotid", 7)
        assert await ours.client().put_mutable(item) > 0
        got = await theirs.call("get", index=5, target=item.target.hex())
        assert got["item"] == {"v": b"did:dht record from iiotid".hex(), "seq": 7, "k": bytes(sk.verify_key).hex()}

        # theirs -> ours, mutable (their signature, verified by us)
        put = await theirs.call("put", index=3, v=b"from bittorrent-dht".hex(), seq=3, seed=SEED.hex())
        assert put["stored"] > 0
        pk = bytes(nacl.signing.SigningKey(SEED).verify_key)
        assert put["hash"] == mutable_target(pk).hex()
        mine = await ours.client().get_mutable(pk)
        assert mine is not None and (mine.v, mine.seq) == (b"from bittorrent-dht", 3)

        # immutable both ways (BEP 44 test vector 3 target)
        target = await ours.client().put_immutable(b"Hello World!")
        assert (await theirs.call("get", index=7, target=target.hex()))["item"]["v"] == b"Hello World!".hex()
        put = await theirs.call("put", index=1, v=b"immutable from them".hex())
        assert await ours.client().get_immutable(bytes.fromhex(put["hash"])) == b"immutable from them"
        assert bytes.fromhex(put["hash"]) == __import__("hashlib").sha1(bencode(b"immutable from them")).digest()


async def test_lookups_route_through_each_other() -> None:
    cfg = loopback_config()
    async with LocalSwarm(10, seed=22) as ours, BtDht() as theirs:
        boot = [f"{h}:{p}" for h, p in ours.bootstrap_addresses]
        await theirs.call("start", n=10, bootstrap=boot)
        sk = nacl.signing.SigningKey.generate()
        item = MutableItem.sign(sk, b"routed", 1)
        await ours.nodes[0].put_mutable(item)

        # A fresh node of ours whose only contact is one of theirs (node 10, linked to their node 9 only).
        their_port = (await theirs.call("start", n=1))["nodes"][0]["port"]
        lonely = DhtNode(config=cfg)
        await lonely.start()
        try:
            assert len(lonely.table) == 0
            await lonely.bootstrap([("127.0.0.1", their_port)])  # ours learns the network only from their answers
            got = await lonely.get_mutable(bytes(sk.verify_key))
            assert got is not None and got.v == b"routed"
        finally:
            await lonely.stop()

        # A fresh node of theirs (index 11) whose only contact is one of ours.
        await theirs.call("start", n=1, bootstrap=[f"127.0.0.1:{ours.nodes[3].port}"], link=False)
        got = await theirs.call("get", index=11, target=item.target.hex())
        assert got["item"] is not None and bytes.fromhex(got["item"]["v"]) == b"routed"
