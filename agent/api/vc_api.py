"""W3C VC API routes (VCALM, https://w3c-ccg.github.io/vcalm/ — formerly the CCG "VC API"), mounted by
:func:`agent.api.app.create_app`:

* ``POST /credentials/issue`` (admin bearer token; it signs with the agent's issuer keys)
  ``{"credential": {...}, "options": {"cryptosuite"?, "mediaType"?, "created"?, "challenge"?, "domain"?,
  "mandatoryPointers"?, "credentialId"?}}`` -> 201 ``{"verifiableCredential": {...}}``.
  ``eddsa-rdfc-2022`` (default) and ``eddsa-jcs-2022`` sign with the OEM's current assertion key
  (``did:dht:…#assert-N``); ``bbs-2023`` signs a base proof with the OEM's BLS12-381 key, whose ``did:key`` is the
  issuer (it is the ``alsoKnownAs`` of the OEM's did:dht document); ``"mediaType": "application/vc+jwt"`` secures
  it with VC-JOSE instead and answers an ``EnvelopedVerifiableCredential`` (VC DM 2.0 §4.13.1).
* ``POST /credentials/status`` (admin) VCALM ``{"credentialId": device DID or serial, "credentialStatus":
  {"type": "BitstringStatusListEntry", "statusPurpose": "revocation" | "suspension"}, "status": bool}``.
* ``POST /credentials/verify`` ``{"verifiableCredential": {...}, "options": {...}}`` -> 200 ``{"verified", "checks",
  "warnings", "errors", "mediaType", "controller", ...}``: proof(s), validity period and Bitstring Status List
  entries.  A credential that fails verification is a 200 with ``verified: false`` and RFC 9457 problem details
  (VC DM 2.0 §7.2; VC Data Integrity 1.0 "Processing Errors"); a request that cannot be processed is a 400/422.
* ``POST /credentials/derive`` ``{"verifiableCredential": base, "options": {"selectivePointers": [...],
  "presentationHeader"?: hex}}`` -> 201 ``{"verifiableCredential": derived}`` (``bbs-2023`` selective disclosure).
* ``GET /1.0/identifiers/{did}`` (:func:`build_resolution_router`): the DID Resolution HTTP(S) binding of
  :mod:`resolver.http`, answering with the agent's resolver.

:func:`verify_w3c_presentation` implements ``POST /presentations/verify`` for W3C verifiable presentations
(``{"verifiablePresentation": ..., "options": {"challenge", "domain"}}``); the gateway router owns the route and
dispatches W3C presentation bodies (:func:`is_w3c_presentation_request`) to :func:`presentation_verifier`.

The agent's resolver is ``config.extra["resolver"]`` when set, else the issuer's, else one built on the issuer's
DHT client (:func:`agent_resolver`).  Status lists of this agent's issuer are read from its storage; others through
``config.extra["status_loader"]`` (``async (url) -> dict``) when given, else their status cannot be retrieved.
"""

from __future__ import annotations

import binascii
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.config import AgentConfig
from agent.errors import InvalidRequest, NotInitialised
from did.errors import IiotidError

__all__ = [
    "DeriveRequest",
    "IssueRequest",
    "ProblemDetail",
    "VerifyCredentialRequest",
    "VerifyPresentationRequest",
    "VerifyResponse",
    "agent_resolver",
    "build_resolution_router",
    "build_router",
    "is_w3c_presentation_request",
    "presentation_verifier",
    "problem_detail",
    "verify_w3c_presentation",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
JWT_PREFIX = "data:application/vc+jwt,"
VP_JWT_PREFIX = "data:application/vp+jwt,"
ISSUE_SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "bbs-2023")
MAX_POINTERS = 256
MAX_BODY = 1 << 20  # a credential is kilobytes; a megabyte of JSON-LD to canonicalize is a denial of service

