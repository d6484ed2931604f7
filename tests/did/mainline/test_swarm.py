"""100+ in-process nodes on loopback: did:dht publish/resolve, 30% churn with republish, adversarial nodes."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import nacl.signing

from did import did_dht
from did.bep44 import MutableItem
from did.keys import PrivateKey
from did.mainline import DhtNode, LocalSwarm
from did.mainline.krpc import Address
from did.mainline.swarm import SWARM_CONFIG, with_config


def _did_records(n: int, seed: int, seq: int = 1) -> list[tuple[str, PrivateKey, MutableItem]]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        key = PrivateKey.generate("Ed25519", rng=rnd.randbytes)
        doc = did_dht.create_document(key, services=[{"id": "#gw", "type": "Gateway",
                                                      "serviceEndpoint": "https://plant.example/gw"}])
        out.append((doc.id, key, did_dht.to_bep44(key, doc, seq=seq)))
    return out


async def _resolve(node: DhtNode, did: str) -> Any:
    item = await node.get_mutable(did_dht.identity_key_from_did(did))
    assert item is not None, f"{did} did not resolve"
    return did_dht.from_bep44(did, item)


async def test_publish_and_resolve_did_dht_on_110_nodes() -> None:
    async with LocalSwarm(110, seed=7) as swarm:
        assert min(len(n.routing) for n in swarm.nodes) >= 8
        records = _did_records(10, seed=1)
        for _, _, item in records:
            assert await swarm.client().put_mutable(item) >= 6  # stored on (nearly) all k closest
        for did, _key, item in records:
            doc, meta = await _resolve(swarm.client(), did)
            assert doc.id == did and meta.seq == item.seq
            assert doc == did_dht.from_bep44(did, item)[0]
        # an update with a higher seq wins everywhere
        did, key, _ = records[0]
        newer = did_dht.to_bep44(key, did_dht.create_document(key), seq=2)
        await swarm.client().put_mutable(newer)
        for _ in range(5):
            assert (await swarm.client().get_mutable(newer.public_key)) == newer
        # immutable items and find_node through the swarm
        target = await swarm.client().put_immutable(b"firmware-manifest-digest")
        assert await swarm.client().get_immutable(target) == b"firmware-manifest-digest"
        # BEP 5 peers: announce (implied port) and get_peers through the swarm
        info_hash = bytes(range(20))
        announcer = swarm.nodes[9]
        assert await announcer.announce_peer(info_hash) >= 6
        assert announcer.address in await swarm.nodes[77].get_peers(info_hash)
        probe_id = swarm.nodes[42].node_id
        found = await swarm.nodes[3].find_node(probe_id)
        assert found[0][0] == probe_id


async def test_kill_30_percent_then_one_republish_period_still_resolves() -> None:
    cfg = with_config(SWARM_CONFIG, republish_interval=1.0)
    async with LocalSwarm(110, config=cfg, seed=11) as swarm:
        publisher = swarm.nodes[0]
        records = _did_records(8, seed=2)
        for _, _, item in records:
            assert await publisher.put_mutable(item, keep_alive=True) >= 6
        victims = await swarm.kill(0.30, spare=[publisher])
        assert len(victims) == 33
        await asyncio.sleep(cfg.republish_interval * 1.6)  # one republish period (+ the maintenance tick)
        ok = 0
        for _did, _, item in records:
            for _ in range(3):
                client = swarm.client()
                got = await client.get_mutable(item.public_key)
                ok += got == item
        assert ok == 3 * len(records)
        # the republish moved each record onto live nodes: at least k/2 live holders each
        for _, _, item in records:
            holders = sum(1 for n in swarm.alive if n.store.get(item.target, n.clock()) == item)
            assert holders >= 4


class Adversary(DhtNode):
    """Answers BEP 44 get with a bad item of its ``kind`` and silently drops puts (acknowledging them)."""

    def __init__(self, *, kind: str, stale: MutableItem, **kw: Any) -> None:
        super().__init__(**kw)
        self.kind, self.stale = kind, stale

    def _bep44_get(self, a: dict[bytes, Any], addr: Address, now: float, r: dict[bytes, Any]) -> None:
        super()._bep44_get(a, addr, now, r)
        s = self.stale
        if self.kind == "forged":  # right key, huge seq, signature over something else
            r.update({b"k": s.public_key, b"seq": 2**62, b"sig": s.signature, b"v": b"evil"})
        elif self.kind == "stale":  # a genuine, validly signed older version
            r.update({b"k": s.public_key, b"seq": s.seq, b"sig": s.signature, b"v": s.v})
        elif self.kind == "oversized":
            r.update({b"k": s.public_key, b"seq": 2**62, b"sig": s.signature, b"v": b"x" * 1100})
        elif self.kind == "wrongkey":  # a valid item, but under another key
            other = MutableItem.sign(nacl.signing.SigningKey(b"\x01" * 32), b"other", 2**40)
            r.update({b"k": other.public_key, b"seq": other.seq, b"sig": other.signature, b"v": other.v})
        elif self.kind == "malformed":
            r.update({b"k": s.public_key, b"seq": b"NaN", b"sig": 5, b"v": {b"x": 1}})

    def _bep44_put(self, a: dict[bytes, Any], addr: Address, now: float) -> None:
        return None  # black hole


async def test_adversarial_nodes_never_change_the_result() -> None:
    (did, key, v1), = _did_records(1, seed=3, seq=1)
    v2 = did_dht.to_bep44(key, did_dht.create_document(key, also_known_as=["urn:serial:42"]), seq=2)
    target_int = int.from_bytes(v1.target, "big")
    kinds = ["forged", "stale", "oversized", "wrongkey", "malformed"]
    made: list[Adversary] = []

    def factory(**kw: Any) -> DhtNode:
        # the last len(kinds) nodes are adversaries whose ids sit right next to the record's target
        if factory.count >= 100:  # type: ignore[attr-defined]
            i = len(made)
            nid = (target_int ^ (1 << (40 + i))).to_bytes(20, "big")
            adv = Adversary(kind=kinds[i], stale=v1, node_id=nid, **kw)
            made.append(adv)
            factory.count += 1  # type: ignore[attr-defined]
            return adv
        factory.count += 1  # type: ignore[attr-defined]
        return DhtNode(**kw)

    factory.count = 0  # type: ignore[attr-defined]
    async with LocalSwarm(100 + len(kinds), seed=5, node_factory=factory) as swarm:
        honest = [n for n in swarm.nodes if not isinstance(n, Adversary)]
        closest = await honest[0].find_node(v1.target)
        assert sum(1 for nid, _ in closest if any(nid == a.node_id for a in made)) == len(kinds)
        assert await honest[1].put_mutable(v2) >= 1  # only the 3 honest of the k closest really store it
        for i in range(10):
            client = honest[10 + i]
            got = await client.get_mutable(v2.public_key)
            assert got == v2
            doc, meta = did_dht.from_bep44(did, got)
            assert meta.seq == 2 and "urn:serial:42" in doc.also_known_as
        assert sum(n.stats.items_rejected for n in honest) >= 10 * 3
        # with min_seq above what exists, nothing (not the forged seq 2^62 item) is returned
        assert await honest[50].get_mutable(v2.public_key, min_seq=3) is None
