"""Bitstring Status List v1.0: codec, allocator, issuer list, and the verifier's validate algorithm."""

from __future__ import annotations

import asyncio
import base64
import gzip
from random import Random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials.status_list import (
    MIN_ENTRIES,
    Bitstring,
    CredentialRevoked,
    CredentialSuspended,
    IndexAllocator,
    InvalidStatusEntry,
    InvalidStatusList,
    StatusError,
    StatusIndexOutOfRange,
    StatusList,
    StatusListFull,
    StatusListLengthError,
    StatusListUnavailable,
    StatusListVerifier,
    StatusPurposeMismatch,
    StatusVerificationError,
    parse_list_credential,
)

ISSUER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
URL = "https://status.example/lists/1"


# ------------------------------------------------------------------------------------------------- codec
def test_bit_zero_is_the_most_significant_bit_of_the_first_byte() -> None:
    b = Bitstring(16)
    b.set(0)
    b.set(9)
    assert b.to_bytes() == bytes([0x80, 0x40])
    assert b.get(0) and b.get(9) and not b.get(1)
    b.set(0, False)
    assert b.to_bytes() == bytes([0x00, 0x40])


def test_encoding_is_multibase_base64url_of_gzip() -> None:
    b = Bitstring(MIN_ENTRIES)
    b.set(42)
    encoded = b.encode()
    assert encoded.startswith("u") and "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == MIN_ENTRIES // 8 and raw[5] == 0x20
    assert encoded == b.encode()  # deterministic (mtime 0)


def test_multi_bit_values_are_msb_first() -> None:
    b = Bitstring(16)
    b.set_value(2, 2, 0b10)
    assert b.get(2) and not b.get(3)
    assert b.get_value(2, 2) == 2
    with pytest.raises(StatusError):
        b.set_value(0, 2, 4)
    with pytest.raises(StatusIndexOutOfRange):
        b.get_value(15, 2)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=4096).flatmap(
    lambda n: st.tuples(st.just(n), st.sets(st.integers(min_value=0, max_value=n - 1), max_size=64))))
def test_encode_decode_round_trip(case: tuple[int, set[int]]) -> None:
    length, positions = case
    b = Bitstring(length)
    for p in positions:
        b.set(p)
    decoded = Bitstring.decode(b.encode())
    # The wire format carries whole bytes: the decoded length is rounded up to a multiple of 8.
    assert decoded.length == ((length + 7) // 8) * 8
    assert decoded.set_positions() == sorted(positions)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "zabc",  # wrong multibase prefix
        "u",  # empty body
        "uAB=C",  # padding / non-alphabet
        "u" + base64.urlsafe_b64encode(b"not gzip").decode().rstrip("="),
        "u" + base64.urlsafe_b64encode(gzip.compress(b"\x00" * 8, mtime=0) + b"junk").decode().rstrip("="),
        "u" + base64.urlsafe_b64encode(gzip.compress(b"\x00" * 8, mtime=0)[:-6]).decode().rstrip("="),
        "u" + base64.urlsafe_b64encode(gzip.compress(b"", mtime=0)).decode().rstrip("="),
    ],
)
def test_decode_rejects_malformed_lists(encoded: str) -> None:
    with pytest.raises(InvalidStatusList):
        Bitstring.decode(encoded)


def test_decode_refuses_decompression_bombs() -> None:
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(b"\x00" * 200_000)).decode().rstrip("=")
    with pytest.raises(InvalidStatusList, match="more than"):
        Bitstring.decode(bomb, max_bytes=100_000)


def test_decode_rejects_non_string() -> None:
    with pytest.raises(InvalidStatusList):
        Bitstring.decode(None)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------- allocator
def test_allocator_is_random_and_exhausts_without_reuse() -> None:
    alloc = IndexAllocator(300, rng=Random(7))
    seen = [alloc.allocate() for _ in range(300)]
    assert sorted(seen) == list(range(300))
    assert seen != sorted(seen)  # not sequential
    with pytest.raises(StatusListFull):
        alloc.allocate()


