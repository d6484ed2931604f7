"""The credentials API other packages call: issue and verify credentials and presentations.

``issue``/``sign_presentation`` are synchronous (signing needs no I/O); ``verify``/``verify_presentation`` are
``async`` because verification methods are resolved through the injected resolver (did:key offline, did:dht
through the DHT).  Verification never raises for a bad credential: the :class:`VerificationResult` lists typed
errors, each with its own ``code``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from credentials import jcs, jsonld
from credentials.data_integrity import (
    DEFAULT_VM_CACHE,
    ProofResult,
    VerificationMethodCache,
    add_proof,
    encode_proof_value,
    run_sync,
    verify_proofs,
)
from credentials.errors import (
    ChallengeMismatch,
    CredentialError,
    InvalidCredential,
    IssuerMismatch,
)
from credentials.model import (
    as_list,
    check_validity_period,
    holder_id,
    issuer_id,
    validate_credential,
    validate_presentation,
)
from did.errors import IiotidError
from did.keys import PrivateKey

__all__ = [
    "VerificationResult",
    "canonicalize",
    "digest_multibase",
    "issue",
    "sign_presentation",
    "verify",
    "verify_presentation",
    "verify_presentation_sync",
    "verify_sync",
]


@dataclass
class VerificationResult:
    """``verified`` is True only when the document is well formed, within its validity period, and every proof
    verifies for the expected purpose with a method its issuer (or holder) controls."""

    verified: bool
    errors: list[IiotidError] = field(default_factory=list)
    verification_method: str | None = None
    issuer: str | None = None
    holder: str | None = None
    document: dict[str, Any] | None = None
    proofs: list[ProofResult] = field(default_factory=list)
    credentials: list[VerificationResult] = field(default_factory=list)

    @property
    def credential(self) -> dict[str, Any] | None:
        """The verified (or rejected) document: the credential, presentation, or JWT payload."""
        return self.document

    @property
    def codes(self) -> list[str]:
        return [e.code for e in self.errors]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verified": self.verified, "errors": [e.to_dict() for e in self.errors]}
        if self.verification_method is not None:
            out["verificationMethod"] = self.verification_method
        if self.issuer is not None:
            out["issuer"] = self.issuer
        if self.holder is not None:
            out["holder"] = self.holder
        if self.proofs:
            out["proofs"] = [p.to_dict() for p in self.proofs]
        if self.credentials:
            out["credentials"] = [c.to_dict() for c in self.credentials]
        return out


# ------------------------------------------------------------------------------------------------- issuing
def issue(
    credential: dict[str, Any],
    *,
    key: PrivateKey,
    verification_method: str,
    suite: str,
    purpose: str = "assertionMethod",
    created: datetime | str | None = None,
    expires: datetime | str | None = None,
    challenge: str | None = None,
    domain: str | list[str] | None = None,
    previous_proof: str | list[str] | None = None,
    proof_id: str | None = None,
    now: Callable[[], datetime] | None = None,
    suite_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate ``credential`` (VC DM 2.0) and return a copy secured with a Data Integrity proof of ``suite``
    (``eddsa-rdfc-2022``, ``eddsa-jcs-2022``, ``ecdsa-rdfc-2019``).  ``created`` defaults to ``now()`` (the
    injected clock; system UTC when not given).  ``previous_proof`` makes a chained proof (VC DI 1.0 §4.3)."""
    validate_credential(credential)
    return add_proof(
        credential,
        key=key,
        verification_method=verification_method,
        suite=suite,
        purpose=purpose,
        created=created,
        expires=expires,
        challenge=challenge,
        domain=domain,
        previous_proof=previous_proof,
        proof_id=proof_id,
        now=now,
        suite_options=suite_options,
    )


def derive(
    credential: Mapping[str, Any],
    selective_pointers: Sequence[str],
    *,
    presentation_header: bytes = b"",
    proof_id: str | None = None,
    holder_secret: bytes | None = None,
    prover_blind: int | None = None,
    prover_nym: int | None = None,
    nym_domain: bytes | None = None,
) -> dict[str, Any]:
    """``bbs-2023`` selective disclosure (W3C vc-di-bbs §3.4.3): the credential reduced to its mandatory claims plus
    the ``selective_pointers`` (JSON pointers), with a derived proof that verifies with :func:`verify`.
    A base proof with the ``anonymous_holder_binding`` feature also needs the holder's ``holder_secret`` and
    ``prover_blind`` (see :func:`credentials.suites.bbs_2023.holder_commitment`); the ``pseudonym`` features also
    ``prover_nym`` and the verifier's ``nym_domain`` (see :func:`credentials.suites.bbs_2023.holder_nym_commitment`)."""
    from credentials.suites.bbs_2023 import derive as _derive

    return _derive(credential, selective_pointers, presentation_header=presentation_header, proof_id=proof_id,
                   holder_secret=holder_secret, prover_blind=prover_blind, prover_nym=prover_nym,
                   nym_domain=nym_domain)


