"""Lifecycle chain verification: ordering, links, sequence, time, subject, policy, status, forks, gaps, tampering.

Signatures here come from the local HMAC stand-in in ``chain_helpers``; ``test_lifecycle_real.py`` runs chains
signed with the real Data Integrity suites.
"""

from __future__ import annotations

import copy
import random
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials.lifecycle import ChainError, ChainPolicy, ChainReport, order_events, verify_chain, verify_chain_sync
from credentials.status_list import StatusList, StatusListVerifier
from credentials.vocab import lifecycle_event
from tests.credentials.chain_helpers import DEVICE, OEM, T0, build_chain, fake_sign, fake_verify

INTEGRATOR = "did:example:integrator"
OPERATOR = "did:example:operator"


async def run(birth: dict[str, Any], *events: dict[str, Any], **kw: Any) -> ChainReport:
    kw.setdefault("verify_proof", fake_verify)
    kw.setdefault("now", T0 + timedelta(days=30))
    return await verify_chain(birth, *events, **kw)


def resign(vc: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in vc.items() if k != "proof"}
    issuer = vc["issuer"] if isinstance(vc["issuer"], str) else vc["issuer"]["id"]
    return fake_sign(body, issuer)


async def test_valid_chain_in_any_order() -> None:
    birth, events = build_chain(8)
    shuffled = events[:]
    random.Random(4).shuffle(shuffled)
    report = await run(birth, *shuffled)
    assert report.verified, report.issues
    assert report.chain == [birth["id"], *(e["id"] for e in events)]
    assert report.head == events[-1]["id"] and report.device == DEVICE and report.owner == OEM
    assert order_events(birth, shuffled) == events
    assert report.to_dict()["length"] == 9


async def test_birth_certificate_alone() -> None:
    birth, _ = build_chain(0)
    report = await run(birth)
    assert report.verified and report.chain == [birth["id"]]


def test_sync_wrapper() -> None:
    birth, events = build_chain(3)
    assert verify_chain_sync(birth, *events, verify_proof=fake_verify, now=T0 + timedelta(days=1)).verified


async def test_tampered_claim_is_reported_at_its_position_and_breaks_the_next_link() -> None:
    birth, events = build_chain(5)
    events[2]["credentialSubject"]["lifecycleEvent"]["site"] = "Elsewhere"  # event with sequence 3
    report = await run(birth, *events)
    assert [(i.index, i.code) for i in report.issues] == [(3, "invalidProof"), (4, "digestMismatch")]
    assert report.issues[0].event_id == events[2]["id"]


async def test_replaced_predecessor_is_a_digest_mismatch() -> None:
    birth, events = build_chain(4)
    # A re-signed (validly) but different event 2 no longer matches the digest event 3 committed to.
    events[1]["credentialSubject"]["lifecycleEvent"]["site"] = "Plant 9"
    events[1] = resign(events[1])
    report = await run(birth, *events)
    assert [(i.index, i.code) for i in report.issues] == [(3, "digestMismatch")]


async def test_tampered_digest_field_is_rejected() -> None:
    birth, events = build_chain(3)
    prev = events[1]["credentialSubject"]["lifecycleEvent"]["previousEvent"]
    prev["digestMultibase"] = prev["digestMultibase"][:-2] + "11"
    events[1] = resign(events[1])  # even a validly signed wrong digest is caught
    report = await run(birth, *events)
    # Re-signing event 2 also changed its own digest, so event 3's link breaks too.
    assert [(i.index, i.code) for i in report.issues] == [(2, "digestMismatch"), (3, "digestMismatch")]


async def test_fork_is_reported() -> None:
    birth, events = build_chain(3)
    rival = fake_sign(
        lifecycle_event(OEM, DEVICE, "repaired", events[0], event_time=T0 + timedelta(minutes=5),
                        id="urn:uuid:rival"),
        OEM,
    )
    report = await run(birth, *events, rival)
    forks = [i for i in report.issues if i.code == "fork"]
    assert [(i.index, i.event_id) for i in forks] == [(2, "urn:uuid:rival")]  # the longer branch is followed
    assert report.chain[-1] == events[-1]["id"]
    assert not report.verified


