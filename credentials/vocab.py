"""The iiotid vocabulary for industrial devices: ``DeviceBirthCertificate`` and ``LifecycleEvent`` credentials.

The JSON-LD context is bundled (``credentials/contexts/iiot-v1.jsonld``) and served offline under
:data:`CONTEXT_URL`; importing this module registers it with the credentials document loader.  Device attribute
names follow the IDTA Digital Nameplate (IDTA 02006-3-0) where one exists; ``specs/credentials.md`` documents every
term, its IRI, the ECLASS IRDI it corresponds to, and the chain rules.

The builders return *unsigned* VC Data Model 2.0 credentials; sign them with ``credentials.issue``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any

import rfc8785

from credentials.errors import CredentialError

__all__ = [
    "BIRTH_CERTIFICATE_TYPE",
    "CONTEXT",
    "CONTEXT_URL",
    "DEVICE_ATTRIBUTES",
    "EVENT_TYPES",
    "LIFECYCLE_CREDENTIAL_TYPE",
    "LIFECYCLE_EVENT_TYPE",
    "VC_V2_CONTEXT",
    "VOCAB",
    "VocabularyError",
    "birth_certificate",
    "canonical_digest",
    "idevid_thumbprint",
    "lifecycle_event",
    "payload_digest",
    "register_context",
    "sequence_of",
]

CONTEXT_URL = "https://w3id.org/iiotid/v1"
VOCAB = "https://w3id.org/iiotid/vocab#"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
BIRTH_CERTIFICATE_TYPE = "DeviceBirthCertificate"
DEVICE_TYPE = "IndustrialDevice"
LIFECYCLE_CREDENTIAL_TYPE = "LifecycleEventCredential"
LIFECYCLE_EVENT_TYPE = "LifecycleEvent"
EVENT_TYPES = (
    "commissioned",
    "ownershipTransferred",
    "firmwareUpdated",
    "calibrated",
    "repaired",
    "relocated",
    "decommissioned",
)

CONTEXT: dict[str, Any] = json.loads(
    resources.files("credentials").joinpath("contexts/iiot-v1.jsonld").read_text(encoding="utf-8")
)


class VocabularyError(CredentialError):
    """A claim is unknown to the iiotid vocabulary or has the wrong type."""

    code = "invalidClaim"


# ------------------------------------------------------------------------------------------------- registration
def register_context() -> bool:
    """Register the bundled context with the offline JSON-LD loader; False if that loader is not installed."""
    try:
        from credentials import jsonld
    except ImportError:
        return False
    register = getattr(jsonld, "register_context", None)
    if register is None:
        return False
    register(CONTEXT_URL, CONTEXT)
    return True


# ------------------------------------------------------------------------------------------------- digests
_B58 = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58btc(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = bytearray()
    while n:
        n, r = divmod(n, 58)
        out.append(_B58[r])
    out.extend(b"1" * (len(data) - len(data.lstrip(b"\0"))))
    return out[::-1].decode("ascii")


def digest_multibase(data: bytes) -> str:
    """``digestMultibase`` (VC DM 2.0 §5.3): multibase base58btc (``z``) of a sha2-256 multihash (0x12 0x20)."""
    return "z" + _base58btc(b"\x12\x20" + hashlib.sha256(data).digest())


def canonical_digest(credential: Mapping[str, Any]) -> str:
    """Link digest of a signed credential: ``digestMultibase`` of its RFC 8785 (JCS) serialisation, proof included.

    JCS of the whole signed document binds the exact artefact (claims *and* proof) and needs no JSON-LD
    processing, so a verifier recomputes it in microseconds.  See specs/credentials.md, "Chain rules".
    """
    try:
        return digest_multibase(rfc8785.dumps(credential))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise VocabularyError(f"credential cannot be canonicalised with RFC 8785: {exc}") from None


def payload_digest(data: bytes, *, name: str | None = None, media_type: str | None = None) -> dict[str, str]:
    """One ``payloadDigests`` entry for a firmware image, calibration report ... (``name``/``mediaType`` optional)."""
    out: dict[str, str] = {}
    if name is not None:
        out["name"] = name
    if media_type is not None:
        out["mediaType"] = media_type
    out["digestMultibase"] = digest_multibase(bytes(data))
    return out


def idevid_thumbprint(certificate_der: bytes) -> str:
    """``idevidThumbprint``: RFC 8705 §3.1 ``x5t#S256`` = base64url (no padding) of SHA-256 over the DER certificate."""
    return base64.urlsafe_b64encode(hashlib.sha256(bytes(certificate_der)).digest()).rstrip(b"=").decode("ascii")