def sign_presentation(
    presentation: dict[str, Any],
    *,
    key: PrivateKey,
    verification_method: str,
    suite: str,
    challenge: str,
    domain: str | list[str] | None = None,
    purpose: str = "authentication",
    created: datetime | str | None = None,
    expires: datetime | str | None = None,
    now: Callable[[], datetime] | None = None,
) -> dict[str, Any]:
    """Secure a verifiable presentation (VC DM 2.0 §4.13) with an ``authentication`` proof bound to the
    verifier's ``challenge`` (and ``domain``), VC DI 1.0 §2.1.2 / §4.4 steps 6-7."""
    if not isinstance(challenge, str) or not challenge:
        raise ChallengeMismatch("a presentation proof needs the verifier's challenge")
    validate_presentation(presentation)
    return add_proof(
        presentation,
        key=key,
        verification_method=verification_method,
        suite=suite,
        purpose=purpose,
        created=created,
        expires=expires,
        challenge=challenge,
        domain=domain,
        now=now,
    )


# ------------------------------------------------------------------------------------------------- verifying
def _first_verified_method(proofs: list[ProofResult]) -> str | None:
    for p in proofs:
        if p.verified:
            return p.verification_method
    return proofs[0].verification_method if proofs else None


async def _verify_document(
    document: Any,
    *,
    kind: Literal["credential", "presentation", "any"],
    resolver: Any,
    purpose: str,
    challenge: str | None,
    domain: str | None,
    now: datetime | None,
    cache: VerificationMethodCache | None,
) -> VerificationResult:
    result = VerificationResult(verified=False)
    if not isinstance(document, Mapping):
        result.errors.append(InvalidCredential("the document must be a JSON object", field="$"))
        return result
    result.document = dict(document)
    moment = now if now is not None else datetime.now(UTC)
    types = as_list(document.get("type"))
    is_vp = kind == "presentation" or (kind == "any" and "VerifiablePresentation" in types)
    controller_should_be: str | None = None
    try:
        if is_vp:
            validate_presentation(document)
            result.holder = holder_id(document)
            controller_should_be = result.holder
        else:
            validate_credential(document)
            result.issuer = issuer_id(document)
            check_validity_period(document, moment)
            if purpose == "assertionMethod":
                controller_should_be = result.issuer
    except IiotidError as exc:
        result.errors.append(exc)
    try:
        result.proofs = await verify_proofs(
            document, resolver=resolver, purpose=purpose, challenge=challenge, domain=domain, now=moment, cache=cache
        )
    except IiotidError as exc:
        result.errors.append(exc)
    for p in result.proofs:
        if p.error is not None:
            result.errors.append(p.error)
        elif controller_should_be is not None and p.controller != controller_should_be:
            # VC DM 2.0 §4.7 / DB's CredentialIssuancePurpose: the issuer controls the signing method.
            p.verified = False
            role = "holder" if is_vp else "issuer"
            p.error = IssuerMismatch(f"proof by {p.controller} but the document's {role} is {controller_should_be}")
            result.errors.append(p.error)
    result.verification_method = _first_verified_method(result.proofs)
    result.verified = not result.errors and bool(result.proofs) and all(p.verified for p in result.proofs)
    return result


async def verify(
    document: dict[str, Any],
    *,
    resolver: Any,
    purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    now: datetime | None = None,
    cache: VerificationMethodCache | None = DEFAULT_VM_CACHE,
) -> VerificationResult:
    """Verify a secured credential (or, when its ``type`` says so, a presentation's own proof).

    ``now`` (aware datetime, default the system clock) is checked against ``validFrom``/``validUntil`` and the
    proof's ``created``/``expires``.  ``resolver`` has ``async resolve_document(did)`` (``resolver.Resolver``).
    """
    return await _verify_document(
        document,
        kind="any",
        resolver=resolver,
        purpose=purpose,
        challenge=challenge,
        domain=domain,
        now=now,
        cache=cache,
    )


