"""agent.rotation: issuer assertion-key rotation under each old-key policy, device attest-key rotation, identity
compromise -> new DID linked by a verified _prv proof that verifiers follow."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import credentials
from agent import attestation
from agent.errors import InvalidRequest
from agent.rotation import (
    follow_previous,
    rotate_device_attest_key,
    rotate_device_identity,
    rotate_issuer_assertion_key,
)
from resolver import Resolver
from tests.agent.agent_fixtures import new_issuer, swarm


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def _verified(doc: dict, dht: object) -> bool:
    async with Resolver(dht=dht) as resolver:  # a fresh resolver: no cached older record
        result = await credentials.verify(doc, resolver=resolver, cache=None)
    return result.verified


@pytest.mark.parametrize(("policy", "old_still_verifies"), [("keep", True), ("demote", False), ("remove", False)])
def test_issuer_assertion_key_rotation(tmp_path: Path, policy: str, old_still_verifies: bool) -> None:
    async def go() -> None:
        async with swarm(6) as sw:
            issuer = await new_issuer(tmp_path / "oem.db", sw.client())
            await issuer.provision(["R1"])
            old_birth = (await issuer.export_chain("R1"))[0]
            assert old_birth["proof"]["verificationMethod"].endswith("#assert-1")
            assert await _verified(old_birth, sw.client())
            vm = await rotate_issuer_assertion_key(issuer, old_key_policy=policy)
            assert vm.endswith("#assert-2")
            await issuer.provision(["R2"])
            new_birth = (await issuer.export_chain("R2"))[0]
            assert new_birth["proof"]["verificationMethod"] == vm
            assert await _verified(new_birth, sw.client())
            assert await _verified(old_birth, sw.client()) is old_still_verifies
            with pytest.raises(InvalidRequest):
                await rotate_issuer_assertion_key(issuer, old_key_policy="shred")
            await issuer.storage.close()

    run(go())


def test_device_attest_and_identity_rotation(tmp_path: Path) -> None:
    async def go() -> None:
        async with swarm(6) as sw:
            issuer = await new_issuer(tmp_path / "oem.db", sw.client())
            await issuer.provision(["D1"])
            before = await issuer.storage.get_device("D1")
            assert before is not None
            item = await rotate_device_attest_key(issuer, "D1")
            assert item.seq == before.dht_seq + 1
            async with Resolver(dht=sw.client()) as r:
                doc = (await r.resolve(before.did)).document
            attest = next(vm for vm in doc["verificationMethod"] if vm["id"].endswith("#attest"))
            assert attest["publicKeyJwk"] != _attest_jwk(before.document)

            new_did = await rotate_device_identity(issuer, "D1")
            assert new_did != before.did
            async with Resolver(dht=sw.client()) as r:
                assert await follow_previous(r, new_did) == [new_did, before.did]
                old = await r.resolve(before.did)
                assert old.document_metadata.get("deactivated") is True
            # the device is found by either DID, its attestation now names the new DID and still verifies
            assert (await issuer.storage.device_by_did(before.did)).did == new_did  # type: ignore[union-attr]
            bundle = await issuer.device_bundle(new_did)
            assert bundle["attestation"]["values"]["device"] == new_did
            attestation.verify(bundle["attestation"], int(bundle["deviceSecret"], 16))
            await issuer.storage.close()

    run(go())


def _attest_jwk(document_json: str) -> dict:
    import json

    doc = json.loads(document_json)
    return next(vm for vm in doc["verificationMethod"] if vm["id"].endswith("#attest"))["publicKeyJwk"]
