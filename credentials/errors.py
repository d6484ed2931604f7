"""Typed errors of the ``credentials`` package.

Every failure a caller can cause is a subclass of :class:`did.errors.IiotidError` with its own machine-readable
``code``.  Codes follow the VC Data Integrity 1.0 §2.2 / VC DM 2.0 §7.1 processing-error vocabulary where one
exists (``PROOF_VERIFICATION_ERROR`` -> ``invalidProof``, ``MALFORMED_PROOF_ERROR`` -> ``malformedProof``,
``MISMATCHED_PROOF_PURPOSE_ERROR`` -> ``proofPurposeMismatch``, ``INVALID_DOMAIN_ERROR`` -> ``domainMismatch``,
``INVALID_CHALLENGE_ERROR`` -> ``challengeMismatch``), and name the failing thing otherwise.

Model errors carry ``field``: the JSON member that failed (``"validFrom"``, ``"credentialSubject"`` ...).
"""

from __future__ import annotations

from did.errors import IiotidError

__all__ = [
    "ChallengeMismatch",
    "ContextError",
    "ControllerMismatch",
    "CredentialError",
    "CredentialExpired",
    "CredentialNotYetValid",
    "DomainMismatch",
    "InvalidContext",
    "InvalidCredential",
    "InvalidCredentialSchema",
    "InvalidCredentialStatus",
    "InvalidCredentialSubject",
    "InvalidDateTime",
    "InvalidEvidence",
    "InvalidHolder",
    "InvalidIssuer",
    "InvalidJsonLd",
    "InvalidPresentation",
    "InvalidProofValue",
    "InvalidType",
    "InvalidVerificationMethod",
    "IssuerMismatch",
    "JoseError",
    "JsonLdError",
    "MalformedProof",
    "ProofError",
    "ProofExpired",
    "ProofMissing",
    "ProofNotYetValid",
    "ProofPurposeMismatch",
    "RelativeIri",
    "SignatureMismatch",
    "UndefinedTerm",
    "UnknownContext",
    "UnsupportedCryptosuite",
    "VerificationMethodNotAuthorized",
    "VerificationMethodNotFound",
]


class CredentialError(IiotidError):
    """Base of every error raised by ``credentials``."""

    code = "credentialError"


# ------------------------------------------------------------------------------------------------- data model
class InvalidCredential(CredentialError):
    """A credential or presentation violates VC Data Model 2.0; ``field`` names the failing member."""

    code = "invalidCredential"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.field = field

    def to_dict(self) -> dict[str, str]:
        out = super().to_dict()
        if self.field is not None:
            out["field"] = self.field
        return out


class InvalidContext(InvalidCredential):
    """``@context`` missing, or its first item is not ``https://www.w3.org/ns/credentials/v2`` (VC DM 2.0 §4.3)."""

    code = "invalidContext"


class InvalidType(InvalidCredential):
    code = "invalidType"


class InvalidIssuer(InvalidCredential):
    code = "invalidIssuer"


class InvalidDateTime(InvalidCredential):
    """``validFrom``/``validUntil``/``created``/``expires`` is not an XML Schema dateTimeStamp."""

    code = "invalidDateTime"


class InvalidCredentialSubject(InvalidCredential):
    code = "invalidCredentialSubject"


class InvalidCredentialStatus(InvalidCredential):
    code = "invalidCredentialStatus"


class InvalidCredentialSchema(InvalidCredential):
    code = "invalidCredentialSchema"


class InvalidEvidence(InvalidCredential):
    code = "invalidEvidence"


class InvalidPresentation(InvalidCredential):
    code = "invalidPresentation"


class InvalidHolder(InvalidCredential):
    code = "invalidHolder"


class CredentialExpired(InvalidCredential):
    """``now`` is after ``validUntil`` (VC DM 2.0 §4.9)."""

    code = "credentialExpired"


class CredentialNotYetValid(InvalidCredential):
    """``now`` is before ``validFrom`` (VC DM 2.0 §4.9)."""

    code = "credentialNotYetValid"


# ------------------------------------------------------------------------------------------------- JSON-LD
class JsonLdError(CredentialError):
    code = "jsonLdError"


class ContextError(JsonLdError):
    code = "contextError"


class UnknownContext(ContextError):
    """A context URL that is not bundled: the offline loader never fetches."""

    code = "unknownContext"

    def __init__(self, url: str) -> None:
        super().__init__(f"JSON-LD context {url[:200]!r} is not bundled; the loader never fetches from the network")
        self.url = url


class UndefinedTerm(JsonLdError):
    """Safe mode: a property or type the active context does not define (it would be dropped or only expand
    through ``@vocab`` to a relative / issuer-dependent IRI)."""

    code = "undefinedTerm"

    def __init__(self, message: str, *, term: str | None = None) -> None:
        super().__init__(message)
        self.term = term


class InvalidJsonLd(JsonLdError):
    code = "invalidJsonLd"


class RelativeIri(JsonLdError):
    """Safe mode: an ``@id`` (or ``@id``/``@vocab``-coerced value) that is a relative IRI.  Without a base IRI a
    JSON-LD processor drops every statement about it, so it would ride along unsigned."""

    code = "relativeIri"


# ------------------------------------------------------------------------------------------------- proofs
class ProofError(CredentialError):
    """Base of Data Integrity proof failures (VC DI 1.0 ``PROOF_VERIFICATION_ERROR``)."""

    code = "invalidProof"


class ProofMissing(ProofError):
    code = "proofMissing"


class MalformedProof(ProofError):
    """VC DI 1.0 ``MALFORMED_PROOF_ERROR``: a required proof member is missing or of the wrong shape."""

    code = "malformedProof"


class UnsupportedCryptosuite(ProofError):
    code = "unsupportedCryptosuite"


class InvalidProofValue(ProofError):
    """``proofValue`` is not multibase base58btc or has the wrong length for the suite."""

    code = "invalidProofValue"


class SignatureMismatch(ProofError):
    """The signature does not verify over the transformed document and proof configuration."""

    code = "signatureMismatch"


class ProofExpired(ProofError):
    code = "proofExpired"


class ProofNotYetValid(ProofError):
    """``created`` lies in the future beyond the allowed clock skew."""

    code = "proofNotYetValid"


class ProofPurposeMismatch(ProofError):
    """VC DI 1.0 ``MISMATCHED_PROOF_PURPOSE_ERROR``."""

    code = "proofPurposeMismatch"


class ChallengeMismatch(ProofError):
    """VC DI 1.0 ``INVALID_CHALLENGE_ERROR``."""

    code = "challengeMismatch"


class DomainMismatch(ProofError):
    """VC DI 1.0 ``INVALID_DOMAIN_ERROR``."""

    code = "domainMismatch"


class InvalidVerificationMethod(ProofError):
    """The verification method could not be used (wrong type, key type not allowed by the suite ...)."""

    code = "invalidVerificationMethod"


class VerificationMethodNotFound(ProofError):
    code = "verificationMethodNotFound"


class VerificationMethodNotAuthorized(ProofError):
    """The method is not listed under the proof purpose's verification relationship of its controller."""

    code = "verificationMethodNotAuthorized"


class ControllerMismatch(ProofError):
    """The verification method's ``controller`` is not the DID whose document lists it."""

    code = "controllerMismatch"


class IssuerMismatch(ProofError):
    """The proof's verification method is not controlled by the credential's ``issuer`` (or VP ``holder``)."""

    code = "issuerMismatch"


# ------------------------------------------------------------------------------------------------- JOSE
class JoseError(CredentialError):
    code = "invalidJwt"