def verify_sync(document: dict[str, Any], **kwargs: Any) -> VerificationResult:
    """:func:`verify` for synchronous callers (not from inside a running event loop)."""
    result: VerificationResult = run_sync(verify(document, **kwargs))
    return result


async def verify_presentation(
    presentation: dict[str, Any],
    *,
    resolver: Any,
    challenge: str,
    domain: str | None = None,
    purpose: str = "authentication",
    now: datetime | None = None,
    verify_credentials: bool = True,
    cache: VerificationMethodCache | None = DEFAULT_VM_CACHE,
) -> VerificationResult:
    """Verify a presentation's proof (bound to ``challenge``/``domain``) and every embedded credential.

    The result's ``credentials`` holds one :class:`VerificationResult` per embedded credential; the presentation
    is verified only if they all are.
    """
    if not isinstance(challenge, str) or not challenge:
        return VerificationResult(
            verified=False, errors=[ChallengeMismatch("verifying a presentation requires the expected challenge")]
        )
    result = await _verify_document(
        presentation,
        kind="presentation",
        resolver=resolver,
        purpose=purpose,
        challenge=challenge,
        domain=domain,
        now=now,
        cache=cache,
    )
    if verify_credentials and isinstance(presentation, Mapping):
        for vc in as_list(presentation.get("verifiableCredential")):
            if isinstance(vc, Mapping) and "EnvelopedVerifiableCredential" in as_list(vc.get("type")):
                sub = await _verify_enveloped(vc, resolver=resolver, now=now, cache=cache)
            else:
                sub = await _verify_document(
                    vc,
                    kind="credential",
                    resolver=resolver,
                    purpose="assertionMethod",
                    challenge=None,
                    domain=None,
                    now=now,
                    cache=cache,
                )
            result.credentials.append(sub)
            if not sub.verified:
                result.verified = False
                result.errors.extend(sub.errors)
    return result


async def _verify_enveloped(
    envelope: Mapping[str, Any], *, resolver: Any, now: datetime | None, cache: VerificationMethodCache | None
) -> VerificationResult:
    """VC DM 2.0 §4.13.1 / VC-JOSE-COSE §3.1.1: an ``EnvelopedVerifiableCredential`` whose ``id`` is
    ``data:application/vc+jwt,<compact JWS>`` is verified as that JWT."""
    from credentials import jose

    data = envelope.get("id")
    prefix = "data:application/vc+jwt,"
    if not isinstance(data, str) or not data.startswith(prefix):
        return VerificationResult(
            verified=False,
            errors=[
                InvalidCredential(
                    "only data:application/vc+jwt enveloped credentials are supported", field="verifiableCredential"
                )
            ],
        )
    return await jose.verify_jwt(data[len(prefix) :], resolver, now=now, cache=cache)


def verify_presentation_sync(presentation: dict[str, Any], **kwargs: Any) -> VerificationResult:
    result: VerificationResult = run_sync(verify_presentation(presentation, **kwargs))
    return result


# ------------------------------------------------------------------------------------------------- digests
def canonicalize(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (bundled contexts only, safe mode)."""
    return jsonld.canonicalize(document)


def digest_multibase(document: Mapping[str, Any], *, method: Literal["rdfc", "jcs"] = "rdfc") -> str:
    """``digestMultibase`` (VC DM 2.0 §5.3, Data Integrity ``digestMultibase``): multibase base58btc of the
    sha2-256 multihash (0x12 0x20 || digest) of the document's canonical form: RDFC-1.0 N-Quads (``rdfc``,
    independent of JSON member order and of how contexts spell terms) or RFC 8785 JSON (``jcs``)."""
    if not isinstance(document, Mapping):
        raise CredentialError("digest_multibase needs a JSON object", code="invalidCredential")
    if method == "rdfc":
        data = jsonld.canonicalize(document).encode("utf-8")
    elif method == "jcs":
        data = jcs.dumps(document)
    else:
        raise CredentialError(f"unknown canonicalization {method!r}; use 'rdfc' or 'jcs'", code="invalidArgument")
    return encode_proof_value(b"\x12\x20" + hashlib.sha256(data).digest())
