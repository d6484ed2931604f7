"""Asset lifecycle chains: a ``DeviceBirthCertificate`` followed by hash-linked ``LifecycleEventCredential`` s.

Each event's ``credentialSubject.lifecycleEvent.previousEvent`` = {id, digestMultibase, sequence} names its
predecessor, where ``digestMultibase`` is :func:`credentials.vocab.canonical_digest` (sha2-256 multihash, base58btc,
over the RFC 8785 JCS form of the whole signed predecessor, proof included).  :func:`verify_chain` checks the rules
of specs/credentials.md "Chain rules" and reports every violation with its chain position, the event id, a code and
a sentence; it never stops at the first problem.

Issue codes: ``invalidProof``, ``issuerMismatch``, ``malformedEvent``, ``invalidEventType``, ``wrongSubject``,
``duplicateEvent``, ``digestMismatch``, ``sequenceMismatch``, ``nonMonotonicTime``, ``futureEvent``, ``fork``,
``gap``, ``unlinkedEvent``, ``eventAfterDecommission``, ``unauthorizedIssuer``, ``untrustedManufacturer``,
``roleMismatch``, ``revoked``, ``suspended`` (and the status list error codes when a list cannot be checked).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from credentials.errors import CredentialError
from credentials.status_list import (
    CredentialRevoked,
    CredentialSuspended,
    StatusError,
    StatusListVerifier,
    StatusLoader,
    credential_status_entries,
)
from credentials.vocab import (
    BIRTH_CERTIFICATE_TYPE,
    EVENT_TYPES,
    LIFECYCLE_CREDENTIAL_TYPE,
    LIFECYCLE_EVENT_TYPE,
    VocabularyError,
    canonical_digest,
)
from did.errors import IiotidError

__all__ = [
    "ChainError",
    "ChainIssue",
    "ChainPolicy",
    "ChainReport",
    "canonical_digest",
    "verify_chain",
    "verify_chain_sync",
]

ProofVerifier = Callable[[Mapping[str, Any]], Awaitable[None]]
DYNAMIC_ROLES = ("manufacturer", "owner")
CLOCK_SKEW = timedelta(minutes=5)


class ChainError(CredentialError):
    """Bad arguments to the chain API (a bad *chain* is reported in :class:`ChainReport`, not raised)."""

    code = "invalidChain"


# ------------------------------------------------------------------------------------------------- policy
@dataclass(frozen=True)
class ChainPolicy:
    """Who may issue what.

    * ``manufacturers``: DIDs trusted to issue birth certificates (empty = any issuer; then only the signature
      ties the chain to its OEM).
    * ``roles``: role name -> DIDs holding it (e.g. ``{"integrator": [...], "calibrationLab": [...]}``).
    * ``event_issuers``: event type (or ``"*"`` for any other) -> allowed issuers, each a DID or a role name.
      Two roles are dynamic: ``manufacturer`` is the birth certificate's issuer, ``owner`` is the manufacturer
      until an ``ownershipTransferred`` event names a ``newOwner``.
    """

    manufacturers: frozenset[str] = frozenset()
    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)
    event_issuers: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {"*": DYNAMIC_ROLES})

    @classmethod
    def default(cls) -> ChainPolicy:
        """Any event may be issued by the manufacturer or the current owner."""
        return cls()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChainPolicy:
        """Parse the JSON form ``{"manufacturers": [...], "roles": {...}, "eventIssuers": {...}}``."""
        if not isinstance(data, Mapping):
            raise ChainError("a chain policy must be a JSON object")
        unknown = set(data) - {"manufacturers", "roles", "eventIssuers"}
        if unknown:
            raise ChainError(f"unknown chain policy field(s): {', '.join(sorted(unknown))}")

        def strings(value: Any, where: str) -> tuple[str, ...]:
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ChainError(f"policy {where} must be a list of strings")
            return tuple(value)

        manufacturers = frozenset(strings(data.get("manufacturers", []), "manufacturers"))
        roles_raw = data.get("roles", {})
        if not isinstance(roles_raw, Mapping):
            raise ChainError("policy roles must map role names to lists of DIDs")
        roles = {str(k): frozenset(strings(v, f"roles.{k}")) for k, v in roles_raw.items()}
        issuers_raw = data.get("eventIssuers", {"*": list(DYNAMIC_ROLES)})
        if not isinstance(issuers_raw, Mapping):
            raise ChainError("policy eventIssuers must map event types to lists of DIDs or roles")
        for k in issuers_raw:
            if k != "*" and k not in EVENT_TYPES:
                raise ChainError(f"policy eventIssuers names unknown event type {k!r}")
        event_issuers = {str(k): strings(v, f"eventIssuers.{k}") for k, v in issuers_raw.items()}
        for k, allowed in event_issuers.items():
            for a in allowed:
                if not a.startswith("did:") and a not in roles and a not in DYNAMIC_ROLES:
                    raise ChainError(f"policy eventIssuers.{k} names role {a!r}, which is not defined under roles")
        return cls(manufacturers=manufacturers, roles=roles, event_issuers=event_issuers)

    def roles_of(self, did: str, *, manufacturer: str | None, owner: str | None) -> set[str]:
        held = {role for role, members in self.roles.items() if did in members}
        if manufacturer is not None and did == manufacturer:
            held.add("manufacturer")
        if owner is not None and did == owner:
            held.add("owner")
        return held

    def allows(self, event_type: str, issuer: str, *, manufacturer: str | None, owner: str | None) -> bool:
        allowed = self.event_issuers.get(event_type, self.event_issuers.get("*", ()))
        held = self.roles_of(issuer, manufacturer=manufacturer, owner=owner)
        return any(a == issuer if a.startswith("did:") else a in held for a in allowed)

    def knows_role(self, role: str) -> bool:
        return role in self.roles or role in DYNAMIC_ROLES


# ------------------------------------------------------------------------------------------------- report
@dataclass(frozen=True)
class ChainIssue:
    """One violation: ``index`` is the chain position (0 = birth certificate; an event's ``sequence``)."""

    index: int | None
    event_id: str | None
    code: str
    message: str
    input_index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "eventId": self.event_id, "code": self.code, "message": self.message,
            "inputIndex": self.input_index,
        }


