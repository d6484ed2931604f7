"""Resolution errors and the DID Resolution error vocabulary.

The ``did`` package already defines :class:`~did.errors.InvalidDid`, :class:`~did.errors.NotFound` and
:class:`~did.errors.MethodNotSupported`; this module adds the remaining W3C DID Resolution error codes and the
table mapping each code to its HTTP status (DID Resolution, "HTTP(S) Binding").
"""

from __future__ import annotations

from did.errors import IiotidError


class ResolutionError(IiotidError):
    """Base of errors raised by the ``resolver`` package."""

    code = "internalError"


class RepresentationNotSupported(ResolutionError):
    """The requested media type (``accept``) is not a representation this resolver produces."""

    code = "representationNotSupported"


class InvalidDidUrl(ResolutionError):
    code = "invalidDidUrl"


class Deactivated(ResolutionError):
    """The DID resolved, but its controller has deactivated it (``resolve_document`` refuses to return it)."""

    code = "deactivated"


class DhtUnavailable(ResolutionError):
    """No record source (DHT, gateway) answered, and nothing usable is cached."""

    code = "internalError"


#: DID Resolution error codes that are the caller's fault and map to HTTP 400.
BAD_REQUEST_CODES = frozenset(
    {
        "invalidDid",
        "invalidDidUrl",
        "invalidPublicKey",
        "invalidPublicKeyLength",
        "invalidPublicKeyType",
        "unsupportedPublicKeyType",
        "invalidOptions",
    }
)

#: DID Resolution "HTTP(S) Binding": error -> status. Anything else is 500.
_STATUS = {
    "notFound": 404,
    "deactivated": 410,
    "representationNotSupported": 406,
    "methodNotSupported": 501,
    "internalError": 500,
}


def http_status(error: str | None, *, deactivated: bool = False) -> int:
    """HTTP status for a resolution outcome (DID Resolution, HTTP(S) Binding: 200/400/404/406/410/500/501)."""
    if error is None:
        return 410 if deactivated else 200
    if error in BAD_REQUEST_CODES:
        return 400
    return _STATUS.get(error, 500)
