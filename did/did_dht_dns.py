"""did:dht DID document <-> DNS resource records <-> DNS packet (pure codec, no network).

DIF "DID DHT Method Specification" (decentralized-identity/did-dht ``spec/spec.md``; section names quoted below)
and its registry (``spec/registry/spec.md``): "DIDs as DNS Records", "Root Record", "Property Mapping",
"Verification Methods", "Verification Relationships", "Services", "Rotation" (``_prv``), "Designating
Authoritative Gateways" (NS), "Type Indexing" (``_typ``), "Deactivate", "Size Constraints / Representing Keys".

Two layers, each a pure function pair:

* document <-> :class:`Record` list (:func:`document_to_records`, :func:`records_to_document`): the property
  mapping, checked against the spec's test vectors, which publish records rather than bytes;
* records <-> wire (:func:`records_to_packet`, :func:`packet_to_records`): RFC 1035 messages built with
  dnspython, with name compression (RFC 1035 section 4.1.4, required by "DIDs as DNS Records").

The decoder yields documents in one canonical form (what :func:`canonical_document` returns for any encodable
input): no ``@context``; every verification method is a ``JsonWebKey`` whose JWK carries ``alg`` and ``kid``
(spec "Create" 2c and "Read" 4); service endpoints are always a list (as the spec's Vector 3 and web5 read a
single ``se=``). Anything the packet cannot carry (map-valued endpoints, unregistered service properties, embedded
relationship methods, key types outside the Key Type Index, ``;``/``,``/``=`` inside values) raises
:class:`~did.errors.EncodingError` instead of being dropped.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.flags
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.wire

from did import zbase32
from did.document import DIDDocument, Service, VerificationMethod
from did.errors import EncodingError, IiotidError, InvalidDid, InvalidDidDocument, InvalidKey
from did.keys import KeyType, PublicKey, b64url_decode, b64url_encode

__all__ = [
    "DEFAULT_TTL",
    "KEY_TYPE_INDEX",
    "REGISTERED_SERVICE_PROPERTIES",
    "SPEC_VERSION",
    "TYPE_INDEX",
    "PacketContent",
    "PreviousDidRecord",
    "Record",
    "canonical_document",
    "document_to_records",
    "packet_to_records",
    "records_to_document",
    "records_to_packet",
]

SPEC_VERSION = 0  # "Root Record": "The version number for this specification version is 0"
DEFAULT_TTL = 7200  # "DIDs as DNS Records": the RECOMMENDED TTL, Mainline's default record lifetime

# Registry "Key Type Index": index -> (key type, default JWK alg).
KEY_TYPE_INDEX: dict[int, tuple[KeyType, str]] = {
    0: (KeyType.ED25519, "EdDSA"),
    1: (KeyType.SECP256K1, "ES256K"),
    2: (KeyType.P256, "ES256"),
    3: (KeyType.X25519, "ECDH-ES+A256KW"),
}
_INDEX_OF_KEY_TYPE = {kt: (i, alg) for i, (kt, alg) in KEY_TYPE_INDEX.items()}

# Registry "Indexed Types" (the ``_typ._did.`` record).
TYPE_INDEX: dict[int, str] = {
    0: "Discoverable",
    1: "Organization",
    2: "GovernmentOrganization",
    3: "Corporation",
    4: "LocalBusiness",
    5: "SoftwarePackage",
    6: "WebApp",
    7: "FinancialInstitution",
}

# Registry "Additional Properties / Service": the only extra service properties a packet may carry.
REGISTERED_SERVICE_PROPERTIES = frozenset({"sig", "enc"})

# "Verification Relationship Index", in the order of the spec's vectors (and of web5's root records).
_REL_KEYS: tuple[tuple[str, str], ...] = (
    ("authentication", "auth"),
    ("assertion_method", "asm"),
    ("key_agreement", "agm"),
    ("capability_invocation", "inv"),
    ("capability_delegation", "del"),
)
_ATTR_OF_REL = {short: attr for attr, short in _REL_KEYS}

_TXT = dns.rdatatype.TXT
_NS = dns.rdatatype.NS
_IN = dns.rdataclass.IN
_KEY_NAME = re.compile(r"_k[0-9]+\._did\.")
_SERVICE_NAME = re.compile(r"_s[0-9]+\._did\.")
_MAX_CHARSTRING = 255  # RFC 1035 section 3.3: <character-string> is a length octet followed by that many octets
# "Property Mapping": ';' separates properties and ',' array elements, so values cannot contain them. ('=' can:
# a property is split at its first '='. web5 1.2.0 splits at every '=' and truncates such values.)
_FORBIDDEN_IN_VALUE = frozenset(";,")


# ----------------------------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class Record:
    """One resource record as the spec's tables show it: ``rdata`` holds the character-strings of a TXT record
    (a long value split in 255-byte pieces) or the single target FQDN (with the final dot) of an NS record."""

    name: str
    type: str
    ttl: int
    rdata: tuple[str, ...]

    @property
    def text(self) -> str:
        """The record's value with its character-strings concatenated ("DIDs as DNS Records"). The strings are
        joined as octets: a split may fall inside a UTF-8 sequence (kept as surrogate escapes until joined)."""
        if len(self.rdata) == 1:
            return self.rdata[0]
        try:
            return b"".join(s.encode("utf-8", "surrogateescape") for s in self.rdata).decode("utf-8")
        except UnicodeError:
            raise EncodingError(f"TXT record {self.name} is not UTF-8") from None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "ttl": self.ttl, "rdata": list(self.rdata)}


@dataclass(frozen=True, slots=True)
class PreviousDidRecord:
    """The ``_prv._did.`` record ("Rotation"): the previous DID and the previous identity key's Ed25519
    signature over the new identity key (64 bytes; base64url without padding on the wire)."""

    id: str
    signature: bytes


@dataclass(slots=True)
class PacketContent:
    """What a did:dht packet carries besides the document."""

    version: int = SPEC_VERSION
    types: list[int] = field(default_factory=list)
    gateways: list[str] = field(default_factory=list)
    previous_did: PreviousDidRecord | None = None
    deactivated: bool = False
    ttl: int | None = None  # smallest TTL among the records


def _split_charstrings(value: str) -> tuple[str, ...]:
    """Split a TXT value into character-strings of at most 255 octets ("DIDs as DNS Records": TXT records MAY
    exceed 255 characters and are then represented as multiple strings)."""
    raw = value.encode("utf-8")
    if len(raw) <= _MAX_CHARSTRING:
        return (value,)
    # Split on octets; a UTF-8 sequence may straddle two strings, which is fine as they are concatenated first.
    chunks = [raw[i : i + _MAX_CHARSTRING] for i in range(0, len(raw), _MAX_CHARSTRING)]
    return tuple(c.decode("utf-8", errors="surrogateescape") for c in chunks)


def _txt(name: str, value: str, ttl: int) -> Record:
    return Record(name, "TXT", ttl, _split_charstrings(value))


# ----------------------------------------------------------------------------------------------------------------
# Document -> records


def _check_value(value: str, what: str, *, allow_comma: bool = False) -> str:
    if not isinstance(value, str) or not value:
        raise EncodingError(f"{what} must be a non-empty string")
    bad = {c for c in value if c in _FORBIDDEN_IN_VALUE and not (allow_comma and c == ",")}
    if bad:
        raise EncodingError(
            f"{what} {value[:80]!r} contains {''.join(sorted(bad))!r}, which the did:dht property mapping uses as "
            "a separator and cannot carry"
        )
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise EncodingError(f"{what} contains control characters")
    return value


def _fragment_of(ref: str, did: str, what: str) -> str:
    prefix = did + "#"
    if not isinstance(ref, str) or not ref.startswith(prefix) or len(ref) == len(prefix):
        raise EncodingError(
            f"{what} {str(ref)[:100]!r} is not a fragment of {did} (did:dht can only carry its own ids)"
        )
    return _check_value(ref[len(prefix) :], what)


def _suffix_of(did: str) -> str:
    prefix = "did:dht:"
    if not isinstance(did, str) or not did.startswith(prefix) or len(did) == len(prefix):
        raise InvalidDid(f"not a did:dht DID: {str(did)[:100]!r}")
    suffix = did[len(prefix) :]
    if not all(c.isalnum() and c.isascii() for c in suffix):
        raise InvalidDid(f"not a did:dht DID: {did[:100]!r}")
    return suffix


def _jwk_alg_kid(vm: VerificationMethod, fragment: str) -> str:
    """The JWK ``alg`` to write, after checking that nothing else would be lost."""
    index = _INDEX_OF_KEY_TYPE.get(vm.public_key.key_type)
    if index is None:
        raise EncodingError(
            f"verification method {vm.id!r}: key type {vm.public_key.key_type.value} is not in the did:dht Key Type "
            "Index (registry: Ed25519, secp256k1, P-256, X25519)"
        )
    params = dict(vm.jwk_params) if vm.encoding == "jwk" else {}
    alg = params.pop("alg", index[1])
    kid = params.pop("kid", fragment)
    if not isinstance(alg, str) or not alg:
        raise EncodingError(f"verification method {vm.id!r}: JWK alg must be a non-empty string")
    _check_value(alg, f"verification method {vm.id!r} JWK alg")
    if kid != fragment:
        raise EncodingError(
            f"verification method {vm.id!r}: JWK kid {kid!r} differs from the method id; did:dht sets both to the "
            "same value ('Representing Keys')"
        )
    if params:
        raise EncodingError(
            f"verification method {vm.id!r}: JWK member(s) {', '.join(sorted(params))} cannot be carried by did:dht"
        )
    if vm.extra:
        raise EncodingError(
            f"verification method {vm.id!r}: propert(ies) {', '.join(sorted(vm.extra))} cannot be carried by did:dht"
        )
    return alg


def _service_record_value(s: Service, did: str) -> str:
    parts = [f"id={_fragment_of(s.id, did, 'service id')}"]
    types = s.types
    for t in types:
        _check_value(t, f"service {s.id!r} type")
    parts.append("t=" + ",".join(types))
    endpoints = s.service_endpoint if isinstance(s.service_endpoint, list) else [s.service_endpoint]
    for ep in endpoints:
        if not isinstance(ep, str):
            raise EncodingError(f"service {s.id!r}: map-valued serviceEndpoint entries cannot be carried by did:dht")
        _check_value(ep, f"service {s.id!r} endpoint")
    parts.append("se=" + ",".join(endpoints))  # "Services": several endpoints are comma-joined
    for name, value in s.extra.items():
        if name not in REGISTERED_SERVICE_PROPERTIES:
            raise EncodingError(
                f"service {s.id!r}: property {name!r} is not in the did:dht Additional Properties registry "
                f"({', '.join(sorted(REGISTERED_SERVICE_PROPERTIES))}) and cannot be carried"
            )
        values = value if isinstance(value, list) else [value]
        if not values:
            raise EncodingError(f"service {s.id!r}: property {name!r} is an empty list")
        for v in values:
            _check_value(v, f"service {s.id!r} property {name!r}")
        parts.append(f"{name}=" + ",".join(values))
    return ";".join(parts)


def document_to_records(
    document: DIDDocument,
    *,
    types: Iterable[int] = (),
    gateways: Iterable[str] = (),
    previous_did: PreviousDidRecord | None = None,
    ttl: int = DEFAULT_TTL,
) -> list[Record]:
    """The property mapping ("DIDs as DNS Records" .. "Type Indexing"); records in the order web5 1.2.0 writes
    them (``_prv``, ``_aka``, ``_cnt``, ``_kN``, ``_sN``, ``_typ``, root, NS) so packets compare byte for byte."""
    if not isinstance(document, DIDDocument):
        raise InvalidDidDocument("expected a DIDDocument")
    if not isinstance(ttl, int) or not 0 <= ttl <= 0x7FFFFFFF:
        raise EncodingError("TTL must be an integer in 0..2^31-1 (RFC 2181 section 8)")
    did = document.id
    suffix = _suffix_of(did)
    try:
        document.validate()  # DID Core invariants first: documents built in code have not been through from_json
    except InvalidDid as exc:
        raise InvalidDidDocument(str(exc)) from None
    if document.context is not None:
        raise EncodingError("did:dht documents MUST NOT include @context (spec 'Create', note)")
    if document.extra:
        raise EncodingError(f"document propert(ies) {', '.join(sorted(document.extra))} cannot be carried by did:dht")
    records: list[Record] = []

    if previous_did is not None:  # "Rotation": at most one Previous record
        prv_id = _check_value(previous_did.id, "previous DID")
        _suffix_of(prv_id)
        if len(previous_did.signature) != 64:
            raise EncodingError("the _prv signature must be a 64-byte Ed25519 signature")
        records.append(_txt("_prv._did.", f"id={prv_id};s={b64url_encode(previous_did.signature)}", ttl))
    if document.also_known_as:  # "Also Known As"
        for a in document.also_known_as:
            _check_value(a, "alsoKnownAs entry")
        records.append(_txt("_aka._did.", ",".join(document.also_known_as), ttl))
    if document.controller:  # "Controller"
        for c in document.controller:
            _check_value(c, "controller")
        records.append(_txt("_cnt._did.", ",".join(document.controller), ttl))

    # "Verification Methods": _kN in document order; the Identity Key MUST be _k0 with id 0.
    vms = document.verification_method
    if not vms:
        raise InvalidDidDocument("a did:dht document needs the Identity Key as its first verification method (#0)")
    record_of: dict[str, str] = {}
    for n, vm in enumerate(vms):
        fragment = _fragment_of(vm.id, did, "verification method id")
        if n == 0:
            if fragment != "0":
                raise InvalidDidDocument(
                    f"the first verification method must be the Identity Key with id {did}#0 (spec: the Identity Key "
                    f"MUST be _k0), got {vm.id!r}"
                )
            if vm.public_key.key_type is not KeyType.ED25519 or _suffix_of(did) != zbase32.encode(vm.public_key.raw):
                raise InvalidDidDocument(f"{vm.id} is not the Identity Key named by {did}")
        elif fragment == "0":
            raise InvalidDidDocument("only the Identity Key may have the id #0")
        if vm.id in record_of:
            raise InvalidDidDocument(f"duplicate verification method id {vm.id!r}")
        alg = _jwk_alg_kid(vm, fragment)
        t, default_alg = _INDEX_OF_KEY_TYPE[vm.public_key.key_type]
        parts = [f"t={t}", f"k={b64url_encode(vm.public_key.raw)}"]  # EC keys: 33-byte compressed points
        # "It is RECOMMENDED to omit Verification Method ID values": omit when derivable (0 / JWK thumbprint).
        if n != 0 and fragment != vm.public_key.jwk_thumbprint():
            parts.insert(0, f"id={fragment}")
        if alg != default_alg:  # "a ... MUST be omitted if it is the default value ... MUST be present" otherwise
            parts.append(f"a={alg}")
        if vm.controller != did:
            parts.append(f"c={_check_value(vm.controller, f'controller of {vm.id!r}')}")
        record_of[vm.id] = f"k{n}"
        records.append(_txt(f"_k{n}._did.", ";".join(parts), ttl))

    # "Services"
    for n, s in enumerate(document.service):
        records.append(_txt(f"_s{n}._did.", _service_record_value(s, did), ttl))

    type_list = list(types)
    if type_list:  # "Type Indexing": at most one _typ record, id=H,I,J
        for t in type_list:
            if not isinstance(t, int) or isinstance(t, bool) or t < 0:
                raise EncodingError(f"type index values are non-negative integers, got {t!r}")
        records.append(_txt("_typ._did.", "id=" + ",".join(str(t) for t in type_list), ttl))

    # Root record: v=0;vm=..;auth=..;asm=..;del=..;inv=..;agm=..;svc=..
    identity_id = vms[0].id
    for attr in ("authentication", "assertion_method", "capability_invocation", "capability_delegation"):
        if identity_id not in getattr(document, attr):
            raise InvalidDidDocument(
                f"the Identity Key must be in {attr} (spec 'Identity Key Pair': authentication, assertionMethod, "
                "capabilityInvocation and capabilityDelegation)"
            )
    root = [f"v={SPEC_VERSION}", "vm=" + ",".join(record_of[vm.id] for vm in vms)]
    for attr, short in _REL_KEYS:
        entries = getattr(document, attr)
        if not entries:  # "Verification Relationships ... without any members MUST be omitted"
            continue
        refs = []
        for e in entries:
            if not isinstance(e, str):
                raise EncodingError(f"{attr}: embedded verification methods cannot be carried by did:dht")
            if e not in record_of:
                raise InvalidDidDocument(f"{attr}: {e!r} is not a verification method of this document")
            refs.append(record_of[e])
        root.append(f"{short}=" + ",".join(refs))
    if document.service:
        root.append("svc=" + ",".join(f"s{n}" for n in range(len(document.service))))
    records.append(_txt(f"_did.{suffix}.", ";".join(root), ttl))

    # "Designating Authoritative Gateways": NS records on the root name
    seen_gw: set[str] = set()
    for gw in gateways:
        fqdn = _fqdn(gw)
        if fqdn.lower() in seen_gw:  # an RRset is a set (RFC 2181 section 5): a repeated NS record would vanish
            raise EncodingError(f"gateway {gw!r} is listed twice")
        seen_gw.add(fqdn.lower())
        records.append(Record(f"_did.{suffix}.", "NS", ttl, (fqdn,)))
    return records


def deactivated_records(did: str, *, ttl: int = DEFAULT_TTL) -> list[Record]:
    """"Deactivate" option 2: a root record whose rdata is ``deactivated``."""
    return [Record(f"_did.{_suffix_of(did)}.", "TXT", ttl, ("deactivated",))]


def _fqdn(name: str) -> str:
    if not isinstance(name, str) or not name.strip("."):
        raise EncodingError(f"gateway must be a domain name, got {name!r}")
    try:
        return dns.name.from_text(name.rstrip(".") + ".").to_text()
    except dns.exception.DNSException as exc:
        raise EncodingError(f"gateway {name[:100]!r} is not a valid domain name: {exc}") from None


# ----------------------------------------------------------------------------------------------------------------
# Records -> document


def _parse_props(value: str, what: str) -> dict[str, str]:
    """``k=v;k=v`` ("Property Mapping"); the value is everything after the first ``=``."""
    out: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, v = part.partition("=")
        if not sep or not key:
            raise InvalidDidDocument(f"{what}: malformed property {part[:60]!r} (expected name=value)")
        if key in out:
            raise InvalidDidDocument(f"{what}: property {key!r} appears twice")
        out[key] = v
    return out


def _split_list(value: str, what: str) -> list[str]:
    items = value.split(",")
    if any(not i for i in items):
        raise InvalidDidDocument(f"{what}: empty element in {value[:80]!r}")
    return items


def _index_ref(ref: str, prefix: str, what: str) -> int:
    digits = ref[len(prefix) :]
    if not ref.startswith(prefix) or not digits.isdigit() or (len(digits) > 1 and digits[0] == "0"):
        raise InvalidDidDocument(f"{what}: {ref!r} is not a {prefix}N reference")
    return int(digits)


def _key_from_record(props: Mapping[str, str], where: str) -> tuple[PublicKey, str]:
    t = props.get("t")
    k = props.get("k")
    if t is None or k is None:
        raise InvalidDidDocument(f"{where}: t= and k= are required")
    if not t.isdigit() or int(t) not in KEY_TYPE_INDEX:
        raise InvalidKey(f"{where}: key type index {t!r} is not in the did:dht Key Type Index", code="invalidPublicKey")
    key_type, default_alg = KEY_TYPE_INDEX[int(t)]
    raw = b64url_decode(k, what=f"{where} k")
    expected = 33 if key_type in (KeyType.P256, KeyType.SECP256K1) else 32
    if len(raw) != expected:
        # "Representing Keys": EC keys travel as 33-byte compressed points.
        raise InvalidKey(
            f"{where}: {key_type.value} key must be {expected} bytes, got {len(raw)}", code="invalidPublicKeyLength"
        )
    return PublicKey.from_raw(key_type, raw), props.get("a") or default_alg


def records_to_document(did: str, records: Sequence[Record]) -> tuple[DIDDocument, PacketContent]:
    """Reverse the property mapping ("Read" step 4). ``did`` names the packet's owner: its root record must be
    ``_did.<suffix>.`` and ``_k0`` must be its identity key. Raises a :class:`~did.errors.DidError` subclass."""
    suffix = _suffix_of(did)
    root_name = f"_did.{suffix}."
    content = PacketContent()
    by_name: dict[str, Record] = {}
    root: Record | None = None
    for r in records:
        if r.type == "NS":
            if r.name.lower() != root_name.lower():
                continue  # not a did:dht gateway record (a pkarr packet may hold other NS records)
            gateway = r.text.rstrip(".")
            if gateway not in content.gateways:  # an RRset is a set (RFC 2181 section 5)
                content.gateways.append(gateway)
            continue
        if r.type != "TXT":
            continue
        lname = r.name
        if lname.startswith("_did.") and lname.count(".") == 2:
            if lname != root_name:
                raise InvalidDidDocument(f"root record {lname!r} does not belong to {did}")
            if root is not None:
                raise InvalidDidDocument("the packet has more than one root record")
            root = r
            continue
        if not lname.endswith("._did."):
            continue  # not a did:dht record
        if lname in by_name:
            raise InvalidDidDocument(f"the packet has more than one {lname} record")
        by_name[lname] = r
    ttls = [r.ttl for r in records]
    content.ttl = min(ttls) if ttls else None

    if root is None:
        raise InvalidDidDocument(f"the packet has no root record _did.{suffix}. (spec 'Root Record')")
    if root.text == "deactivated":  # "Deactivate"
        content.deactivated = True
        return DIDDocument(id=did, context=None), content
    root_props = _parse_props(root.text, "root record")
    version = root_props.get("v")
    if version is None or not version.isdigit():
        raise InvalidDidDocument("root record: v= (version) is required")
    content.version = int(version)
    if content.version != SPEC_VERSION:
        raise InvalidDidDocument(f"root record: unsupported did:dht packet version v={version}")
    vm_refs = _split_list(root_props.get("vm", ""), "root record vm")
    if vm_refs[0] != "k0":
        raise InvalidDidDocument("root record: vm must start with k0, the Identity Key")

    doc = DIDDocument(id=did, context=None)
    identity_raw = _identity_key_of(suffix)
    record_to_id: dict[str, str] = {}
    for ref in vm_refs:
        _index_ref(ref, "k", "root record vm")
        if ref in record_to_id:
            raise InvalidDidDocument(f"root record: {ref} listed twice in vm")
        rec = by_name.get(f"_{ref}._did.")
        if rec is None:
            raise InvalidDidDocument(f"root record lists {ref} but the packet has no _{ref}._did. record")
        props = _parse_props(rec.text, f"_{ref}._did.")
        unknown = set(props) - {"id", "t", "k", "a", "c"}
        if unknown:
            raise InvalidDidDocument(f"_{ref}._did.: unknown propert(ies) {', '.join(sorted(unknown))}")
        pk, alg = _key_from_record(props, f"_{ref}._did.")
        if ref == "k0":  # "Read" 4a: _k0 is the Identity Key, id and kid 0
            if pk.key_type is not KeyType.ED25519 or pk.raw != identity_raw:
                raise InvalidKey(f"_k0._did. is not the identity key of {did}", code="invalidPublicKey")
            if props.get("id", "0") != "0":
                raise InvalidDidDocument("_k0._did.: the Identity Key's id must be 0")
            fragment = "0"
        else:  # "Read" 4b: id if present, else the RFC 7638 thumbprint
            fragment = props["id"] if "id" in props else pk.jwk_thumbprint()
            if not fragment or fragment == "0":
                raise InvalidDidDocument(f"_{ref}._did.: id {fragment!r} is reserved or empty")
        controller = props.get("c") or did
        vm_id = f"{did}#{fragment}"
        _check_value(fragment, f"_{ref}._did. id")
        vm = VerificationMethod.json_web_key(vm_id, controller, pk, jwk_params={"alg": alg, "kid": fragment})
        doc.add_verification_method(vm)
        record_to_id[ref] = vm_id
    listed = {f"_{ref}._did." for ref in vm_refs}
    for name in by_name:
        if _KEY_NAME.fullmatch(name) and name not in listed:
            raise InvalidDidDocument(f"{name} is not listed in the root record's vm")

    for attr, short in _REL_KEYS:
        if short not in root_props:
            continue
        refs = _split_list(root_props[short], f"root record {short}")
        for ref in refs:
            if ref not in record_to_id:
                raise InvalidDidDocument(f"root record {short}: {ref} names no verification method")
            getattr(doc, attr).append(record_to_id[ref])
    for attr in ("authentication", "assertion_method", "capability_invocation", "capability_delegation"):
        if record_to_id["k0"] not in getattr(doc, attr):
            raise InvalidDidDocument(f"the Identity Key is missing from {attr} (spec 'Identity Key Pair')")

    svc_refs = _split_list(root_props["svc"], "root record svc") if "svc" in root_props else []
    seen_svc: set[str] = set()
    for ref in svc_refs:
        _index_ref(ref, "s", "root record svc")
        if ref in seen_svc:
            raise InvalidDidDocument(f"root record: {ref} listed twice in svc")
        seen_svc.add(ref)
        rec = by_name.get(f"_{ref}._did.")
        if rec is None:
            raise InvalidDidDocument(f"root record lists {ref} but the packet has no _{ref}._did. record")
        doc.add_service(_service_from_record(rec, did, ref))
    for name in by_name:
        if _SERVICE_NAME.fullmatch(name) and name[1 : name.index(".")] not in seen_svc:
            raise InvalidDidDocument(f"{name} is not listed in the root record's svc")

    if "_cnt._did." in by_name:
        doc.controller = _split_list(by_name["_cnt._did."].text, "_cnt._did.")
    if "_aka._did." in by_name:
        doc.also_known_as = _split_list(by_name["_aka._did."].text, "_aka._did.")
    if "_typ._did." in by_name:
        typ = _parse_props(by_name["_typ._did."].text, "_typ._did.")
        ids = _split_list(typ.get("id", ""), "_typ._did. id")
        if set(typ) != {"id"} or not all(i.isdigit() for i in ids):
            raise InvalidDidDocument("_typ._did.: expected id=<integer>,<integer>,...")
        content.types = [int(i) for i in ids]
    if "_prv._did." in by_name:
        prv = _parse_props(by_name["_prv._did."].text, "_prv._did.")
        if set(prv) != {"id", "s"}:
            raise InvalidDidDocument("_prv._did.: expected id=<previous DID>;s=<signature>")
        _suffix_of(prv["id"])
        sig = b64url_decode(prv["s"], what="_prv._did. signature")
        if len(sig) != 64:
            raise InvalidDidDocument("_prv._did.: the signature must be 64 bytes")
        content.previous_did = PreviousDidRecord(prv["id"], sig)
    try:
        doc.validate()
    except InvalidDid as exc:
        raise InvalidDidDocument(str(exc)) from None
    return doc, content


def _service_from_record(rec: Record, did: str, ref: str) -> Service:
    where = f"_{ref}._did."
    props = _parse_props(rec.text, where)
    sid, t, se = props.pop("id", None), props.pop("t", None), props.pop("se", None)
    if not sid or not t or se is None:
        raise InvalidDidDocument(f"{where}: id=, t= and se= are required")
    types = _split_list(t, f"{where} t")
    obj: dict[str, Any] = {
        "id": f"{did}#{sid}",
        "type": types[0] if len(types) == 1 else types,
        "serviceEndpoint": _split_list(se, f"{where} se"),
    }
    for name, value in props.items():
        if not name.isascii() or not name.isalnum():
            raise InvalidDidDocument(f"{where}: malformed property name {name[:40]!r}")
        if name in ("id", "type", "serviceEndpoint"):
            raise InvalidDidDocument(f"{where}: property {name!r} collides with a service member")
        values = _split_list(value, f"{where} {name}")
        obj[name] = values[0] if len(values) == 1 else values
    return Service.from_json(obj, where=where)


def _identity_key_of(suffix: str) -> bytes:
    try:
        return zbase32.decode(suffix, expected_length=32)
    except EncodingError as exc:
        raise InvalidKey(f"did:dht suffix is not a z-base-32 Ed25519 key: {exc}", code="invalidPublicKey") from None


# ----------------------------------------------------------------------------------------------------------------
# Records <-> DNS wire format (RFC 1035 section 4)


def records_to_packet(records: Sequence[Record], *, compress: bool = True) -> bytes:
    """A DNS response with the Authoritative Answer flag ("DIDs as DNS Records") holding ``records`` as answers,
    names compressed per RFC 1035 section 4.1.4 (``compress=False`` writes them in full, as web5 1.2.0 does).
    Names (and their compression) go through dnspython; TXT/NS RDATA follow RFC 1035 sections 3.3.14 / 3.3.11."""
    out = io.BytesIO()
    # Header (RFC 1035 4.1.1): ID 0, QR=1, AA=1, QDCOUNT 0, ANCOUNT n, NSCOUNT 0, ARCOUNT 0.
    out.write(struct.pack("!HHHHHH", 0, dns.flags.QR | dns.flags.AA, 0, len(records), 0, 0))
    table: dict[dns.name.Name, int] | None = {} if compress else None
    for r in records:
        try:
            name = _name(r.name)
            name.to_wire(out, table, dns.name.root)
            if r.type == "TXT":
                rdata = bytearray()
                for chunk in r.rdata or ("",):
                    raw = chunk.encode("utf-8", "surrogateescape")
                    if len(raw) > _MAX_CHARSTRING:
                        raise EncodingError(f"record {r.name}: a character-string is longer than 255 bytes")
                    rdata.append(len(raw))
                    rdata += raw
                if len(rdata) > 0xFFFF:
                    raise EncodingError(f"record {r.name} is longer than a DNS record can be (65535 bytes)")
                out.write(struct.pack("!HHIH", _TXT, _IN, r.ttl, len(rdata)))
                out.write(rdata)
            elif r.type == "NS":
                out.write(struct.pack("!HHI", _NS, _IN, r.ttl))
                length_at = out.tell()
                out.write(b"\0\0")
                _name(r.rdata[0]).to_wire(out, table, dns.name.root)  # RFC 1035 4.1.4: NSDNAME may be compressed
                end = out.tell()
                out.seek(length_at)
                out.write(struct.pack("!H", end - length_at - 2))
                out.seek(end)
            else:
                raise EncodingError(f"did:dht packets carry TXT and NS records, not {r.type}")
        except IiotidError:
            raise
        except (dns.exception.DNSException, ValueError, UnicodeError, struct.error) as exc:
            raise EncodingError(f"record {r.name} cannot be written as DNS: {exc}") from None
    return out.getvalue()


_NAME_CACHE: dict[str, dns.name.Name] = {}


def _name(text: str) -> dns.name.Name:
    name = _NAME_CACHE.get(text)
    if name is None:
        name = dns.name.from_text(text)
        if len(_NAME_CACHE) < 4096:
            _NAME_CACHE[text] = name
    return name


def packet_to_records(packet: bytes) -> list[Record]:
    """Parse a DNS message (RFC 1035 section 4; compressed or not) into the TXT and NS records of its answer
    section. The whole message must parse, with nothing after its last record."""
    if not isinstance(packet, bytes | bytearray | memoryview):
        raise EncodingError("a DNS packet must be bytes")
    parser = dns.wire.Parser(bytes(packet))
    records: list[Record] = []
    try:
        _id, _flags, qdcount, ancount, nscount, arcount = parser.get_struct("!HHHHHH")
        for _ in range(qdcount):
            dns.name.from_wire_parser(parser)
            parser.get_struct("!HH")
        for section, count in ((0, ancount), (1, nscount), (2, arcount)):
            for _ in range(count):
                name = dns.name.from_wire_parser(parser)
                rdtype, rdclass, ttl, rdlen = parser.get_struct("!HHIH")
                with parser.restrict_to(rdlen):
                    if section == 0 and rdclass == _IN and rdtype == _TXT:
                        strings = []
                        while parser.remaining():
                            strings.append(parser.get_counted_bytes())
                        if not strings:
                            raise dns.exception.FormError("empty TXT RDATA")
                        records.append(Record(name.to_text(), "TXT", ttl, _txt_strings(strings, name)))
                    elif section == 0 and rdclass == _IN and rdtype == _NS:
                        target = dns.name.from_wire_parser(parser)
                        records.append(Record(name.to_text(), "NS", ttl, (target.to_text(),)))
                    else:
                        parser.get_bytes(rdlen)
        if parser.remaining():
            raise dns.exception.FormError(f"{parser.remaining()} bytes after the last record")
    except IiotidError:
        raise
    except Exception as exc:  # dnspython raises FormError, BadPointer, LabelTooLong, ... on malformed input
        raise EncodingError(f"not a valid DNS packet: {exc.__class__.__name__}: {exc}") from None
    return records


def _txt_strings(strings: list[bytes], name: dns.name.Name) -> tuple[str, ...]:
    try:
        return tuple(s.decode("utf-8") for s in strings)
    except UnicodeDecodeError:
        # A value split mid-character: join the octets first, then decode ("DIDs as DNS Records").
        try:
            joined = b"".join(strings).decode("utf-8")
        except UnicodeDecodeError:
            raise EncodingError(f"TXT record {name} is not UTF-8") from None
        return _split_charstrings(joined)


def canonical_document(document: DIDDocument) -> DIDDocument:
    """The document as a did:dht packet carries it (what decoding its encoding yields)."""
    records = document_to_records(document)
    doc, _ = records_to_document(document.id, records)
    return doc
