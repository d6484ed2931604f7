"""Signed status lists across implementations (interop/status_list_vc.mjs, Digital Bazaar vc 7 + eddsa-rdfc-2022).

* Their signed BitstringStatusListCredential passes our StatusListVerifier (our eddsa-rdfc-2022 verification, did:key
  resolved offline) and reports the bits they set.
* Our signed list plus our credential with a ``credentialStatus`` entry pass their ``checkStatus`` (their proof
  verification, purpose and issuer checks) with the same status.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from credentials.status_list import (
    MIN_ENTRIES,
    CredentialRevoked,
    StatusList,
    StatusListVerifier,
    StatusVerificationError,
)
from did.did_key import did_from_public_key
from did.keys import KeyType, PrivateKey
from tests.conftest import VECTORS
from tests.nodejs import run_node

pytestmark = pytest.mark.interop

credentials = pytest.importorskip("credentials")
if not hasattr(credentials, "issue"):
    pytest.skip("credentials.issue not available yet", allow_module_level=True)

URL = "https://status.example/lists/dbz"


def _contexts() -> dict[str, Any]:
    index = json.loads((VECTORS / "contexts" / "index.json").read_text())
    return {url: json.loads((VECTORS / "contexts" / name).read_text()) for url, name in index.items()}


def _resolver() -> Any:
    from resolver import Resolver

    return Resolver()


async def test_their_signed_list_verifies_in_ours() -> None:
    theirs = run_node("status_list_vc.mjs", {
        "op": "sign-list", "contexts": _contexts(), "seedHex": "2a" * 32, "id": URL, "statusPurpose": "revocation",
        "length": MIN_ENTRIES, "set": [3, 4096, MIN_ENTRIES - 1],
    })
    assert theirs["proof"]["cryptosuite"] == "eddsa-rdfc-2022"

    async def loader(url: str) -> dict[str, Any]:
        return theirs

    verifier = StatusListVerifier(loader, resolver=_resolver())
    entry = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListCredential": URL}
    cred = {"issuer": theirs["issuer"]}
    assert (await verifier.check_entry(entry | {"statusListIndex": "5"}, cred)).status == 0
    with pytest.raises(CredentialRevoked):
        await verifier.assert_active(cred | {"credentialStatus": entry | {"statusListIndex": "4096"}})

    forged = json.loads(json.dumps(theirs))
    forged["credentialSubject"]["encodedList"] = StatusList(URL).credential("x")["credentialSubject"]["encodedList"]

    async def forged_loader(url: str) -> dict[str, Any]:
        return forged

    with pytest.raises(StatusVerificationError):
        await StatusListVerifier(forged_loader, resolver=_resolver()).check_entry(
            entry | {"statusListIndex": "4096"}, cred)


def test_our_signed_list_passes_their_check_status() -> None:
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_from_public_key(key.public_key)
    vm = f"{did}#{did.removeprefix('did:key:')}"
    sl = StatusList(URL, "revocation")
    revoked, active = sl.new_entry(), sl.new_entry()
    sl.revoke(int(revoked["statusListIndex"]))
    signed_list = credentials.issue(sl.credential(did), key=key, verification_method=vm, suite="eddsa-rdfc-2022")

    def cred(entry: dict[str, Any]) -> dict[str, Any]:
        unsigned = {
            "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
            "issuer": did, "credentialSubject": {"id": "did:example:device"}, "credentialStatus": entry,
        }
        return credentials.issue(unsigned, key=key, verification_method=vm, suite="eddsa-rdfc-2022")

    for entry, expected in ((revoked, True), (active, False)):
        out = run_node("status_list_vc.mjs", {
            "op": "check", "contexts": _contexts(), "lists": {URL: signed_list}, "credential": cred(entry),
        })
        assert out["verified"] is True, out
        assert out["statuses"] == [expected]

    tampered = json.loads(json.dumps(signed_list))
    tampered["credentialSubject"]["encodedList"] = StatusList(URL).credential(did)["credentialSubject"]["encodedList"]
    out = run_node("status_list_vc.mjs", {
        "op": "check", "contexts": _contexts(), "lists": {URL: tampered}, "credential": cred(revoked),
    })
    assert out["verified"] is False
