"""W3C Verifiable Credentials Data Model 2.0: structural validation of credentials and presentations.

Credentials stay plain JSON objects (``dict``): they are signed and canonicalised as JSON, and every extension
(status, schema, evidence, the IIoT vocabulary) lives in the same object.  This module checks the normative
statements of VC DM 2.0 §4 that do not need JSON-LD processing and raises a typed error naming the failing
member (:attr:`credentials.errors.InvalidCredential.field`).  JSON-LD safety (every term defined) is checked by
:mod:`credentials.jsonld` when a proof is made or verified.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from credentials.errors import (
    CredentialExpired,
    CredentialNotYetValid,
    InvalidContext,
    InvalidCredential,
    InvalidCredentialSchema,
    InvalidCredentialStatus,
    InvalidCredentialSubject,
    InvalidDateTime,
    InvalidEvidence,
    InvalidHolder,
    InvalidIssuer,
    InvalidPresentation,
    InvalidType,
)

__all__ = [
    "CREDENTIALS_V2_URL",
    "as_list",
    "check_validity_period",
    "format_datetime",
    "holder_id",
    "is_url",
    "issuer_id",
    "parse_datetime",
    "validate_credential",
    "validate_presentation",
]

CREDENTIALS_V2_URL = "https://www.w3.org/ns/credentials/v2"

# RFC 3986 §3.1 scheme, then at least one non-space character: "URL" in VC DM 2.0 means any absolute IRI
# (https:, did:, urn:uuid: ...).
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")

# XML Schema 1.1 dateTimeStamp (VC DM 2.0 §4.9 "Validity Period": a timezone is required).
_DATETIME = re.compile(
    r"^(?P<year>-?\d{4,})-(?P<month>\d{2})-(?P<day>\d{2})T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"(?:\.(?P<frac>\d+))?(?P<tz>Z|[+-]\d{2}:\d{2})$"
)


def as_list(value: Any) -> list[Any]:
    """JSON-LD set semantics: a single value and a one-item array are the same thing."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def is_url(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 8192 and _URL.match(value) is not None


def parse_datetime(value: Any, *, field: str = "dateTime") -> datetime:
    """Parse an XML Schema ``dateTimeStamp`` (timezone required) to an aware :class:`datetime`."""
    if not isinstance(value, str):
        raise InvalidDateTime(f"{field} must be an XML Schema dateTime string", field=field)
    m = _DATETIME.match(value)
    if m is None:
        raise InvalidDateTime(
            f"{field} {value[:64]!r} is not an XML Schema dateTimeStamp (YYYY-MM-DDThh:mm:ss[.s]Z or ±hh:mm)",
            field=field,
        )
    try:
        year = int(m["year"])
        frac = (m["frac"] or "0")[:6].ljust(6, "0")
        tz = m["tz"]
        if tz == "Z":
            tzinfo: timezone = UTC
        else:
            sign = 1 if tz[0] == "+" else -1
            th, tm = int(tz[1:3]), int(tz[4:6])
            if th > 14 or tm > 59 or (th == 14 and tm != 0):
                raise ValueError("timezone offset out of range")
            tzinfo = timezone(sign * timedelta(hours=th, minutes=tm))
        return datetime(
            year,
            int(m["month"]),
            int(m["day"]),
            int(m["hour"]),
            int(m["minute"]),
            int(m["second"]),
            int(frac),
            tzinfo=tzinfo,
        )
    except (ValueError, OverflowError) as exc:
        raise InvalidDateTime(f"{field} {value[:64]!r} is not a valid date and time: {exc}", field=field) from exc


