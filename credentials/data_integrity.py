"""W3C Verifiable Credential Data Integrity 1.0: the proof framework the cryptosuites plug into.

* §4.2 "Add Proof" / §4.3 "Add Proof Set/Chain": :func:`add_proof` builds the proof options, asks the suite to
  transform, hash and sign, and appends the proof (a proof set when the document already carries proofs).
* §4.4 "Verify Proof" / §4.5 "Verify Proof Sets and Chains": :func:`verify_proofs` checks each proof's shape,
  purpose, ``created``/``expires``, ``challenge``/``domain``, resolves the verification method through the injected
  resolver, checks it is authorised for the purpose's verification relationship in its controller's DID document
  (§2.1 "Proof Purposes", DID Core §5.3), and checks the signature with the suite.
* A cryptosuite (:class:`Cryptosuite`) implements the suite-specific §3 algorithms of vc-di-eddsa / vc-di-ecdsa:
  "Transformation", "Hashing", "Proof Configuration", "Proof Serialization", "Proof Verification".

Verification never raises for a bad proof: it reports typed errors (each with its own ``code``).
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from credentials.errors import (
    ChallengeMismatch,
    ControllerMismatch,
    CredentialError,
    DomainMismatch,
    InvalidDateTime,
    InvalidProofValue,
    InvalidVerificationMethod,
    MalformedProof,
    ProofError,
    ProofExpired,
    ProofMissing,
    ProofNotYetValid,
    ProofPurposeMismatch,
    SignatureMismatch,
    UnsupportedCryptosuite,
    VerificationMethodNotAuthorized,
    VerificationMethodNotFound,
)
from credentials.jsonld import check_contexts
from credentials.model import as_list, format_datetime, parse_datetime
from did.errors import IiotidError, InvalidSignature
from did.keys import KeyType, PrivateKey, PublicKey

__all__ = [
    "DATA_INTEGRITY_PROOF",
    "PROOF_PURPOSES",
    "Cryptosuite",
    "ProofResult",
    "VerificationMethodCache",
    "add_proof",
    "decode_proof_value",
    "encode_proof_value",
    "get_suite",
    "register_suite",
    "sha256_hash_data",
    "suites",
    "verify_proofs",
]

DATA_INTEGRITY_PROOF = "DataIntegrityProof"

# VC DI 1.0 §2.1 "Proof Purposes": the purpose names the verification relationship (DID Core §5.3) that must
# list the verification method.
PROOF_PURPOSES: dict[str, str] = {
    "assertionMethod": "assertionMethod",
    "authentication": "authentication",
    "capabilityInvocation": "capabilityInvocation",
    "capabilityDelegation": "capabilityDelegation",
    "keyAgreement": "keyAgreement",
}

DEFAULT_CLOCK_SKEW = timedelta(minutes=5)


# ------------------------------------------------------------------------------------------------- suites
class Cryptosuite(Protocol):
    """The suite-specific algorithms (vc-di-eddsa §3.x, vc-di-ecdsa §3.x)."""

    name: str
    key_types: frozenset[KeyType]

    def transform(self, unsecured_document: Mapping[str, Any]) -> bytes:
        """ "Transformation": the canonical form of the unsecured document."""
        ...

    def configure(self, proof_options: Mapping[str, Any], unsecured_document: Mapping[str, Any]) -> bytes:
        """ "Proof Configuration": the canonical proof options (with the document's ``@context``)."""
        ...

    def hash(self, transformed_document: bytes, canonical_proof_config: bytes) -> bytes:
        """ "Hashing": the signing input."""
        ...


def sha256_hash_data(transformed_document: bytes, canonical_proof_config: bytes) -> bytes:
    """vc-di-eddsa §3.2.4 / §3.3.4, vc-di-ecdsa §3.2.4 (P-256): ``SHA-256(proofConfig) || SHA-256(document)``."""
    return hashlib.sha256(canonical_proof_config).digest() + hashlib.sha256(transformed_document).digest()


_SUITES: dict[str, Cryptosuite] = {}


def register_suite(suite: Cryptosuite) -> None:
    _SUITES[suite.name] = suite


def get_suite(name: object) -> Cryptosuite:
    if not isinstance(name, str):
        raise UnsupportedCryptosuite("cryptosuite must be a string")
    _load_builtin_suites()
    try:
        return _SUITES[name]
    except KeyError:
        known = ", ".join(sorted(_SUITES))
        raise UnsupportedCryptosuite(f"unsupported cryptosuite {name[:64]!r}; supported: {known}") from None


def suites() -> list[str]:
    _load_builtin_suites()
    return sorted(_SUITES)


def _load_builtin_suites() -> None:
    if _SUITES:
        return
    from credentials.suites import bbs_2023, ecdsa_rdfc_2019, eddsa_jcs_2022, eddsa_rdfc_2022

    for mod in (eddsa_rdfc_2022, eddsa_jcs_2022, ecdsa_rdfc_2019, bbs_2023):
        register_suite(mod.SUITE)


# ------------------------------------------------------------------------------------------------- proofValue
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


def _base58btc_encode(data: bytes) -> str:
    """Bitcoin base58 (draft-msporny-base58 §3): zero bytes become '1', the rest a big-endian number."""
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58[r])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def encode_proof_value(signature: bytes) -> str:
    """Multibase base58btc (``z`` header), as every suite here serialises ``proofValue``."""
    return "z" + _base58btc_encode(signature)


