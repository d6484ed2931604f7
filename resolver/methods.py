"""Method adapters: the resolver's view of ``did.did_key`` and ``did.did_dht`` (the codecs live in ``did/``)."""

from __future__ import annotations

from typing import Any

from did.bep44 import MutableItem
from did.errors import IiotidError, MethodNotSupported, NotFound
from resolver.syntax import packet_min_ttl, parse_did

# did:dht seq is "the current Unix timestamp in seconds" (did:dht spec, "Operations / Create"). pkarr uses
# microseconds; a value outside this window is not shown as a date.
_MIN_PLAUSIBLE_SECONDS = 946_684_800  # 2000-01-01
_MAX_PLAUSIBLE_SECONDS = 32_503_680_000  # 3000-01-01


def plausible_unix_seconds(seq: int) -> bool:
    return _MIN_PLAUSIBLE_SECONDS <= seq < _MAX_PLAUSIBLE_SECONDS


def to_json_object(model: Any) -> dict[str, Any]:
    """The JSON object of a ``did.document`` model (DID document, verification method, service)."""
    data = model.to_json() if hasattr(model, "to_json") else model
    if isinstance(data, str):
        import json

        data = json.loads(data)
    if not isinstance(data, dict):
        raise IiotidError("DID document model did not produce a JSON object", code="internalError")
    return data


# --- did:key ------------------------------------------------------------------------------------------------------


def resolve_did_key(did: str) -> dict[str, Any]:
    """did:key "Read" (W3C CCG did:key, section "Document Creation Algorithm"): derived offline from the key."""
    from did import did_key

    return to_json_object(did_key.resolve(did))


# --- did:dht ------------------------------------------------------------------------------------------------------


def canonical_dht_did(did: str) -> str:
    parsed = parse_did(did)
    if parsed.method != "dht":
        raise MethodNotSupported(f"expected a did:dht DID, got method {parsed.method!r}")
    return parsed.did


def dht_identity_key(did: str) -> bytes:
    """The 32-byte Ed25519 identity key named by ``did:dht:<z-base-32>`` (did:dht spec, "Identity Key")."""
    from did import did_dht

    return did_dht.identity_key_from_did(did)


def did_for_identity_key(public_key: bytes) -> str:
    from did import did_dht

    return did_dht.did_from_identity_key(public_key)


def z32_to_did(z32: str) -> str:
    return "did:dht:" + z32


def z32_for_identity_key(public_key: bytes) -> str:
    from did import did_dht

    return did_dht.z32_encode(public_key)


def sign_dht_record(document: Any, identity_key: Any, seq: int) -> MutableItem:
    """did:dht "Create" steps 3-5: the document as a signed BEP 44 record (the key must be the DID's identity key)."""
    from did import did_dht

    return did_dht.to_bep44(identity_key, document, seq=seq)


def decode_dht_record(did: str, item: MutableItem) -> tuple[dict[str, Any], dict[str, Any], int | None]:
    """Decode a verified record to (DID document JSON, DID document metadata, smallest record TTL).

    Document metadata carries what the DNS packet says beyond the document (did:dht spec "DID Resolution"):
    ``types`` (``_typ``), ``gateways`` (NS records), ``deactivated``, and ``previousDid`` (``_prv``: the id, and
    whether its signature by the previous identity key over the new identity key verifies, spec "Rotation").
    """
    from did import did_dht

    document, meta = did_dht.from_bep44(did, item, verify=False)  # sources verified it already
    doc_meta: dict[str, Any] = {}
    if meta.types:
        doc_meta["types"] = list(meta.types)
    if meta.gateways:
        doc_meta["gateways"] = list(meta.gateways)
    doc_meta["deactivated"] = bool(meta.deactivated)
    if meta.previous_did is not None:
        doc_meta["previousDid"] = {"id": meta.previous_did.id, "verified": bool(meta.previous_did.verified)}
    ttl = meta.ttl if meta.ttl is not None else packet_min_ttl(item.v) if isinstance(item.v, bytes) else None
    return to_json_object(document), doc_meta, ttl


# --- dereferencing ------------------------------------------------------------------------------------------------


def find_fragment(document: Any, did: str, fragment: str) -> Any:
    """The verification method or service of ``document`` whose id is ``did#fragment`` (DID Core 3.2.2: the
    fragment is dereferenced within the resolved document; embedded relationship methods count too)."""
    ref = f"{did}#{fragment}"
    try:
        return document.find_verification_method(ref)
    except NotFound:
        pass
    try:
        return document.find_service(ref)
    except NotFound:
        raise NotFound(f"{did} has no verification method or service with id #{fragment}") from None