async def test_gap_is_reported() -> None:
    birth, events = build_chain(5)
    del events[1]  # sequence 2 missing
    report = await run(birth, *events)
    assert [(i.index, i.code) for i in report.issues] == [(3, "gap")]
    assert report.chain == [birth["id"], events[0]["id"]]
    assert events[1]["credentialSubject"]["lifecycleEvent"]["previousEvent"]["id"] in report.issues[0].message


async def test_fork_branch_descendants_and_cycles_are_never_silently_ignored() -> None:
    birth, events = build_chain(4)
    rival = fake_sign(lifecycle_event(OEM, DEVICE, "repaired", events[0], event_time=T0 + timedelta(minutes=5),
                                      id="urn:uuid:rival"), OEM)
    rival_child = fake_sign(lifecycle_event(OEM, DEVICE, "calibrated", rival, event_time=T0 + timedelta(minutes=6),
                                            id="urn:uuid:rival-child"), OEM)
    report = await run(birth, *events, rival, rival_child)
    assert [(i.index, i.code, i.event_id) for i in report.issues] == [(2, "fork", "urn:uuid:rival")]

    # Two self-signed events pointing at each other never reach the birth certificate.
    a = lifecycle_event(OEM, DEVICE, "repaired", events[0], event_time=T0 + timedelta(hours=1), id="urn:uuid:a")
    b = lifecycle_event(OEM, DEVICE, "repaired", events[0], event_time=T0 + timedelta(hours=1), id="urn:uuid:b")
    a["credentialSubject"]["lifecycleEvent"]["previousEvent"]["id"] = "urn:uuid:b"
    b["credentialSubject"]["lifecycleEvent"]["previousEvent"]["id"] = "urn:uuid:a"
    report = await run(birth, *events, fake_sign(a, OEM), fake_sign(b, OEM))
    assert sorted((i.code, i.event_id) for i in report.issues) == [
        ("unlinkedEvent", "urn:uuid:a"), ("unlinkedEvent", "urn:uuid:b")]
    assert report.chain == [birth["id"], *(e["id"] for e in events)]


async def test_sequence_mismatch() -> None:
    birth, events = build_chain(3)
    events[1]["credentialSubject"]["lifecycleEvent"]["sequence"] = 7
    events[1] = resign(events[1])
    report = await run(birth, *events[:2])
    assert [(i.index, i.code) for i in report.issues] == [(7, "sequenceMismatch")]


async def test_non_monotonic_time() -> None:
    birth, events = build_chain(2)
    late = lifecycle_event(OEM, DEVICE, "calibrated", events[1], event_time=T0 - timedelta(days=1))
    report = await run(birth, *events, fake_sign(late, OEM))
    assert [(i.index, i.code) for i in report.issues] == [(3, "nonMonotonicTime")]


async def test_future_event() -> None:
    birth, events = build_chain(1)
    report = await run(birth, *events, now=T0 - timedelta(days=1))
    assert {i.code for i in report.issues} == {"futureEvent"}


async def test_wrong_subject() -> None:
    birth, events = build_chain(2)
    events[1]["credentialSubject"]["id"] = "did:example:other-device"
    events[1] = resign(events[1])
    report = await run(birth, *events)
    assert [(i.index, i.code) for i in report.issues] == [(2, "wrongSubject")]


async def test_unauthorised_issuer_and_role_mismatch() -> None:
    birth, events = build_chain(3, actors=lambda i: INTEGRATOR if i == 2 else OEM)
    report = await run(birth, *events)  # default policy: manufacturer or owner only
    assert [(i.index, i.code) for i in report.issues] == [(2, "unauthorizedIssuer")]

    policy = {"roles": {"integrator": [INTEGRATOR]},
              "eventIssuers": {"calibrated": ["integrator"], "*": ["manufacturer", "owner"]}}
    report = await run(birth, *events, policy=policy)
    assert report.verified, report.issues

    # Claiming a role the policy does not grant is flagged even when the issuer is otherwise allowed.
    body = copy.deepcopy(events[1])
    body["credentialSubject"]["lifecycleEvent"]["actorRole"] = "manufacturer"
    events[1] = resign(body)
    report = await run(birth, *events[:2], policy=policy)
    assert [(i.index, i.code) for i in report.issues] == [(2, "roleMismatch")]