def test_allocator_switches_to_a_scan_when_nearly_full() -> None:
    alloc = IndexAllocator(5000, rng=Random(11))
    got = [alloc.allocate() for _ in range(5000)]  # the last 4 come from the k-th-free scan
    assert sorted(got) == list(range(5000))
    used = Bitstring(5000)
    for i in range(5000):
        if i not in (17, 4999):
            used.set(i)
    restored = IndexAllocator(5000, rng=Random(3), used=used)
    assert restored.remaining == 2
    assert {restored.allocate(), restored.allocate()} == {17, 4999}


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=200), st.integers(min_value=0, max_value=2**32), st.data())
def test_allocation_never_reuses_even_across_serialisation(size: int, seed: int, data: st.DataObject) -> None:
    alloc = IndexAllocator(size, rng=Random(seed))
    first = data.draw(st.integers(min_value=0, max_value=size))
    got = [alloc.allocate() for _ in range(first)]
    restored = IndexAllocator.from_dict(alloc.to_dict(), rng=Random(seed))  # same seed: would repeat if state lost
    got += [restored.allocate() for _ in range(size - first)]
    assert len(got) == len(set(got)) == size
    assert restored.remaining == 0


def test_allocator_state_is_compact_and_validated() -> None:
    alloc = IndexAllocator(MIN_ENTRIES, rng=Random(1))
    for _ in range(1000):
        alloc.allocate()
    state = alloc.to_dict()
    assert state["allocated"] == 1000 and len(state["used"]) < 8000
    with pytest.raises(InvalidStatusList):
        IndexAllocator.from_dict({"size": 5})
    with pytest.raises(InvalidStatusList):
        IndexAllocator.from_dict({"size": MIN_ENTRIES * 2, "used": state["used"]})


# ------------------------------------------------------------------------------------------------- issuer list
def test_entries_and_credential_shape() -> None:
    sl = StatusList(URL, "revocation", rng=Random(3))
    entry = sl.new_entry()
    index = int(entry["statusListIndex"])
    assert entry == {
        "id": f"{URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": URL,
    }
    sl.revoke(index)
    vc = sl.credential(ISSUER, valid_from="2026-01-01T00:00:00Z", ttl_ms=60_000)
    assert vc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert vc["credentialSubject"]["type"] == "BitstringStatusList"
    assert vc["credentialSubject"]["ttl"] == 60_000
    info = parse_list_credential(vc)
    assert info.bits.length == MIN_ENTRIES and info.bits.set_positions() == [index]


def test_revocation_is_irreversible_and_suspension_is_not() -> None:
    rev = StatusList(URL, "revocation")
    rev.revoke(5)
    with pytest.raises(StatusError) as exc:
        rev.set(5, 0)
    assert exc.value.code == "irreversibleStatus"
    with pytest.raises(StatusPurposeMismatch):
        rev.suspend(6)
    sus = StatusList(URL + "s", "suspension")
    sus.suspend(5)
    assert sus.get(5) == 1
    sus.unsuspend(5)
    assert sus.get(5) == 0
    with pytest.raises(StatusIndexOutOfRange):
        sus.suspend(MIN_ENTRIES)


def test_list_rebuilt_from_credential_refuses_to_allocate() -> None:
    sl = StatusList(URL)
    sl.revoke(9)
    again = StatusList.from_credential(sl.credential(ISSUER))
    assert again.get(9) == 1
    with pytest.raises(StatusError) as exc:
        again.allocate()
    assert exc.value.code == "allocatorStateMissing"


def test_state_round_trip_keeps_allocations() -> None:
    sl = StatusList(URL, rng=Random(5))
    idx = [sl.allocate() for _ in range(10)]
    sl.revoke(idx[0])
    back = StatusList.from_dict(sl.to_dict(), rng=Random(5))
    assert back.get(idx[0]) == 1
    assert all(back.allocator is not None and back.allocator.is_allocated(i) for i in idx)
    assert back.allocate() not in idx
    with pytest.raises(InvalidStatusList):
        StatusList.from_dict({"url": URL})


def test_message_purpose_requires_messages() -> None:
    with pytest.raises(StatusError):
        StatusList(URL, "message", status_size=2)
    with pytest.raises(StatusError):
        StatusList(URL, "nonsense")


