"""Request/presentation encodings: JSON (base64url) and CBOR round trips, typed errors on malformed input."""

from __future__ import annotations

import json

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkp.errors import InvalidParameter, InvalidProof
from zkp.schnorr import Credential, MalformedPresentation, Predicate, Presentation, PresentationRequest, prove
from zkp.schnorr.presentation import InvalidRequest

from .conftest import PK

REQ = PresentationRequest(
    nonce=b"\x00" * 15 + b"\x01",
    verifier="did:dht:gw",
    disclosed=(0, 1),
    predicates=(Predicate(2, "range", lower=-3, upper=400, bits=32), Predicate(3, "in", members=(1, 2, 3))),
    device_secret_index=9,
    pseudonym_scope="did:dht:gw",
)


def test_request_round_trips_and_digest_is_stable() -> None:
    assert PresentationRequest.from_json(REQ.to_json()) == REQ
    assert PresentationRequest.from_cbor(REQ.to_cbor()) == REQ
    assert REQ.digest() == PresentationRequest.from_json(REQ.to_json()).digest()
    assert json.loads(REQ.to_json())["nonce"] == "AAAAAAAAAAAAAAAAAAAAAQ"


def test_presentation_round_trips(credential: Credential) -> None:
    pres = prove(REQ, credential, PK)
    assert Presentation.from_json(pres.to_json()) == pres
    assert Presentation.from_cbor(pres.to_cbor()) == pres
    assert len(pres.to_cbor()) < len(pres.to_json())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(type="x"),
        lambda d: d.update(proof="a=="),
        lambda d: d.update(proof="!!"),
        lambda d: d.update(proof=5),
        lambda d: d.update(extra=1),
        lambda d: d.update(disclosed=[[0]]),
        lambda d: d.update(disclosed=[[0, "AAAA"]]),
        lambda d: d.update(disclosed=[["0", "A" * 43]]),
        lambda d: d.update(disclosed={}),
        lambda d: d.update(predicates=[1]),
        lambda d: d.update(pseudonym="AAAA"),
        lambda d: d.update(disclosed=[[0, "_" * 43]]),  # 2^256 - 1 >= r
    ],
)
def test_malformed_presentation_json(credential: Credential, mutate: object) -> None:
    d = json.loads(prove(REQ, credential, PK).to_json())
    mutate(d)  # type: ignore[operator]
    with pytest.raises(MalformedPresentation):
        Presentation.from_json(json.dumps(d))


def test_malformed_bytes_and_types() -> None:
    for bad in (b"\xff\xfe", "[", "1" * 10, "null"):
        with pytest.raises(MalformedPresentation):
            Presentation.from_json(bad)
    for raw in (b"\xff", b"", cbor2.dumps([1, 2]), cbor2.dumps({"type": "IiotidZkPresentation", "proof": "text"})):
        with pytest.raises(MalformedPresentation):
            Presentation.from_cbor(raw)
    with pytest.raises(MalformedPresentation):
        Presentation.from_cbor("not bytes")  # type: ignore[arg-type]
    head = '{"type":"IiotidZkPresentationRequest","nonce":"' + "A" * 22 + '","verifier":"x",'
    for bad_req in (
        "{}",
        '{"type":"IiotidZkPresentationRequest","nonce":"AAAA","verifier":"x"}',
        head + '"predicates":[{"op":"ge"}]}',
        head + '"disclosed":[1,1]}',
        head + '"disclosed":[true]}',
    ):
        with pytest.raises(InvalidParameter):
            PresentationRequest.from_json(bad_req)
    with pytest.raises(InvalidRequest):
        PresentationRequest.from_cbor(b"\x00garbage")


def test_errors_subclass_the_shared_base() -> None:
    from did.errors import IiotidError

    assert issubclass(MalformedPresentation, InvalidProof) and issubclass(MalformedPresentation, IiotidError)
    assert MalformedPresentation.code == "malformedPresentation"


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_fuzzed_cbor_never_escapes_untyped(data: bytes) -> None:
    try:
        Presentation.from_cbor(data)
    except MalformedPresentation:
        pass
    try:
        PresentationRequest.from_cbor(data)
    except InvalidParameter:
        pass
