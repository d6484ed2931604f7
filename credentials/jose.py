"""VC-JOSE: credentials and presentations secured as JWS compact serialisations (W3C VC-JOSE-COSE §3.1).

* ``application/vc+jwt`` (§3.1.1): header ``{"alg", "kid", "typ": "vc+jwt", "cty": "vc"}``, payload = the
  credential itself (a VC DM 2.0 JSON-LD object, not wrapped in a ``vc`` claim).
* ``application/vp+jwt`` (§3.1.2): the same for a presentation, ``typ`` ``vp+jwt``.
* Algorithms (RFC 8037 ``EdDSA`` for Ed25519, RFC 7518 ``ES256`` for P-256), signed and verified with jwcrypto.
  The verifier allows only these two and only the one matching the resolved key type (no ``none``, no HMAC).
* §3.3 / §5 "Key Discovery": ``kid`` is the DID URL of the verification method; it must be listed under
  ``assertionMethod`` (credentials) or ``authentication`` (presentations) and be controlled by ``issuer``/``holder``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from jwcrypto import jwk as _jwk
from jwcrypto import jws as _jws

from credentials.api import VerificationResult
from credentials.data_integrity import DEFAULT_VM_CACHE, VerificationMethodCache, resolve_verification_method
from credentials.errors import IssuerMismatch, JoseError, SignatureMismatch
from credentials.jsonld import check_safe
from credentials.model import (
    check_validity_period,
    holder_id,
    issuer_id,
    validate_credential,
    validate_presentation,
)
from did.errors import IiotidError
from did.keys import KeyType, PrivateKey

__all__ = [
    "ALGORITHMS",
    "VC_MEDIA_TYPE",
    "VP_MEDIA_TYPE",
    "decode_unverified",
    "issue_jwt",
    "sign_vp_jwt",
    "verify_jwt",
]

VC_MEDIA_TYPE = "application/vc+jwt"
VP_MEDIA_TYPE = "application/vp+jwt"
ALGORITHMS: dict[KeyType, str] = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256"}
_TYP_PURPOSE = {"vc+jwt": "assertionMethod", "vp+jwt": "authentication"}
MAX_TOKEN_LENGTH = 1 << 20


def _sign(payload: Mapping[str, Any], key: PrivateKey, kid: str, typ: str, cty: str) -> str:
    if not isinstance(key, PrivateKey):
        raise JoseError("key must be a did.keys.PrivateKey")
    alg = ALGORITHMS.get(key.key_type)
    if alg is None:
        raise JoseError(f"VC-JOSE signs with Ed25519 (EdDSA) or P-256 (ES256) keys, not {key.key_type.value}")
    if not isinstance(kid, str) or not kid:
        raise JoseError("kid (the verification method DID URL) is required")
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    token = _jws.JWS(body)
    header = {"alg": alg, "kid": kid, "typ": typ, "cty": cty}
    token.add_signature(_jwk.JWK(**key.to_jwk(include_private=True)), alg=alg, protected=json.dumps(header))
    out: str = token.serialize(compact=True)
    return out


def issue_jwt(
    credential: dict[str, Any],
    key: PrivateKey,
    kid: str | None = None,
    *,
    verification_method: str | None = None,
) -> str:
    """Secure ``credential`` as ``application/vc+jwt``; ``kid`` (alias ``verification_method``) is the DID URL of
    the signing key's verification method."""
    validate_credential(credential)
    if "proof" in credential:
        raise JoseError("a credential secured with VC-JOSE must not also carry an embedded proof")
    check_safe(credential)
    return _sign(credential, key, kid or verification_method or "", "vc+jwt", "vc")


def sign_vp_jwt(presentation: dict[str, Any], key: PrivateKey, kid: str) -> str:
    """Secure a presentation as ``application/vp+jwt``."""
    validate_presentation(presentation)
    check_safe(presentation)
    return _sign(presentation, key, kid, "vp+jwt", "vp")


def _b64json(part: str, what: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise JoseError(f"JWT {what} is not base64url JSON: {exc}") from None


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a compact JWS into (protected header, payload) without checking anything: for inspection only."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise JoseError("a VC-JOSE token must be a compact JWS string")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise JoseError("a compact JWS has three base64url parts")
    header, payload = _b64json(parts[0], "header"), _b64json(parts[1], "payload")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise JoseError("JWT header and payload must be JSON objects")
    return header, payload


async def verify_jwt(
    token: str,
    resolver: Any,
    *,
    now: datetime | None = None,
    cache: VerificationMethodCache | None = DEFAULT_VM_CACHE,
) -> VerificationResult:
    """Verify an ``application/vc+jwt`` or ``application/vp+jwt`` token; never raises for a bad token."""
    result = VerificationResult(verified=False)
    try:
        header, payload = decode_unverified(token)
        result.document = payload
        typ = header.get("typ")
        if typ not in _TYP_PURPOSE:
            raise JoseError(f"JWT typ must be 'vc+jwt' or 'vp+jwt', got {str(typ)[:40]!r}")
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS.values():
            raise JoseError(f"JWT alg {str(alg)[:20]!r} is not allowed (EdDSA, ES256)", code="unsupportedAlgorithm")
        if not isinstance(kid, str) or not kid:
            raise JoseError("JWT header has no kid naming the verification method")
        if "crit" in header:
            raise JoseError("JWT crit header parameters are not understood")
        is_vp = typ == "vp+jwt"
        if is_vp:
            validate_presentation(payload)
            result.holder = holder_id(payload)
            controller = result.holder
        else:
            validate_credential(payload)
            result.issuer = issuer_id(payload)
            controller = result.issuer
            check_validity_period(payload, now if now is not None else datetime.now(UTC))
        check_safe(payload)
        if kid.startswith("#") and controller is not None:
            kid = controller + kid
        result.verification_method = kid
        method = await resolve_verification_method(resolver, kid, _TYP_PURPOSE[typ], cache=cache)
        if ALGORITHMS.get(method.public_key.key_type) != alg:
            raise JoseError(
                f"JWT alg {alg} does not match the {method.public_key.key_type.value} key of {kid[:120]}",
                code="algorithmMismatch",
            )
        if controller is not None and method.controller != controller:
            role = "holder" if is_vp else "issuer"
            raise IssuerMismatch(f"JWT signed by {method.controller} but the {role} is {controller}")
        verifier = _jws.JWS()
        try:
            verifier.deserialize(token.strip())
            verifier.verify(_jwk.JWK(**method.public_key.to_jwk()), alg=alg)
        except _jws.InvalidJWSSignature as exc:
            raise SignatureMismatch("JWT signature does not verify") from exc
        except _jws.InvalidJWSObject as exc:
            raise JoseError(f"malformed JWS: {exc}") from exc
        result.verified = True
    except IiotidError as exc:
        result.errors.append(exc)
    return result
