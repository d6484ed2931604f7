"""The IIoT context under jsonld.js / Digital Bazaar vc 7 (interop/iiot_vc.mjs).

* jsonld.js (safe mode, RDFC-1.0) and our canonicaliser produce byte-identical N-Quads for birth certificates and
  lifecycle events (typed integers and dates, the property-scoped ``lifecycleEvent`` context);
* their eddsa-rdfc-2022 birth certificate verifies in ours and starts a chain our events extend; our signed
  credentials verify in theirs; both sides refuse an undefined term.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import credentials
from credentials import jsonld as credentials_jsonld
from credentials.lifecycle import verify_chain
from credentials.vocab import CONTEXT, CONTEXT_URL, birth_certificate, lifecycle_event, payload_digest
from did.did_key import did_from_public_key
from did.keys import KeyType, PrivateKey
from resolver import Resolver
from tests.conftest import VECTORS
from tests.credentials.test_vocab import ATTRS
from tests.nodejs import NodeScriptError, run_node

pytestmark = pytest.mark.interop

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
DEVICE = "did:example:device-42"


@pytest.fixture(scope="module")
def contexts() -> dict[str, Any]:
    index = json.loads((VECTORS / "contexts" / "index.json").read_text())
    out = {url: json.loads((VECTORS / "contexts" / name).read_text()) for url, name in index.items()}
    out[CONTEXT_URL] = CONTEXT
    return out


def _event(issuer: str, previous: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return lifecycle_event(issuer, DEVICE, "firmwareUpdated", previous, event_time=T0 + timedelta(days=1),
                           actor_role="manufacturer", site="Plant 4",
                           payload_digests=[payload_digest(b"fw", name="fw.bin", media_type="application/x-fw")], **kw)


def test_canonical_n_quads_match_jsonld_js(contexts: dict[str, Any]) -> None:
    birth = birth_certificate("did:example:oem", DEVICE, ATTRS, valid_from=T0)
    signed_like = birth | {"proof": {"type": "DataIntegrityProof", "proofValue": "z1"}}
    event = _event("did:example:oem", signed_like)
    for doc in (birth, event):
        theirs = run_node("iiot_vc.mjs", {"op": "canonize", "contexts": contexts, "document": doc})["nquads"]
        assert theirs == credentials_jsonld.canonicalize(doc)
        assert '^^<http://www.w3.org/2001/XMLSchema#integer>' in theirs


def test_both_sides_refuse_undefined_terms(contexts: dict[str, Any]) -> None:
    birth = birth_certificate("did:example:oem", DEVICE, ATTRS)
    birth["credentialSubject"]["colour"] = "red"
    with pytest.raises(NodeScriptError, match="Safe mode"):
        run_node("iiot_vc.mjs", {"op": "canonize", "contexts": contexts, "document": birth})
    with pytest.raises(credentials.errors.UndefinedTerm):
        credentials_jsonld.canonicalize(birth)


async def test_their_birth_certificate_roots_our_chain(contexts: dict[str, Any]) -> None:
    unsigned = birth_certificate("did:example:placeholder", DEVICE, ATTRS, valid_from=T0)
    del unsigned["issuer"]
    theirs = run_node("iiot_vc.mjs", {"op": "sign", "contexts": contexts, "seedHex": "44" * 32,
                                      "credential": unsigned})
    result = await credentials.verify(theirs, resolver=Resolver())
    assert result.verified, result.errors
    oem_did = theirs["issuer"]

    # Our integrator key extends the chain; the policy lets it update firmware.
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_from_public_key(key.public_key)
    ours = credentials.issue(_event(did, theirs), key=key, verification_method=f"{did}#{did[8:]}",
                             suite="eddsa-rdfc-2022")
    policy = {"manufacturers": [oem_did], "roles": {"integrator": [did]},
              "eventIssuers": {"firmwareUpdated": ["integrator"]}}
    ours["credentialSubject"]["lifecycleEvent"]["actorRole"] = "integrator"  # after signing: must be caught
    report = await verify_chain(theirs, ours, policy=policy, resolver=Resolver())
    assert [(i.index, i.code) for i in report.issues] == [(1, "invalidProof")]
    fixed = lifecycle_event(did, DEVICE, "firmwareUpdated", theirs, event_time=T0 + timedelta(days=1),
                            actor_role="integrator")
    ours = credentials.issue(fixed, key=key, verification_method=f"{did}#{did[8:]}", suite="eddsa-rdfc-2022")
    report = await verify_chain(theirs, ours, policy=policy, resolver=Resolver())
    assert report.verified, report.issues

    # And they verify our event (which uses the scoped lifecycleEvent context).
    out = run_node("iiot_vc.mjs", {"op": "verify", "contexts": contexts, "credential": ours})
    assert out == {"verified": True, "error": None}


def test_their_verifier_rejects_our_tampered_birth_certificate(contexts: dict[str, Any]) -> None:
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_from_public_key(key.public_key)
    ours = credentials.issue(birth_certificate(did, DEVICE, ATTRS, valid_from=T0), key=key,
                             verification_method=f"{did}#{did[8:]}", suite="eddsa-rdfc-2022")
    assert run_node("iiot_vc.mjs", {"op": "verify", "contexts": contexts, "credential": ours})["verified"] is True
    ours["credentialSubject"]["securityLevel"] = 4
    assert run_node("iiot_vc.mjs", {"op": "verify", "contexts": contexts, "credential": ours})["verified"] is False