def _base58btc_decode(text: str) -> bytes:
    """Bitcoin base58 (draft-msporny-base58 §3): leading '1's are zero bytes, the rest a big-endian number."""
    n = 0
    for c in text:
        digit = _B58_INDEX.get(c)
        if digit is None:
            raise InvalidProofValue("proofValue is not valid base58btc")
        n = n * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def decode_proof_value(value: object, *, length: int = 64) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) > 4 * length:
        raise InvalidProofValue("proofValue must be a multibase base58btc string (header 'z')")
    raw = _base58btc_decode(value[1:])
    if len(raw) != length:
        raise InvalidProofValue(f"proofValue must decode to {length} bytes, got {len(raw)}")
    return raw


# ------------------------------------------------------------------------------------------------- signing
def _datetime_text(value: datetime | str, field_name: str) -> str:
    if isinstance(value, datetime):
        return format_datetime(value)
    parse_datetime(value, field=field_name)
    return value


def build_proof_options(
    *,
    suite: Cryptosuite,
    verification_method: str,
    purpose: str,
    created: datetime | str | None,
    expires: datetime | str | None = None,
    challenge: str | None = None,
    domain: str | list[str] | None = None,
    previous_proof: str | list[str] | None = None,
    proof_id: str | None = None,
) -> dict[str, Any]:
    """The proof options (VC DI 1.0 §2.1 "Proofs"), in the member order the vc-di-eddsa vectors use."""
    if purpose not in PROOF_PURPOSES:
        raise ProofPurposeMismatch(f"unknown proof purpose {purpose!r}; expected one of {', '.join(PROOF_PURPOSES)}")
    if not isinstance(verification_method, str) or ":" not in verification_method:
        raise InvalidVerificationMethod("verification_method must be a DID URL or URL")
    proof: dict[str, Any] = {}
    if proof_id is not None:
        proof["id"] = proof_id
    proof["type"] = DATA_INTEGRITY_PROOF
    proof["cryptosuite"] = suite.name
    if created is not None:
        proof["created"] = _datetime_text(created, "created")
    if expires is not None:
        proof["expires"] = _datetime_text(expires, "expires")
    proof["verificationMethod"] = verification_method
    proof["proofPurpose"] = purpose
    if challenge is not None:
        if not isinstance(challenge, str) or not challenge:
            raise MalformedProof("challenge must be a non-empty string")
        proof["challenge"] = challenge
    if domain is not None:
        if not (isinstance(domain, str) and domain) and not (
            isinstance(domain, list) and domain and all(isinstance(d, str) and d for d in domain)
        ):
            raise MalformedProof("domain must be a non-empty string or array of strings")
        proof["domain"] = domain
    if previous_proof is not None:
        proof["previousProof"] = previous_proof
    return proof


