"""Error hierarchy shared by every iiotid package.

Every failure a caller can cause raises a subclass of :class:`IiotidError` carrying a machine-readable
``code`` (DID Resolution / VC error vocabulary where one exists: ``invalidDid``, ``notFound``,
``invalidProof`` ...) and a sentence for people.  Never a bare ``ValueError`` and never a boolean.
"""

from __future__ import annotations


class IiotidError(Exception):
    """Base of all iiotid errors."""

    code: str = "internalError"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class DidError(IiotidError):
    """Base of errors raised by the ``did`` package."""

    code = "didError"


class InvalidDid(DidError):
    code = "invalidDid"


class InvalidDidDocument(DidError):
    code = "invalidDidDocument"


class InvalidKey(DidError):
    """Wrong key length, unknown multicodec, point not on curve, bad JWK ..."""

    code = "invalidPublicKey"


class InvalidSignature(DidError):
    code = "invalidSignature"


class EncodingError(DidError):
    """Malformed bencode, multibase, z-base-32, DNS packet ..."""

    code = "invalidEncoding"


class PayloadTooLarge(DidError):
    code = "payloadTooLarge"


class MethodNotSupported(DidError):
    code = "methodNotSupported"


class NotFound(DidError):
    code = "notFound"


class StaleRecord(DidError):
    """A record whose ``seq`` is lower than or equal to one already seen."""

    code = "staleRecord"


class VerificationMethodNotFound(NotFound):
    """A DID URL names no verification method in the document."""

    code = "verificationMethodNotFound"


class VerificationRelationshipError(DidError):
    """A verification method exists but is not authorized for the requested relationship (proof purpose)."""

    code = "invalidVerificationRelationship"


class InvalidPassphrase(DidError):
    """An encrypted key file could not be opened with the given passphrase (or was tampered with)."""

    code = "invalidPassphrase"


class InvalidKeyFile(DidError):
    """A key file that is not valid Multikey JSON or encrypted-key JSON."""

    code = "invalidKeyFile"
