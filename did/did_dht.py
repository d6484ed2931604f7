"""The ``did:dht`` method (DIF "DID DHT Method Specification", decentralized-identity/did-dht ``spec/spec.md``).

* "Format" / "Identity Key Pair": ``did:dht:`` + z-base-32(Ed25519 identity key) -- :func:`did_from_identity_key`,
  :func:`identity_key_from_did`;
* "Create" step 2: the document -- :func:`create_document`;
* "Create" steps 3-5 / "Read" steps 2-4: document <-> compressed DNS packet <-> signed BEP 44 mutable item
  (``v`` = the packet, ``seq`` = Unix time in seconds) -- :func:`to_packet`, :func:`from_packet`,
  :func:`to_bep44`, :func:`from_bep44`; the pkarr relay body ``sig || seq || v`` is
  :meth:`did.bep44.MutableItem.to_relay_bytes` / :func:`from_relay_bytes`;
* "Rotation": the ``_prv`` record -- :func:`previous_did_proof`, :class:`PreviousDid`;
* "Deactivate": :func:`deactivate`.

Pure: no network, the clock is a parameter (``clock``) used only when ``seq`` is not given. The DNS mapping itself
lives in :mod:`did.did_dht_dns`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from did import zbase32
from did.bencode import bencode
from did.bep44 import MAX_V_SIZE, MutableItem
from did.did_dht_dns import (
    DEFAULT_TTL,
    KEY_TYPE_INDEX,
    PreviousDidRecord,
    deactivated_records,
    document_to_records,
    packet_to_records,
    records_to_document,
    records_to_packet,
)
from did.document import DIDDocument, Service, VerificationMethod, parse_did
from did.errors import (
    EncodingError,
    InvalidDid,
    InvalidDidDocument,
    InvalidKey,
    InvalidSignature,
    MethodNotSupported,
    PayloadTooLarge,
)
from did.keys import KeyType, PrivateKey, PublicKey, b64url_decode, b64url_encode

__all__ = [
    "DEFAULT_TTL",
    "MAX_PACKET_SIZE",
    "AdditionalKey",
    "DidDhtMetadata",
    "PreviousDid",
    "create_document",
    "deactivate",
    "did_from_identity_key",
    "fallback_document",
    "from_bep44",
    "from_packet",
    "from_relay_bytes",
    "identity_key_from_did",
    "identity_public_key",
    "previous_did_proof",
    "services_of",
    "to_bep44",
    "to_packet",
    "z32_decode",
    "z32_encode",
]

METHOD = "dht"
PREFIX = "did:dht:"
IDENTITY_KEY_SIZE = 32
# BEP 44: the bencoded v ("<len>:<packet>") is at most 1000 bytes, so a packet may be 996 bytes (3-digit length).
MAX_PACKET_SIZE = MAX_V_SIZE - len(b"996:")

_SIGNING_RELATIONSHIPS = ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation")


# ----------------------------------------------------------------------------------------------------------------
# "Format": identity key <-> DID


def z32_encode(data: bytes) -> str:
    return zbase32.encode(data)


def z32_decode(text: str) -> bytes:
    return zbase32.decode(text)


def _identity_raw(key: PublicKey | PrivateKey | bytes) -> bytes:
    if isinstance(key, PrivateKey):
        key = key.public_key
    if isinstance(key, PublicKey):
        if key.key_type is not KeyType.ED25519:
            raise InvalidKey(
                f"a did:dht identity key must be Ed25519, got {key.key_type.value} (spec 'Identity Key Pair')",
                code="invalidPublicKeyType",
            )
        return key.raw
    if isinstance(key, bytes | bytearray | memoryview):
        return PublicKey.from_raw(KeyType.ED25519, bytes(key)).raw  # length and curve-point checks
    raise InvalidKey("identity key must be an Ed25519 PublicKey, PrivateKey or 32 bytes")


def did_from_identity_key(key: PublicKey | PrivateKey | bytes) -> str:
    """``did:dht:`` + z-base-32(raw Ed25519 public key) ("Format")."""
    return PREFIX + zbase32.encode(_identity_raw(key))


def identity_key_from_did(did: str) -> bytes:
    """The 32-byte identity key named by ``did``.

    Errors follow the DID Resolution codes used by the web5-spec ``did_dht/resolve.json`` vectors:
    :class:`InvalidDid` (not a DID, or a DID URL), :class:`MethodNotSupported` (another method),
    :class:`InvalidKey` ``invalidPublicKey`` (suffix not canonical z-base-32 / not a curve point) and
    ``invalidPublicKeyLength`` (not 32 bytes).
    """
    method, msi = parse_did(did)  # raises InvalidDid
    if method != METHOD:
        raise MethodNotSupported(f"not a did:dht DID (method {method!r})")
    try:
        raw = zbase32.decode(msi)
    except EncodingError as exc:
        raise InvalidKey(f"did:dht suffix is not z-base-32: {exc}", code="invalidPublicKey") from None
    if len(raw) != IDENTITY_KEY_SIZE:
        raise InvalidKey(
            f"did:dht suffix decodes to {len(raw)} bytes; an Ed25519 identity key has 32",
            code="invalidPublicKeyLength",
        )
    try:
        PublicKey.from_raw(KeyType.ED25519, raw)
    except InvalidKey as exc:
        raise InvalidKey(f"did:dht identity key: {exc}", code="invalidPublicKey") from None
    return raw


def identity_public_key(did: str) -> PublicKey:
    return PublicKey(KeyType.ED25519, identity_key_from_did(did))


# ----------------------------------------------------------------------------------------------------------------
# "Create" step 2: the DID document


@dataclass(frozen=True, slots=True)
class AdditionalKey:
    """A key besides the identity key. ``id`` defaults to the RFC 7638 thumbprint (spec "Representing Keys"),
    ``purposes`` to keyAgreement for X25519 and assertionMethod for signing keys, ``alg`` to the registry default."""

    key: PublicKey | PrivateKey
    purposes: tuple[str, ...] | None = None
    id: str | None = None
    controller: str | None = None
    alg: str | None = None

    @property
    def public_key(self) -> PublicKey:
        return self.key.public_key if isinstance(self.key, PrivateKey) else self.key


def _additional_key(spec: AdditionalKey | PublicKey | PrivateKey) -> AdditionalKey:
    if isinstance(spec, AdditionalKey):
        return spec
    if isinstance(spec, PublicKey | PrivateKey):
        return AdditionalKey(spec)
    raise InvalidDidDocument("extra_keys entries must be AdditionalKey, PublicKey or PrivateKey")


def create_document(
    identity_key: PrivateKey | PublicKey | bytes,
    *,
    services: Iterable[Service | Mapping[str, Any]] = (),
    extra_keys: Iterable[AdditionalKey | PublicKey | PrivateKey] = (),
    controllers: Iterable[str] = (),
    also_known_as: Iterable[str] = (),
) -> DIDDocument:
    """The DID document of "Create" step 2: the identity key as ``JsonWebKey`` ``#0`` (``kid`` 0, ``alg`` EdDSA)
    in authentication, assertionMethod, capabilityInvocation and capabilityDelegation; then ``extra_keys`` and
    ``services`` (relative ids like ``#gw`` are resolved against the DID). No ``@context`` ("Create", note).

    The result is in the canonical form the packet decoder yields, and is checked to be encodable."""
    did = did_from_identity_key(identity_key)
    identity = PublicKey(KeyType.ED25519, _identity_raw(identity_key))
    doc = DIDDocument(id=did, context=None)
    doc.add_verification_method(
        VerificationMethod.json_web_key(f"{did}#0", did, identity, jwk_params={"alg": "EdDSA", "kid": "0"}),
        _SIGNING_RELATIONSHIPS,
    )
    default_alg = {kt: alg for kt, alg in KEY_TYPE_INDEX.values()}
    for spec in map(_additional_key, extra_keys):
        pk = spec.public_key
        if pk.key_type not in default_alg:
            raise EncodingError(
                f"key type {pk.key_type.value} is not in the did:dht Key Type Index (Ed25519, secp256k1, P-256, X25519)"
            )
        frag = (spec.id or pk.jwk_thumbprint()).removeprefix("#")
        purposes = spec.purposes
        if purposes is None:
            purposes = ("keyAgreement",) if pk.key_type is KeyType.X25519 else ("assertionMethod",)
        vm = VerificationMethod.json_web_key(
            f"{did}#{frag}",
            spec.controller or did,
            pk,
            jwk_params={"alg": spec.alg or default_alg[pk.key_type], "kid": frag},
        )
        doc.add_verification_method(vm, purposes)
    for s in services:
        if isinstance(s, Mapping) and isinstance(s.get("id"), str) and not s["id"].startswith(("#", "did:")):
            s = {**s, "id": "#" + s["id"]}  # a bare fragment, as web5 and the spec's create inputs write it
        svc = s if isinstance(s, Service) else Service.from_json(s, base=did)
        if isinstance(svc.service_endpoint, str):
            svc = Service(svc.id, svc.type, [svc.service_endpoint], dict(svc.extra))
        doc.add_service(svc)
    doc.controller = list(controllers)
    doc.also_known_as = list(also_known_as)
    doc.validate()
    document_to_records(doc)  # refuse now what could not be published later
    return doc


def fallback_document(did: str) -> DIDDocument:
    """The document "Read" (note) allows when no record can be found: only the identity key, expanded from the DID.

    Resolvers SHOULD prefer the published record; this is what a did:dht DID says about itself with no network."""
    return create_document(identity_public_key(did))


# ----------------------------------------------------------------------------------------------------------------
# "Rotation": the _prv record


@dataclass(frozen=True, slots=True)
class PreviousDid:
    """``_prv._did.`` ("Rotation"): ``signature`` is the previous identity key's Ed25519 signature over the raw new
    identity key. ``verified`` is set by :func:`from_bep44` / :func:`from_packet` (``None`` when not checked)."""

    id: str
    signature: bytes
    verified: bool | None = None

    @property
    def signature_b64url(self) -> str:
        return b64url_encode(self.signature)

    def verify(self, new_identity_key: PublicKey | bytes) -> None:
        """Raise :class:`InvalidSignature` unless the previous DID's identity key signed ``new_identity_key``."""
        old = identity_public_key(self.id)
        old.verify(_identity_raw(new_identity_key), self.signature)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "signature": self.signature_b64url}
        if self.verified is not None:
            out["verified"] = self.verified
        return out


