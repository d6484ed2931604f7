"""W3C DID Core 1.0 data model: DID syntax, verification methods, services and DID documents, JSON in and out.

Section references are to https://www.w3.org/TR/did-core/ (DID Core 1.0, W3C Recommendation 19 July 2022):
3.1 DID Syntax, 3.2 DID URL Syntax, 5.1 Identifiers (id, controller, alsoKnownAs), 5.2 Verification Methods,
5.3 Verification Relationships, 5.4 Services. Verification material follows W3C Controlled Identifiers 1.0
section 2.2 (``Multikey`` with ``publicKeyMultibase``, ``JsonWebKey`` with ``publicKeyJwk``).

The model keeps every reference absolute: relative DID URLs (``#key-1``) are resolved against the document's
DID on input (DID Core 3.2.2 "Relative DID URLs"), so ``to_json`` output is self-contained. Unknown properties are
kept in ``extra`` dictionaries and written back unchanged.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from did.errors import (
    EncodingError,
    InvalidDid,
    InvalidDidDocument,
    InvalidKey,
    VerificationMethodNotFound,
    VerificationRelationshipError,
)
from did.keys import KeyType, PublicKey, base58_decode, base58_encode

__all__ = [
    "DID_CONTEXT_V1",
    "MULTIKEY_CONTEXT_V1",
    "RELATIONSHIPS",
    "DIDDocument",
    "DidUrl",
    "Service",
    "VerificationMethod",
    "parse_did",
    "parse_did_url",
]

DID_CONTEXT_V1 = "https://www.w3.org/ns/did/v1"
DID_CONTEXT_V1_1 = "https://www.w3.org/ns/did/v1.1"
MULTIKEY_CONTEXT_V1 = "https://w3id.org/security/multikey/v1"
JWK_CONTEXT_V1 = "https://w3id.org/security/jwk/v1"

# DID Core 5.3: the verification relationships, JSON name -> attribute name.
RELATIONSHIPS: dict[str, str] = {
    "authentication": "authentication",
    "assertionMethod": "assertion_method",
    "keyAgreement": "key_agreement",
    "capabilityInvocation": "capability_invocation",
    "capabilityDelegation": "capability_delegation",
}
_ATTR_TO_JSON = {v: k for k, v in RELATIONSHIPS.items()}

# Verification method types whose material property is fixed: Multikey-like types carry publicKeyMultibase
# (Controlled Identifiers 1.0 section 2.2.2, the 2020 suites), JWK types publicKeyJwk (section 2.2.3). Other types are
# read by their material property. Legacy types carrying raw ``publicKeyBase58`` (the 2018/2019 suites, did:key
# test vectors before 2025) are read too, and written back the same way.
MULTIBASE_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020", "X25519KeyAgreementKey2020"})
JWK_TYPES = frozenset({"JsonWebKey", "JsonWebKey2020"})
BASE58_TYPES: dict[str, KeyType] = {
    "Ed25519VerificationKey2018": KeyType.ED25519,
    "X25519KeyAgreementKey2019": KeyType.X25519,
    "EcdsaSecp256k1VerificationKey2019": KeyType.SECP256K1,
    "Bls12381G2Key2020": KeyType.BLS12381_G2,
}
_MATERIAL = ("publicKeyMultibase", "publicKeyJwk", "publicKeyBase58")

MAX_DID_LENGTH = 2048

# ----------------------------------------------------------------------------------------------------------------
# DID Core 3.1 / 3.2 syntax
#   did                = "did:" method-name ":" method-specific-id
#   method-name        = 1*method-char ;  method-char = %x61-7A / DIGIT
#   method-specific-id = *( *idchar ":" ) 1*idchar ;  idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
#   did-url            = did path-abempty [ "?" query ] [ "#" fragment ]   (RFC 3986 sections 3.3-3.5)
_IDCHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
_DID = rf"did:(?P<method>[a-z0-9]+):(?P<msi>(?:{_IDCHAR}*:)*{_IDCHAR}+)"
_DID_RE = re.compile(_DID)
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_DID_URL_RE = re.compile(
    rf"(?P<did>{_DID})(?P<path>(?:/{_PCHAR}*)*)(?:\?(?P<query>(?:{_PCHAR}|[/?])*))?(?:#(?P<fragment>(?:{_PCHAR}|[/?])*))?"
)
# RFC 3986 section 3: an absolute URI starts with a scheme followed by ":"; no whitespace or controls anywhere.
_URI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f<>\"{}|\\^`]*")


def parse_did(did: object) -> tuple[str, str]:
    """Check ``did`` against the DID Core 3.1 ABNF and return ``(method, method_specific_id)``."""
    if not isinstance(did, str):
        raise InvalidDid("a DID must be a string")
    if len(did) > MAX_DID_LENGTH:
        raise InvalidDid(f"DID is longer than {MAX_DID_LENGTH} characters")
    m = _DID_RE.fullmatch(did)
    if m is None:
        raise InvalidDid(f"not a DID (DID Core 3.1: did:<method>:<method-specific-id>): {did[:100]!r}")
    return m["method"], m["msi"]


@dataclass(frozen=True, slots=True)
class DidUrl:
    """A parsed DID URL (DID Core 3.2)."""

    did: str
    method: str
    method_specific_id: str
    path: str = ""
    query: str | None = None
    fragment: str | None = None

    @property
    def url(self) -> str:
        out = self.did + self.path
        if self.query is not None:
            out += "?" + self.query
        if self.fragment is not None:
            out += "#" + self.fragment
        return out

    def __str__(self) -> str:
        return self.url


def parse_did_url(url: object, *, base: str | None = None) -> DidUrl:
    """Parse a DID URL (DID Core 3.2). With ``base`` (a DID), relative references ``#frag``, ``?q`` and ``/p``
    are resolved against it first (DID Core 3.2.2, RFC 3986 section 5)."""
    if not isinstance(url, str):
        raise InvalidDid("a DID URL must be a string")
    if base is not None and url[:1] in ("#", "?", "/"):
        parse_did(base)
        url = base + url
    if len(url) > MAX_DID_LENGTH:
        raise InvalidDid(f"DID URL is longer than {MAX_DID_LENGTH} characters")
    m = _DID_URL_RE.fullmatch(url)
    if m is None:
        raise InvalidDid(f"not a DID URL (DID Core 3.2 syntax): {url[:100]!r}")
    return DidUrl(m["did"], m["method"], m["msi"], m["path"] or "", m["query"], m["fragment"])


def is_uri(value: object) -> bool:
    """True for an absolute URI per RFC 3986 section 3 (scheme ":" ...), the form DID Core requires."""
    return isinstance(value, str) and _URI_RE.fullmatch(value) is not None


# ----------------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class VerificationMethod:
    """DID Core 5.2.1. ``encoding`` says which verification material property is written out."""

    id: str
    type: str
    controller: str
    public_key: PublicKey
    encoding: Literal["multibase", "jwk", "base58"] = "multibase"
    extra: dict[str, Any] = field(default_factory=dict)
    # Optional JWK parameters besides the key itself (RFC 7517 section 4: "alg", "kid", "use", "key_ops" ...),
    # written back into ``publicKeyJwk``; web5's did:dht documents carry "alg" and "kid".
    jwk_params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def multikey(cls, id: str, controller: str, public_key: PublicKey) -> VerificationMethod:
        """A ``Multikey`` method (Controlled Identifiers 1.0 section 2.2.2)."""
        return cls(id, "Multikey", controller, public_key, "multibase")

    @classmethod
    def json_web_key(
        cls, id: str, controller: str, public_key: PublicKey, *, jwk_params: Mapping[str, Any] | None = None
    ) -> VerificationMethod:
        """A ``JsonWebKey`` method (Controlled Identifiers 1.0 section 2.2.3)."""
        params = _check_jwk_params(jwk_params or {}, "publicKeyJwk")
        return cls(id, "JsonWebKey", controller, public_key, "jwk", jwk_params=params)

    @property
    def fragment(self) -> str | None:
        return self.id.partition("#")[2] or None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type, "controller": self.controller}
        if self.encoding == "jwk":
            out["publicKeyJwk"] = {**self.public_key.to_jwk(), **copy.deepcopy(self.jwk_params)}
        elif self.encoding == "base58":
            out["publicKeyBase58"] = base58_encode(self.public_key.raw)
        else:
            out["publicKeyMultibase"] = self.public_key.to_multibase()
        out.update(copy.deepcopy(self.extra))
        return out

    @classmethod
    def from_json(
        cls, obj: object, *, base: str | None = None, where: str = "verificationMethod"
    ) -> VerificationMethod:
        """Parse and validate one verification method; ``base`` resolves relative ids and controllers."""
        if not isinstance(obj, Mapping):
            raise InvalidDidDocument(f"{where}: a verification method must be a JSON object")
        vm_id = _did_url_field(obj, "id", base, where)
        vm_type = obj.get("type")
        if not isinstance(vm_type, str) or not vm_type:
            raise InvalidDidDocument(f"{where}.type: must be a non-empty string")
        controller = obj.get("controller")
        if controller is None:
            raise InvalidDidDocument(f"{where}.controller: is required (DID Core 5.2.1)")
        try:
            parse_did(controller)
        except InvalidDid as exc:
            raise InvalidDidDocument(f"{where}.controller: {exc}") from None
        present = [p for p in _MATERIAL if p in obj]
        if len(present) > 1:
            raise InvalidDidDocument(
                f"{where}: has {' and '.join(present)} (DID Core 5.2.1 allows one verification material property)"
            )
        if not present:
            raise InvalidDidDocument(f"{where}: needs publicKeyMultibase or publicKeyJwk")
        prop = present[0]
        expected = (
            "publicKeyMultibase" if vm_type in MULTIBASE_TYPES else "publicKeyJwk" if vm_type in JWK_TYPES else None
        )
        if (expected is not None and prop != expected) or (prop == "publicKeyBase58" and vm_type not in BASE58_TYPES):
            raise InvalidDidDocument(f"{where}: type {vm_type!r} does not use {prop}")
        encoding: Literal["multibase", "jwk", "base58"]
        jwk_params: dict[str, Any] = {}
        try:
            if prop == "publicKeyJwk":
                jwk = obj["publicKeyJwk"]
                if isinstance(jwk, Mapping) and "d" in jwk:
                    # DID Core 5.2.1: publicKeyJwk MUST NOT contain private key members.
                    raise InvalidDidDocument(f"{where}.publicKeyJwk: contains the private member 'd'")
                pk = PublicKey.from_jwk(jwk)
                jwk_params = _check_jwk_params(jwk, f"{where}.publicKeyJwk")
                encoding = "jwk"
            elif prop == "publicKeyBase58":
                pk = PublicKey.from_raw(BASE58_TYPES[vm_type], base58_decode(obj[prop], what=prop))
                encoding = "base58"
            else:
                pk = PublicKey.from_multibase(obj["publicKeyMultibase"])
                encoding = "multibase"
        except (InvalidKey, EncodingError) as exc:
            raise InvalidDidDocument(f"{where}.{prop}: {exc}") from None
        extra = {
            k: copy.deepcopy(v)
            for k, v in obj.items()
            if k not in ("id", "type", "controller", *_MATERIAL)
        }
        return cls(vm_id, vm_type, controller, pk, encoding, extra, jwk_params)


@dataclass(slots=True)
class Service:
    """DID Core 5.4. ``type`` is a string or a list of strings; ``service_endpoint`` a URI, map, or list of them."""

    id: str
    type: str | list[str]
    service_endpoint: str | list[Any] | dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def types(self) -> list[str]:
        return [self.type] if isinstance(self.type, str) else list(self.type)

    @property
    def endpoints(self) -> list[str]:
        """The endpoint URIs as a flat list (map-valued endpoints are skipped)."""
        ep = self.service_endpoint
        items = ep if isinstance(ep, list) else [ep]
        return [e for e in items if isinstance(e, str)]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "type": self.type if isinstance(self.type, str) else list(self.type),
            "serviceEndpoint": copy.deepcopy(self.service_endpoint),
        }
        out.update(copy.deepcopy(self.extra))
        return out

    @classmethod
    def from_json(cls, obj: object, *, base: str | None = None, where: str = "service") -> Service:
        if not isinstance(obj, Mapping):
            raise InvalidDidDocument(f"{where}: a service must be a JSON object")
        raw_id = obj.get("id")
        if not isinstance(raw_id, str) or not raw_id:
            raise InvalidDidDocument(f"{where}.id: must be a non-empty string")
        if base is not None and raw_id.startswith("#"):
            raw_id = base + raw_id
        if not is_uri(raw_id):
            raise InvalidDidDocument(f"{where}.id: must be a URI (DID Core 5.4): {raw_id[:100]!r}")
        stype = obj.get("type")
        if isinstance(stype, list):
            if not stype or not all(isinstance(t, str) and t for t in stype):
                raise InvalidDidDocument(f"{where}.type: must be a string or a non-empty list of strings")
            stype = list(stype)
        elif not isinstance(stype, str) or not stype:
            raise InvalidDidDocument(f"{where}.type: must be a string or a non-empty list of strings")
        if "serviceEndpoint" not in obj:
            raise InvalidDidDocument(f"{where}.serviceEndpoint: is required (DID Core 5.4)")
        endpoint = _validate_endpoint(obj["serviceEndpoint"], f"{where}.serviceEndpoint")
        extra = {k: copy.deepcopy(v) for k, v in obj.items() if k not in ("id", "type", "serviceEndpoint")}
        return cls(raw_id, stype, endpoint, extra)


_JWK_KEY_MEMBERS = frozenset({"kty", "crv", "x", "y"})
# RFC 7518 section 6.2.2 / 6.3.2 and RFC 8037 section 2: members that carry private key material.
_JWK_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def _check_jwk_params(jwk: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The non-key members of a public JWK, refusing private ones (DID Core 5.2.1)."""
    params = {k: copy.deepcopy(v) for k, v in jwk.items() if k not in _JWK_KEY_MEMBERS}
    leaked = sorted(_JWK_PRIVATE_MEMBERS & params.keys())
    if leaked:
        raise InvalidDidDocument(f"{where}: contains the private member {leaked[0]!r}")
    for name in ("alg", "kid", "use"):
        if name in params and not isinstance(params[name], str):
            raise InvalidDidDocument(f"{where}.{name}: must be a string (RFC 7517 section 4)")
    return params