@dataclass
class ChainReport:
    device: str | None
    chain: list[str] = field(default_factory=list)  # credential ids from the birth certificate to the head
    issues: list[ChainIssue] = field(default_factory=list)
    status_checked: bool = False
    owner: str | None = None  # owner after the last event followed

    @property
    def verified(self) -> bool:
        return not self.issues

    @property
    def head(self) -> str | None:
        return self.chain[-1] if self.chain else None

    def codes(self) -> set[str]:
        return {i.code for i in self.issues}

    def at(self, index: int) -> list[ChainIssue]:
        return [i for i in self.issues if i.index == index]

    def to_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified, "device": self.device, "length": len(self.chain), "head": self.head,
            "chain": list(self.chain), "owner": self.owner, "statusChecked": self.status_checked,
            "issues": [i.to_dict() for i in self.issues],
        }


# ------------------------------------------------------------------------------------------------- parsing
@dataclass
class _Node:
    input_index: int
    doc: Mapping[str, Any]
    id: str | None = None
    issuer: str | None = None
    subject: str | None = None
    sequence: int | None = None
    time: datetime | None = None
    event_type: str | None = None
    prev_id: str | None = None
    prev_digest: str | None = None
    prev_sequence: int | None = None
    actor_role: str | None = None
    new_owner: str | None = None
    digest: str | None = None
    valid: bool = True  # structurally usable for linking


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else None


def _issuer_id(doc: Mapping[str, Any]) -> str | None:
    issuer = doc.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Collector:
    def __init__(self) -> None:
        self.issues: list[ChainIssue] = []

    def add(self, node: _Node | None, code: str, message: str, *, index: int | None = None) -> None:
        if node is not None and index is None:
            index = node.sequence
        self.issues.append(
            ChainIssue(index, node.id if node else None, code, message, node.input_index if node else None)
        )


