"""Key rotation for the OEM issuer and its devices (specs/did-dht-iiot.md section 6; did:dht spec "Rotation").

* :func:`rotate_issuer_assertion_key` — a new ``#assert-N`` signs from now on; the old key's fate is the policy:
  ``keep`` (still in ``assertionMethod``: credentials it signed keep verifying), ``demote`` (still a verification
  method but in no relationship: its credentials stop verifying, purpose check), ``remove`` (gone: they stop
  verifying, method not found).  The OEM document is republished with a higher BEP 44 ``seq``.
* :func:`rotate_device_attest_key` — a new P-256 ``#attest`` for a device whose keys were generated here; same DID,
  record republished with ``seq + 1``.
* :func:`rotate_device_identity` — the identity key is compromised: the device moves to a NEW DID whose record
  carries ``_prv`` (the old identity key's signature over the new identity key), the old DID is deactivated, the
  device row follows the new DID (the old one stays resolvable to the same serial), and the BBS attestation is
  re-issued for the new DID.
* :func:`follow_previous` — for verifiers: the list of DIDs linked by *verified* ``_prv`` proofs, newest first
  (``resolver.Resolver.resolve_with_history``).
"""

from __future__ import annotations

import json
from typing import Any

from agent.errors import InvalidRequest
from agent.issuer import Issuer, _now_iso, fast_multibase
from agent.storage import KeyRow
from did import did_dht
from did.bep44 import MutableItem
from did.did_dht import AdditionalKey
from did.keys import KeyType, PrivateKey

POLICIES = ("keep", "demote", "remove")


async def rotate_issuer_assertion_key(issuer: Issuer, *, old_key_policy: str = "keep") -> str:
    """Rotate the OEM's credential-signing key; returns the new verification method id."""
    if old_key_policy not in POLICIES:
        raise InvalidRequest(f"old_key_policy must be one of {', '.join(POLICIES)}")
    st = issuer.storage
    old_id = issuer.assertion_id
    n = int(old_id.rsplit("-", 1)[1]) + 1 if old_id.rsplit("-", 1)[-1].isdigit() else 2
    new_id = f"assert-{n}"
    key = PrivateKey.generate(KeyType.ED25519, rng=issuer.rng)
    created = _now_iso(issuer.clock)
    policy: dict[str, str] = await st.get_meta("assertionKeys", {})
    policy[old_id] = old_key_policy
    policy[new_id] = "active"
    meta = await st.get_meta("issuer")
    async with st.transaction() as tx:
        kid = f"issuer:{new_id}"
        await st.insert_key(tx, KeyRow(kid, "issuer", "assertion", key.key_type.value, fast_multibase(key.public_key),
                                       issuer.vault.seal_key(kid, key), created))
        await st.retire_key(tx, f"issuer:{old_id}")
        await st.put_meta(tx, "assertionKeys", policy)
        await st.put_meta(tx, "issuer", {**meta, "assertion": new_id})
        await st.audit(tx, "issuer", "rotateAssertionKey", issuer.did,
                       {"old": old_id, "new": new_id, "oldKeyPolicy": old_key_policy})
    issuer._replace_assertion(key, new_id)
    await issuer.publish_self()
    return issuer.verification_method


async def _device_keys(issuer: Issuer, serial: str) -> tuple[Any, PrivateKey]:
    row = await issuer._device(serial)
    if row.identity_key_id is None:
        raise InvalidRequest(f"device {row.serial} holds its own keys (secure element): it rotates them itself",
                             code="keyNotHeld")
    krow = await issuer.storage.get_key(row.identity_key_id)
    if krow is None:
        raise InvalidRequest(f"the identity key of {row.serial} is missing", code="keyNotHeld")
    return row, issuer.vault.open_key(krow.id, krow.sealed)


def _document(identity: PrivateKey, attest: PrivateKey, issuer: Issuer) -> did_dht.DIDDocument:
    services = []
    if issuer.profile.gateway_endpoint:
        services.append({"id": "gw", "type": "IIoTGateway", "serviceEndpoint": issuer.profile.gateway_endpoint})
    return did_dht.create_document(
        identity,
        extra_keys=[AdditionalKey(attest.public_key, id="attest", purposes=("assertionMethod", "authentication"))],
        services=services,
        controllers=[issuer.did],
    )