_MULTIBASE_CACHE: dict[tuple[str, bytes], str] = {}


def _multibase_of(public_key: PublicKey) -> str:
    cache_key = (public_key.key_type.value, public_key.raw)
    mb = _MULTIBASE_CACHE.get(cache_key)
    if mb is None:
        if len(_MULTIBASE_CACHE) > 1024:
            _MULTIBASE_CACHE.clear()
        mb = _MULTIBASE_CACHE[cache_key] = public_key.to_multibase()
    return mb


def _check_key(suite: Cryptosuite, key: PrivateKey, verification_method: str) -> None:
    if not isinstance(key, PrivateKey):
        raise InvalidVerificationMethod("key must be a did.keys.PrivateKey")
    if key.key_type not in suite.key_types:
        allowed = ", ".join(sorted(k.value for k in suite.key_types))
        raise InvalidVerificationMethod(f"{suite.name} signs with {allowed} keys, not {key.key_type.value}")
    # A did:key verification method names its key: catch a key/method mix-up before it ships a dead signature.
    if verification_method.startswith("did:key:"):
        did, _, fragment = verification_method.partition("#")
        mb = _multibase_of(key.public_key)
        if did != "did:key:" + mb or (fragment and fragment != mb):
            raise InvalidVerificationMethod(f"{verification_method} does not name the signing key (did:key:{mb})")


def add_proof(
    document: Mapping[str, Any],
    *,
    key: PrivateKey,
    verification_method: str,
    suite: str,
    purpose: str = "assertionMethod",
    created: datetime | str | None = None,
    expires: datetime | str | None = None,
    challenge: str | None = None,
    domain: str | list[str] | None = None,
    previous_proof: str | list[str] | None = None,
    proof_id: str | None = None,
    now: Callable[[], datetime] | None = None,
    suite_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """VC DI 1.0 §4.2 "Add Proof" (or §4.3 with an existing proof: the new proof joins the proof set).

    ``created`` defaults to the current time (``now()``; injected clock, default system UTC).  ``suite_options``
    go to a selective-disclosure suite (``bbs-2023``: ``mandatory_pointers``).
    """
    s = get_suite(suite)
    _check_key(s, key, verification_method)
    if not isinstance(document, Mapping):
        raise CredentialError("the document to secure must be a JSON object", code="invalidCredential")
    if created is None:
        created = (now or (lambda: datetime.now(UTC)))()
    options = build_proof_options(
        suite=s,
        verification_method=verification_method,
        purpose=purpose,
        created=created,
        expires=expires,
        challenge=challenge,
        domain=domain,
        previous_proof=previous_proof,
        proof_id=proof_id,
    )
    existing = as_list(document.get("proof"))
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if previous_proof is not None:
        # §4.3 step 5: a chained proof also signs the proofs it names.
        wanted = set(as_list(previous_proof))
        chained = [p for p in existing if isinstance(p, Mapping) and p.get("id") in wanted]
        if len(chained) != len(wanted):
            raise MalformedProof("previousProof names a proof id that the document does not carry")
        unsecured = dict(unsecured, proof=chained if len(chained) > 1 else chained[0])
    if getattr(s, "proof_has_context", False) and "@context" in unsecured:
        # vc-di-eddsa §3.3.1 (eddsa-jcs-2022 "Create Proof") step 2: the proof carries the document's @context.
        options["@context"] = copy.deepcopy(unsecured["@context"])
    if getattr(s, "selective_disclosure", False):
        proof = dict(options, proofValue=s.create_proof_value(unsecured, options, key, **dict(suite_options or {})))
    else:
        if suite_options:
            raise MalformedProof(f"{s.name} takes no suite options")
        transformed = s.transform(unsecured)
        config = s.configure(options, unsecured)
        signature = key.sign(s.hash(transformed, config))
        proof = dict(options, proofValue=encode_proof_value(signature))
    out = {k: v for k, v in document.items() if k != "proof"}
    out["proof"] = [*existing, proof] if existing else proof
    return out


# ------------------------------------------------------------------------------------------------- verification
@dataclass
class ProofResult:
    """Outcome of one proof: ``verified`` and, if not, the typed ``error``."""

    proof: dict[str, Any]
    verified: bool
    error: IiotidError | None = None
    verification_method: str | None = None
    controller: str | None = None
    cryptosuite: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verified": self.verified,
            "cryptosuite": self.cryptosuite,
            "verificationMethod": self.verification_method,
            "controller": self.controller,
        }
        if self.error is not None:
            out["error"] = self.error.to_dict()
        return out