def previous_did_proof(previous_identity_key: PrivateKey, new: str | PublicKey | PrivateKey | bytes) -> PreviousDid:
    """Sign the new identity key (or the identity key of the new DID) with the previous identity key."""
    new_raw = identity_key_from_did(new) if isinstance(new, str) else _identity_raw(new)
    _identity_raw(previous_identity_key)
    sig = previous_identity_key.sign(new_raw)
    return PreviousDid(did_from_identity_key(previous_identity_key), sig, True)


def _previous_record(previous_did: PreviousDid | tuple[str, str | bytes] | None) -> PreviousDidRecord | None:
    if previous_did is None:
        return None
    if isinstance(previous_did, PreviousDid):
        return PreviousDidRecord(previous_did.id, previous_did.signature)
    if isinstance(previous_did, tuple) and len(previous_did) == 2:
        prv_id, sig = previous_did
        if isinstance(sig, str):
            sig = b64url_decode(sig, what="previous DID signature")
        if not isinstance(prv_id, str) or not isinstance(sig, bytes):
            raise EncodingError("previous_did must be (DID, signature bytes or base64url)")
        identity_key_from_did(prv_id)
        return PreviousDidRecord(prv_id, sig)
    raise EncodingError("previous_did must be a PreviousDid or a (DID, signature) pair")