def _validate_endpoint(ep: object, where: str) -> Any:
    # DID Core 5.4: a string (URI), a map, or a set composed of strings (URIs) and/or maps.
    def one(v: object, w: str) -> Any:
        if isinstance(v, str):
            if not is_uri(v):
                raise InvalidDidDocument(f"{w}: not a URI (RFC 3986): {v[:100]!r}")
            return v
        if isinstance(v, Mapping):
            return copy.deepcopy(dict(v))
        raise InvalidDidDocument(f"{w}: must be a URI string or a map")

    if isinstance(ep, list):
        if not ep:
            raise InvalidDidDocument(f"{where}: an endpoint set must not be empty")
        return [one(v, f"{where}[{i}]") for i, v in enumerate(ep)]
    return one(ep, where)


def _did_url_field(obj: Mapping[str, Any], name: str, base: str | None, where: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidDidDocument(f"{where}.{name}: must be a non-empty string")
    try:
        return parse_did_url(value, base=base).url
    except InvalidDid as exc:
        raise InvalidDidDocument(f"{where}.{name}: {exc}") from None


# ----------------------------------------------------------------------------------------------------------------

RelationshipEntry = str | VerificationMethod


@dataclass(slots=True)
class DIDDocument:
    """A DID document (DID Core 5). Build one in code or with :meth:`from_json`; :meth:`validate` re-checks it."""

    id: str
    controller: list[str] = field(default_factory=list)
    also_known_as: list[str] = field(default_factory=list)
    verification_method: list[VerificationMethod] = field(default_factory=list)
    authentication: list[RelationshipEntry] = field(default_factory=list)
    assertion_method: list[RelationshipEntry] = field(default_factory=list)
    key_agreement: list[RelationshipEntry] = field(default_factory=list)
    capability_invocation: list[RelationshipEntry] = field(default_factory=list)
    capability_delegation: list[RelationshipEntry] = field(default_factory=list)
    service: list[Service] = field(default_factory=list)
    # ``@context`` as written: a string, a list, or None for the plain-JSON representation (DID Core 6.2).
    context: str | list[str | dict[str, Any]] | None = field(default_factory=lambda: [DID_CONTEXT_V1])
    extra: dict[str, Any] = field(default_factory=dict)

    # -- building ----------------------------------------------------------------------------------------------

    def add_verification_method(
        self, vm: VerificationMethod, relationships: Iterable[str] = ()
    ) -> VerificationMethod:
        """Append ``vm`` and reference it (by id) from each named relationship (JSON or attribute name)."""
        if any(m.id == vm.id for m in self.all_verification_methods()):
            raise InvalidDidDocument(f"verificationMethod: duplicate id {vm.id!r}")
        self.verification_method.append(vm)
        for rel in relationships:
            self._relationship_list(rel).append(vm.id)
        return vm

    def add_service(self, service: Service) -> Service:
        if any(s.id == service.id for s in self.service):
            raise InvalidDidDocument(f"service: duplicate id {service.id!r}")
        self.service.append(service)
        return service

    # -- queries -----------------------------------------------------------------------------------------------

    def relationships(self) -> dict[str, list[RelationshipEntry]]:
        """The five verification relationships keyed by their JSON name (DID Core 5.3)."""
        return {name: getattr(self, attr) for name, attr in RELATIONSHIPS.items()}

    def relationships_of(self, ref: str) -> list[str]:
        """JSON names of the relationships that authorize the method ``ref`` (absolute or ``#fragment``)."""
        target = self._absolute(ref)
        return [
            name
            for name, entries in self.relationships().items()
            if any((e if isinstance(e, str) else e.id) == target for e in entries)
        ]

    def all_verification_methods(self) -> Iterator[VerificationMethod]:
        """Top-level methods, then methods embedded in relationships."""
        yield from self.verification_method
        for entries in self.relationships().values():
            for e in entries:
                if isinstance(e, VerificationMethod):
                    yield e

    def find_verification_method(self, ref: str, relationship: str | None = None) -> VerificationMethod:
        """Dereference a method by DID URL or ``#fragment``; with ``relationship``, also require it to be
        authorized there (the proof-purpose check of VC Data Integrity section 4.2)."""
        target = self._absolute(ref)
        if relationship is not None:
            entries = self._relationship_list(relationship)
            for e in entries:
                if isinstance(e, VerificationMethod) and e.id == target:
                    return e
            if target not in [e for e in entries if isinstance(e, str)]:
                if any(m.id == target for m in self.all_verification_methods()):
                    raise VerificationRelationshipError(
                        f"verification method {target!r} is not authorized for {_json_rel(relationship)}"
                    )
                raise VerificationMethodNotFound(f"no verification method {target!r} in {self.id}")
        for m in self.verification_method:
            if m.id == target:
                return m
        for m in self.all_verification_methods():
            if m.id == target:
                return m
        raise VerificationMethodNotFound(f"no verification method {target!r} in {self.id}")

    def find_service(self, ref: str) -> Service:
        target = self._absolute(ref)
        for s in self.service:
            if s.id == target:
                return s
        raise VerificationMethodNotFound(f"no service {target!r} in {self.id}", code="serviceNotFound")

    def _absolute(self, ref: str) -> str:
        if not isinstance(ref, str) or not ref:
            raise InvalidDid("a verification method reference must be a non-empty string")
        if ref.startswith("#"):
            return self.id + ref
        if not ref.startswith("did:"):
            return f"{self.id}#{ref}"  # a bare fragment
        return parse_did_url(ref).url

    def _relationship_list(self, name: str) -> list[RelationshipEntry]:
        attr = RELATIONSHIPS.get(name) or (name if name in _ATTR_TO_JSON else None)
        if attr is None:
            raise VerificationRelationshipError(
                f"unknown verification relationship {name!r}; expected one of {', '.join(RELATIONSHIPS)}"
            )
        value: list[RelationshipEntry] = getattr(self, attr)
        return value

    # -- validation --------------------------------------------------------------------------------------------

    def validate(self) -> DIDDocument:
        """Check the invariants of DID Core 5 on an in-memory document; returns ``self``."""
        try:
            parse_did(self.id)
        except InvalidDid as exc:
            raise InvalidDidDocument(f"id: {exc}") from None
        for i, c in enumerate(self.controller):
            try:
                parse_did(c)
            except InvalidDid as exc:
                raise InvalidDidDocument(f"controller[{i}]: {exc}") from None
        for i, a in enumerate(self.also_known_as):
            if not is_uri(a):
                raise InvalidDidDocument(f"alsoKnownAs[{i}]: not a URI (RFC 3986): {str(a)[:100]!r}")
        seen: set[str] = set()
        for vm in self.all_verification_methods():
            try:
                parse_did_url(vm.id)
                parse_did(vm.controller)
            except InvalidDid as exc:
                raise InvalidDidDocument(f"verificationMethod {vm.id!r}: {exc}") from None
            if not isinstance(vm.public_key, PublicKey):
                raise InvalidDidDocument(f"verificationMethod {vm.id!r}: public_key must be a PublicKey")
            if vm.id in seen:
                raise InvalidDidDocument(f"verificationMethod: duplicate id {vm.id!r} (DID Core 5.2)")
            seen.add(vm.id)
        service_ids: set[str] = set()
        for s in self.service:
            if not is_uri(s.id):
                raise InvalidDidDocument(f"service: id {s.id!r} is not a URI (DID Core 5.4)")
            if s.id in service_ids:
                raise InvalidDidDocument(f"service: duplicate id {s.id!r} (DID Core 5.4)")
            service_ids.add(s.id)
        if seen & service_ids:
            raise InvalidDidDocument(f"id {sorted(seen & service_ids)[0]!r} names both a method and a service")
        for name, entries in self.relationships().items():
            for i, e in enumerate(entries):
                if isinstance(e, str):
                    try:
                        ref = parse_did_url(e)
                    except InvalidDid as exc:
                        raise InvalidDidDocument(f"{name}[{i}]: {exc}") from None
                    # References into this document must resolve; references to other DIDs cannot be checked here.
                    if ref.did == self.id and e not in seen:
                        raise InvalidDidDocument(f"{name}[{i}]: references unknown verification method {e!r}")
        return self

    # -- JSON --------------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The JSON (or JSON-LD when ``context`` is set) representation (DID Core 6.2/6.3)."""
        out: dict[str, Any] = {}
        if self.context is not None:
            out["@context"] = copy.deepcopy(self.context)
        out["id"] = self.id
        if self.controller:
            out["controller"] = self.controller[0] if len(self.controller) == 1 else list(self.controller)
        if self.also_known_as:
            out["alsoKnownAs"] = list(self.also_known_as)
        if self.verification_method:
            out["verificationMethod"] = [vm.to_json() for vm in self.verification_method]
        for name, entries in self.relationships().items():
            if entries:
                out[name] = [e if isinstance(e, str) else e.to_json() for e in entries]
        if self.service:
            out["service"] = [s.to_json() for s in self.service]
        out.update(copy.deepcopy(self.extra))
        return out

    def to_json_str(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_json(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: object) -> DIDDocument:
        """Parse and validate a DID document from a dict, JSON text or UTF-8 bytes."""
        if isinstance(data, (bytes, bytearray)):
            try:
                data = bytes(data).decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidDidDocument("DID document is not UTF-8") from None
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise InvalidDidDocument(f"DID document is not valid JSON: {exc}") from None
        if not isinstance(data, Mapping):
            raise InvalidDidDocument("a DID document must be a JSON object")

        doc_id = data.get("id")
        if doc_id is None:
            raise InvalidDidDocument("id: is required (DID Core 5.1.1)")
        try:
            parse_did(doc_id)
        except InvalidDid as exc:
            raise InvalidDidDocument(f"id: {exc}") from None

        context: str | list[str | dict[str, Any]] | None = None
        if "@context" in data:
            raw_ctx = data["@context"]
            ctx_list = raw_ctx if isinstance(raw_ctx, list) else [raw_ctx]
            if not ctx_list or not all(isinstance(c, (str, Mapping)) for c in ctx_list):
                raise InvalidDidDocument("@context: must be a string, a map or a list of them")
            if ctx_list[0] not in (DID_CONTEXT_V1, DID_CONTEXT_V1_1):
                raise InvalidDidDocument(f"@context: the first value must be {DID_CONTEXT_V1!r} (DID Core 6.3.1)")
            context = raw_ctx if isinstance(raw_ctx, str) else copy.deepcopy(list(raw_ctx))

        controller = _string_or_set(data, "controller")
        also_known_as = data.get("alsoKnownAs", [])
        if not isinstance(also_known_as, list) or not all(isinstance(a, str) for a in also_known_as):
            raise InvalidDidDocument("alsoKnownAs: must be a list of URI strings (DID Core 5.1.3)")

        raw_vms = data.get("verificationMethod", [])
        if not isinstance(raw_vms, list):
            raise InvalidDidDocument("verificationMethod: must be a list")
        vms = [
            VerificationMethod.from_json(v, base=doc_id, where=f"verificationMethod[{i}]")
            for i, v in enumerate(raw_vms)
        ]

        rels: dict[str, list[RelationshipEntry]] = {}
        for name in RELATIONSHIPS:
            raw = data.get(name, [])
            if not isinstance(raw, list):
                raise InvalidDidDocument(f"{name}: must be a list (DID Core 5.3)")
            entries: list[RelationshipEntry] = []
            for i, e in enumerate(raw):
                if isinstance(e, str):
                    try:
                        entries.append(parse_did_url(e, base=doc_id).url)
                    except InvalidDid as exc:
                        raise InvalidDidDocument(f"{name}[{i}]: {exc}") from None
                elif isinstance(e, Mapping):
                    entries.append(VerificationMethod.from_json(e, base=doc_id, where=f"{name}[{i}]"))
                else:
                    raise InvalidDidDocument(f"{name}[{i}]: must be a DID URL string or a verification method")
            rels[RELATIONSHIPS[name]] = entries

        raw_services = data.get("service", [])
        if not isinstance(raw_services, list):
            raise InvalidDidDocument("service: must be a list (DID Core 5.4)")
        services = [Service.from_json(s, base=doc_id, where=f"service[{i}]") for i, s in enumerate(raw_services)]

        known = {"@context", "id", "controller", "alsoKnownAs", "verificationMethod", "service", *RELATIONSHIPS}
        extra = {k: copy.deepcopy(v) for k, v in data.items() if k not in known}
        doc = cls(
            id=doc_id,
            controller=controller,
            also_known_as=list(also_known_as),
            verification_method=vms,
            service=services,
            context=context,
            extra=extra,
            **rels,  # type: ignore[arg-type]
        )
        return doc.validate()


def _string_or_set(data: Mapping[str, Any], name: str) -> list[str]:
    value = data.get(name)
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise InvalidDidDocument(f"{name}: must be a DID string or a list of DID strings (DID Core 5.1.2)")
    return list(items)


def _json_rel(name: str) -> str:
    return _ATTR_TO_JSON.get(name, name)