def _parse(doc: Any, input_index: int, birth: bool, out: _Collector) -> _Node:
    node = _Node(input_index, doc if isinstance(doc, Mapping) else {})
    if not isinstance(doc, Mapping):
        node.valid = False
        out.add(node, "malformedEvent", "not a JSON object", index=0 if birth else None)
        return node
    node.id = doc.get("id") if isinstance(doc.get("id"), str) else None
    node.issuer = _issuer_id(doc)
    subject = doc.get("credentialSubject")
    node.subject = subject.get("id") if isinstance(subject, Mapping) and isinstance(subject.get("id"), str) else None
    try:
        node.digest = canonical_digest(doc)
    except VocabularyError as exc:
        node.valid = False
        out.add(node, "malformedEvent", str(exc))
    types = _types(doc.get("type"))
    if birth:
        node.sequence = 0
        if BIRTH_CERTIFICATE_TYPE not in types:
            node.valid = False
            out.add(node, "malformedEvent", f"the first credential must be a {BIRTH_CERTIFICATE_TYPE}")
        node.time = _parse_time(doc.get("validFrom"))
        if node.id is None:
            node.valid = False
            out.add(node, "malformedEvent", "the birth certificate has no id, so no event can link to it")
        return node
    event = subject.get("lifecycleEvent") if isinstance(subject, Mapping) else None
    if LIFECYCLE_CREDENTIAL_TYPE not in types or not isinstance(event, Mapping):
        node.valid = False
        out.add(node, "malformedEvent", f"not a {LIFECYCLE_CREDENTIAL_TYPE} with a credentialSubject.lifecycleEvent")
        return node
    node.sequence = _int(event.get("sequence"))
    problems = []
    if LIFECYCLE_EVENT_TYPE not in _types(event.get("type")):
        problems.append(f"lifecycleEvent.type must be {LIFECYCLE_EVENT_TYPE}")
    if node.id is None:
        problems.append("the event has no id")
    if node.sequence is None or node.sequence < 1:
        problems.append("lifecycleEvent.sequence must be a positive integer")
    node.time = _parse_time(event.get("eventTime"))
    if node.time is None:
        problems.append("lifecycleEvent.eventTime must be an xsd:dateTime with a timezone")
    prev = event.get("previousEvent")
    if isinstance(prev, Mapping):
        node.prev_id = prev.get("id") if isinstance(prev.get("id"), str) else None
        node.prev_digest = prev.get("digestMultibase") if isinstance(prev.get("digestMultibase"), str) else None
        node.prev_sequence = _int(prev.get("sequence"))
    if node.prev_id is None or node.prev_digest is None or node.prev_sequence is None:
        problems.append("lifecycleEvent.previousEvent needs id, digestMultibase and sequence")
    role = event.get("actorRole")
    node.actor_role = role if isinstance(role, str) else None
    new_owner = event.get("newOwner")
    node.new_owner = new_owner if isinstance(new_owner, str) else None
    if problems:
        out.add(node, "malformedEvent", "; ".join(problems))
    # An event is linkable (placed in the graph) whenever it names itself and its predecessor.
    node.valid = node.valid and node.id is not None and node.prev_id is not None
    event_type = event.get("eventType")
    if event_type not in EVENT_TYPES:
        out.add(node, "invalidEventType", f"eventType {event_type!r} is not one of {', '.join(EVENT_TYPES)}")
    else:
        node.event_type = event_type
        if event_type == "ownershipTransferred" and node.new_owner is None:
            out.add(node, "malformedEvent", "an ownershipTransferred event must name its newOwner")
    return node


# ------------------------------------------------------------------------------------------------- verification
# Proofs only their holder can verify: a bbs-2023 *base* proof is an input for deriving presentations, not for
# verifiers.  Its proofValue is multibase "u" + base64url(header || CBOR) with header 0xd9 0x5d and 0x02 (baseline),
# 0x04, 0x06 or 0x08 (holder binding / pseudonym features); derived proofs use the odd values (vc-di-bbs §3.3).
_BBS_BASE_HEADERS = {b"\xd9\x5d\x02", b"\xd9\x5d\x04", b"\xd9\x5d\x06", b"\xd9\x5d\x08"}


