"""Presentations with predicates: completeness, and every soundness failure issue 7 names (value outside the range,
another attribute, modified bytes in every region, another nonce, another verifier, another pseudonym scope)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zkp.schnorr.range_proof as rp_mod
from zkp.errors import InvalidIndexes, InvalidParameter, InvalidProof, ZkpError
from zkp.schnorr import (
    Credential,
    Predicate,
    Presentation,
    PresentationRequest,
    RangeError,
    encode_int,
    encode_string,
    prove,
    verify,
)
from zkp.schnorr.range_proof import proof_size
from zkp.schnorr.set_membership import set_proof_size

from .conftest import PK, encode_date, make_credential, nonce

GW = "did:dht:gateway1example"


def req(**kw: object) -> PresentationRequest:
    base: dict[str, object] = {"nonce": b"n" * 16, "verifier": GW, "disclosed": (0, 1), "device_secret_index": 9}
    base.update(kw)
    return PresentationRequest(**base)  # type: ignore[arg-type]


FULL = req(
    predicates=(
        Predicate(2, "ge", lower=142),
        Predicate(3, "range", lower=1, upper=4, bits=8),
        Predicate(4, "le", upper=20000, bits=32),
        Predicate(5, "in", members=(encode_string("SN-1"), encode_string("SN-1234"), encode_string("SN-9"))),
        Predicate(6, "ge", lower=-10),
    ),
    pseudonym_scope=GW,
)


def test_full_presentation_verifies_and_reports(credential: Credential) -> None:
    pres = prove(FULL, credential, PK)
    out = verify(FULL, pres, PK)
    assert out.disclosed == {0: encode_string("PLC-9000"), 1: encode_string("ACME")}
    assert out.total_messages == 10 and out.pseudonym == pres.pseudonym
    assert len(pres.predicate_proofs[0]) == proof_size("ge", 16) == 2336
    assert len(pres.predicate_proofs[3]) == set_proof_size(3)
    for enc in (Presentation.from_json(pres.to_json()), Presentation.from_cbor(pres.to_cbor())):
        assert enc == pres
        verify(FULL, enc, PK)


def test_single_16bit_predicate_under_3kb(credential: Credential) -> None:
    pres = prove(req(predicates=(Predicate(2, "ge", lower=142),)), credential, PK)
    assert len(pres.predicate_proofs[0]) <= 3072


def test_value_outside_range_prover_refuses(credential: Credential) -> None:
    for p in (
        Predicate(2, "ge", lower=151),
        Predicate(2, "le", upper=149),
        Predicate(3, "range", lower=4, upper=9),
        Predicate(2, "ge", lower=150 - (1 << 16), bits=16),  # 150 - a needs 17 bits
        Predicate(5, "in", members=(encode_string("SN-1"),)),
    ):
        with pytest.raises(RangeError):
            prove(req(predicates=(p,)), credential, PK)


def test_forged_in_range_commitment_is_rejected(credential: Credential, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cheating prover commits to the bound itself (an in-range value) instead of the signed attribute 100 < 142:
    the linking response m^ no longer opens the derived commitment, so the challenge does not match."""
    r = req(predicates=(Predicate(2, "ge", lower=142),))
    low = make_credential([*credential.messages[:2], encode_int(100), *credential.messages[3:]])
    monkeypatch.setattr(rp_mod, "_to_int", lambda _v: 142)
    forged = prove(r, low, PK)
    monkeypatch.undo()
    with pytest.raises(InvalidProof):
        verify(r, forged, PK)


def test_proof_for_weaker_bound_does_not_pass_stronger(credential: Credential) -> None:
    pres = prove(req(predicates=(Predicate(2, "ge", lower=100),)), credential, PK)
    with pytest.raises(InvalidProof):
        verify(req(predicates=(Predicate(2, "ge", lower=142),)), pres, PK)
    with pytest.raises(InvalidProof):
        verify(req(predicates=(Predicate(2, "le", upper=100),)), pres, PK)


def test_other_attribute_index_fails(credential: Credential) -> None:
    pres = prove(req(predicates=(Predicate(2, "ge", lower=0),)), credential, PK)
    for idx in (3, 4, 8):  # all hidden and all >= 0: only the binding to attribute 2 distinguishes them
        with pytest.raises(InvalidProof):
            verify(req(predicates=(Predicate(idx, "ge", lower=0),)), pres, PK)


def test_other_nonce_verifier_or_disclosure_fails(credential: Credential) -> None:
    r = req(predicates=(Predicate(2, "ge", lower=142),))
    pres = prove(r, credential, PK)
    verify(r, pres, PK)
    for other in (
        dataclasses.replace(r, nonce=b"m" * 16),
        dataclasses.replace(r, verifier="did:dht:other"),
        dataclasses.replace(r, device_secret_index=8),
        dataclasses.replace(r, disclosed=(0,)),
    ):
        with pytest.raises(InvalidProof):
            verify(other, pres, PK)


def test_other_issuer_key_fails(credential: Credential) -> None:
    from zkp import bbs

    other_pk = bbs.sk_to_pk(bbs.keygen(b"another issuer key material 32b!"))
    with pytest.raises(InvalidProof):
        verify(req(), prove(req(), credential, PK), other_pk)