# ----------------------------------------------------------------------------------------------------------------
# Document <-> packet


@dataclass(slots=True)
class DidDhtMetadata:
    """What a record says besides the document (spec "DID Resolution / DID Document Metadata")."""

    did: str
    seq: int | None = None
    types: list[int] = field(default_factory=list)
    gateways: list[str] = field(default_factory=list)
    previous_did: PreviousDid | None = None
    deactivated: bool = False
    version: int = 0
    ttl: int | None = None
    packet_size: int = 0

    @property
    def version_id(self) -> str | None:
        """DID document metadata ``versionId``: the record's sequence number."""
        return None if self.seq is None else str(self.seq)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"did": self.did}
        if self.seq is not None:
            out["versionId"] = str(self.seq)
        if self.types:
            out["types"] = list(self.types)
        if self.gateways:
            out["gateways"] = list(self.gateways)
        if self.previous_did is not None:
            out["previousDid"] = self.previous_did.to_json()
        if self.deactivated:
            out["deactivated"] = True
        if self.ttl is not None:
            out["ttl"] = self.ttl
        return out


def _check_size(packet: bytes) -> bytes:
    v_len = len(bencode(packet))
    if v_len > MAX_V_SIZE:
        raise PayloadTooLarge(
            f"the did:dht DNS packet is {len(packet)} bytes ({v_len} bencoded); BEP 44 limits v to {MAX_V_SIZE} "
            f"bytes, so at most {MAX_PACKET_SIZE} bytes of packet: drop keys or services or shorten ids and endpoints"
        )
    return packet


def to_packet(
    document: DIDDocument,
    *,
    types: Iterable[int] = (),
    gateways: Iterable[str] = (),
    previous_did: PreviousDid | tuple[str, str | bytes] | None = None,
    ttl: int = DEFAULT_TTL,
    compress: bool = True,
    check_size: bool = True,
) -> bytes:
    """"Create" steps 3-4: the DNS packet (names compressed) of ``document``; :class:`PayloadTooLarge` when it does
    not fit BEP 44's 1000-byte ``v`` (``check_size=False`` lets tools measure oversized documents)."""
    records = document_to_records(
        document, types=types, gateways=gateways, previous_did=_previous_record(previous_did), ttl=ttl
    )
    packet = records_to_packet(records, compress=compress)
    return _check_size(packet) if check_size else packet