def format_datetime(value: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` in UTC (whole seconds, as the vc-di-eddsa test vectors write ``created``)."""
    if value.tzinfo is None:
        raise InvalidDateTime("datetime must be timezone-aware", field="dateTime")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_context(doc: Mapping[str, Any]) -> None:
    # VC DM 2.0 §4.3: an ordered set whose first item is the v2 URL; the rest are URLs or objects.
    ctx = doc.get("@context")
    if ctx is None:
        raise InvalidContext("@context is required", field="@context")
    items = as_list(ctx)
    if not items or items[0] != CREDENTIALS_V2_URL:
        raise InvalidContext(f"the first @context item must be {CREDENTIALS_V2_URL}", field="@context")
    for item in items[1:]:
        if not (is_url(item) or isinstance(item, Mapping)):
            raise InvalidContext("every @context item must be a URL or a context object", field="@context")


def _check_types(doc: Mapping[str, Any], required: str, error: type[InvalidCredential]) -> list[str]:
    types = as_list(doc.get("type"))
    if not types or not all(isinstance(t, str) and t for t in types):
        raise error("type must be a string or an array of strings", field="type")
    if required not in types:
        raise error(f"type must include {required!r}", field="type")
    return types


def _check_id(doc: Mapping[str, Any], field: str, error: type[InvalidCredential]) -> None:
    if "id" in doc and not is_url(doc["id"]):
        raise error(f"{field} must be a URL", field=field)


def _typed_objects(
    doc: Mapping[str, Any], key: str, error: type[InvalidCredential], *, id_required: bool = False
) -> None:
    if key not in doc:
        return
    entries = as_list(doc[key])
    if not entries:
        raise error(f"{key} must not be empty", field=key)
    for i, entry in enumerate(entries):
        where = key if len(entries) == 1 else f"{key}[{i}]"
        if not isinstance(entry, Mapping):
            raise error(f"{where} must be an object", field=where)
        types = as_list(entry.get("type"))
        if not types or not all(isinstance(t, str) and t for t in types):
            raise error(f"{where}.type is required (a string or an array of strings)", field=f"{where}.type")
        if id_required and "id" not in entry:
            raise error(f"{where}.id is required", field=f"{where}.id")
        if "id" in entry and not is_url(entry["id"]):
            raise error(f"{where}.id must be a URL", field=f"{where}.id")


def _check_language_string(doc: Mapping[str, Any], key: str) -> None:
    if key not in doc:
        return
    for v in as_list(doc[key]):
        if isinstance(v, str):
            continue
        if isinstance(v, Mapping) and isinstance(v.get("@value"), str):
            continue
        raise InvalidCredential(f"{key} must be a string or a language value object", field=key)


def issuer_id(credential: Mapping[str, Any]) -> str:
    """The issuer URL: ``issuer`` itself or ``issuer.id`` (VC DM 2.0 §4.7)."""
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if not is_url(issuer):
        raise InvalidIssuer("issuer must be a URL or an object whose id is a URL", field="issuer")
    return str(issuer)


def holder_id(presentation: Mapping[str, Any]) -> str | None:
    if "holder" not in presentation:
        return None
    holder = presentation["holder"]
    if isinstance(holder, Mapping):
        holder = holder.get("id")
    if not is_url(holder):
        raise InvalidHolder("holder must be a URL or an object whose id is a URL", field="holder")
    return str(holder)


def validate_credential(credential: Any) -> None:
    """Check VC DM 2.0 §4 structural rules; raise the typed error naming the first failing member."""
    if not isinstance(credential, Mapping):
        raise InvalidCredential("a verifiable credential must be a JSON object", field="$")
    _check_context(credential)
    _check_id(credential, "id", InvalidCredential)
    _check_types(credential, "VerifiableCredential", InvalidType)
    if "issuer" not in credential:
        raise InvalidIssuer("issuer is required", field="issuer")
    issuer_id(credential)
    _check_language_string(credential, "name")
    _check_language_string(credential, "description")

    # §4.8: one or more subjects, each an object with at least one claim (an id alone is a claim-less subject).
    if "credentialSubject" not in credential:
        raise InvalidCredentialSubject("credentialSubject is required", field="credentialSubject")
    subjects = as_list(credential["credentialSubject"])
    if not subjects:
        raise InvalidCredentialSubject("credentialSubject must not be empty", field="credentialSubject")
    for i, subject in enumerate(subjects):
        where = "credentialSubject" if len(subjects) == 1 else f"credentialSubject[{i}]"
        if not isinstance(subject, Mapping) or not subject:
            raise InvalidCredentialSubject(f"{where} must be a non-empty object", field=where)
        if "id" in subject and not is_url(subject["id"]):
            raise InvalidCredentialSubject(f"{where}.id must be a URL", field=f"{where}.id")

    # §4.9: validFrom / validUntil are dateTimeStamps, and validFrom is not after validUntil.
    start = parse_datetime(credential["validFrom"], field="validFrom") if "validFrom" in credential else None
    end = parse_datetime(credential["validUntil"], field="validUntil") if "validUntil" in credential else None
    if start is not None and end is not None and start > end:
        raise InvalidDateTime("validFrom must not be later than validUntil", field="validFrom")

    _typed_objects(credential, "credentialStatus", InvalidCredentialStatus)  # §4.10
    _typed_objects(credential, "credentialSchema", InvalidCredentialSchema, id_required=True)  # §4.11
    _typed_objects(credential, "evidence", InvalidEvidence)  # §5.6
    _typed_objects(credential, "termsOfUse", InvalidCredential)  # §5.5
    _typed_objects(credential, "refreshService", InvalidCredential)  # §5.4
    if "proof" in credential and not all(isinstance(p, Mapping) for p in as_list(credential["proof"])):
        raise InvalidCredential("proof must be an object or an array of objects", field="proof")


def check_validity_period(credential: Mapping[str, Any], now: datetime) -> None:
    """VC DM 2.0 §4.9: raise :class:`CredentialNotYetValid` / :class:`CredentialExpired` for ``now``."""
    if now.tzinfo is None:
        raise InvalidDateTime("now must be timezone-aware", field="now")
    if "validFrom" in credential and now < parse_datetime(credential["validFrom"], field="validFrom"):
        raise CredentialNotYetValid(f"credential is not valid before {credential['validFrom']}", field="validFrom")
    if "validUntil" in credential and now > parse_datetime(credential["validUntil"], field="validUntil"):
        raise CredentialExpired(f"credential expired at {credential['validUntil']}", field="validUntil")


def validate_presentation(presentation: Any) -> None:
    """VC DM 2.0 §4.13: ``@context``, ``type`` with VerifiablePresentation, optional ``holder``, and every
    ``verifiableCredential`` a valid credential (or an ``EnvelopedVerifiableCredential``, §4.13.1)."""
    if not isinstance(presentation, Mapping):
        raise InvalidPresentation("a verifiable presentation must be a JSON object", field="$")
    _check_context(presentation)
    _check_id(presentation, "id", InvalidPresentation)
    _check_types(presentation, "VerifiablePresentation", InvalidPresentation)
    holder_id(presentation)
    creds = as_list(presentation.get("verifiableCredential"))
    for i, vc in enumerate(creds):
        where = "verifiableCredential" if len(creds) == 1 else f"verifiableCredential[{i}]"
        if not isinstance(vc, Mapping):
            raise InvalidPresentation(f"{where} must be an object", field=where)
        if "EnvelopedVerifiableCredential" in as_list(vc.get("type")):
            vc_id = vc.get("id")
            if not (isinstance(vc_id, str) and vc_id.startswith("data:")):
                raise InvalidPresentation(f"{where}.id must be a data: URL", field=f"{where}.id")
            continue
        try:
            validate_credential(vc)
        except InvalidCredential as exc:
            exc.field = f"{where}.{exc.field}" if exc.field and exc.field != "$" else where
            exc.message = f"{where}: {exc.message}"
            exc.args = (exc.message,)
            raise