def _holder_only(proof: Any) -> bool:
    if not isinstance(proof, Mapping) or proof.get("cryptosuite") != "bbs-2023":
        return False
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("u") or len(value) < 5:
        return False
    try:
        header = base64.urlsafe_b64decode(value[1:5])[:3]
    except (ValueError, binascii.Error):
        return False
    return header in _BBS_BASE_HEADERS


def _auditable(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The credential with holder-only proofs set aside (the link digest still covers them)."""
    proofs = doc.get("proof")
    if not isinstance(proofs, list) or not any(_holder_only(p) for p in proofs):
        return dict(doc)
    kept = [p for p in proofs if not _holder_only(p)]
    if not kept:
        raise IiotidError("the credential carries only a bbs-2023 base proof, which only its holder can verify; "
                          "chain roots need an eddsa or ecdsa proof as well", code="invalidProof")
    return {**doc, "proof": kept[0] if len(kept) == 1 else kept}


def _default_proof_verifier(resolver: Any, now: datetime | None) -> ProofVerifier:
    async def verify_proof(doc: Mapping[str, Any]) -> None:
        from credentials import verify  # lazily: the suites sit beside this module

        kwargs: dict[str, Any] = {"resolver": resolver}
        if now is not None:
            kwargs["now"] = now
        result = await verify(_auditable(doc), **kwargs)
        if not result.verified:
            errors = list(getattr(result, "errors", None) or [])
            reason = "; ".join(str(e) for e in errors) or "proof did not verify"
            code = getattr(errors[0], "code", None) if errors else None
            raise IiotidError(reason, code=code if isinstance(code, str) else "invalidProof")

    return verify_proof


async def _check_proof(node: _Node, verify_proof: ProofVerifier, out: _Collector) -> None:
    try:
        await verify_proof(node.doc)
    except IiotidError as exc:
        out.add(node, "invalidProof", f"signature rejected ({exc.code}): {exc}")
        return
    # The proof's verification method must belong to the issuer (VC DI §4.4 step 8 / VC DM 2.0 §4.7).
    proofs = node.doc.get("proof")
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        vm = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
        if isinstance(vm, str) and node.issuer is not None and vm.split("#", 1)[0] != node.issuer:
            out.add(node, "issuerMismatch", f"proof verificationMethod {vm} is not controlled by {node.issuer}")


async def _check_status(node: _Node, checker: StatusListVerifier, out: _Collector) -> None:
    try:
        if credential_status_entries(node.doc):
            await checker.assert_active(node.doc)
    except CredentialRevoked as exc:
        out.add(node, "revoked", str(exc))
    except CredentialSuspended as exc:
        out.add(node, "suspended", str(exc))
    except StatusError as exc:
        out.add(node, exc.code, f"status could not be checked: {exc}")


def _subtree_size(start: str, children: Mapping[str, list[_Node]]) -> int:
    size, stack, seen = 0, [start], {start}
    while stack:
        for child in children.get(stack.pop(), []):
            if child.id is not None and child.id not in seen:
                seen.add(child.id)
                size += 1
                stack.append(child.id)
    return size


def _mark_branch(root: _Node, children: Mapping[str, list[_Node]], visited: set[int]) -> None:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.input_index in visited:
            continue
        visited.add(node.input_index)
        if node.id is not None:
            stack.extend(children.get(node.id, []))


def _walk(
    root: _Node,
    children: Mapping[str, list[_Node]],
    policy: ChainPolicy,
    manufacturer: str | None,
    owner: str | None,
    out: _Collector,
    visited: set[int],
) -> tuple[list[str], str | None]:
    """Follow the links from ``root``; check each link, the event rules and the policy.  Returns (ids, owner)."""
    ids = [root.id] if root.id is not None else []
    current, decommissioned = root, root.event_type == "decommissioned"
    visited.add(root.input_index)
    while current.id is not None and children.get(current.id):
        kids = [k for k in children[current.id] if k.input_index not in visited]
        if not kids:
            break
        if len(kids) > 1:
            # Prefer the successor whose link verifies, then the longest continuation, then the earliest event.
            def rank(k: _Node, digest: str | None = current.digest) -> tuple[int, int, datetime, str]:
                ok = 0 if k.prev_digest == digest else 1
                return (ok, -_subtree_size(k.id or "", children), k.time or datetime.max.replace(tzinfo=UTC),
                        k.id or "")

            kids.sort(key=rank)
            names = ", ".join(str(k.id) for k in kids)
            for k in kids[1:]:
                out.add(k, "fork", f"{len(kids)} events claim {current.id} as predecessor ({names}); "
                        f"following {kids[0].id}")
                _mark_branch(k, children, visited)  # the rejected branch is covered by this issue
        child = kids[0]
        visited.add(child.input_index)
        expected = (current.sequence or 0) + 1
        if child.prev_digest != current.digest:
            out.add(child, "digestMismatch", f"previousEvent.digestMultibase does not match {current.id}: the "
                    "predecessor was altered or replaced after this event was issued")
        if child.prev_sequence != current.sequence or child.sequence != expected:
            out.add(child, "sequenceMismatch", f"expected sequence {expected} after {current.id} "
                    f"(sequence {current.sequence}), got {child.sequence} with previousEvent.sequence "
                    f"{child.prev_sequence}")
        if child.time is not None and current.time is not None and child.time < current.time:
            out.add(child, "nonMonotonicTime", f"eventTime {child.time.isoformat()} is before its predecessor's "
                    f"{current.time.isoformat()}")
        if decommissioned:
            out.add(child, "eventAfterDecommission", "the device was decommissioned by an earlier event")
        if child.event_type is not None and child.issuer is not None:
            if not policy.allows(child.event_type, child.issuer, manufacturer=manufacturer, owner=owner):
                out.add(child, "unauthorizedIssuer", f"{child.issuer} may not issue {child.event_type} events "
                        "under the policy")
            if child.actor_role is not None and policy.knows_role(child.actor_role):
                held = policy.roles_of(child.issuer, manufacturer=manufacturer, owner=owner)
                if child.actor_role not in held:
                    out.add(child, "roleMismatch", f"actorRole {child.actor_role!r} is not a role the policy "
                            f"grants {child.issuer}")
        if child.event_type == "ownershipTransferred" and child.new_owner is not None:
            owner = child.new_owner
        decommissioned = decommissioned or child.event_type == "decommissioned"
        if child.id is not None:
            ids.append(child.id)
        current = child
    return ids, owner


async def verify_chain(
    birth_certificate: Mapping[str, Any],
    *events: Mapping[str, Any],
    policy: ChainPolicy | Mapping[str, Any] | None = None,
    resolver: Any = None,
    status_loader: StatusLoader | None = None,
    status_verifier: StatusListVerifier | None = None,
    verify_proof: ProofVerifier | None = None,
    now: datetime | None = None,
) -> ChainReport:
    """Verify a lifecycle chain; ``events`` may come in any order (they are ordered by their links).

    Checks every signature (``credentials.verify`` through ``resolver``, or the injected ``verify_proof``), every
    link digest, sequence continuity, monotonic event times, that all credentials are about the birth
    certificate's device, that the policy authorises each issuer for its event type, and the status of every
    credential carrying a ``credentialStatus`` (through ``status_verifier``, or one built on ``status_loader``).
    Forks (two events on one predecessor), gaps (a predecessor that is missing) and tampering are reported by
    position.  ``now`` (injected clock) bounds event times; it defaults to the current time.
    """
    if policy is None:
        policy = ChainPolicy.default()
    elif isinstance(policy, Mapping):
        policy = ChainPolicy.from_dict(policy)
    if not isinstance(policy, ChainPolicy):
        raise ChainError("policy must be a ChainPolicy or its JSON form")
    if verify_proof is None:
        if resolver is None:
            raise ChainError("verify_chain needs a resolver (or a verify_proof callable) to check signatures")
        verify_proof = _default_proof_verifier(resolver, now)
    if status_verifier is None and status_loader is not None:
        if resolver is None:
            raise ChainError("checking status lists needs a resolver to verify their proofs")
        status_verifier = StatusListVerifier(status_loader, resolver=resolver)
    clock_now = now if now is not None else datetime.now(UTC)

    out = _Collector()
    birth = _parse(birth_certificate, 0, True, out)
    nodes = [birth] + [_parse(e, i + 1, False, out) for i, e in enumerate(events)]
    report = ChainReport(device=birth.subject, status_checked=status_verifier is not None)

    # Per-credential checks, independent of order: signatures, subject, time bounds, status.
    await asyncio.gather(*(_check_proof(n, verify_proof, out) for n in nodes if n.doc))
    if status_verifier is not None:
        await asyncio.gather(*(_check_status(n, status_verifier, out) for n in nodes if n.doc))
    if birth.subject is None:
        out.add(birth, "malformedEvent", "the birth certificate has no credentialSubject.id (the device DID)")
    manufacturer = birth.issuer
    if policy.manufacturers and manufacturer not in policy.manufacturers:
        out.add(birth, "untrustedManufacturer", f"{manufacturer} is not a trusted manufacturer under the policy")
    for n in nodes[1:]:
        if birth.subject is not None and n.subject != birth.subject:
            out.add(n, "wrongSubject", f"credentialSubject.id {n.subject} is not the device {birth.subject}")
    for n in nodes:
        if n.time is not None and n.time > clock_now + CLOCK_SKEW:
            out.add(n, "futureEvent", f"event time {n.time.isoformat()} is in the future")

    # Link graph.
    by_id: dict[str, _Node] = {}
    children: dict[str, list[_Node]] = {}
    for n in nodes:
        if n.id is None:
            continue
        if n.id in by_id:
            out.add(n, "duplicateEvent", f"credential id {n.id} appears more than once")
            n.valid = False
            continue
        by_id[n.id] = n
    for n in nodes[1:]:
        if n.valid and n.prev_id is not None:
            children.setdefault(n.prev_id, []).append(n)

    visited: set[int] = set()
    report.chain, report.owner = _walk(birth, children, policy, manufacturer, manufacturer, out, visited)

    # Whatever was not reached hangs off a missing predecessor (a gap) or a rejected fork branch.
    for n in nodes[1:]:
        if n.input_index in visited or not n.valid:
            continue
        if n.prev_id in by_id:
            if by_id[n.prev_id].input_index in visited:
                continue  # child of a rejected fork branch root: covered by the fork issue
            continue  # inside an orphaned sub-chain: reported at that sub-chain's root
        missing_seq = n.prev_sequence
        out.add(n, "gap", f"predecessor {n.prev_id} (sequence {missing_seq}) is missing from the chain")
        _walk(n, children, policy, manufacturer, None, out, visited)
    # Anything left links only among itself (a cycle of forged predecessors): never silently ignored.
    for n in nodes[1:]:
        if n.valid and n.input_index not in visited:
            out.add(n, "unlinkedEvent", "the event is not connected to the chain (its predecessor links form a cycle)")
            visited.add(n.input_index)

    report.issues = sorted(out.issues, key=lambda i: (i.index if i.index is not None else -1, i.input_index or 0))
    return report


def verify_chain_sync(birth_certificate: Mapping[str, Any], *events: Mapping[str, Any], **kwargs: Any) -> ChainReport:
    """:func:`verify_chain` for synchronous callers (runs its own event loop)."""
    return asyncio.run(verify_chain(birth_certificate, *events, **kwargs))


def order_events(birth_certificate: Mapping[str, Any], events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events reachable from the birth certificate, in chain order (no signature checks)."""
    out = _Collector()
    birth = _parse(birth_certificate, 0, True, out)
    nodes = [_parse(e, i + 1, False, out) for i, e in enumerate(events)]
    children: dict[str, list[_Node]] = {}
    for n in nodes:
        if n.valid and n.prev_id is not None:
            children.setdefault(n.prev_id, []).append(n)
    ids, _ = _walk(birth, children, ChainPolicy.default(), birth.issuer, birth.issuer, out, set())
    by_id = {n.id: n.doc for n in nodes}
    return [by_id[i] for i in ids[1:]]