def from_packet(did: str, packet: bytes, *, seq: int | None = None) -> tuple[DIDDocument, DidDhtMetadata]:
    """"Read" steps 3-4 on an already verified packet: the document and its metadata (``_prv`` checked)."""
    identity = identity_key_from_did(did)
    if len(packet) > MAX_PACKET_SIZE:
        raise PayloadTooLarge(f"the DNS packet is {len(packet)} bytes; did:dht packets are at most {MAX_PACKET_SIZE}")
    records = packet_to_records(packet)
    document, content = records_to_document(did, records)
    prv: PreviousDid | None = None
    if content.previous_did is not None:
        prv = PreviousDid(content.previous_did.id, content.previous_did.signature)
        try:
            prv.verify(identity)
            ok = True
        except (InvalidSignature, InvalidKey, InvalidDid, MethodNotSupported):
            ok = False  # "Without [a valid] previous record ... the linkage MUST NOT be considered legitimate"
        prv = PreviousDid(prv.id, prv.signature, ok)
    meta = DidDhtMetadata(
        did=did,
        seq=seq,
        types=content.types,
        gateways=content.gateways,
        previous_did=prv,
        deactivated=content.deactivated,
        version=content.version,
        ttl=content.ttl,
        packet_size=len(packet),
    )
    return document, meta


# ----------------------------------------------------------------------------------------------------------------
# BEP 44 records


def _seq_now(seq: int | None, clock: Callable[[], float] | None) -> int:
    if seq is not None:
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise EncodingError("seq must be an integer")
        return seq
    # "Create" 5b: seq MUST be the current Unix timestamp in seconds.
    return int((clock or time.time)())


def _signed(identity_key: PrivateKey, packet: bytes, seq: int) -> MutableItem:
    public = _identity_raw(identity_key)
    return MutableItem.create(public, packet, seq, identity_key.sign)


def to_bep44(
    identity_key: PrivateKey,
    document: DIDDocument,
    *,
    seq: int | None = None,
    types: Iterable[int] = (),
    gateways: Iterable[str] = (),
    previous_did: PreviousDid | tuple[str, str | bytes] | None = None,
    ttl: int = DEFAULT_TTL,
    clock: Callable[[], float] | None = None,
) -> MutableItem:
    """"Create" steps 3-5: the signed BEP 44 mutable item (``v`` = compressed DNS packet, ``seq`` = ``seq`` or
    the clock's Unix time in seconds, no salt). The document must be the identity key's own DID document.

    ``to_bep44(document, identity_key, ...)`` (arguments swapped) is accepted too."""
    if isinstance(identity_key, DIDDocument) and isinstance(document, PrivateKey):
        identity_key, document = document, identity_key
    if not isinstance(identity_key, PrivateKey):
        raise InvalidKey("to_bep44 needs the identity PrivateKey to sign the record")
    if not isinstance(document, DIDDocument):
        raise InvalidDidDocument("to_bep44 needs a DIDDocument")
    did = did_from_identity_key(identity_key)
    if document.id != did:
        raise InvalidDidDocument(f"the document is for {document.id}, but the key's DID is {did}")
    packet = to_packet(document, types=types, gateways=gateways, previous_did=previous_did, ttl=ttl)
    return _signed(identity_key, packet, _seq_now(seq, clock))


def deactivate(
    identity_key: PrivateKey, *, seq: int | None = None, clock: Callable[[], float] | None = None
) -> MutableItem:
    """"Deactivate" option 2: a newer record whose root record is ``deactivated``."""
    did = did_from_identity_key(identity_key)
    packet = records_to_packet(deactivated_records(did))
    return _signed(identity_key, packet, _seq_now(seq, clock))


def from_bep44(did: str, item: MutableItem, *, verify: bool = True) -> tuple[DIDDocument, DidDhtMetadata]:
    """"Read" steps 2-4: check that ``item`` is signed by the DID's identity key, then decode its packet."""
    identity = identity_key_from_did(did)
    if not isinstance(item, MutableItem):
        raise EncodingError("expected a BEP 44 MutableItem")
    if item.public_key != identity:
        raise InvalidSignature(f"the record is signed by another key than the identity key of {did}")
    if item.salt:
        raise EncodingError("did:dht records carry no BEP 44 salt")
    if not isinstance(item.v, bytes):
        raise EncodingError("a did:dht record's v must be a byte string (the DNS packet)")
    if verify:
        item.verify()
    return from_packet(did, item.v, seq=item.seq)


def from_relay_bytes(did: str, data: bytes) -> tuple[DIDDocument, DidDhtMetadata]:
    """Decode and verify a pkarr relay / gateway body ``sig(64) || seq(8) || v`` for ``did``."""
    item = MutableItem.from_relay_bytes(identity_key_from_did(did), data, verify=True)
    return from_bep44(did, item, verify=False)


def services_of(document: DIDDocument, type_: str) -> Sequence[Service]:
    """The services of ``document`` whose type includes ``type_`` (e.g. ``IIoTGateway``)."""
    return [s for s in document.service if type_ in s.types]
