"""VC Data Model 2.0 validation: every rule has a typed error naming the failing member."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials import errors
from credentials.model import (
    check_validity_period,
    format_datetime,
    holder_id,
    issuer_id,
    parse_datetime,
    validate_credential,
    validate_presentation,
)
from did.errors import IiotidError

V2 = "https://www.w3.org/ns/credentials/v2"


def vc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [V2, "https://w3id.org/iiot/v1"],
        "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        "type": ["VerifiableCredential", "DeviceBirthCertificate"],
        "issuer": {"id": "did:example:oem", "name": "ACME"},
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2036-01-01T00:00:00+01:00",
        "credentialSubject": {"id": "did:example:device", "serialNumber": "SN-1"},
        "credentialStatus": {
            "id": "https://status.example/1#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
        },
        "credentialSchema": {"id": "https://schemas.example/birth.json", "type": "JsonSchema"},
        "evidence": [{"type": ["DocumentVerification"]}],
    }
    for k, v in changes.items():
        if v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    return doc


def test_valid_credential_passes() -> None:
    validate_credential(vc())
    validate_credential(vc(issuer="did:example:oem", **{"@context": V2}))
    assert issuer_id(vc()) == "did:example:oem"


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"@context": None}, errors.InvalidContext, "@context"),
        ({"@context": ["https://www.w3.org/2018/credentials/v1"]}, errors.InvalidContext, "@context"),
        ({"@context": ["https://w3id.org/iiot/v1", V2]}, errors.InvalidContext, "@context"),
        ({"@context": [V2, 42]}, errors.InvalidContext, "@context"),
        ({"id": "not a url"}, errors.InvalidCredential, "id"),
        ({"type": None}, errors.InvalidType, "type"),
        ({"type": ["DeviceBirthCertificate"]}, errors.InvalidType, "type"),
        ({"type": ["VerifiableCredential", 7]}, errors.InvalidType, "type"),
        ({"issuer": None}, errors.InvalidIssuer, "issuer"),
        ({"issuer": "ACME Corp"}, errors.InvalidIssuer, "issuer"),
        ({"issuer": {"name": "ACME"}}, errors.InvalidIssuer, "issuer"),
        ({"validFrom": "2026-01-01T00:00:00"}, errors.InvalidDateTime, "validFrom"),
        ({"validFrom": "2026-13-01T00:00:00Z"}, errors.InvalidDateTime, "validFrom"),
        ({"validUntil": "tomorrow"}, errors.InvalidDateTime, "validUntil"),
        ({"validFrom": "2037-01-01T00:00:00Z"}, errors.InvalidDateTime, "validFrom"),
        ({"credentialSubject": None}, errors.InvalidCredentialSubject, "credentialSubject"),
        ({"credentialSubject": []}, errors.InvalidCredentialSubject, "credentialSubject"),
        ({"credentialSubject": {}}, errors.InvalidCredentialSubject, "credentialSubject"),
        ({"credentialSubject": [{"id": "did:ex:1"}, "x"]}, errors.InvalidCredentialSubject, "credentialSubject[1]"),
        ({"credentialSubject": {"id": "no url"}}, errors.InvalidCredentialSubject, "credentialSubject.id"),
        ({"credentialStatus": {"id": "https://s.example/1"}}, errors.InvalidCredentialStatus, "credentialStatus.type"),
        ({"credentialStatus": []}, errors.InvalidCredentialStatus, "credentialStatus"),
        ({"credentialSchema": {"type": "JsonSchema"}}, errors.InvalidCredentialSchema, "credentialSchema.id"),
        ({"evidence": ["text"]}, errors.InvalidEvidence, "evidence"),
        ({"evidence": [{"id": "https://e.example/1"}]}, errors.InvalidEvidence, "evidence.type"),
        ({"name": 5}, errors.InvalidCredential, "name"),
        ({"proof": ["not an object"]}, errors.InvalidCredential, "proof"),
    ],
)
def test_invalid_credential_names_the_field(changes: dict[str, Any], error: type[Exception], field: str) -> None:
    with pytest.raises(error) as info:
        validate_credential(vc(**changes))
    assert isinstance(info.value, IiotidError)
    assert info.value.field == field  # type: ignore[attr-defined]
    assert info.value.to_dict()["field"] == field  # type: ignore[attr-defined]
    assert field.split(".")[0].split("[")[0] in str(info.value)


def test_distinct_codes() -> None:
    classes = [
        errors.InvalidContext,
        errors.InvalidType,
        errors.InvalidIssuer,
        errors.InvalidDateTime,
        errors.InvalidCredentialSubject,
        errors.InvalidCredentialStatus,
        errors.InvalidCredentialSchema,
        errors.InvalidEvidence,
        errors.CredentialExpired,
        errors.CredentialNotYetValid,
        errors.UnknownContext,
        errors.UndefinedTerm,
        errors.SignatureMismatch,
        errors.InvalidProofValue,
        errors.ProofExpired,
        errors.ProofPurposeMismatch,
        errors.VerificationMethodNotAuthorized,
        errors.IssuerMismatch,
        errors.ChallengeMismatch,
        errors.DomainMismatch,
        errors.MalformedProof,
        errors.ControllerMismatch,
    ]
    codes = [c.code for c in classes]
    assert len(set(codes)) == len(codes)
    assert all(issubclass(c, IiotidError) for c in classes)


def test_not_an_object() -> None:
    with pytest.raises(errors.InvalidCredential):
        validate_credential(["x"])
    with pytest.raises(errors.InvalidPresentation):
        validate_presentation("x")


def test_validity_period() -> None:
    doc = vc()
    check_validity_period(doc, datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(errors.CredentialNotYetValid) as before:
        check_validity_period(doc, datetime(2025, 12, 31, 23, 59, tzinfo=UTC))
    assert before.value.field == "validFrom"
    with pytest.raises(errors.CredentialExpired) as after:
        # validUntil is 2036-01-01T00:00:00+01:00 = 2035-12-31T23:00Z
        check_validity_period(doc, datetime(2035, 12, 31, 23, 0, 1, tzinfo=UTC))
    assert after.value.field == "validUntil"
    check_validity_period(doc, datetime(2035, 12, 31, 23, 0, 0, tzinfo=UTC))
    with pytest.raises(errors.InvalidDateTime):
        check_validity_period(doc, datetime(2030, 1, 1))


def test_parse_datetime_forms() -> None:
    assert parse_datetime("2026-01-02T03:04:05Z") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_datetime("2026-01-02T03:04:05.123456789-05:30") == datetime(
        2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone(-timedelta(hours=5, minutes=30))
    )
    for bad in ["2026-01-02", "2026-01-02T03:04Z", "2026-02-30T00:00:00Z", "2026-01-02T03:04:05+15:00", 5, None]:
        with pytest.raises(errors.InvalidDateTime):
            parse_datetime(bad)


@settings(max_examples=80, deadline=None)
@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 1, 1), timezones=st.just(UTC)))
def test_datetime_round_trip(moment: datetime) -> None:
    text = format_datetime(moment)
    assert parse_datetime(text) == moment.replace(microsecond=0)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_parse_datetime_never_raises_untyped(text: str) -> None:
    try:
        parse_datetime(text)
    except errors.InvalidDateTime:
        pass


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["@context", "type", "issuer", "credentialSubject", "validFrom", "evidence", "id"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=12),
            lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
            max_leaves=8,
        ),
    )
)
def test_arbitrary_json_fails_typed(changes: dict[str, Any]) -> None:
    doc = vc()
    doc.update(copy.deepcopy(changes))
    try:
        validate_credential(doc)
    except errors.InvalidCredential:
        pass


def test_presentation() -> None:
    vp: dict[str, Any] = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": {"id": "did:example:device"},
        "verifiableCredential": [vc(), {"@context": V2, "type": "EnvelopedVerifiableCredential", "id": "data:x,y"}],
    }
    validate_presentation(vp)
    assert holder_id(vp) == "did:example:device"
    bad = copy.deepcopy(vp)
    bad["verifiableCredential"][0]["validFrom"] = "soon"
    with pytest.raises(errors.InvalidDateTime) as info:
        validate_presentation(bad)
    assert info.value.field == "verifiableCredential[0].validFrom"
    for changes, error in [
        ({"type": ["VerifiableCredential"]}, errors.InvalidPresentation),
        ({"holder": "someone"}, errors.InvalidHolder),
        ({"verifiableCredential": ["jwt..."]}, errors.InvalidPresentation),
    ]:
        with pytest.raises(error):
            validate_presentation({**vp, **changes})