async def test_ownership_transfer_moves_the_owner_role() -> None:
    birth, _ = build_chain(0)
    transfer = fake_sign(lifecycle_event(OEM, DEVICE, "ownershipTransferred", birth, event_time=T0 + timedelta(
        hours=1), new_owner=OPERATOR), OEM)
    by_operator = fake_sign(lifecycle_event(OPERATOR, DEVICE, "relocated", transfer, event_time=T0 + timedelta(
        hours=2), actor_role="owner"), OPERATOR)
    report = await run(birth, transfer, by_operator)
    assert report.verified and report.owner == OPERATOR
    by_oem = fake_sign(lifecycle_event(OEM, DEVICE, "relocated", transfer, event_time=T0 + timedelta(hours=2)), OEM)
    report = await run(birth, transfer, by_oem, policy={"eventIssuers": {"*": ["owner"]}})
    assert [(i.index, i.code) for i in report.issues] == [(2, "unauthorizedIssuer")]


async def test_untrusted_manufacturer_and_event_after_decommission() -> None:
    birth, events = build_chain(1)
    report = await run(birth, *events, policy={"manufacturers": ["did:example:someone-else"]})
    assert [(i.index, i.code) for i in report.issues] == [(0, "untrustedManufacturer")]
    dec = fake_sign(lifecycle_event(OEM, DEVICE, "decommissioned", events[0], event_time=T0 + timedelta(hours=1)), OEM)
    after = fake_sign(lifecycle_event(OEM, DEVICE, "calibrated", dec, event_time=T0 + timedelta(hours=2)), OEM)
    report = await run(birth, *events, dec, after)
    assert [(i.index, i.code) for i in report.issues] == [(3, "eventAfterDecommission")]


async def test_malformed_and_duplicate_events() -> None:
    birth, events = build_chain(2)
    report = await run(birth, *events, events[1])
    assert ("duplicateEvent", 2) in {(i.code, i.index) for i in report.issues}
    broken = copy.deepcopy(events[1])
    broken["credentialSubject"]["lifecycleEvent"]["eventType"] = "exploded"
    report = await run(birth, events[0], resign(broken))
    assert [(i.index, i.code) for i in report.issues] == [(2, "invalidEventType")]
    report = await run(birth, events[0], "not an object")  # type: ignore[arg-type]
    assert "malformedEvent" in report.codes()
    not_birth = await run(events[0], events[1])
    assert (0, "malformedEvent") in {(i.index, i.code) for i in not_birth.issues}


async def test_revoked_and_suspended_credentials() -> None:
    rev = StatusList("https://status.example/r", "revocation")
    sus = StatusList("https://status.example/s", "suspension")
    birth, events = build_chain(2, birth_status=rev.entry(99))
    rev.revoke(99)
    store = {sl.url: fake_sign(sl.credential(OEM), OEM) for sl in (rev, sus)}

    async def loader(url: str) -> dict[str, Any]:
        return store[url]

    checker = StatusListVerifier(loader, verify_proof=fake_verify)
    report = await run(birth, *events, status_verifier=checker)
    assert report.status_checked
    assert [(i.index, i.code) for i in report.issues] == [(0, "revoked")]

    body = {k: v for k, v in events[1].items() if k != "proof"} | {"credentialStatus": sus.entry(5)}
    suspended = fake_sign(body, OEM)
    sus.suspend(5)
    store[sus.url] = fake_sign(sus.credential(OEM), OEM)
    checker = StatusListVerifier(loader, verify_proof=fake_verify)
    report = await run(birth, events[0], suspended, status_verifier=checker)
    assert ("suspended", 2) in {(i.code, i.index) for i in report.issues}


