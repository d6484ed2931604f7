"""Multikey JSON documents (W3C Controlled Identifiers 1.0 section 2.2.2, context ``security/multikey/v1``).

A key file in iiotid is one Multikey object::

    {"@context": "https://w3id.org/security/multikey/v1", "type": "Multikey", "id": "did:...#key-1",
     "controller": "did:...", "publicKeyMultibase": "z6Mk...", "secretKeyMultibase": "z3u2..."}

``secretKeyMultibase`` is optional. It is what :mod:`did.keyfile` encrypts at rest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from did.errors import InvalidKeyFile
from did.keys import PrivateKey, PublicKey

__all__ = ["MULTIKEY_CONTEXT_V1", "Multikey", "from_dict", "to_dict"]

MULTIKEY_CONTEXT_V1 = "https://w3id.org/security/multikey/v1"


@dataclass(frozen=True, slots=True)
class Multikey:
    """A parsed Multikey: the key (private when the secret was present) and its identifiers."""

    key: PrivateKey | PublicKey
    id: str | None = None
    controller: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def public_key(self) -> PublicKey:
        return self.key.public_key if isinstance(self.key, PrivateKey) else self.key

    @property
    def private_key(self) -> PrivateKey | None:
        return self.key if isinstance(self.key, PrivateKey) else None

    def to_dict(self, *, include_secret: bool = True, include_context: bool = True) -> dict[str, Any]:
        out = to_dict(
            self.key,
            id=self.id,
            controller=self.controller,
            include_secret=include_secret,
            include_context=include_context,
        )
        for k, v in self.extra:
            out.setdefault(k, v)
        return out


def to_dict(
    key: PrivateKey | PublicKey,
    *,
    id: str | None = None,
    controller: str | None = None,
    include_secret: bool = True,
    include_context: bool = True,
) -> dict[str, Any]:
    """Multikey JSON for ``key``. The secret is written only for a :class:`PrivateKey` with ``include_secret``."""
    public = key.public_key if isinstance(key, PrivateKey) else key
    out: dict[str, Any] = {}
    if include_context:
        out["@context"] = MULTIKEY_CONTEXT_V1
    out["type"] = "Multikey"
    if id is not None:
        out["id"] = id
    if controller is not None:
        out["controller"] = controller
    out["publicKeyMultibase"] = public.to_multibase()
    if include_secret and isinstance(key, PrivateKey):
        out["secretKeyMultibase"] = key.secret_multibase()
    return out


def from_dict(data: object) -> Multikey:
    """Parse Multikey JSON (dict or text). The public and secret parts must belong to one key pair."""
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidKeyFile(f"Multikey is not valid JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise InvalidKeyFile("a Multikey must be a JSON object")
    if data.get("type") != "Multikey":
        raise InvalidKeyFile(f"type must be 'Multikey', got {data.get('type')!r}")
    ctx = data.get("@context")
    if ctx is not None:
        ctx_list = ctx if isinstance(ctx, list) else [ctx]
        if MULTIKEY_CONTEXT_V1 not in ctx_list and "https://www.w3.org/ns/cid/v1" not in ctx_list:
            raise InvalidKeyFile(f"@context must include {MULTIKEY_CONTEXT_V1!r}")
    for name in ("id", "controller"):
        if name in data and not isinstance(data[name], str):
            raise InvalidKeyFile(f"{name} must be a string")
    if "publicKeyMultibase" not in data and "secretKeyMultibase" not in data:
        raise InvalidKeyFile("a Multikey needs publicKeyMultibase (and optionally secretKeyMultibase)")
    # Malformed values raise EncodingError / InvalidKey from did.keys, naming the property.
    key: PrivateKey | PublicKey
    if "secretKeyMultibase" in data:
        public = data.get("publicKeyMultibase")
        key = PrivateKey.from_secret_multibase(data["secretKeyMultibase"], public_multibase=public)
    else:
        key = PublicKey.from_multibase(data["publicKeyMultibase"])
    known = {"@context", "type", "id", "controller", "publicKeyMultibase", "secretKeyMultibase"}
    extra = tuple((k, v) for k, v in data.items() if k not in known)
    return Multikey(key, data.get("id"), data.get("controller"), extra)
