"""Method adapters: the resolver's view of ``did.did_key`` and ``did.did_dht`` (the codecs live in ``did/``)."""

from __future__ import annotations

from typing import Any

import nacl.exceptions
import nacl.signing

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


def decode_dht_record(did: str, item: MutableItem) -> tuple[dict[str, Any], dict[str, Any], int | None]:
    """Decode a verified record to (DID document JSON, DID document metadata, smallest record TTL).

    Document metadata carries what the DNS packet says beyond the document: ``types`` (``_typ``), ``gateways``
    (NS records), ``deactivated``, and ``previousDid`` (``_prv``: id, and whether its signature by the previous
    identity key over the new identity key verifies; did:dht spec "Rotation").
    """
    from did import did_dht

    document, meta = did_dht.from_bep44(did, item)
    doc_json = to_json_object(document)
    doc_meta: dict[str, Any] = {}
    get = meta.get if isinstance(meta, dict) else lambda k, d=None: getattr(meta, k, d)
    types = get("types")
    if types:
        doc_meta["types"] = list(types)
    gateways = get("gateways")
    if gateways:
        doc_meta["gateways"] = [str(g).rstrip(".") for g in gateways]
    doc_meta["deactivated"] = bool(get("deactivated", False))
    prv = get("previous_did") or get("previousDid")
    if prv:
        prv_id = prv.get("id") if isinstance(prv, dict) else getattr(prv, "id", None)
        prv_sig = prv.get("signature") if isinstance(prv, dict) else getattr(prv, "signature", None)
        if isinstance(prv_id, str):
            doc_meta["previousDid"] = {
                "id": prv_id,
                "verified": verify_previous_did(prv_id, prv_sig, item.public_key),
            }
    return doc_json, doc_meta, packet_min_ttl(item.v) if isinstance(item.v, bytes) else None


def verify_previous_did(previous_did: str, signature: str | bytes | None, new_identity_key: bytes) -> bool:
    """did:dht spec "Rotation": ``s`` is the previous identity key's Ed25519 signature over the new identity key."""
    import base64

    if signature is None:
        return False
    try:
        sig = (
            signature
            if isinstance(signature, bytes)
            else base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        )
        old_key = dht_identity_key(previous_did)
        nacl.signing.VerifyKey(old_key).verify(new_identity_key, sig)
    except (IiotidError, nacl.exceptions.CryptoError, ValueError, TypeError):
        return False
    return True


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