async def test_argument_errors() -> None:
    birth, events = build_chain(1)
    with pytest.raises(ChainError):
        await verify_chain(birth, *events)  # no resolver and no verifier
    with pytest.raises(ChainError):
        await run(birth, *events, policy={"eventIssuers": {"exploded": ["owner"]}})
    with pytest.raises(ChainError):
        await run(birth, *events, policy={"eventIssuers": {"*": ["nobody"]}})
    with pytest.raises(ChainError):
        await run(birth, *events, policy={"colour": 1})
    assert ChainPolicy.from_dict({"roles": {"lab": ["did:example:lab"]}, "eventIssuers": {"calibrated": ["lab"]}})


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=12), st.data())
def test_random_tampering_is_reported_at_that_position(n: int, data: st.DataObject) -> None:
    birth, events = build_chain(n)
    chain = [birth, *events]
    k = data.draw(st.integers(min_value=0, max_value=n), label="position")
    target = chain[k]
    field = data.draw(st.sampled_from(["validFrom", "subject", "proof"]), label="field")
    if field == "validFrom":
        target["validFrom"] = "2020-01-01T00:00:00Z"
    elif field == "subject":
        target["credentialSubject"]["tampered"] = True
    else:
        target["proof"]["proofValue"] = "00" + target["proof"]["proofValue"][2:]
    shuffled = events[:]
    random.Random(n).shuffle(shuffled)
    report = verify_chain_sync(birth, *shuffled, verify_proof=fake_verify, now=T0 + timedelta(days=30))
    assert report.issues[0].index == k and report.issues[0].code == "invalidProof"
    assert report.issues[0].event_id == target["id"]
    if k < n:  # the successor committed to the untampered predecessor
        assert (k + 1, "digestMismatch") in {(i.index, i.code) for i in report.issues}


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=2, max_value=12), st.data())
def test_random_gap_is_reported_right_after_the_hole(n: int, data: st.DataObject) -> None:
    birth, events = build_chain(n)
    missing = data.draw(st.integers(min_value=1, max_value=n - 1), label="missing sequence")
    kept = [e for e in events if e["credentialSubject"]["lifecycleEvent"]["sequence"] != missing]
    random.Random(missing).shuffle(kept)
    report = verify_chain_sync(birth, *kept, verify_proof=fake_verify, now=T0 + timedelta(days=30))
    assert [(i.index, i.code) for i in report.issues] == [(missing + 1, "gap")]
    assert len(report.chain) == missing  # birth + events 1..missing-1


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=10), st.data())
def test_random_fork_is_reported_at_the_forked_position(n: int, data: st.DataObject) -> None:
    birth, events = build_chain(n)
    chain = [birth, *events]
    at = data.draw(st.integers(min_value=0, max_value=n - 1), label="fork after")
    rival = fake_sign(lifecycle_event(OEM, DEVICE, "repaired", chain[at], event_time=T0 + timedelta(minutes=at + 1),
                                      id="urn:uuid:rival"), OEM)
    report = verify_chain_sync(birth, *events, rival, verify_proof=fake_verify, now=T0 + timedelta(days=30))
    forks = [(i.index, i.code) for i in report.issues]
    if at == n - 1:  # both branches have length 1: the tie is broken by time, then id; one fork issue either way
        assert forks == [(n, "fork")]
    else:
        assert forks == [(at + 1, "fork")] and report.issues[0].event_id == "urn:uuid:rival"


@pytest.mark.parametrize("variant", ["", "HolderBinding/", "Pseudonym/", "PseudonymHB/", "prc/"])
def test_bbs_base_proofs_of_the_w3c_vectors_are_holder_only(variant: str) -> None:
    from credentials.lifecycle import _holder_only
    from tests.conftest import load_vector

    base = load_vector(f"vc-di-bbs/{variant}addSignedSDBase.json")["proof"]
    derived = load_vector(f"vc-di-bbs/{variant}derivedRevealDocument.json")["proof"]
    assert _holder_only(base) and not _holder_only(derived)
