"""The BBS device attestation: the OEM's BBS signature over a device's attributes, for zero-knowledge presentations.

bbs-2023 has not landed in ``credentials/``, so the birth certificate (eddsa-rdfc-2022, chained by the lifecycle
events) is accompanied by this attestation: a BBS signature (draft-irtf-cfrg-bbs-signatures, BLS12-381-SHA-256,
:func:`zkp.bbs.interface.sign_scalars`) over the message scalars of :data:`ATTRIBUTES`, encoded as
:mod:`zkp.schnorr.encoding` says so that issue 7's predicates mean something (integers as integers, the date as days
since 1970-01-01, strings with MapMessageToScalarAsHash).  The last message is the **device secret** ``s`` (a random
scalar; the holder's pseudonyms are ``H_scope * s``, :mod:`zkp.schnorr.nym`): it is never disclosed and never part of
the stored attestation JSON; it travels to the device once, in the provisioning bundle.

JSON form (what storage keeps, what the device receives next to its secret)::

    {"type": "IiotidBbsAttestation", "id": "urn:uuid:…", "version": 1,
     "issuer": "did:key:zUC7…" (the OEM's BLS12-381 G2 key; the OEM's did:dht lists it in alsoKnownAs),
     "credentialSubject": "did:dht:…",
     "attributes": ["manufacturer", …, "deviceSecret"], "values": {"manufacturer": "ACME", "firmwareVersion": 120, …},
     "deviceSecretIndex": 9, "header": "<base64url>", "signature": "<base64url, 80 bytes>", "issued": "2026-…Z"}

Holder side (no aiosqlite, no fastapi here): ``zkp.schnorr.Credential(signature, messages(att, secret), header)``
with :func:`holder_credential`; the gateway checks disclosed values against :func:`encode_value` of what it expects.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Mapping
from typing import Any

from agent.errors import InvalidRequest
from did.did_key import did_from_public_key, public_key_from_did
from did.errors import IiotidError
from did.keys import KeyType, PrivateKey, b64url_decode, b64url_encode

TYPE = "IiotidBbsAttestation"
HEADER = b"iiotid-attestation-v1"
# Message order (index = BBS message index).  Kind: str | int | date | secret.
ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("manufacturer", "str"),
    ("productType", "str"),
    ("serialNumber", "str"),
    ("firmwareVersion", "int"),
    ("securityLevel", "int"),
    ("dateOfManufacture", "date"),
    ("device", "str"),
    ("revocationIndex", "int"),
    ("issuedOn", "date"),  # signed issuance day: gateways bound the credential's age with a range predicate
    ("deviceSecret", "secret"),
)
NAMES = tuple(name for name, _ in ATTRIBUTES)
INDEX = {name: i for i, name in enumerate(NAMES)}
KINDS = dict(ATTRIBUTES)
DEVICE_SECRET_INDEX = INDEX["deviceSecret"]


def encode_value(name: str, value: Any) -> int:
    """The BBS message scalar of attribute ``name`` (zkp.schnorr.encoding; dates are ISO ``YYYY-MM-DD`` strings)."""
    from zkp.errors import ZkpError
    from zkp.schnorr.encoding import encode_date, encode_int, encode_string

    kind = KINDS.get(name)
    try:
        if kind == "str" and isinstance(value, str):
            return encode_string(value)
        if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
            return encode_int(value)
        if kind == "date" and isinstance(value, str):
            return encode_date(_dt.date.fromisoformat(value))
    except (ValueError, ZkpError) as exc:
        raise InvalidRequest(f"attestation attribute {name}: {exc}") from None
    raise InvalidRequest(f"attestation attribute {name!r} cannot take {type(value).__name__} {value!r}")


def messages(attestation: Mapping[str, Any], device_secret: int) -> tuple[int, ...]:
    """All message scalars of ``attestation`` with the device secret in its slot."""
    values = attestation.get("values")
    if not isinstance(values, Mapping):
        raise InvalidRequest("attestation has no values")
    out = []
    for name, kind in ATTRIBUTES:
        if kind == "secret":
            out.append(device_secret)
        elif name not in values:
            raise InvalidRequest(f"attestation lacks attribute {name!r}")
        else:
            out.append(encode_value(name, values[name]))
    return tuple(out)


def new_device_secret(rng: Any) -> int:
    """A uniformly random non-zero scalar mod r from ``rng(n) -> bytes`` (48 bytes reduced: bias < 2^-128)."""
    from zkp.backend.hash_to_field import R

    return int.from_bytes(rng(48), "big") % (R - 1) + 1


def sign(
    bbs_key: PrivateKey,
    device_did: str,
    values: Mapping[str, Any],
    device_secret: int,
    *,
    issued: str,
    version: int = 1,
    id: str | None = None,
    issuer: str | None = None,
) -> dict[str, Any]:
    """Sign ``values`` (all of :data:`NAMES` except ``deviceSecret``) and the device secret.  ``issuer`` (the
    key's did:key, computed when not given) lets batch callers skip re-encoding it."""
    from zkp.bbs.interface import sign_scalars

    if bbs_key.key_type is not KeyType.BLS12381_G2:
        raise InvalidRequest("the attestation key must be a BLS12-381 G2 key")
    issuer = issuer or did_from_public_key(bbs_key.public_key)
    att: dict[str, Any] = {
        "type": TYPE,
        "id": id or f"urn:uuid:{uuid.uuid4()}",
        "version": version,
        "issuer": issuer,
        "credentialSubject": device_did,
        "attributes": list(NAMES),
        "values": {n: values[n] for n in NAMES if n not in ("deviceSecret", "issuedOn") and n in values}
        | {"issuedOn": issued[:10]},
        "deviceSecretIndex": DEVICE_SECRET_INDEX,
        "header": b64url_encode(HEADER),
        "issued": issued,
    }
    msgs = messages(att, device_secret)
    sk = int.from_bytes(bbs_key.raw, "big")  # did.keys keeps the BBS secret scalar big-endian (draft KeyGen)
    att["signature"] = b64url_encode(sign_scalars(sk, bbs_key.public_key.raw, HEADER, msgs))
    return att


def issuer_public_key(attestation: Mapping[str, Any]) -> bytes:
    try:
        pk = public_key_from_did(str(attestation.get("issuer")))
    except IiotidError as exc:
        raise InvalidRequest(f"attestation issuer: {exc.message}") from None
    if pk.key_type is not KeyType.BLS12381_G2:
        raise InvalidRequest("attestation issuer is not a BLS12-381 G2 did:key")
    return pk.raw


def verify(attestation: Mapping[str, Any], device_secret: int) -> None:
    """Check the BBS signature (the holder does this once on receipt); raises a typed error."""
    from zkp.bbs.interface import verify_scalars
    from zkp.errors import ZkpError

    try:
        sig = b64url_decode(attestation.get("signature"), what="signature")
        header = b64url_decode(attestation.get("header"), what="header")
    except IiotidError as exc:
        raise InvalidRequest(f"attestation: {exc.message}") from None
    try:
        verify_scalars(issuer_public_key(attestation), sig, header, messages(attestation, device_secret))
    except ZkpError as exc:
        raise InvalidRequest(f"attestation signature does not verify: {exc}", code="invalidProof") from None


def holder_credential(attestation: Mapping[str, Any], device_secret: int) -> Any:
    """The :class:`zkp.schnorr.Credential` a device proves from."""
    from zkp.schnorr import Credential

    return Credential(
        signature=b64url_decode(attestation.get("signature"), what="signature"),
        messages=messages(attestation, device_secret),
        header=b64url_decode(attestation.get("header"), what="header"),
    )
