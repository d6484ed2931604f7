"""agent.issuer: provisioning (generated and imported keys), idempotency, lifecycle events, chains, status."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import credentials
from agent import attestation
from agent.errors import ChainConflict, DeviceNotFound, InvalidRequest
from agent.issuer import DeviceRequest, Issuer, Signer, fast_multibase, pop_challenge
from credentials.lifecycle import ChainPolicy, verify_chain
from credentials.status_list import StatusList
from did import did_dht, did_key
from did.keys import KeyType, PrivateKey, b64url_encode
from resolver import Resolver
from tests.agent.agent_fixtures import PASS, new_issuer, swarm


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_provision_publish_and_verify(tmp_path: Path) -> None:
    async def go() -> None:
        async with swarm() as sw:
            issuer = await new_issuer(tmp_path / "oem.db", sw.client())
            seen: list[int] = []
            report = await issuer.provision([f"SN{i}" for i in range(5)], chunk=2, progress=seen.append)
            assert report.count("created") == 5 and not report.unpublished and sum(seen) == 5
            resolver = Resolver(dht=sw.client())
            dev = await issuer.storage.get_device("SN3")
            assert dev is not None and dev.published
            doc = await resolver.resolve_document(dev.did)  # published on the DHT
            doc_json = doc if isinstance(doc, dict) else doc.to_json()
            assert {vm["id"].split("#")[1] for vm in doc_json["verificationMethod"]} == {"0", "attest"}
            assert doc_json["controller"] == issuer.did or doc_json["controller"] == [issuer.did]
            oem = await resolver.resolve_document(issuer.did)
            oem_json = oem if isinstance(oem, dict) else oem.to_json()
            assert issuer.bbs_did in oem_json["alsoKnownAs"]
            chain = await issuer.export_chain("SN3")
            assert len(chain) == 1
            result = await credentials.verify(chain[0], resolver=resolver)
            assert result.verified, result.errors
            assert chain[0]["credentialSubject"]["serialNumber"] == "SN3"
            # the BBS attestation verifies with the device secret from the bundle
            bundle = await issuer.device_bundle(dev.did)
            attestation.verify(bundle["attestation"], int(bundle["deviceSecret"], 16))
            assert PrivateKey.from_secret_multibase(bundle["keys"]["identity"]).public_key.to_multibase() \
                == dev.public_key
            # idempotent: same batch again creates nothing
            again = await issuer.provision([f"SN{i}" for i in range(6)])
            assert again.count("existing") == 5 and again.count("created") == 1
            assert await issuer.storage.count_devices() == 6
            await resolver.aclose()
            await issuer.storage.close()

    run(go())


def test_imported_key_needs_proof_of_possession(tmp_path: Path) -> None:
    async def go() -> None:
        async with swarm(4) as sw:
            issuer = await new_issuer(tmp_path / "oem.db", sw.client())
            dev_key = PrivateKey.generate(KeyType.ED25519)  # "in the secure element"
            pk = dev_key.public_key.to_multibase()
            doc = did_dht.create_document(dev_key, controllers=[issuer.did])
            record = did_dht.to_bep44(dev_key, doc, seq=1).to_relay_bytes().hex()
            good = b64url_encode(dev_key.sign(pop_challenge(issuer.did, "SE-1", pk)))
            wrong_serial = b64url_encode(dev_key.sign(pop_challenge(issuer.did, "SE-X", pk)))
            report = await issuer.provision([
                DeviceRequest("SE-1", public_key=pk, proof=good, record=record),
                {"serial": "SE-2", "public_key": pk, "proof": wrong_serial, "record": record},
                DeviceRequest("SE-3", proof=good),
            ])
            by = {r.serial: r for r in report.results}
            assert by["SE-1"].status == "created" and by["SE-1"].published
            assert by["SE-1"].did == did_dht.did_from_identity_key(dev_key.public_key)
            assert by["SE-2"].status == "failed" and by["SE-2"].error["code"] == "proofOfPossessionFailed"
            assert by["SE-3"].status == "failed" and by["SE-3"].error["code"] == "invalidRequest"
            row = await issuer.storage.get_device("SE-1")
            assert row is not None and row.key_origin == "imported" and row.identity_key_id is None
            assert await issuer.storage.get_device("SE-2") is None
            await issuer.storage.close()

    run(go())


def test_lifecycle_chain_export_verifies_and_status(tmp_path: Path) -> None:
    async def go() -> None:
        async with swarm(6) as sw:
            issuer = await new_issuer(tmp_path / "oem.db", sw.client())
            await issuer.provision(["A1", "A2"])
            integ_key = PrivateKey.generate(KeyType.ED25519)
            integ_did = did_key.did_from_public_key(integ_key.public_key)
            integrator = Signer(integ_key, f"{integ_did}#{integ_key.public_key.to_multibase()}")
            e1 = await issuer.issue_event("A1", "commissioned", signer=integrator, actor_role="integrator",
                                          site="Plant 4")
            e2 = await issuer.issue_event("A1", "firmwareUpdated", firmware_version=142)
            assert (await issuer.attestation("A1"))["values"]["firmwareVersion"] == 142
            # an event signed elsewhere, linked to the head, is accepted; a stale link is refused
            from credentials.vocab import lifecycle_event

            e3 = credentials.issue(
                lifecycle_event(integ_did, e2["credentialSubject"]["id"], "calibrated", e2,
                                event_time=datetime.now(UTC)),
                key=integ_key, verification_method=integrator.verification_method, suite="eddsa-rdfc-2022",
            )
            issuer.resolver = Resolver(dht=sw.client())
            await issuer.append_event("A1", e3)
            stale = credentials.issue(
                lifecycle_event(integ_did, e2["credentialSubject"]["id"], "repaired", e1,
                                event_time=datetime.now(UTC)),
                key=integ_key, verification_method=integrator.verification_method, suite="eddsa-rdfc-2022",
            )
            with pytest.raises(ChainConflict):
                await issuer.append_event("A1", stale)
            with pytest.raises(DeviceNotFound):
                await issuer.export_chain("nope")
            chain = await issuer.export_chain(e2["credentialSubject"]["id"])
            assert [c["id"] for c in chain][1:] == [e1["id"], e2["id"], e3["id"]]
            await issuer.set_status("A2", "revoke")
            lists = {}
            for lid in ("revocation-1", "suspension-1"):
                lists[f"https://oem.example/status/{lid}"] = await issuer.status_list_credential(lid)

            async def loader(url: str) -> dict:
                return lists[url]

            policy = ChainPolicy(manufacturers=frozenset({issuer.did}),
                                 roles={"integrator": frozenset({integ_did})},
                                 event_issuers={"commissioned": ("integrator",), "calibrated": ("integrator",),
                                                "*": ("manufacturer",)})
            report = await verify_chain(chain[0], *chain[1:], policy=policy, resolver=issuer.resolver,
                                        status_loader=loader, now=None)
            assert report.verified, [i for i in report.issues]
            revoked = await issuer.export_chain("A2")
            report2 = await verify_chain(revoked[0], policy=policy, resolver=issuer.resolver, status_loader=loader)
            assert not report2.verified
            sl = StatusList.from_credential(lists["https://oem.example/status/revocation-1"])
            idx = int(revoked[0]["credentialStatus"][0]["statusListIndex"])
            assert sl.get(idx) == 1
            with pytest.raises(InvalidRequest):
                await issuer.set_status("A2", "explode")
            await issuer.resolver.aclose()
            await issuer.storage.close()

    run(go())


def test_load_reopens_with_passphrase(tmp_path: Path) -> None:
    async def go() -> None:
        issuer = await new_issuer(tmp_path / "oem.db", None)
        await issuer.provision(["X1"])
        did = issuer.did
        storage = issuer.storage
        again = await Issuer.load(storage, PASS)
        assert again.did == did and again.bbs_did == issuer.bbs_did
        r = await again.provision(["X1", "X2"])
        assert [x.status for x in r.results] == ["existing", "created"]
        assert r.unpublished == ["X1", "X2"]  # no DHT injected: stored, not yet published
        from agent.errors import WrongPassphrase

        with pytest.raises(WrongPassphrase):
            await Issuer.load(storage, "wrong")
        with pytest.raises(InvalidRequest):
            await again.provision(["D", "D"])
        await storage.close()

    run(go())


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([KeyType.ED25519, KeyType.P256, KeyType.SECP256K1, KeyType.X25519, KeyType.BLS12381_G2]))
def test_fast_multibase_equals_multikey(kt: KeyType) -> None:
    key = PrivateKey.generate(kt).public_key
    assert fast_multibase(key) == key.to_multibase()