# RFC 9457 problem types.  VC DM 2.0 §7.2 defines the first four; VC Data Integrity 1.0 "Processing Errors"
# the w3id.org/security ones; Bitstring Status List 1.0 §3.5 the status-list ones.  Failures no specification names
# (revoked, suspended, expired ...) get an iiotid URN built from the typed error's code.
_VCDM = "https://www.w3.org/TR/vc-data-model#"
_SEC = "https://w3id.org/security#"
_SL = "https://www.w3.org/ns/credentials/status-list#"
_TYPE_BY_CODE: dict[str, str] = {
    "signatureMismatch": _VCDM + "CRYPTOGRAPHIC_SECURITY_ERROR",
    "invalidProof": _SEC + "PROOF_VERIFICATION_ERROR",
    "invalidProofValue": _SEC + "PROOF_VERIFICATION_ERROR",
    "invalidDisclosure": _SEC + "PROOF_VERIFICATION_ERROR",
    "proofMissing": _SEC + "PROOF_VERIFICATION_ERROR",
    "unsupportedCryptosuite": _SEC + "PROOF_VERIFICATION_ERROR",
    "verificationMethodNotFound": _SEC + "PROOF_VERIFICATION_ERROR",
    "invalidVerificationMethod": _SEC + "PROOF_VERIFICATION_ERROR",
    "verificationMethodNotAuthorized": _SEC + "INVALID_PROOF_PURPOSE_FOR_VERIFICATION_METHOD",
    "malformedProof": _SEC + "MALFORMED_PROOF_ERROR",
    "proofPurposeMismatch": _SEC + "MISMATCHED_PROOF_PURPOSE_ERROR",
    "domainMismatch": _SEC + "INVALID_DOMAIN_ERROR",
    "challengeMismatch": _SEC + "INVALID_CHALLENGE_ERROR",
    "jsonLdError": _SEC + "PROOF_TRANSFORMATION_ERROR",
    "contextError": _SEC + "PROOF_TRANSFORMATION_ERROR",
    "unknownContext": _SEC + "PROOF_TRANSFORMATION_ERROR",
    "undefinedTerm": _SEC + "PROOF_TRANSFORMATION_ERROR",
    "invalidJsonLd": _SEC + "PROOF_TRANSFORMATION_ERROR",
    "relativeIri": _SEC + "PROOF_TRANSFORMATION_ERROR",
    "canonicalizationLimit": _SEC + "PROOF_TRANSFORMATION_ERROR",
    "invalidJwt": _VCDM + "PARSING_ERROR",
    "statusListUnavailable": _SL + "STATUS_RETRIEVAL_ERROR",
    "statusVerificationError": _SL + "STATUS_VERIFICATION_ERROR",
    "statusPurposeMismatch": _SL + "STATUS_VERIFICATION_ERROR",
    "statusListLengthError": _SL + "STATUS_LIST_LENGTH_ERROR",
    "statusRangeError": _SL + "RANGE_ERROR",
    "invalidStatusEntry": _SL + "MALFORMED_VALUE_ERROR",
    "invalidStatusList": _SL + "MALFORMED_VALUE_ERROR",
}
_TITLES = {
    "CRYPTOGRAPHIC_SECURITY_ERROR": "Cryptographic security error",
    "PROOF_VERIFICATION_ERROR": "Proof verification error",
    "MALFORMED_PROOF_ERROR": "Malformed proof",
    "MISMATCHED_PROOF_PURPOSE_ERROR": "Mismatched proof purpose",
    "INVALID_PROOF_PURPOSE_FOR_VERIFICATION_METHOD": "Invalid proof purpose for verification method",
    "INVALID_DOMAIN_ERROR": "Invalid domain",
    "INVALID_CHALLENGE_ERROR": "Invalid challenge",
    "PROOF_TRANSFORMATION_ERROR": "Proof transformation error",
    "PARSING_ERROR": "Parsing error",
    "MALFORMED_VALUE_ERROR": "Malformed value",
    "RANGE_ERROR": "Range error",
    "STATUS_RETRIEVAL_ERROR": "Status list retrieval error",
    "STATUS_VERIFICATION_ERROR": "Status list verification error",
    "STATUS_LIST_LENGTH_ERROR": "Status list length error",
}


# ------------------------------------------------------------------------------------------------- models
class ProblemDetail(BaseModel):
    """RFC 9457 problem details as VC DM 2.0 §7.2 profiles them; ``iiotidCode`` (an RFC 9457 extension member) is
    the typed error's machine-readable code, ``field`` the failing JSON member when known."""

    type: str
    title: str
    detail: str
    iiotidCode: str | None = None
    field: str | None = None


