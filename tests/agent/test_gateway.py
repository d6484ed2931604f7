"""Device holder agent + access-gateway verifier, end to end in process: real OEM provisioning on a loopback DHT,
policies with predicates, single-use nonces, revocation, pseudonyms, session tokens, offline decisions."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import pytest_asyncio

from agent.holder import ChallengeRefused, Holder
from agent.policy import Policy
from agent.verifier import Verifier
from resolver import Resolver
from tests.agent.agent_fixtures import new_issuer, swarm

pytestmark = pytest.mark.asyncio(loop_scope="module")


def policy(oem: str, **over: Any) -> Policy:
    d: dict[str, Any] = {
        "name": "line-3", "verifier": "did:example:gateway-3", "trustedIssuers": [oem],
        "disclose": ["manufacturer"],
        "predicates": [{"attribute": "firmwareVersion", "op": "ge", "value": 142},
                       {"attribute": "securityLevel", "op": "ge", "value": 3}],
        "maxCredentialAgeDays": 365, "requireStatus": True, "pseudonym": True,
    }
    d.update(over)
    return Policy.from_dict(d)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def plant(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("plant")
    async with swarm(8) as sw:
        issuer = await new_issuer(tmp / "oem.db", sw.client())
        await issuer.publish_self()
        report = await issuer.provision([
            {"serial": "NEW-1", "attributes": {"firmwareVersion": 150}},
            {"serial": "NEW-2", "attributes": {"firmwareVersion": 142}},
            {"serial": "OLD-1", "attributes": {"firmwareVersion": 120}},
        ])
        assert report.count("created") == 3
        holders = {}
        for serial in ("NEW-1", "NEW-2", "OLD-1"):
            h = Holder.create(tmp / f"{serial}.holder", "pin", ops=1, mem=8192)
            h.import_bundle(await issuer.device_bundle(serial))
            holders[serial] = h
        async with Resolver(dht=sw.client()) as resolver:
            yield {"issuer": issuer, "holders": holders, "resolver": resolver, "tmp": tmp, "swarm": sw}
        await issuer.storage.close()


def verifier_for(plant: Any, **kw: Any) -> Verifier:
    issuer = plant["issuer"]

    async def status(did: str) -> Any:
        return await issuer.status_list_credential("revocation-1")

    return Verifier(kw.pop("policy", None) or policy(issuer.did), resolver=plant["resolver"], status_source=status,
                    **kw)


async def test_admit_with_pseudonym_and_token(plant: Any) -> None:
    v = verifier_for(plant)
    answer = plant["holders"]["NEW-1"].answer(v.challenge())
    assert "firmwareVersion" not in json.dumps(answer["clear"])  # hidden attribute never sent in clear
    d = await v.decide(answer)
    assert d.admitted, d.reasons
    assert d.disclosed == {"manufacturer": "ACME Industrial"}
    claims = v.check_token(d.token or "")
    assert claims["sub"] == d.pseudonym and claims["iss"] == "did:example:gateway-3"
    # same device, same gateway: same pseudonym; another gateway: another one
    d2 = await v.decide(plant["holders"]["NEW-1"].answer(v.challenge()))
    assert d2.pseudonym == d.pseudonym
    other = verifier_for(plant, policy=policy(plant["issuer"].did, verifier="did:example:gateway-9"))
    d3 = await other.decide(plant["holders"]["NEW-1"].answer(other.challenge()))
    assert d3.admitted and d3.pseudonym != d.pseudonym
    d4 = await v.decide(plant["holders"]["NEW-2"].answer(v.challenge()))
    assert d4.admitted and d4.pseudonym != d.pseudonym


async def test_refusals_name_their_reason(plant: Any) -> None:
    v = verifier_for(plant)
    old = plant["holders"]["OLD-1"]
    d = await v.decide(old.answer(v.challenge()))
    assert not d.admitted and d.reason == "oldFirmware"
    # replay: the same answer twice
    ch = v.challenge()
    answer = plant["holders"]["NEW-1"].answer(ch)
    assert (await v.decide(answer)).admitted
    assert (await v.decide(answer)).reason == "replayedChallenge"
    # a nonce this gateway never issued
    other = verifier_for(plant)
    assert (await v.decide(plant["holders"]["NEW-1"].answer(other.challenge()))).reason == "unknownChallenge"
    # expired
    clock = [1_800_000_000.0]
    timed = verifier_for(plant, clock=lambda: clock[0])
    answer = plant["holders"]["NEW-1"].answer(timed.challenge())
    clock[0] += 61
    assert (await timed.decide(answer)).reason == "expiredChallenge"
    # untrusted issuer: a policy that trusts another OEM
    rogue = verifier_for(plant, policy=policy("did:key:z6MkrogueOemThatIsNotOurs"))
    assert (await rogue.decide(plant["holders"]["NEW-1"].answer(rogue.challenge()))).reason == "untrustedIssuer"
    # a modified proof
    ch = v.challenge()
    answer = plant["holders"]["NEW-1"].answer(ch)
    bad = copy.deepcopy(answer)
    proof = bad["presentation"]["proof"]
    bad["presentation"]["proof"] = proof[:10] + ("A" if proof[10] != "A" else "B") + proof[11:]
    assert (await v.decide(bad)).reason in ("invalidProof", "malformedPresentation")
    # a clear-text value that is not the signed one
    ch = v.challenge()
    answer = plant["holders"]["NEW-1"].answer(ch)
    answer["clear"]["manufacturer"] = "Globex"
    assert (await v.decide(answer)).reason == "invalidProof"
    # garbage never crashes the gateway
    for junk in (None, 5, "x", {"type": "IiotidPresentationAnswer"}, {"type": "IiotidPresentationAnswer",
                                                                       "nonce": "!!"}):
        assert not (await v.decide(junk)).admitted
    assert len(v.audit) >= 8 and all("pseudonym" in e for e in v.audit)


async def test_revocation_and_offline_decisions(plant: Any) -> None:
    issuer = plant["issuer"]
    v = verifier_for(plant, cache_ttl=0.0)
    assert (await v.decide(plant["holders"]["NEW-2"].answer(v.challenge()))).admitted
    await issuer.set_status("NEW-2", "revoke")
    d = await v.decide(plant["holders"]["NEW-2"].answer(v.challenge()))
    assert not d.admitted and d.reason == "revoked"
    # DHT and status endpoint unreachable: decisions continue from the caches, and say so
    cached = verifier_for(plant)
    assert (await cached.decide(plant["holders"]["NEW-1"].answer(cached.challenge()))).admitted

    class Down:
        async def resolve_document(self, did: str) -> Any:
            from did.errors import NotFound

            raise NotFound("the DHT is unreachable")

    async def no_status(did: str) -> Any:
        from credentials.status_list import StatusListUnavailable

        raise StatusListUnavailable("status endpoint down")

    cached.resolver, cached.status_source, cached.cache_ttl = Down(), no_status, 0.0
    d = await cached.decide(plant["holders"]["NEW-1"].answer(cached.challenge()))
    assert d.admitted and any("FromCache" in w for w in d.warnings)


async def test_holder_refuses_bad_challenges_and_keeps_secrets(plant: Any) -> None:
    h = plant["holders"]["NEW-1"]
    v = verifier_for(plant)
    ch = v.challenge()
    ch["request"]["disclosed"] = [*ch["request"]["disclosed"], 9]
    with pytest.raises(ChallengeRefused):
        h.answer(ch)
    with pytest.raises(ChallengeRefused):
        h.answer({"type": "nope"})
    reopened = Holder.open(h.path, "pin")
    assert reopened.did == h.did
    raw = h.path.read_bytes()
    assert h.attestation is not None and h.attestation["signature"].encode() not in raw  # sealed at rest
    from agent.errors import WrongPassphrase

    with pytest.raises(WrongPassphrase):
        Holder.open(h.path, "wrong")


async def test_cbor_round_trip(plant: Any) -> None:
    v = verifier_for(plant)
    answer = plant["holders"]["NEW-1"].answer_cbor(v.challenge_cbor())
    d = await v.decide_cbor(answer)
    assert d.admitted, d.reasons
    assert not (await v.decide_cbor(b"\xff\x00garbage")).admitted


async def test_gateway_http_routes(plant: Any) -> None:
    """POST /challenges and /presentations/verify (JSON, CBOR, W3C presentations) through the agent app."""
    import cbor2
    import httpx

    import credentials
    from agent.api.app import create_app
    from agent.config import AgentConfig
    from tests.credentials.di_helpers import did_key_identity

    v = verifier_for(plant)
    app = create_app(AgentConfig(plant["tmp"], extra={"verifier": v, "resolver": plant["resolver"]}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
        ch = (await c.post("/challenges")).json()
        r = await c.post("/presentations/verify", json=plant["holders"]["NEW-1"].answer(ch))
        assert r.status_code == 200 and r.json()["admitted"] and v.check_token(r.json()["token"])
        ch = (await c.post("/challenges")).json()
        r = await c.post("/presentations/verify", json=plant["holders"]["OLD-1"].answer(ch))
        assert r.status_code == 403 and r.json()["reasons"][0]["code"] == "oldFirmware"
        r = await c.post("/challenges", headers={"Accept": "application/cbor"})
        assert r.status_code == 201 and cbor2.loads(r.content)["type"] == "IiotidChallenge"
        answer = plant["holders"]["NEW-1"].answer_cbor(r.content)
        r = await c.post("/presentations/verify", content=answer, headers={"Content-Type": "application/cbor"})
        assert r.status_code == 200, r.text
        for junk in (b"{", b"[]", b"null", b'{"type": "IiotidPresentationAnswer", "nonce": 5}'):
            r = await c.post("/presentations/verify", content=junk, headers={"Content-Type": "application/json"})
            assert 400 <= r.status_code < 500, (junk, r.text)
        # a W3C presentation whose proof carries the gateway's challenge: single use
        key, did, vm = did_key_identity(seed=9)
        nonce = (await c.post("/challenges")).json()["nonce"]
        vp = credentials.sign_presentation(
            {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
             "holder": did}, key=key, verification_method=vm, suite="eddsa-rdfc-2022", challenge=nonce,
            domain="did:example:gateway-3")
        body = {"verifiablePresentation": vp, "options": {"challenge": nonce}}
        r = await c.post("/presentations/verify", json=body)
        assert r.status_code == 200 and r.json()["verified"], r.text
        r = await c.post("/presentations/verify", json=body)
        assert r.json()["verified"] is False
        # relayed: made for another verifier's domain, even with this gateway's fresh challenge
        nonce = (await c.post("/challenges")).json()["nonce"]
        vp = credentials.sign_presentation(
            {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
             "holder": did}, key=key, verification_method=vm, suite="eddsa-rdfc-2022", challenge=nonce,
            domain="did:example:other-gateway")
        r = await c.post("/presentations/verify", json={"verifiablePresentation": vp,
                                                        "options": {"challenge": nonce,
                                                                    "domain": "did:example:other-gateway"}})
        assert r.status_code == 400 or r.json().get("verified") is False, r.text
    no_gateway = create_app(AgentConfig(plant["tmp"]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=no_gateway), base_url="http://gw") as c:
        assert (await c.post("/challenges")).status_code == 409