async def rotate_device_attest_key(issuer: Issuer, serial: str) -> MutableItem:
    """New ``#attest`` key for the same DID; returns the published record (``seq`` = previous + 1)."""
    row, identity = await _device_keys(issuer, serial)
    attest = PrivateKey.generate(KeyType.P256, rng=issuer.rng)
    item = did_dht.to_bep44(identity, _document(identity, attest, issuer), seq=row.dht_seq + 1)
    created = _now_iso(issuer.clock)
    st = issuer.storage
    async with st.transaction() as tx:
        for k in await st.keys_of(row.serial):
            if k.purpose == "attest" and k.retired is None:
                await st.retire_key(tx, k.id)
        kid = f"dev:{row.serial}:attest-{row.dht_seq + 1}"
        await st.insert_key(tx, KeyRow(kid, row.serial, "attest", attest.key_type.value,
                                       fast_multibase(attest.public_key), issuer.vault.seal_key(kid, attest), created))
        await st.update_device(tx, row.serial, document=json.dumps(_document(identity, attest, issuer).to_json()),
                               dht_seq=item.seq, record=item.to_relay_bytes(), published=0)
        await st.audit(tx, "issuer", "rotateAttestKey", row.serial, {"seq": item.seq})
    if issuer.dht is not None:
        await issuer.dht.put_mutable(item)
        async with st.transaction() as tx:
            await st.mark_published(tx, [row.serial])
    return item


async def rotate_device_identity(issuer: Issuer, serial: str) -> str:
    """Move the device to a new DID linked by ``_prv``; deactivate the old DID; returns the new DID."""
    row, old_identity = await _device_keys(issuer, serial)
    new_identity = PrivateKey.generate(KeyType.ED25519, rng=issuer.rng)
    attest = PrivateKey.generate(KeyType.P256, rng=issuer.rng)
    proof = did_dht.previous_did_proof(old_identity, new_identity)
    new_doc = _document(new_identity, attest, issuer)
    seq = max(int(issuer.clock()), row.dht_seq + 1)
    new_item = did_dht.to_bep44(new_identity, new_doc, seq=seq, previous_did=proof)
    old_item = did_dht.deactivate(old_identity, seq=seq)
    created = _now_iso(issuer.clock)
    st = issuer.storage
    async with st.transaction() as tx:
        for k in await st.keys_of(row.serial):
            if k.purpose in ("identity", "attest") and k.retired is None:
                await st.retire_key(tx, k.id)
        ids = {}
        for purpose, key in (("identity", new_identity), ("attest", attest)):
            kid = ids[purpose] = f"dev:{row.serial}:{purpose}-{seq}"
            await st.insert_key(tx, KeyRow(kid, row.serial, purpose, key.key_type.value,
                                           fast_multibase(key.public_key), issuer.vault.seal_key(kid, key), created))
        await st.insert_did_history(tx, row.did, row.serial, None)
        await st.update_device(tx, row.serial, did=new_doc.id, public_key=fast_multibase(new_identity.public_key),
                               identity_key_id=ids["identity"], document=json.dumps(new_doc.to_json()),
                               dht_seq=seq, record=new_item.to_relay_bytes(), published=0, state="active")
        await st.insert_did_history(tx, new_doc.id, row.serial, row.did)
        await st.audit(tx, "issuer", "rotateIdentity", row.serial, {"old": row.did, "new": new_doc.id})
    await issuer.reattest(row.serial, device=new_doc.id)
    if issuer.dht is not None:
        await issuer.dht.put_mutable(new_item)
        await issuer.dht.put_mutable(old_item)
        async with st.transaction() as tx:
            await st.mark_published(tx, [row.serial])
    return new_doc.id


async def follow_previous(resolver: Any, did: str, *, max_depth: int = 8) -> list[str]:
    """``[did, previous, previous-of-previous, …]`` following only *verified* ``_prv`` links (an unverified link
    MUST NOT be treated as legitimate, did:dht spec "Rotation"); stops at errors, cycles and ``max_depth``."""
    out: list[str] = []
    current: str | None = did
    while current is not None and current not in out and len(out) < max_depth:
        out.append(current)
        result = await resolver.resolve(current)
        prv = result.document_metadata.get("previousDid")
        current = prv.get("id") if isinstance(prv, dict) and prv.get("verified") is True else None
    return out