def _regions(pres: Presentation) -> list[tuple[str, int]]:
    """(field, offset) pairs to flip: every BBS proof part and every region of each predicate proof."""
    out = [("proof", o) for o in (0, 50, 100, 150, 160, 200, 230, len(pres.proof) - 1)]
    for k, blob in enumerate(pres.predicate_proofs):
        out += [
            (f"pred{k}", o) for o in sorted({0, 47, 48, len(blob) // 3, len(blob) // 2, len(blob) - 33, len(blob) - 1})
        ]
    out += [("pseudonym", 0), ("pseudonym", 47), ("header", 0), ("disclosed", 0)]
    return out


def test_every_byte_region_flip_fails(credential: Credential) -> None:
    r = dataclasses.replace(FULL, predicates=FULL.predicates[:1] + FULL.predicates[3:4])
    pres = prove(r, credential, PK)
    for fieldname, off in _regions(pres):
        if fieldname == "proof":
            changed = dataclasses.replace(pres, proof=_flip(pres.proof, off))
        elif fieldname.startswith("pred"):
            k = int(fieldname[4:])
            pp = list(pres.predicate_proofs)
            pp[k] = _flip(pp[k], off)
            changed = dataclasses.replace(pres, predicate_proofs=tuple(pp))
        elif fieldname == "pseudonym":
            assert pres.pseudonym is not None
            changed = dataclasses.replace(pres, pseudonym=_flip(pres.pseudonym, off))
        elif fieldname == "header":
            changed = dataclasses.replace(pres, header=_flip(pres.header, off))
        else:
            changed = dataclasses.replace(pres, disclosed={**pres.disclosed, 0: pres.disclosed[0] ^ 1})
        with pytest.raises(InvalidProof):
            verify(r, changed, PK)


def _flip(b: bytes, off: int) -> bytes:
    return b[:off] + bytes([b[off] ^ 0x01]) + b[off + 1 :]


def test_pseudonym_same_scope_linkable_other_scope_not(credential: Credential) -> None:
    r1 = req(pseudonym_scope="did:dht:gw1")
    a, b = prove(r1, credential, PK), prove(dataclasses.replace(r1, nonce=b"x" * 16), credential, PK)
    assert a.pseudonym == b.pseudonym and a.proof != b.proof
    c = prove(req(pseudonym_scope="did:dht:gw2"), credential, PK)
    assert c.pseudonym != a.pseudonym
    with pytest.raises(InvalidProof):  # presented to gw1 with gw2's base
        verify(r1, c, PK)
    with pytest.raises(InvalidProof):  # gw1's pseudonym replayed into gw2's presentation
        verify(req(pseudonym_scope="did:dht:gw2"), dataclasses.replace(c, pseudonym=a.pseudonym), PK)
    other_device = make_credential([*credential.messages[:9], 12345])
    assert prove(r1, other_device, PK).pseudonym != a.pseudonym


def test_request_and_credential_mismatch_raise_typed_errors(credential: Credential) -> None:
    with pytest.raises(InvalidIndexes):
        prove(req(predicates=(Predicate(12, "ge", lower=0),)), credential, PK)
    with pytest.raises(InvalidParameter):
        req(disclosed=(0, 9))  # the device secret must stay hidden
    with pytest.raises(InvalidParameter):
        req(predicates=(Predicate(0, "ge", lower=0),))  # predicate on a disclosed attribute
    with pytest.raises(InvalidParameter):
        req(nonce=b"short")
    with pytest.raises(InvalidParameter):
        Predicate(2, "ge", lower=1, bits=65)
    with pytest.raises(InvalidParameter):
        Predicate(2, "range", lower=5, upper=1)
    with pytest.raises(InvalidParameter):
        Predicate(2, "lt", lower=5)
    with pytest.raises(InvalidParameter):
        req(device_secret_index=None, pseudonym_scope="x")
    pres = prove(req(predicates=(Predicate(2, "ge", lower=0),)), credential, PK)
    with pytest.raises(InvalidProof):
        verify(req(predicates=(Predicate(2, "ge", lower=0, bits=32),)), pres, PK)
    with pytest.raises(InvalidProof):
        verify(req(), pres, PK)  # predicate proofs not asked for


def test_dates_encode_as_days() -> None:
    assert encode_date(dt.date(1970, 1, 2)) == 1
    assert encode_date(dt.date(2022, 1, 1)) == 18993
    assert encode_int(-1) != 1


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    value=st.integers(-(1 << 20), 1 << 20),
    lower=st.integers(-(1 << 20), 1 << 20),
    width=st.integers(0, 1 << 17),
    op=st.sampled_from(["ge", "le", "range"]),
)
def test_range_property(value: int, lower: int, width: int, op: str) -> None:
    upper = lower + width
    cred = _cred_with(value)
    p = Predicate(2, op, lower=None if op == "le" else lower, upper=None if op == "ge" else upper, bits=16)
    holds = (op == "le" or 0 <= value - lower < 1 << 16) and (op == "ge" or 0 <= upper - value < 1 << 16)
    r = req(predicates=(p,))
    if not holds:
        with pytest.raises(RangeError):
            prove(r, cred, PK)
        return
    pres = prove(r, cred, PK)
    verify(r, pres, PK)


_CREDS: dict[int, Credential] = {}


def _cred_with(value: int) -> Credential:
    if value not in _CREDS:
        base = make_credential()
        _CREDS[value] = make_credential([*base.messages[:2], encode_int(value), *base.messages[3:]])
    return _CREDS[value]


def test_errors_are_typed_for_garbage_proof(credential: Credential) -> None:
    pres = prove(req(predicates=(Predicate(2, "ge", lower=0),)), credential, PK)
    for bad in (
        dataclasses.replace(pres, proof=pres.proof[:-1]),
        dataclasses.replace(pres, predicate_proofs=(pres.predicate_proofs[0][:-1],)),
        dataclasses.replace(pres, predicate_proofs=(b"\xff" * len(pres.predicate_proofs[0]),)),
    ):
        with pytest.raises(ZkpError):
            verify(req(predicates=(Predicate(2, "ge", lower=0),)), bad, PK)


def test_nonce_helper_gives_fresh_nonces() -> None:
    assert nonce() != nonce()