@dataclass
class _ResolvedMethod:
    id: str
    controller: str
    public_key: PublicKey


class VerificationMethodCache:
    """Cache of resolved, purpose-checked verification methods, per resolver and (method URL, relationship).

    did:key documents are derived from the key itself and never change, so their entries never expire; other
    methods are kept for ``ttl`` seconds (the resolver has its own TTL cache and stale fallback underneath).
    Entries are held per resolver object (weakly), so two resolvers never see each other's answers.
    """

    def __init__(
        self, *, ttl: float = 300.0, max_entries: int = 4096, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._by_resolver: weakref.WeakKeyDictionary[Any, OrderedDict[tuple[str, str], tuple[float, _ResolvedMethod]]]
        self._by_resolver = weakref.WeakKeyDictionary()

    def _table(self, resolver: Any, create: bool) -> OrderedDict[tuple[str, str], tuple[float, _ResolvedMethod]] | None:
        try:
            table = self._by_resolver.get(resolver)
            if table is None and create:
                table = self._by_resolver[resolver] = OrderedDict()
        except TypeError:  # not weak-referenceable or unhashable: no caching for it
            return None
        return table

    def get(self, resolver: Any, vm: str, relationship: str) -> _ResolvedMethod | None:
        table = self._table(resolver, False)
        if table is None:
            return None
        hit = table.get((vm, relationship))
        if hit is None:
            return None
        expiry, method = hit
        if expiry < self._clock():
            del table[(vm, relationship)]
            return None
        table.move_to_end((vm, relationship))
        return method

    def put(self, resolver: Any, vm: str, relationship: str, method: _ResolvedMethod) -> None:
        table = self._table(resolver, True)
        if table is None:
            return
        expiry = float("inf") if vm.startswith("did:key:") else self._clock() + self.ttl
        table[(vm, relationship)] = (expiry, method)
        while len(table) > self.max_entries:
            table.popitem(last=False)

    def clear(self) -> None:
        self._by_resolver.clear()


DEFAULT_VM_CACHE = VerificationMethodCache()


async def _resolve_document(resolver: Any, did: str) -> Any:
    from did.document import DIDDocument

    if resolver is None:
        raise VerificationMethodNotFound("no resolver was given to resolve verification methods")
    if hasattr(resolver, "resolve_document"):
        doc = resolver.resolve_document(did)
    elif callable(resolver):
        doc = resolver(did)
    else:
        raise VerificationMethodNotFound("the resolver has no resolve_document(did)")
    if isinstance(doc, Awaitable):
        doc = await doc
    if isinstance(doc, Mapping):
        doc = DIDDocument.from_json(dict(doc))
    return doc


async def resolve_verification_method(
    resolver: Any, vm_url: str, relationship: str, *, cache: VerificationMethodCache | None = DEFAULT_VM_CACHE
) -> _ResolvedMethod:
    """Dereference ``vm_url`` in its controller's DID document and require it under ``relationship``.

    VC DI 1.0 §4.4 step 8 / §2.1: the verification method must be authorised for the proof purpose; the
    method's ``controller`` must be the DID whose document lists it (Controlled Identifiers §3.3 "Retrieve
    Verification Method", the controller check).
    """
    if cache is not None:
        hit = cache.get(resolver, vm_url, relationship)
        if hit is not None:
            return hit
    did, sep, fragment = vm_url.partition("#")
    if not did.startswith("did:") or not sep or not fragment:
        raise InvalidVerificationMethod(f"verificationMethod {vm_url[:120]!r} is not a DID URL with a fragment")
    from did.errors import VerificationMethodNotFound as DidVmNotFound
    from did.errors import VerificationRelationshipError

    try:
        document = await _resolve_document(resolver, did)
    except CredentialError:
        raise
    except IiotidError as exc:
        raise VerificationMethodNotFound(f"could not resolve {did[:120]}: [{exc.code}] {exc}") from exc
    try:
        vm = document.find_verification_method(vm_url, relationship)
    except VerificationRelationshipError as exc:
        raise VerificationMethodNotAuthorized(
            f"{vm_url[:120]} is not listed under {relationship} in the DID document of {did[:120]}"
        ) from exc
    except DidVmNotFound as exc:
        raise VerificationMethodNotFound(f"{did[:120]} has no verification method {vm_url[:120]}") from exc
    except IiotidError as exc:
        raise InvalidVerificationMethod(f"{vm_url[:120]}: [{exc.code}] {exc}") from exc
    if getattr(document, "id", None) != did:
        raise ControllerMismatch(f"resolving {did[:120]} returned the document of {getattr(document, 'id', None)}")
    if vm.controller != did:
        raise ControllerMismatch(f"{vm_url[:120]} is controlled by {vm.controller[:120]}, not {did[:120]}")
    method = _ResolvedMethod(id=vm.id, controller=vm.controller, public_key=vm.public_key)
    if cache is not None:
        cache.put(resolver, vm_url, relationship, method)
    return method


def _parse_proof_time(proof: Mapping[str, Any], name: str) -> datetime | None:
    if name not in proof:
        return None
    try:
        return parse_datetime(proof[name], field=f"proof.{name}")
    except InvalidDateTime as exc:
        raise MalformedProof(str(exc)) from None


def _check_proof_shape(proof: Any) -> Cryptosuite:
    if not isinstance(proof, Mapping):
        raise MalformedProof("proof must be a JSON object")
    if proof.get("type") != DATA_INTEGRITY_PROOF:
        raise MalformedProof(f"proof.type must be {DATA_INTEGRITY_PROOF!r}, got {str(proof.get('type'))[:64]!r}")
    for name in ("cryptosuite", "verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(name), str) or not proof[name]:
            raise MalformedProof(f"proof.{name} is required and must be a string")
    return get_suite(proof["cryptosuite"])


async def verify_one(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    *,
    resolver: Any,
    purpose: str,
    challenge: str | None,
    domain: str | None,
    now: datetime,
    all_proofs: list[Any],
    cache: VerificationMethodCache | None,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> ProofResult:
    result = ProofResult(proof=dict(proof) if isinstance(proof, Mapping) else {}, verified=False)
    try:
        suite = _check_proof_shape(proof)
        result.cryptosuite = suite.name
        result.verification_method = proof["verificationMethod"]
        # §4.4 step 5: the proof purpose must match what the verifier expects.
        if proof["proofPurpose"] != purpose:
            raise ProofPurposeMismatch(f"proof purpose is {proof['proofPurpose'][:64]!r}, expected {purpose!r}")
        created = _parse_proof_time(proof, "created")
        expires = _parse_proof_time(proof, "expires")
        if expires is not None and now > expires:
            raise ProofExpired(f"proof expired at {proof['expires']}")
        if created is not None and created > now + clock_skew:
            raise ProofNotYetValid(f"proof created {proof['created']} lies in the future")
        # §4.4 steps 6-7: challenge and domain, when the verifier asks for them.
        if challenge is not None and proof.get("challenge") != challenge:
            raise ChallengeMismatch("proof.challenge does not match the expected challenge")
        if domain is not None and domain not in as_list(proof.get("domain")):
            raise DomainMismatch("proof.domain does not match the expected domain")
        # Every context the document names must be one we serve, whichever suite (JCS does no JSON-LD processing).
        check_contexts(document)
        selective = getattr(suite, "selective_disclosure", False)
        signature = b"" if selective else decode_proof_value(proof["proofValue"])
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        unsecured = {k: v for k, v in document.items() if k != "proof"}
        if "previousProof" in proof:
            # §4.5 step 3.2: a chained proof covers the proofs it names.
            wanted = as_list(proof["previousProof"])
            if not wanted or not all(isinstance(w, str) for w in wanted):
                raise MalformedProof("previousProof must be a proof id or an array of proof ids")
            chained = [p for p in all_proofs if isinstance(p, Mapping) and p.get("id") in wanted]
            if len(chained) != len(set(wanted)):
                raise MalformedProof("previousProof names a proof the document does not carry")
            unsecured["proof"] = chained if len(chained) > 1 else chained[0]
        if "@context" in options:
            # vc-di-eddsa §3.2.2 step 4: the document's @context must start with the proof's.
            pctx, dctx = as_list(options["@context"]), as_list(unsecured.get("@context"))
            if dctx[: len(pctx)] != pctx:
                raise MalformedProof("proof @context is not a prefix of the document @context")
            unsecured["@context"] = options["@context"]
        method = await resolve_verification_method(
            resolver, proof["verificationMethod"], PROOF_PURPOSES[purpose], cache=cache
        )
        result.controller = method.controller
        if method.public_key.key_type not in suite.key_types:
            raise InvalidVerificationMethod(
                f"{suite.name} cannot be verified with a {method.public_key.key_type.value} key"
            )
        if selective:
            suite.verify_proof_value(unsecured, options, proof["proofValue"], method.public_key)  # type: ignore[attr-defined]
            result.verified = True
            return result
        transformed = suite.transform(unsecured)
        config = suite.configure(options, unsecured)
        try:
            method.public_key.verify(suite.hash(transformed, config), signature)
        except InvalidSignature as exc:
            raise SignatureMismatch(
                f"{suite.name} signature does not verify: the document or proof was altered"
            ) from exc
        result.verified = True
    except IiotidError as exc:
        result.error = exc
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        # Last line of defence: malformed input must come back as a typed failure, never an exception.
        result.error = MalformedProof(f"proof could not be processed: {type(exc).__name__}")
    return result


async def verify_proofs(
    document: Mapping[str, Any],
    *,
    resolver: Any,
    purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    now: datetime | None = None,
    cache: VerificationMethodCache | None = DEFAULT_VM_CACHE,
) -> list[ProofResult]:
    """VC DI 1.0 §4.5: verify every proof of ``document`` (a proof set); each proof gets a :class:`ProofResult`."""
    if purpose not in PROOF_PURPOSES:
        raise ProofPurposeMismatch(f"unknown proof purpose {purpose!r}")
    proofs = as_list(document.get("proof"))
    if not proofs:
        raise ProofMissing("the document has no proof")
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ProofError("now must be timezone-aware", code="invalidDateTime")
    results = [
        await verify_one(
            document,
            p,
            resolver=resolver,
            purpose=purpose,
            challenge=challenge,
            domain=domain,
            now=moment,
            all_proofs=proofs,
            cache=cache,
        )
        for p in proofs
    ]
    return results


def run_sync(coro: Awaitable[Any]) -> Any:
    """Run a coroutine from synchronous code (refusing to nest inside a running loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    raise CredentialError("verify_sync cannot run inside an event loop; await credentials.verify instead")