class ErrorBody(BaseModel):
    """The agent's typed-error response (``agent.api.app``): machine-readable ``code`` and a sentence."""

    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class IssueOptions(BaseModel):
    """VCALM ``IssueCredentialOptions`` plus ``cryptosuite`` and ``mediaType`` (this issuer's securing choices)."""

    model_config = ConfigDict(extra="forbid")
    cryptosuite: Literal["eddsa-rdfc-2022", "eddsa-jcs-2022", "bbs-2023"] = "eddsa-rdfc-2022"
    mediaType: Literal["application/vc", "application/vc+jwt"] = Field(
        default="application/vc",
        description="application/vc: an embedded Data Integrity proof; application/vc+jwt: VC-JOSE, answered as an "
        "EnvelopedVerifiableCredential",
    )
    created: str | None = Field(default=None, max_length=64, description="proof created (XML Schema dateTime)")
    challenge: str | None = Field(default=None, max_length=512)
    domain: str | None = Field(default=None, max_length=512)
    mandatoryPointers: list[Annotated[str, Field(max_length=1024)]] | None = Field(
        default=None, max_length=MAX_POINTERS, description="bbs-2023: JSON pointers always disclosed"
    )
    credentialId: str | None = Field(default=None, max_length=2048)


_EXAMPLE_CREDENTIAL = {
    "@context": [VC_V2, {"@vocab": "https://plant.example/vocab#"}],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:device-1", "line": 3, "cell": "A"},
}


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"credential": _EXAMPLE_CREDENTIAL, "options": {"cryptosuite": "eddsa-rdfc-2022"}},
        {"credential": _EXAMPLE_CREDENTIAL, "options": {"cryptosuite": "bbs-2023", "mandatoryPointers": ["/issuer"]}},
    ]})
    credential: dict[str, Any]
    options: IssueOptions = Field(default_factory=IssueOptions)


class StatusEntrySelector(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["BitstringStatusListEntry"] = "BitstringStatusListEntry"
    statusPurpose: Literal["revocation", "suspension"]


class UpdateStatusRequest(BaseModel):
    """VCALM ``UpdateCredentialStatusRequest``.  This issuer keeps one revocation and one suspension entry per
    device, shared by the device's credentials, so ``credentialId`` names the device: its DID or serial number."""

    model_config = ConfigDict(extra="forbid")
    credentialId: str = Field(min_length=1, max_length=2048)
    credentialStatus: StatusEntrySelector
    status: bool


class UpdateStatusResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    serial: str
    state: str
    list: str
    index: int


class CredentialResponse(BaseModel):
    verifiableCredential: dict[str, Any]


class VerifyCredentialOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    challenge: str | None = Field(default=None, max_length=512)
    domain: str | None = Field(default=None, max_length=512)
    proofPurpose: Literal["assertionMethod", "authentication"] = "assertionMethod"
    checkStatus: bool = Field(default=True, description="check BitstringStatusListEntry entries (a list that cannot "
                              "be retrieved fails verification)")
    returnCredential: bool = False
    returnResults: bool = False
    returnProblemDetails: bool = True


class VerifyCredentialRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verifiableCredential: dict[str, Any]
    options: VerifyCredentialOptions = Field(default_factory=VerifyCredentialOptions)


class VerifyResponse(BaseModel):
    """VCALM ``VerifyCredentialResult`` / ``VerifyPresentationResult`` with VC DM 2.0 §7.1's result members."""

    verified: bool
    checks: list[str]
    warnings: list[ProblemDetail]
    errors: list[ProblemDetail]
    mediaType: str | None = None
    controller: str | None = None
    verificationMethod: str | None = None
    credential: dict[str, Any] | None = None
    presentation: dict[str, Any] | None = None
    credentialResults: list[VerifyResponse] | None = None
    results: dict[str, Any] | None = None


class DeriveOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    selectivePointers: list[Annotated[str, Field(max_length=1024)]] = Field(max_length=MAX_POINTERS)
    presentationHeader: str | None = Field(
        default=None, max_length=2048, pattern=r"^(?:[0-9a-fA-F]{2})*$", description="hex bytes bound into the proof"
    )


class DeriveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verifiableCredential: dict[str, Any]
    options: DeriveOptions


class VerifyPresentationOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    challenge: str | None = Field(default=None, max_length=512)
    domain: str | None = Field(default=None, max_length=512)
    checkStatus: bool = True
    returnPresentation: bool = False


class VerifyPresentationRequest(BaseModel):
    """``verifiablePresentation`` (with a Data Integrity proof, or enveloped VC-JOSE) or a proofless
    ``presentation`` (then only its credentials are verified)."""

    model_config = ConfigDict(extra="forbid")
    verifiablePresentation: dict[str, Any] | None = None
    presentation: dict[str, Any] | None = None
    options: VerifyPresentationOptions = Field(default_factory=VerifyPresentationOptions)


class HttpErrorBody(BaseModel):
    """FastAPI's own error answer (e.g. a body that is not UTF-8 JSON)."""

    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody | HttpErrorBody,
          "description": "The request cannot be processed (malformed credential, bad option, unparseable body)"},
}
_ERRORS[413] = {"model": ErrorBody, "description": f"Request body larger than {MAX_BODY} bytes"}
_AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong admin bearer token"},
    409: {"model": ErrorBody, "description": "This agent has no issuer (run `iiotid agent init`)"},
}


