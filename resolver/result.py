"""The W3C DID Resolution result: ``didDocument``, ``didResolutionMetadata``, ``didDocumentMetadata``.

References: DID Core 1.0 section 7.1 "DID Resolution" (7.1.2 DID Resolution Metadata, 7.1.3 DID Document
Metadata) and W3C DID Resolution, section "DID Resolution Result". Error values are the DID Core / DID Resolution
error codes (``invalidDid``, ``notFound``, ``methodNotSupported``, ``representationNotSupported``,
``internalError``), reported as strings as in DID Core 1.0 and the Universal Resolver.
"""

from __future__ import annotations

import copy
import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

# --- media types ------------------------------------------------------------------------------------------------
DID_JSON = "application/did+json"  # DID Core 6.2 JSON representation
DID_LD_JSON = "application/did+ld+json"  # DID Core 6.3 JSON-LD representation
DID_GENERIC = "application/did"  # DID Resolution (2025+) generic DID document media type
RESOLUTION_LD_JSON = 'application/ld+json;profile="https://w3id.org/did-resolution"'  # Universal Resolver
RESOLUTION = "application/did-resolution"  # DID Resolution (2025+) result media type
DEREFERENCING = "application/did-url-dereferencing"

#: Document representations :meth:`Resolver.resolve` can produce (``accept`` resolution option).
DOCUMENT_MEDIA_TYPES = (DID_JSON, DID_LD_JSON, DID_GENERIC)
DID_CONTEXT = "https://www.w3.org/ns/did/v1"


def xml_datetime(seconds: int | float) -> str:
    """An XML Schema dateTime in UTC, second precision (DID Core 7.1.3 ``created``/``updated``)."""
    return _dt.datetime.fromtimestamp(int(seconds), tz=_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class ResolutionResult:
    """Outcome of resolving one DID. Never raised: errors live in ``resolution_metadata["error"]``.

    ``document`` is the DID document as its JSON object (``None`` when resolution failed);
    ``resolution_metadata`` and ``document_metadata`` hold the W3C-named properties.
    """

    document: dict[str, Any] | None
    resolution_metadata: dict[str, Any] = field(default_factory=dict)
    document_metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> str | None:
        """The DID Resolution error code, or ``None`` when resolution succeeded."""
        err = self.resolution_metadata.get("error")
        return str(err) if err is not None else None

    @property
    def error_message(self) -> str | None:
        msg = self.resolution_metadata.get("errorMessage")
        return str(msg) if msg is not None else None

    @property
    def deactivated(self) -> bool:
        return bool(self.document_metadata.get("deactivated", False))

    @property
    def content_type(self) -> str | None:
        ct = self.resolution_metadata.get("contentType")
        return str(ct) if ct is not None else None

    @classmethod
    def failure(cls, code: str, message: str, **metadata: Any) -> ResolutionResult:
        """A result carrying only an error (DID Core 7.1.2: ``error`` plus a human ``errorMessage``)."""
        return cls(None, {"error": code, "errorMessage": message, **metadata}, {})

    def document_in(self, media_type: str) -> dict[str, Any] | None:
        """The document in the given representation: JSON-LD adds the DID Core context when it is absent."""
        if self.document is None:
            return None
        doc = copy.deepcopy(self.document)
        if media_type == DID_LD_JSON and "@context" not in doc:
            # DID Core 6.3.1: the JSON-LD representation MUST carry @context (did:dht documents omit it).
            doc = {"@context": DID_CONTEXT, **doc}
        return doc

    def to_json(self) -> dict[str, Any]:
        """The resolution result as a JSON object (DID Resolution "DID Resolution Result")."""
        media = self.content_type or DID_JSON
        return {
            "@context": "https://w3id.org/did-resolution/v1",
            "didDocument": self.document_in(media),
            "didResolutionMetadata": copy.deepcopy(self.resolution_metadata),
            "didDocumentMetadata": copy.deepcopy(self.document_metadata),
        }
