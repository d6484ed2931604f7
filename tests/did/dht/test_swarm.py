"""100+ in-process nodes on loopback: did:dht publish/resolve, churn with republishing, adversarial nodes."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from did import did_dht
from did.bep44 import MutableItem
from did.dht import DhtNode, LocalSwarm, loopback_config
from did.keys import KeyType, PrivateKey

pytestmark = pytest.mark.slow


def _record(key: PrivateKey, seq: int, service: str) -> MutableItem:
    doc = did_dht.create_document(key, services=[{"id": "gw", "type": "IIoTGateway", "serviceEndpoint": service}])
    return did_dht.to_bep44(key, doc, seq=seq)


async def test_publish_resolve_with_30_percent_churn_and_republish() -> None:
    cfg = loopback_config(republish_interval=0.5, refresh_interval=30.0)
    async with LocalSwarm(110, seed=11, config=cfg) as swarm:
        publisher = swarm.nodes[0]
        keys = [PrivateKey.generate(KeyType.ED25519) for _ in range(10)]
        for i, key in enumerate(keys):
            assert (
                await publisher.put_mutable(_record(key, 100 + i, f"https://gw{i}.plant.example"), keep_alive=True) >= 6
            )
        for key in keys:
            did = did_dht.did_from_identity_key(key.public_key)
            item = await swarm.client().get_mutable(key.public_key.raw)
            assert item is not None
            doc, _meta = did_dht.from_bep44(did, item)
            assert doc.id == did
        # Kill 30% (never the publisher), wait one republish period: everything still resolves.
        swarm.nodes.remove(publisher)
        await swarm.kill(0.3)
        swarm.nodes.append(publisher)
        await asyncio.sleep(cfg.republish_interval * 2.5)  # one republish period of the maintenance loop
        ok = 0
        for _ in range(3):
            for key in keys:
                item = await swarm.client().get_mutable(key.public_key.raw)
                ok += item is not None and item.seq >= 100
        assert ok == 30


class Forger(DhtNode):
    """Answers every get with a record whose signature does not verify."""

    mode = "forged"
    stale: MutableItem | None = None

    def _q_get(self, a: dict[bytes, Any], addr: tuple[str, int]) -> dict[bytes, Any]:
        r = super()._q_get(a, addr)
        if self.mode == "forged" and b"k" in r:
            r[b"v"] = b"evil" + bytes(r[b"v"])[4:]
            r[b"seq"] = r[b"seq"] + 1000
        elif self.mode == "stale" and self.stale is not None:
            r.update(
                {b"k": self.stale.public_key, b"seq": self.stale.seq, b"sig": self.stale.signature, b"v": self.stale.v}
            )
        elif self.mode == "oversized" and b"k" in r:
            r[b"v"] = os.urandom(1200)
            r[b"seq"] = r[b"seq"] + 1
        return r


@pytest.mark.parametrize("mode", ["forged", "stale", "oversized"])
async def test_adversarial_nodes_never_change_the_result(mode: str) -> None:
    cfg = loopback_config()
    key = PrivateKey.generate(KeyType.ED25519)
    old = _record(key, 1, "https://old.example")
    new = _record(key, 2, "https://new.example")
    async with LocalSwarm(40, seed=12, config=cfg) as swarm:
        evil = []
        for _ in range(8):
            node = Forger(config=cfg)
            node.mode, node.stale = mode, old
            await node.start()
            await node.bootstrap([swarm.nodes[0].address])
            evil.append(node)
        try:
            for node in evil:  # the adversaries hold the real record too, so they are asked for it
                node.store.put_mutable(new)
            assert await swarm.nodes[1].put_mutable(new) > 0
            for _ in range(5):
                item = await swarm.client().get_mutable(key.public_key.raw)
                assert item is not None and item.seq == 2 and item.v == new.v
        finally:
            for node in evil:
                await node.stop()


async def test_silent_contacts_are_pinged_and_dead_ones_stop_being_handed_out() -> None:
    """BEP 5 questionable nodes: after ``ping_interval`` of silence a contact is pinged; a dead one collects
    ``max_failures`` timeouts, turns bad, and is neither returned by ``closest`` nor handed out in ``nodes``."""
    cfg = loopback_config(ping_interval=0.2, refresh_interval=60.0, republish_interval=3600.0)
    async with LocalSwarm(24, seed=5, config=cfg) as swarm:
        dead = await swarm.kill(0.25)
        dead_ids = {n.node_id for n in dead}

        def usable_dead() -> int:
            return sum(
                1 for node in swarm.nodes for c in node.table.contacts()
                if c.info.id in dead_ids and not c.is_bad(cfg.max_failures)
            )

        # Each round pings the k longest-silent contacts; a dead one needs max_failures (2) query timeouts.
        for _ in range(100):
            if usable_dead() == 0:
                break
            await asyncio.sleep(0.1)
        for node in swarm.nodes:
            listed = {c.info.id for c in node.table.contacts() if not c.is_bad(cfg.max_failures)}
            assert not (listed & dead_ids), "a dead contact is still considered usable"
            assert not ({n.id for n in node.table.closest(node.node_id, 64)} & dead_ids)
        # Lookups after that meet no dead node, so they need no stall at all.
        found = await swarm.client().find_node(os.urandom(20))
        assert found and not ({n.id for n in found} & dead_ids)
