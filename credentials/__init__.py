"""W3C Verifiable Credentials 2.0: data model, Data Integrity suites, VC-JOSE, Bitstring Status List, lifecycle chains.

The public API is loaded lazily (``credentials.issue`` imports the JSON-LD machinery on first use), so importing
a submodule such as ``credentials.status_list`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from credentials.api import (
        VerificationResult,
        canonicalize,
        derive,
        digest_multibase,
        issue,
        sign_presentation,
        verify,
        verify_presentation,
        verify_presentation_sync,
        verify_sync,
    )

__all__ = [
    "VerificationResult",
    "canonicalize",
    "derive",
    "digest_multibase",
    "issue",
    "sign_presentation",
    "verify",
    "verify_presentation",
    "verify_presentation_sync",
    "verify_sync",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from credentials import api

        return getattr(api, name)
    raise AttributeError(f"module 'credentials' has no attribute {name!r}")