# ------------------------------------------------------------------------------------------------- verifier
class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _store(*lists: StatusList, issuer: str = ISSUER, ttl_ms: int | None = None) -> dict[str, dict[str, Any]]:
    return {sl.url: sl.credential(issuer, ttl_ms=ttl_ms) for sl in lists}


def _verifier(store: dict[str, Any], **kw: Any) -> StatusListVerifier:
    async def loader(url: str) -> dict[str, Any]:
        if url not in store:
            raise ConnectionError("404")
        return store[url]

    async def accept(doc: Any) -> None:
        return None

    kw.setdefault("verify_proof", accept)
    return StatusListVerifier(loader, **kw)


def _credential(*entries: dict[str, Any], issuer: str = ISSUER) -> dict[str, Any]:
    return {"issuer": issuer, "credentialStatus": list(entries) if len(entries) != 1 else entries[0]}


async def test_active_revoked_and_suspended() -> None:
    rev, sus = StatusList(URL, "revocation"), StatusList(URL + "/s", "suspension")
    e_rev, e_sus = rev.entry(17), sus.entry(17)
    store = _store(rev, sus)
    v = _verifier(store)
    results = await v.assert_active(_credential(e_rev, e_sus))
    assert [(r.purpose, r.status) for r in results] == [("revocation", 0), ("suspension", 0)]

    rev.revoke(17)
    v = _verifier(_store(rev, sus))
    with pytest.raises(CredentialRevoked) as exc:
        await v.assert_active(_credential(e_rev, e_sus))
    assert exc.value.code == "revoked"

    sus.suspend(17)
    v = _verifier(_store(StatusList(URL), sus))
    with pytest.raises(CredentialSuspended) as exc2:
        await v.assert_active(_credential(e_rev, e_sus))
    assert exc2.value.code == "suspended"


async def test_purpose_mismatch_issuer_mismatch_and_bad_entry() -> None:
    sl = StatusList(URL, "suspension")
    v = _verifier(_store(sl))
    entry = sl.entry(1) | {"statusPurpose": "revocation"}
    with pytest.raises(StatusPurposeMismatch):
        await v.check(_credential(entry))
    with pytest.raises(StatusVerificationError):
        await v.check(_credential(sl.entry(1), issuer="did:key:someone-else"))
    for bad in ({"statusListIndex": 3}, {"statusListIndex": "-1"}, {"statusListIndex": "01"},
                {"statusListCredential": 5}, {"id": URL}, {"statusSize": 0}):
        with pytest.raises(InvalidStatusEntry):
            await v.check(_credential(sl.entry(1) | bad))


async def test_length_and_range_errors() -> None:
    short = StatusList(URL, size=1024)
    v = _verifier(_store(short))
    with pytest.raises(StatusListLengthError):
        await v.check(_credential(short.entry(3)))
    v = _verifier(_store(short), min_entries=1024)
    assert (await v.check(_credential(short.entry(3))))[0].status == 0
    with pytest.raises(StatusIndexOutOfRange):
        await v.check(_credential(short.entry(3) | {"statusListIndex": "1024"}))


async def test_unavailable_and_unverified_lists() -> None:
    v = _verifier({})
    with pytest.raises(StatusListUnavailable):
        await v.check(_credential(StatusList(URL).entry(0)))

    async def reject(doc: Any) -> None:
        raise StatusVerificationError("bad proof")

    sl = StatusList(URL)
    v = _verifier(_store(sl), verify_proof=reject)
    with pytest.raises(StatusVerificationError):
        await v.check(_credential(sl.entry(0)))

    store = _store(sl)
    store[URL]["credentialSubject"]["encodedList"] = "unot-gzip"
    with pytest.raises(InvalidStatusList):
        await _verifier(store).check(_credential(sl.entry(0)))
    store[URL] = store[URL] | {"id": "https://elsewhere.example/list"}
    with pytest.raises(InvalidStatusList):
        await _verifier(store).check(_credential(sl.entry(0)))