# ------------------------------------------------------------------------------------------------- validation
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_THUMBPRINT = re.compile(r"^[A-Za-z0-9_-]{43}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_MULTIBASE_DIGEST = re.compile(r"^z[1-9A-HJ-NP-Za-km-z]+$")


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise VocabularyError(f"{name} must be a non-empty string")
    return value


def _int_range(lo: int, hi: int) -> Callable[[str, Any], int]:
    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise VocabularyError(f"{name} must be an integer in {lo}..{hi}")
        return value

    return check


def _date(name: str, value: Any) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if not isinstance(value, str) or not _DATE.match(value):
        raise VocabularyError(f"{name} must be an xsd:date (YYYY-MM-DD)")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise VocabularyError(f"{name} {value!r} is not a calendar date") from None
    return value


def _country(name: str, value: Any) -> str:
    if not isinstance(value, str) or not _COUNTRY.match(value):
        raise VocabularyError(f"{name} must be an ISO 3166-1 alpha-2 code such as 'DE'")
    return value


def _uri(name: str, value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value):
        raise VocabularyError(f"{name} must be an absolute URI")
    return value


def _thumbprint(name: str, value: Any) -> str:
    if not isinstance(value, str) or not _THUMBPRINT.match(value):
        raise VocabularyError(f"{name} must be an RFC 8705 x5t#S256 value (43 base64url characters)")
    return value


# JSON term -> validator.  The order is the order the builder writes them in.
DEVICE_ATTRIBUTES: dict[str, Callable[[str, Any], Any]] = {
    "manufacturerName": _text,
    "manufacturerProductDesignation": _text,
    "manufacturerProductFamily": _text,
    "manufacturerProductType": _text,
    "orderCodeOfManufacturer": _text,
    "serialNumber": _text,
    "yearOfConstruction": _int_range(1900, 9999),
    "dateOfManufacture": _date,
    "hardwareVersion": _text,
    "firmwareVersion": _text,
    "softwareVersion": _text,
    "countryOfOrigin": _country,
    "uniqueFacilityIdentifier": _text,
    "uriOfTheProduct": _uri,
    "securityLevel": _int_range(0, 4),  # IEC 62443-4-2 capability security level SL-C (0..4)
    "idevidThumbprint": _thumbprint,
}
REQUIRED_DEVICE_ATTRIBUTES = ("manufacturerName", "serialNumber")


def _timestamp(name: str, value: str | datetime) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise VocabularyError(f"{name} must carry a timezone")
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise VocabularyError(f"{name} must be an xsd:dateTime with a timezone, e.g. 2026-01-01T00:00:00Z")
    return value


def _check_did(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("did:") or value.count(":") < 2:
        raise VocabularyError(f"{name} must be a DID")
    return value


def _issuer(value: str | Mapping[str, Any]) -> str | dict[str, Any]:
    if isinstance(value, Mapping):
        _uri("issuer.id", value.get("id"))
        return dict(value)
    return _uri("issuer", value)


def _status(value: Mapping[str, Any] | Iterable[Mapping[str, Any]] | None) -> Any:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return dict(value)
    return [dict(v) for v in value]


# ------------------------------------------------------------------------------------------------- builders
def birth_certificate(
    issuer: str | Mapping[str, Any],
    device_did: str,
    attributes: Mapping[str, Any],
    *,
    id: str | None = None,
    valid_from: str | datetime | None = None,
    valid_until: str | datetime | None = None,
    credential_status: Mapping[str, Any] | Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """An unsigned ``DeviceBirthCertificate``: the OEM (``issuer``) attests the device's nameplate data.

    ``attributes`` uses the JSON terms of :data:`DEVICE_ATTRIBUTES`; unknown names are refused (the context is
    protected and JSON-LD safe mode would reject them anyway).  ``manufacturerName`` and ``serialNumber`` are required.
    """
    _check_did("device_did", device_did)
    if not isinstance(attributes, Mapping):
        raise VocabularyError("attributes must be a mapping of vocabulary terms to values")
    unknown = sorted(set(attributes) - set(DEVICE_ATTRIBUTES))
    if unknown:
        raise VocabularyError(f"unknown device attribute(s): {', '.join(map(str, unknown))}")
    missing = [a for a in REQUIRED_DEVICE_ATTRIBUTES if a not in attributes]
    if missing:
        raise VocabularyError(f"missing required device attribute(s): {', '.join(missing)}")
    subject: dict[str, Any] = {"id": device_did, "type": DEVICE_TYPE}
    for name, check in DEVICE_ATTRIBUTES.items():
        if name in attributes:
            subject[name] = check(name, attributes[name])
    vc: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, CONTEXT_URL],
        "id": id if id is not None else f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", BIRTH_CERTIFICATE_TYPE],
        "issuer": _issuer(issuer),
    }
    if valid_from is not None:
        vc["validFrom"] = _timestamp("validFrom", valid_from)
    if valid_until is not None:
        vc["validUntil"] = _timestamp("validUntil", valid_until)
    vc["credentialSubject"] = subject
    status = _status(credential_status)
    if status is not None:
        vc["credentialStatus"] = status
    return vc


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def sequence_of(credential: Mapping[str, Any]) -> int:
    """Chain position of a credential: 0 for a birth certificate, ``lifecycleEvent.sequence`` for an event."""
    if not isinstance(credential, Mapping):
        raise VocabularyError("a chain credential must be a JSON object")
    types = _types(credential.get("type"))
    if BIRTH_CERTIFICATE_TYPE in types:
        return 0
    if LIFECYCLE_CREDENTIAL_TYPE in types:
        subject = credential.get("credentialSubject")
        event = subject.get("lifecycleEvent") if isinstance(subject, Mapping) else None
        seq = event.get("sequence") if isinstance(event, Mapping) else None
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise VocabularyError("lifecycleEvent.sequence must be a positive integer")
        return seq
    raise VocabularyError(f"credential is neither a {BIRTH_CERTIFICATE_TYPE} nor a {LIFECYCLE_CREDENTIAL_TYPE}")


def lifecycle_event(
    issuer: str | Mapping[str, Any],
    device_did: str,
    event_type: str,
    previous: Mapping[str, Any],
    *,
    event_time: str | datetime,
    actor_role: str | None = None,
    site: str | None = None,
    payload_digests: Iterable[Mapping[str, Any]] = (),
    new_owner: str | None = None,
    id: str | None = None,
    valid_from: str | datetime | None = None,
    credential_status: Mapping[str, Any] | Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """An unsigned ``LifecycleEventCredential`` linked to ``previous`` (the *signed* previous credential).

    Computes ``previousEvent`` = {id, digestMultibase = :func:`canonical_digest` (previous), sequence} and this
    event's ``sequence`` = previous sequence + 1.  ``new_owner`` (a DID) is required for ``ownershipTransferred``.
    """
    _check_did("device_did", device_did)
    if event_type not in EVENT_TYPES:
        raise VocabularyError(f"eventType must be one of {', '.join(EVENT_TYPES)}, not {event_type!r}")
    if not isinstance(previous, Mapping) or "proof" not in previous:
        raise VocabularyError("previous must be the signed previous credential (with its proof)")
    prev_id = previous.get("id")
    if not isinstance(prev_id, str) or not prev_id:
        raise VocabularyError("the previous credential has no id to link to")
    prev_seq = sequence_of(previous)
    subject = previous.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("id") != device_did:
        raise VocabularyError("the previous credential is about a different device")
    event: dict[str, Any] = {
        "type": LIFECYCLE_EVENT_TYPE,
        "eventType": event_type,
        "eventTime": _timestamp("eventTime", event_time),
        "sequence": prev_seq + 1,
    }
    if actor_role is not None:
        event["actorRole"] = _text("actorRole", actor_role)
    if site is not None:
        event["site"] = _text("site", site)
    digests = [dict(d) for d in payload_digests]
    for d in digests:
        value = d.get("digestMultibase")
        extra = set(d) - {"name", "mediaType", "digestMultibase"}
        if extra or not isinstance(value, str) or not _MULTIBASE_DIGEST.match(value):
            raise VocabularyError("each payload digest needs a base58btc digestMultibase (optional name, mediaType)")
    if digests:
        event["payloadDigests"] = digests
    if event_type == "ownershipTransferred":
        if new_owner is None:
            raise VocabularyError("an ownershipTransferred event names the newOwner DID")
        event["newOwner"] = _check_did("newOwner", new_owner)
    elif new_owner is not None:
        raise VocabularyError("newOwner is only meaningful on ownershipTransferred events")
    event["previousEvent"] = {"id": prev_id, "digestMultibase": canonical_digest(previous), "sequence": prev_seq}
    vc: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, CONTEXT_URL],
        "id": id if id is not None else f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", LIFECYCLE_CREDENTIAL_TYPE],
        "issuer": _issuer(issuer),
        "validFrom": _timestamp("validFrom", valid_from if valid_from is not None else event["eventTime"]),
        "credentialSubject": {"id": device_did, "lifecycleEvent": event},
    }
    status = _status(credential_status)
    if status is not None:
        vc["credentialStatus"] = status
    return vc


register_context()
