"""Bitstring status lists decode both ways with @digitalbazaar/vc-bitstring-status-list (interop/status_list.mjs)."""

from __future__ import annotations

from random import Random

import pytest

from credentials.status_list import MIN_ENTRIES, Bitstring, StatusList, parse_list_credential
from tests.nodejs import run_node

pytestmark = pytest.mark.interop

URL = "https://status.example/lists/7"


def _positions(seed: int, n: int, length: int) -> list[int]:
    rng = Random(seed)
    return sorted({0, length - 1, *(rng.randrange(length) for _ in range(n))})


def test_their_encoded_list_decodes_in_ours() -> None:
    positions = _positions(1, 300, MIN_ENTRIES)
    theirs = run_node("status_list.mjs", {"op": "encode", "length": MIN_ENTRIES, "set": positions})
    decoded = Bitstring.decode(theirs["encodedList"])
    assert decoded.length == MIN_ENTRIES
    assert decoded.set_positions() == positions


def test_our_encoded_list_decodes_in_theirs() -> None:
    sl = StatusList(URL, "revocation", size=MIN_ENTRIES * 2, rng=Random(2))
    positions = sorted({sl.allocate() for _ in range(250)} | {0, MIN_ENTRIES * 2 - 1})
    for p in positions:
        sl.revoke(p)
    encoded = sl.credential("did:example:issuer")["credentialSubject"]["encodedList"]
    theirs = run_node("status_list.mjs", {"op": "decode", "encodedList": encoded})
    assert theirs["length"] == MIN_ENTRIES * 2
    assert theirs["set"] == positions


def test_their_status_list_credential_parses_in_ours() -> None:
    positions = _positions(3, 20, MIN_ENTRIES)
    vc = run_node(
        "status_list.mjs",
        {"op": "credential", "id": URL, "statusPurpose": "suspension", "length": MIN_ENTRIES, "set": positions},
    )
    ours = StatusList(URL, "suspension")
    for p in positions:
        ours.suspend(p)
    mine = ours.credential("did:example:issuer")
    # Same credential shape (their builder leaves the issuer to the caller).
    assert {k: v for k, v in mine.items() if k != "issuer"} | {
        "credentialSubject": {**mine["credentialSubject"], "encodedList": None}
    } == vc | {"credentialSubject": {**vc["credentialSubject"], "encodedList": None}}
    info = parse_list_credential(vc)
    assert info.purposes == ("suspension",)
    assert info.bits.set_positions() == positions
