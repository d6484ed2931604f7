"""agent.issuer: large batches sign in forked worker processes; the result must equal in-process provisioning:
every device whole, published, its credentials verifying, unique status indexes, bad requests failing alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import credentials
from agent import attestation
from agent.issuer import DeviceRequest, Issuer
from did.keys import KeyType, PrivateKey, b64url_encode
from resolver import Resolver
from tests.agent.agent_fixtures import new_issuer, swarm


def test_pooled_provisioning_matches_in_process(tmp_path: Path) -> None:
    async def go() -> None:
        async with swarm(8) as sw:
            issuer: Issuer = await new_issuer(tmp_path / "oem.db", sw.client())
            await issuer.publish_self()
            bad_key = PrivateKey.generate(KeyType.ED25519)
            batch: list[object] = [f"P{i:03d}" for i in range(40)]
            batch.insert(7, DeviceRequest("BAD-POP", public_key=bad_key.public_key.to_multibase(),
                                          proof=b64url_encode(b"\x00" * 64), record="00"))
            batch.insert(20, {"serial": "BAD-FW", "attributes": {"firmwareVersion": "abc"}})
            seen: list[int] = []
            report = await issuer.provision(batch, chunk=9, workers=2, progress=seen.append)  # type: ignore[arg-type]
            assert report.count("created") == 40 and report.count("failed") == 2, report.to_json()
            assert {r.serial: r.error["code"] for r in report.results if r.error} == {  # type: ignore[index]
                "BAD-POP": "proofOfPossessionFailed", "BAD-FW": "invalidRequest"}
            assert not report.unpublished and sum(seen) == 42
            assert await issuer.storage.count_devices() == 40
            # status indexes: two per device, all distinct
            birth = [(await issuer.export_chain(f"P{i:03d}"))[0] for i in range(40)]
            indexes = [(e["statusListCredential"], e["statusListIndex"])
                       for b in birth for e in b["credentialStatus"]]
            assert len(indexes) == 80 and len(set(indexes)) == 80
            async with Resolver(dht=sw.client()) as resolver:
                for b in birth[::13]:
                    assert (await credentials.verify(b, resolver=resolver)).verified
                    doc = await resolver.resolve_document(b["credentialSubject"]["id"])  # published by the pool run
                    assert doc.id == b["credentialSubject"]["id"]
            # the keys and device secret were sealed in the worker with the issuer's vault: they open here
            bundle = await issuer.device_bundle("P033")
            attestation.verify(bundle["attestation"], int(bundle["deviceSecret"], 16))
            dev = await issuer.storage.get_device("P033")
            assert dev is not None
            assert PrivateKey.from_secret_multibase(bundle["keys"]["identity"]).public_key.to_multibase() \
                == dev.public_key
            # idempotent, and the lists the workers' allocations went to are stored
            again = await issuer.provision([f"P{i:03d}" for i in range(41)], workers=2)
            assert again.count("existing") == 40 and again.count("created") == 1
            vc = await issuer.status_list_credential("revocation-1")
            assert vc["credentialSubject"]["statusPurpose"] == "revocation"
            await issuer.storage.close()

    asyncio.run(go())