async def test_cache_honours_ttl_and_dedupes_concurrent_fetches() -> None:
    sl = StatusList(URL)
    store = _store(sl, ttl_ms=10_000)
    clock = FakeClock()
    v = _verifier(store, clock=clock, ttl=300)
    cred = _credential(sl.entry(4))
    await asyncio.gather(*(v.check(cred) for _ in range(20)))
    assert v.fetches == 1
    sl.revoke(4)
    store.update(_store(sl, ttl_ms=10_000))
    clock.t += 9.0
    assert (await v.check(cred))[0].status == 0  # still cached
    clock.t += 2.0
    with pytest.raises(CredentialRevoked):
        await v.assert_active(cred)
    assert v.fetches == 2

    # Without a list ttl the verifier's own ttl applies.
    store2 = _store(sl)
    v2 = _verifier(store2, clock=clock, ttl=5)
    await v2.check(cred)
    clock.t += 4
    await v2.check(cred)
    clock.t += 2
    await v2.check(cred)
    assert v2.fetches == 2 and v2.ttl == 5


async def test_cache_never_outlives_valid_until() -> None:
    from datetime import UTC, datetime

    sl = StatusList(URL)
    store = {URL: sl.credential(ISSUER, valid_until="2026-01-01T00:00:10Z", ttl_ms=3_600_000)}
    clock = FakeClock()
    v = _verifier(store, clock=clock, now=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    cred = _credential(sl.entry(1))
    await v.check(cred)
    clock.t += 9
    await v.check(cred)
    assert v.fetches == 1
    clock.t += 2  # past validUntil although the list's ttl is an hour
    await v.check(cred)
    assert v.fetches == 2


async def test_message_status_with_two_bit_entries() -> None:
    messages = [{"status": f"0x{i:x}", "message": m} for i, m in enumerate(["ok", "maintenance", "quarantine", "x"])]
    sl = StatusList(URL, "message", status_size=2, status_messages=messages)
    sl.set(11, 2)
    entry = sl.entry(11)
    assert entry["statusSize"] == 2 and len(entry["statusMessage"]) == 4
    v = _verifier(_store(sl))
    [result] = await v.assert_active(_credential(entry))
    assert result.status == 2 and result.message == "quarantine"


def test_verifier_needs_a_way_to_check_proofs() -> None:
    async def loader(url: str) -> dict[str, Any]:
        return {}

    with pytest.raises(StatusError):
        StatusListVerifier(loader)


async def test_http_loader_with_an_injected_client() -> None:
    import json

    import httpx

    from credentials.status_list import http_loader

    sl = StatusList(URL)
    sl.revoke(8)
    doc = sl.credential(ISSUER)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/lists/1":
            return httpx.Response(200, json=doc, headers={"content-type": "application/vc+ld+json"})
        if request.url.path == "/lists/html":
            return httpx.Response(200, text="<html>", headers={"content-type": "text/html"})
        if request.url.path == "/lists/big":
            return httpx.Response(200, content=b"[" + b"0," * 3_000_000 + b"0]",
                                  headers={"content-type": "application/json"})
        if request.url.path == "/lists/array":
            return httpx.Response(200, content=json.dumps([1]).encode(), headers={"content-type": "application/json"})
        return httpx.Response(404)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        load = http_loader(client)
        v = StatusListVerifier(load, verify_proof=_accept)
        with pytest.raises(CredentialRevoked):
            await v.assert_active(_credential(sl.entry(8)))
        assert (await load(URL))["id"] == URL
        for path, error in (("/lists/404", StatusListUnavailable), ("/lists/html", StatusListUnavailable),
                            ("/lists/big", StatusListUnavailable), ("/lists/array", InvalidStatusList)):
            with pytest.raises(error):
                await load("https://status.example" + path)
        with pytest.raises(StatusListUnavailable):
            await load("http://status.example/lists/1")  # plain http only on loopback
        with pytest.raises(InvalidStatusList):  # the verifier keeps the loader's own typed error
            await StatusListVerifier(load, verify_proof=_accept).load("https://status.example/lists/array")


async def _accept(doc: Any) -> None:
    return None