# ------------------------------------------------------------------------------------------------- problem details
def problem_detail(exc: IiotidError) -> dict[str, Any]:
    """The RFC 9457 problem detail of a typed error (VC DM 2.0 §7.2)."""
    code = exc.code
    ptype = _TYPE_BY_CODE.get(code)
    if ptype is None:
        field = getattr(exc, "field", None)
        if field is not None or code.startswith("invalid"):
            ptype = _VCDM + "MALFORMED_VALUE_ERROR"
        else:
            ptype = f"urn:iiotid:problem:{code}"
    name = ptype.rsplit("#", 1)[-1] if "#" in ptype else code
    out: dict[str, Any] = {"type": ptype, "title": _TITLES.get(name, name), "detail": exc.message, "iiotidCode": code}
    field = getattr(exc, "field", None)
    if isinstance(field, str):
        out["field"] = field
    return out


def _problems(errors: list[IiotidError]) -> list[dict[str, Any]]:
    out = [problem_detail(e) for e in errors]
    # VC DM 2.0 §7.1 step 1.3: a failed securing mechanism adds CRYPTOGRAPHIC_SECURITY_ERROR.
    crypto = _VCDM + "CRYPTOGRAPHIC_SECURITY_ERROR"
    if any(p["type"].startswith(_SEC) for p in out) and not any(p["type"] == crypto for p in out):
        out.append({"type": crypto, "title": _TITLES["CRYPTOGRAPHIC_SECURITY_ERROR"],
                    "detail": "the securing mechanism did not verify"})
    return out


def _types(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [t for t in items if isinstance(t, str)]


# ------------------------------------------------------------------------------------------------- resolver, status
def agent_resolver(config: AgentConfig) -> Any:
    """The resolver every VC API route uses: ``config.extra["resolver"]``, else the issuer's, else a
    :class:`resolver.core.Resolver` on the issuer's DHT client (created once and kept in ``config.extra``)."""
    found = config.extra.get("resolver")
    if found is None and config.issuer is not None:
        found = getattr(config.issuer, "resolver", None)
    if found is None:
        from resolver.core import Resolver

        found = Resolver(getattr(config.issuer, "dht", None) if config.issuer is not None else None)
    config.extra["resolver"] = found
    return found


class _StatusChecker:
    """Bitstring Status List §3.2 checks for the VC API: lists of this agent's issuer come from its storage (never
    stale: re-read on every check), others from ``config.extra["status_loader"]``."""

    def __init__(self, config: AgentConfig, resolver: Any, now: Callable[[], datetime]) -> None:
        from credentials.status_list import StatusListVerifier

        self._config = config
        self._verifier = StatusListVerifier(self._load, resolver=resolver, now=now)

    def _local_list_id(self, url: str) -> str | None:
        iss = self._config.issuer
        if iss is None:
            return None
        base = iss.profile.status_base_url.rstrip("/") + "/"
        return url[len(base):] if url.startswith(base) and "/" not in url[len(base):] else None

    async def _load(self, url: str) -> dict[str, Any]:
        from credentials.status_list import StatusListUnavailable

        list_id = self._local_list_id(url)
        if list_id is not None:
            vc: dict[str, Any] = await self._config.issuer.status_list_credential(list_id)
            return vc
        loader = self._config.extra.get("status_loader")
        if loader is None:
            raise StatusListUnavailable(f"this agent cannot retrieve the status list {url} (no status loader)")
        got: dict[str, Any] = await loader(url)
        return got

    async def check(self, credential: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[IiotidError]]:
        """(per-entry results, errors): revoked / suspended / unavailable lists are errors."""
        from credentials.status_list import CredentialRevoked, CredentialSuspended, credential_status_entries

        results: list[dict[str, Any]] = []
        errors: list[IiotidError] = []
        try:
            entries = credential_status_entries(credential)
        except IiotidError as exc:
            return results, [exc]
        for entry in entries:
            url = entry.get("statusListCredential")
            if isinstance(url, str) and self._local_list_id(url) is not None:
                self._verifier.invalidate(url)
            try:
                r = await self._verifier.check_entry(entry, credential)
            except IiotidError as exc:
                errors.append(exc)
                results.append({"valid": False, "input": dict(entry), "details": exc.message})
                continue
            results.append({"valid": not r.is_set, "value": r.status, "input": dict(entry)})
            if r.is_set and r.purpose == "revocation":
                errors.append(CredentialRevoked(f"revoked (status list {r.list_url}, index {r.index})"))
            elif r.is_set and r.purpose == "suspension":
                errors.append(CredentialSuspended(f"suspended (status list {r.list_url}, index {r.index})"))
        return results, errors


# ------------------------------------------------------------------------------------------------- verification
async def _verify_credential(
    vc: Mapping[str, Any],
    *,
    resolver: Any,
    status: _StatusChecker | None,
    now: datetime,
    purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    return_credential: bool = False,
    return_results: bool = False,
) -> dict[str, Any]:
    """One credential (embedded proof or ``EnvelopedVerifiableCredential``) -> a :class:`VerifyResponse` dict."""
    import credentials
    from credentials import jose
    from credentials.errors import InvalidCredential

    types = _types(vc.get("type"))
    checks: list[str] = []
    warnings: list[dict[str, Any]] = []
    out: dict[str, Any] = {}
    if "EnvelopedVerifiableCredential" in types:
        data = vc.get("id")
        if not isinstance(data, str) or not data.startswith(JWT_PREFIX):
            raise InvalidRequest("an EnvelopedVerifiableCredential's id must be data:application/vc+jwt,<JWS>")
        result = await jose.verify_jwt(data[len(JWT_PREFIX):], resolver, now=now)
        out["mediaType"] = "application/vc+jwt"
        checks.append("proof")
    elif "VerifiablePresentation" in types:
        raise InvalidRequest("this is a presentation: POST it to /presentations/verify")
    else:
        if "proof" not in vc:
            result = credentials.VerificationResult(False, [InvalidCredential("the credential has no proof",
                                                                              field="proof")])
        else:
            result = await credentials.verify(dict(vc), resolver=resolver, purpose=purpose, challenge=challenge,
                                              domain=domain, now=now)
        out["mediaType"] = "application/vc"
        checks.append("proof")
    document = result.document if isinstance(result.document, Mapping) else vc
    checks += [k for k in ("validFrom", "validUntil") if k in document]
    errors = list(result.errors)
    status_results: list[dict[str, Any]] = []
    if status is not None and result.verified and "credentialStatus" in document:
        checks.append("credentialStatus")
        status_results, status_errors = await status.check(document)
        errors += status_errors
    out.update(
        verified=result.verified and not errors,
        checks=checks,
        warnings=warnings,
        errors=_problems(errors),
    )
    if result.issuer is not None:
        out["controller"] = result.issuer
    if result.verification_method is not None:
        out["verificationMethod"] = result.verification_method
    if return_credential:
        out["credential"] = dict(document)
    if return_results:
        out["results"] = {
            "proof": [p.to_dict() for p in result.proofs],
            "credentialStatus": status_results,
        }
    return out


def is_w3c_presentation_request(body: Any) -> bool:
    """True when ``body`` is a VCALM verify-presentation request carrying a W3C presentation (with a Data Integrity
    proof, enveloped VC-JOSE, or proofless), so ``/presentations/verify`` should hand it to
    :func:`verify_w3c_presentation`."""
    if not isinstance(body, Mapping):
        return False
    for key in ("verifiablePresentation", "presentation"):
        vp = body.get(key)
        if isinstance(vp, Mapping):
            types = _types(vp.get("type"))
            if "VerifiablePresentation" in types or "EnvelopedVerifiablePresentation" in types:
                return True
    return False


async def verify_w3c_presentation(
    body: Mapping[str, Any],
    *,
    resolver: Any,
    status: Any = None,
    consume_challenge: Callable[[str], Awaitable[bool]] | None = None,
    expected_domain: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """VCALM ``POST /presentations/verify`` for W3C presentations: the presentation's ``authentication`` proof
    bound to ``options.challenge`` / ``options.domain`` (VC DI 1.0 §4.4 "Verify Proof", the challenge and domain
    steps), the holder's control of the proving method, then every embedded credential (proof, validity, status).
    A proofless ``presentation`` only has its credentials verified (a warning says the holder is not authenticated).
    An enveloped ``data:application/vp+jwt`` presentation must carry ``nonce`` = challenge and ``aud`` containing
    the domain as JWT claims.  ``consume_challenge(challenge)`` (the gateway's single-use nonce store) returns
    False for an unknown, expired or used challenge.  ``expected_domain`` (the gateway's own identifier) pins the
    domain instead of trusting the request's ``options.domain``: a presentation made for another verifier and
    relayed here is refused.  Returns a :class:`VerifyResponse` dict; raises
    :class:`InvalidRequest` (HTTP 400) for a body that is not a request."""
    import credentials
    from credentials import jose
    from credentials.errors import ChallengeMismatch, DomainMismatch
    from credentials.model import as_list

    try:
        req = VerifyPresentationRequest.model_validate(body)
    except ValidationError as exc:
        raise InvalidRequest(f"not a verify-presentation request: {exc.errors()[0].get('msg', 'invalid')} at "
                             f"{'/'.join(str(p) for p in exc.errors()[0].get('loc', ()))}") from None
    if (req.verifiablePresentation is None) == (req.presentation is None):
        raise InvalidRequest("give exactly one of verifiablePresentation or presentation")
    moment = now if now is not None else datetime.now(UTC)
    opts = req.options
    if expected_domain is not None:
        if opts.domain not in (None, expected_domain):
            raise InvalidRequest(f"this verifier's domain is {expected_domain}, not {opts.domain}")
        opts = opts.model_copy(update={"domain": expected_domain})
    checker = status if opts.checkStatus else None
    errors: list[IiotidError] = []
    warnings: list[dict[str, Any]] = []
    checks: list[str] = []
    out: dict[str, Any] = {}
    vp = req.verifiablePresentation if req.verifiablePresentation is not None else req.presentation
    assert vp is not None
    types = _types(vp.get("type"))
    if req.verifiablePresentation is not None:
        if not opts.challenge:
            raise InvalidRequest("options.challenge is required to verify a presentation's proof")
        if consume_challenge is not None and not await consume_challenge(opts.challenge):
            errors.append(ChallengeMismatch("the challenge is unknown, expired or already used"))
        checks.append("proof")
        if "EnvelopedVerifiablePresentation" in types:
            data = vp.get("id")
            if not isinstance(data, str) or not data.startswith(VP_JWT_PREFIX):
                raise InvalidRequest("an EnvelopedVerifiablePresentation's id must be data:application/vp+jwt,<JWS>")
            result = await jose.verify_jwt(data[len(VP_JWT_PREFIX):], resolver, now=moment)
            payload = result.document if isinstance(result.document, Mapping) else {}
            if payload.get("nonce") != opts.challenge:
                errors.append(ChallengeMismatch("the presentation JWT's nonce is not the challenge"))
            if opts.domain is not None and opts.domain not in as_list(payload.get("aud")):
                errors.append(DomainMismatch("the presentation JWT's aud does not contain the domain"))
            out["mediaType"] = "application/vp+jwt"
            inner = payload
        else:
            result = await credentials.verify_presentation(
                dict(vp), resolver=resolver, challenge=opts.challenge, domain=opts.domain, now=moment,
                verify_credentials=False,
            )
            out["mediaType"] = "application/vp"
            inner = vp
        errors = errors + list(result.errors)
        if result.holder is not None:
            out["controller"] = result.holder
        if result.verification_method is not None:
            out["verificationMethod"] = result.verification_method
        proof_ok = result.verified
    else:
        from credentials.model import validate_presentation

        try:
            validate_presentation(vp)
        except IiotidError as exc:
            errors.append(exc)
        warnings.append({"type": "urn:iiotid:problem:holderNotAuthenticated", "title": "Holder not authenticated",
                         "detail": "a proofless presentation proves nothing about who presents it"})
        out["mediaType"] = "application/vp"
        inner = vp
        proof_ok = True
    sub_results = []
    vcs = inner.get("verifiableCredential") if isinstance(inner, Mapping) else None
    for vc in as_list(vcs):
        if not isinstance(vc, Mapping):
            sub = {"verified": False, "checks": [], "warnings": [], "errors": [
                problem_detail(InvalidRequest("an embedded credential must be a JSON object"))]}
        else:
            try:
                sub = await _verify_credential(vc, resolver=resolver, status=checker, now=moment)
            except IiotidError as exc:
                sub = {"verified": False, "checks": [], "warnings": [], "errors": [problem_detail(exc)]}
        sub_results.append(sub)
    if sub_results:
        checks.append("credentials")
    out.update(
        verified=proof_ok and not errors and all(s["verified"] for s in sub_results),
        checks=checks,
        warnings=warnings,
        errors=_problems(errors),
        credentialResults=sub_results,
    )
    if opts.returnPresentation:
        out["presentation"] = dict(vp)
    return out


def presentation_verifier(config: AgentConfig) -> Callable[[Mapping[str, Any]], Awaitable[dict[str, Any]]]:
    """``verify_w3c_presentation`` bound to the agent's resolver, status lists and (when the gateway puts one in
    ``config.extra["consume_challenge"]``) its single-use challenge store: what ``/presentations/verify`` calls
    for W3C presentation bodies.  ``config.extra["presentation_domain"]`` pins the expected domain."""
    resolver = agent_resolver(config)
    status = _StatusChecker(config, resolver, lambda: _now(config))

    async def verify(body: Mapping[str, Any]) -> dict[str, Any]:
        with _depth_guard():
            return await verify_w3c_presentation(body, resolver=resolver, status=status,
                                                 consume_challenge=config.extra.get("consume_challenge"),
                                                 expected_domain=config.extra.get("presentation_domain"),
                                                 now=_now(config))

    return verify


def _now(config: AgentConfig) -> datetime:
    clock = getattr(config.issuer, "clock", None) if config.issuer is not None else None
    return datetime.fromtimestamp(clock(), UTC) if callable(clock) else datetime.now(UTC)


# ------------------------------------------------------------------------------------------------- routers
_bearer = HTTPBearer(auto_error=False)


async def _limit_body(request: Request) -> None:
    if len(await request.body()) > MAX_BODY:
        raise InvalidRequest(f"request body larger than {MAX_BODY} bytes", code="payloadTooLarge")


def _json(body: Mapping[str, Any], status: int = 200) -> JSONResponse:
    """Documents are answered as they are (the response models document them in OpenAPI): pydantic's serializer
    refuses JSON nested deeper than its own limit, which a credential the parser accepted may be."""
    return JSONResponse(dict(body), status_code=status)


@contextmanager
def _depth_guard() -> Iterator[None]:
    """A document nested deeper than the interpreter's recursion limit is bad input, not a server fault."""
    try:
        yield
    except RecursionError:
        raise InvalidRequest("the document nests too deeply", code="invalidJsonLd") from None


def build_router(config: AgentConfig) -> APIRouter:
    """The ``/credentials/*`` routes (see the module docstring)."""
    import credentials

    router = APIRouter(tags=["VC API"], dependencies=[Depends(_limit_body)])
    resolver = agent_resolver(config)
    status = _StatusChecker(config, resolver, lambda: _now(config))
    bbs_keys: dict[str, Any] = {}

    def issuer() -> Any:
        if config.issuer is None:
            raise NotInitialised("this agent has no issuer loaded")
        return config.issuer

    from agent.api.admin import admin_guard

    require_admin = admin_guard(config)

    async def bbs_signer(iss: Any) -> tuple[Any, str, str]:
        """(BLS12-381 G2 key, its did:key, verification method): the OEM's BBS attestation key."""
        if "key" not in bbs_keys:
            row = await iss.storage.get_key("issuer:bbs")
            if row is None:
                raise NotInitialised("the issuer has no BBS key")
            bbs_keys["key"] = iss.vault.open_key("issuer:bbs", row.sealed)
        did = iss.bbs_did
        return bbs_keys["key"], did, f"{did}#{did.removeprefix('did:key:')}"

    @router.post(
        "/credentials/issue",
        status_code=201,
        response_model=CredentialResponse,
        dependencies=[Depends(require_admin)],
        responses={**_ERRORS, **_AUTH_ERRORS},
        summary="Issue a credential signed by this agent's issuer",
    )
    async def issue(body: IssueRequest) -> JSONResponse:
        from credentials import jose
        from credentials.model import issuer_id

        iss = issuer()
        opts = body.options
        if opts.cryptosuite == "bbs-2023":
            key, expected, vm = await bbs_signer(iss)
        else:
            signer = iss.signer
            key, expected, vm = signer.key, iss.did, signer.verification_method
        if opts.mandatoryPointers is not None and opts.cryptosuite != "bbs-2023":
            raise InvalidRequest("mandatoryPointers apply to the bbs-2023 cryptosuite only")
        credential = dict(body.credential)
        if "proof" in credential:
            raise InvalidRequest("the credential to issue must not carry a proof")
        if "issuer" not in credential:
            credential["issuer"] = expected
        elif issuer_id(credential) != expected:
            raise InvalidRequest(f"issuer must be this agent's {opts.cryptosuite} issuer {expected}",
                                 code="invalidIssuer")
        if opts.mediaType == "application/vc+jwt":
            if opts.cryptosuite == "bbs-2023" or opts.challenge or opts.domain or opts.created:
                raise InvalidRequest("application/vc+jwt takes no cryptosuite bbs-2023, created, challenge or domain")
            token = jose.issue_jwt(credential, key, vm)
            secured: dict[str, Any] = {"@context": VC_V2, "type": "EnvelopedVerifiableCredential",
                                       "id": JWT_PREFIX + token}
        else:
            suite_options = ({"mandatory_pointers": list(opts.mandatoryPointers or [])}
                             if opts.cryptosuite == "bbs-2023" else None)
            with _depth_guard():
                secured = credentials.issue(
                    credential, key=key, verification_method=vm, suite=opts.cryptosuite,
                    created=opts.created, challenge=opts.challenge, domain=opts.domain,
                    now=lambda: _now(config).replace(microsecond=0), suite_options=suite_options,
                )
        async with iss.storage.transaction() as tx:
            await iss.storage.audit(tx, "vc-api", "issue", str(credential.get("id") or opts.credentialId or ""),
                                    {"cryptosuite": opts.cryptosuite, "mediaType": opts.mediaType})
        return _json({"verifiableCredential": secured}, 201)

    @router.post(
        "/credentials/status",
        response_model=UpdateStatusResponse,
        dependencies=[Depends(require_admin)],
        responses={**_ERRORS, **_AUTH_ERRORS, 404: {"model": ErrorBody, "description": "No such device"}},
        summary="Set or clear a device's revocation / suspension bit (Bitstring Status List)",
    )
    async def update_status(body: UpdateStatusRequest) -> dict[str, Any]:
        purpose = body.credentialStatus.statusPurpose
        if purpose == "revocation" and not body.status:
            raise InvalidRequest("revocation is permanent (Bitstring Status List §2.1 statusPurpose revocation)")
        action = "revoke" if purpose == "revocation" else "suspend" if body.status else "unsuspend"
        out: dict[str, Any] = await issuer().set_status(body.credentialId, action)
        return out

    @router.post(
        "/credentials/verify",
        response_model=VerifyResponse,
        response_model_exclude_none=True,
        responses=_ERRORS,
        summary="Verify a credential: proofs, validity period, status",
    )
    async def verify(body: VerifyCredentialRequest) -> JSONResponse:
        opts = body.options
        with _depth_guard():
            out = await _verify_credential(
                body.verifiableCredential, resolver=resolver, status=status if opts.checkStatus else None,
                now=_now(config), purpose=opts.proofPurpose, challenge=opts.challenge, domain=opts.domain,
                return_credential=opts.returnCredential, return_results=opts.returnResults,
            )
        if not opts.returnProblemDetails:
            out["errors"], out["warnings"] = [], []
        return _json(out)

    @router.post(
        "/credentials/derive",
        status_code=201,
        response_model=CredentialResponse,
        responses=_ERRORS,
        summary="Derive a selectively disclosed credential (bbs-2023)",
    )
    async def derive(body: DeriveRequest) -> JSONResponse:
        header = b""
        if body.options.presentationHeader:
            try:
                header = bytes.fromhex(body.options.presentationHeader)
            except (ValueError, binascii.Error):
                raise InvalidRequest("presentationHeader must be hex") from None
        with _depth_guard():
            derived = credentials.derive(body.verifiableCredential, list(body.options.selectivePointers),
                                         presentation_header=header)
        return _json({"verifiableCredential": derived}, 201)

    return router


def build_resolution_router(config: AgentConfig) -> APIRouter:
    """``GET /1.0/identifiers/{did}`` of :mod:`resolver.http` (DID Resolution HTTP(S) binding, content
    negotiation, rate limit) answering with the agent's resolver.  Only that route: the relay's ``/{z32}``
    catch-all belongs to a resolver gateway, not to the agent."""
    from fastapi.routing import APIRoute

    from resolver.http import create_app as resolver_app

    router = APIRouter()
    sub = resolver_app(agent_resolver(config))
    for route in sub.router.routes:
        if isinstance(route, APIRoute) and route.path.startswith("/1.0/identifiers/"):
            router.routes.append(route)
    return router
