"""W3C Bitstring Status List v1.0 (https://www.w3.org/TR/vc-bitstring-status-list/).

Three layers, each usable alone:

* :class:`Bitstring` is the pure codec of §3.3 "Bitstring Generation Algorithm" / §3.4 "Bitstring Expansion
  Algorithm": index 0 is the left-most (most significant) bit of the first byte (§2.2 ``encodedList``);
  ``encodedList`` is the multibase ``u`` (base64url, no padding) of the GZIP (RFC 1952) of the bytes.
* :class:`IndexAllocator` and :class:`StatusList` are the issuer side: random, never-reused index allocation
  (§2.1 ``statusListIndex``: "Implementations SHOULD assign indexes randomly"; §6.1 "Revocation Bitstring Length"
  on group privacy), status changes, ``credentialStatus`` entries (§2.1 ``BitstringStatusListEntry``) and the
  unsigned ``BitstringStatusListCredential`` (§2.2).
* :class:`StatusListVerifier` is the verifier side, the §3.2 "Validate Algorithm": it fetches the status list
  credential through an injected async loader, verifies its proof, caches it for its ``ttl``, and checks purpose,
  length and index bounds.  Every failure is a typed :class:`StatusError` with the code of the §3.5 error it maps to.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import gzip
import json
import re
import secrets
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from random import Random
from typing import Any

from credentials.errors import CredentialError
from did.errors import IiotidError

__all__ = [
    "DEFAULT_TTL_SECONDS",
    "MIN_ENTRIES",
    "STATUS_PURPOSES",
    "Bitstring",
    "CredentialRevoked",
    "CredentialSuspended",
    "IndexAllocator",
    "InvalidStatusEntry",
    "InvalidStatusList",
    "StatusError",
    "StatusIndexOutOfRange",
    "StatusList",
    "StatusListFull",
    "StatusListLengthError",
    "StatusListUnavailable",
    "StatusListVerifier",
    "StatusPurposeMismatch",
    "StatusResult",
    "StatusVerificationError",
    "credential_status_entries",
    "http_loader",
    "parse_entry",
    "parse_list_credential",
]

# §3.2 step 2: "Let minimumNumberOfEntries be 131,072 unless a different lower bound is established by a
# specific ecosystem specification" (16 KiB of 1-bit entries).
MIN_ENTRIES = 131_072
STATUS_PURPOSES = ("revocation", "suspension", "refresh", "message")
DEFAULT_TTL_SECONDS = 300.0
# Decompression bomb guard: the largest status list we accept, in bytes (64 MiB = 536,870,912 entries).
MAX_LIST_BYTES = 64 * 1024 * 1024
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$")


# --------------------------------------------------------------------------------------------------- errors
class StatusError(CredentialError):
    """Base of Bitstring Status List errors."""

    code = "statusError"


class InvalidStatusList(StatusError):
    """§3.5 PARSING_ERROR: the status list credential or its ``encodedList`` is malformed."""

    code = "invalidStatusList"


class InvalidStatusEntry(StatusError):
    """A ``credentialStatus`` entry is malformed (§2.1)."""

    code = "invalidStatusEntry"


class StatusListUnavailable(StatusError):
    """§3.5 STATUS_RETRIEVAL_ERROR: the status list credential could not be retrieved."""

    code = "statusListUnavailable"


class StatusVerificationError(StatusError):
    """§3.5 STATUS_VERIFICATION_ERROR: the list's proof failed, or its issuer does not match the credential's."""

    code = "statusVerificationError"


class StatusPurposeMismatch(StatusVerificationError):
    """§3.2: the entry's ``statusPurpose`` is not one of the list's (a STATUS_VERIFICATION_ERROR)."""

    code = "statusPurposeMismatch"


class StatusListLengthError(StatusError):
    """§3.5 STATUS_LIST_LENGTH_ERROR: fewer than the minimum number of entries."""

    code = "statusListLengthError"


class StatusIndexOutOfRange(StatusError):
    """§3.5 RANGE_ERROR: the index lies outside the list."""

    code = "statusRangeError"


class StatusListFull(StatusError):
    code = "statusListFull"


class CredentialRevoked(StatusError):
    code = "revoked"


class CredentialSuspended(StatusError):
    code = "suspended"


# --------------------------------------------------------------------------------------------------- codec
class Bitstring:
    """A fixed-length bitstring; bit ``i`` is bit ``7 - i % 8`` of byte ``i // 8`` (left-to-right, §3.1)."""

    __slots__ = ("_bits", "length")

    def __init__(self, length: int, data: bytes | bytearray | None = None) -> None:
        if isinstance(length, bool) or not isinstance(length, int) or length <= 0:
            raise InvalidStatusList(f"a bitstring length must be a positive integer, not {length!r}")
        nbytes = (length + 7) // 8
        if data is None:
            self._bits = bytearray(nbytes)
        else:
            if len(data) != nbytes:
                raise InvalidStatusList(f"{len(data)} bytes given for a {length}-bit bitstring")
            self._bits = bytearray(data)
        self.length = length

    # -- bits
    def _check(self, position: int) -> None:
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < self.length:
            raise StatusIndexOutOfRange(f"bit position {position!r} is outside 0..{self.length - 1}")

    def get(self, position: int) -> bool:
        self._check(position)
        return bool(self._bits[position >> 3] & (0x80 >> (position & 7)))

    def set(self, position: int, value: bool = True) -> None:
        self._check(position)
        if value:
            self._bits[position >> 3] |= 0x80 >> (position & 7)
        else:
            self._bits[position >> 3] &= ~(0x80 >> (position & 7)) & 0xFF

    def get_value(self, position: int, size: int) -> int:
        """The ``size``-bit entry starting at bit ``position``, most significant bit first (§3.2 step 10)."""
        if size < 1 or position < 0 or position + size > self.length:
            raise StatusIndexOutOfRange(f"bits {position}..{position + size - 1} lie outside 0..{self.length - 1}")
        value = 0
        for p in range(position, position + size):
            value = (value << 1) | (1 if self._bits[p >> 3] & (0x80 >> (p & 7)) else 0)
        return value

    def set_value(self, position: int, size: int, value: int) -> None:
        if size < 1 or position < 0 or position + size > self.length:
            raise StatusIndexOutOfRange(f"bits {position}..{position + size - 1} lie outside 0..{self.length - 1}")
        if not 0 <= value < (1 << size):
            raise StatusError(f"status value {value} does not fit in {size} bits", code="invalidStatusValue")
        for i in range(size):
            self.set(position + i, bool((value >> (size - 1 - i)) & 1))

    def set_positions(self) -> list[int]:
        """Every position whose bit is 1, ascending."""
        out: list[int] = []
        for byte_index, byte in enumerate(self._bits):
            if byte:
                base = byte_index << 3
                out.extend(base + b for b in range(8) if byte & (0x80 >> b) and base + b < self.length)
        return out

    def count(self) -> int:
        return sum(int(b).bit_count() for b in self._bits)

    def to_bytes(self) -> bytes:
        return bytes(self._bits)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bitstring) and other.length == self.length and other._bits == self._bits

    def __hash__(self) -> int:  # mutable, like bytearray
        raise TypeError("Bitstring is mutable and unhashable")

    def __repr__(self) -> str:
        return f"Bitstring(length={self.length}, set={self.count()})"

    # -- wire format
    def encode(self) -> str:
        """§3.1: multibase ``u`` + base64url (no padding) of GZIP(bitstring).  Deterministic (mtime 0)."""
        compressed = gzip.compress(bytes(self._bits), compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded_list: object, *, max_bytes: int = MAX_LIST_BYTES) -> Bitstring:
        """§3.3 Bitstring Expansion.  The length is the decompressed byte count times 8."""
        if not isinstance(encoded_list, str) or not encoded_list.startswith("u"):
            raise InvalidStatusList("encodedList must be a multibase base64url string starting with 'u'")
        body = encoded_list[1:]
        if not body or not re.fullmatch(r"[A-Za-z0-9_-]*", body) or len(body) % 4 == 1:
            raise InvalidStatusList("encodedList is not base64url without padding")
        try:
            compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError) as exc:
            raise InvalidStatusList(f"encodedList is not base64url: {exc}") from None
        data = _gunzip_bounded(compressed, max_bytes)
        if not data:
            raise InvalidStatusList("encodedList decompresses to an empty bitstring")
        return cls(len(data) * 8, data)


def _gunzip_bounded(compressed: bytes, max_bytes: int) -> bytes:
    """Decompress exactly one GZIP member, refusing more than ``max_bytes`` of output (zip-bomb guard)."""
    d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = d.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise InvalidStatusList(f"encodedList is not valid GZIP: {exc}") from None
    if len(data) > max_bytes:
        raise InvalidStatusList(f"encodedList expands to more than {max_bytes} bytes")
    if not d.eof:
        raise InvalidStatusList("encodedList GZIP stream is truncated")
    if d.unused_data:
        raise InvalidStatusList("encodedList has data after the GZIP member")
    return data


# --------------------------------------------------------------------------------------------------- issuer
class IndexAllocator:
    """Hands out status list indexes uniformly at random, never the same one twice.

    Bitstring Status List §6.1 (herd privacy) and §5.4: indexes must not reveal issuance order, so each new index
    is drawn uniformly from the free ones.  The state is the set of used indexes, itself kept as a bitstring so it
    serialises compactly (:meth:`to_dict` / :meth:`from_dict`).  The RNG is injected; the default is the OS CSPRNG.
    """

    def __init__(self, size: int, *, rng: Random | None = None, used: Bitstring | None = None) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise StatusError(f"allocator size must be a positive integer, not {size!r}", code="invalidArgument")
        if used is not None and used.length != size:
            raise InvalidStatusList(f"allocator state covers {used.length} indexes, expected {size}")
        self.size = size
        self._used = used if used is not None else Bitstring(size)
        self._count = self._used.count()
        self._rng: Random = rng if rng is not None else secrets.SystemRandom()

    @property
    def allocated(self) -> int:
        return self._count

    @property
    def remaining(self) -> int:
        return self.size - self._count

    def is_allocated(self, index: int) -> bool:
        return self._used.get(index)

    def allocate(self) -> int:
        if self._count >= self.size:
            raise StatusListFull(f"all {self.size} status list indexes are allocated")
        # Rejection sampling is uniform over the free indexes (expected size/remaining draws); when fewer than
        # 1/1024 are left, pick the k-th free index with one scan so the cost stays bounded.
        if self.remaining * 1024 >= self.size:
            while True:
                index = self._rng.randrange(self.size)
                if not self._used.get(index):
                    break
        else:
            k = self._rng.randrange(self.remaining)
            index = self._kth_free(k)
        self._used.set(index, True)
        self._count += 1
        return index

    def _kth_free(self, k: int) -> int:
        raw = self._used.to_bytes()
        for byte_index, byte in enumerate(raw):
            free = 8 - int(byte).bit_count()
            if k >= free:
                k -= free
                continue
            for bit in range(8):
                position = (byte_index << 3) + bit
                if position < self.size and not byte & (0x80 >> bit):
                    if k == 0:
                        return position
                    k -= 1
        raise StatusListFull("no free status list index")  # unreachable while _count < size

    def to_dict(self) -> dict[str, Any]:
        return {"size": self.size, "allocated": self._count, "used": self._used.encode()}

    @classmethod
    def from_dict(cls, state: Mapping[str, Any], *, rng: Random | None = None) -> IndexAllocator:
        try:
            size, encoded = state["size"], state["used"]
        except (KeyError, TypeError):
            raise InvalidStatusList("allocator state needs 'size' and 'used'") from None
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise InvalidStatusList("allocator state 'size' must be a positive integer")
        decoded = Bitstring.decode(encoded)
        if decoded.length < size or decoded.length - size >= 8:
            raise InvalidStatusList(f"allocator state covers {decoded.length} bits, expected {size}")
        used = Bitstring(size, decoded.to_bytes())
        return cls(size, rng=rng, used=used)


@dataclass
class StatusList:
    """Issuer side of one status list: its URL, purpose, entries and allocator.

    ``size`` is the number of entries; each entry is ``status_size`` bits (§2.1 ``statusSize``, default 1).
    ``status_messages`` (required when ``status_size > 1``) is the §2.1 ``statusMessage`` list.
    """

    url: str
    purpose: str = "revocation"
    size: int = MIN_ENTRIES
    status_size: int = 1
    status_messages: list[dict[str, str]] | None = None
    bits: Bitstring = field(default=None)  # type: ignore[assignment]
    allocator: IndexAllocator | None = None
    rng: Random | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.url, str) or ":" not in self.url:
            raise StatusError(f"status list URL must be an absolute URL, not {self.url!r}", code="invalidArgument")
        if self.purpose not in STATUS_PURPOSES:
            raise StatusError(f"statusPurpose must be one of {', '.join(STATUS_PURPOSES)}", code="invalidArgument")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 1:
            raise StatusError("status list size must be a positive integer", code="invalidArgument")
        if isinstance(self.status_size, bool) or not isinstance(self.status_size, int) or self.status_size < 1:
            raise StatusError("statusSize must be a positive integer", code="invalidArgument")
        if self.status_size > 1 or self.purpose == "message":
            # §2.1: statusMessage MUST be present when statusSize > 1, with 2^statusSize entries.
            msgs = self.status_messages
            if not msgs or len(msgs) != 1 << self.status_size:
                raise StatusError(
                    f"statusMessage must list {1 << self.status_size} messages for statusSize {self.status_size}",
                    code="invalidArgument",
                )
        if self.bits is None:
            self.bits = Bitstring(self.size * self.status_size)
            if self.allocator is None:  # a new list: every index is free
                self.allocator = IndexAllocator(self.size, rng=self.rng)
        elif self.bits.length < self.size * self.status_size:
            raise InvalidStatusList("bitstring shorter than size * statusSize")
        # A list rebuilt from its credential without allocator state cannot allocate: which indexes were handed
        # out is not recorded in the list, and reusing one would give two credentials the same status.
        if self.allocator is not None and self.allocator.size != self.size:
            raise InvalidStatusList(f"allocator covers {self.allocator.size} indexes, the list has {self.size}")

    # -- allocation and entries
    def allocate(self) -> int:
        if self.allocator is None:
            raise StatusError(
                "this status list was loaded without its allocator state; allocating could reuse an index",
                code="allocatorStateMissing",
            )
        return self.allocator.allocate()

    def entry(self, index: int) -> dict[str, Any]:
        """The §2.1 ``BitstringStatusListEntry`` for ``index`` (``statusListIndex`` is a decimal string)."""
        self._check_index(index)
        out: dict[str, Any] = {
            "id": f"{self.url}#{index}",
            "type": ENTRY_TYPE,
            "statusPurpose": self.purpose,
            "statusListIndex": str(index),
            "statusListCredential": self.url,
        }
        if self.status_size > 1 or self.purpose == "message":
            out["statusSize"] = self.status_size
            out["statusMessage"] = [dict(m) for m in self.status_messages or []]
        return out

    def new_entry(self) -> dict[str, Any]:
        """Allocate a fresh random index and return its ``credentialStatus`` entry."""
        return self.entry(self.allocate())

    # -- status changes
    def _check_index(self, index: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < self.size:
            raise StatusIndexOutOfRange(f"status list index {index!r} is outside 0..{self.size - 1}")

    def get(self, index: int) -> int:
        self._check_index(index)
        return self.bits.get_value(index * self.status_size, self.status_size)

    def set(self, index: int, value: int | bool) -> None:
        self._check_index(index)
        if self.purpose in ("revocation", "refresh") and self.get(index) and not value:
            # §2.1 statusPurpose: revocation and refresh are "not reversible".
            raise StatusError(f"index {index} is set for {self.purpose}, which cannot be undone",
                              code="irreversibleStatus")
        self.bits.set_value(index * self.status_size, self.status_size, int(value))

    def revoke(self, index: int) -> None:
        if self.purpose != "revocation":
            raise StatusPurposeMismatch(f"this list's statusPurpose is {self.purpose!r}, not 'revocation'")
        self.set(index, 1)

    def suspend(self, index: int) -> None:
        if self.purpose != "suspension":
            raise StatusPurposeMismatch(f"this list's statusPurpose is {self.purpose!r}, not 'suspension'")
        self.set(index, 1)

    def unsuspend(self, index: int) -> None:
        if self.purpose != "suspension":
            raise StatusPurposeMismatch(f"this list's statusPurpose is {self.purpose!r}, not 'suspension'")
        self.set(index, 0)

    # -- credential
    def credential(
        self,
        issuer: str | Mapping[str, Any],
        *,
        valid_from: str | None = None,
        valid_until: str | None = None,
        ttl_ms: int | None = None,
        context: Iterable[str] = (VC_V2_CONTEXT,),
    ) -> dict[str, Any]:
        """The unsigned §2.2 ``BitstringStatusListCredential`` (sign it with ``credentials.issue``)."""
        subject: dict[str, Any] = {
            "id": f"{self.url}#list",
            "type": LIST_TYPE,
            "statusPurpose": self.purpose,
            "encodedList": self.bits.encode(),
        }
        if ttl_ms is not None:
            if isinstance(ttl_ms, bool) or not isinstance(ttl_ms, int) or ttl_ms < 0:
                raise StatusError("ttl must be a non-negative number of milliseconds", code="invalidArgument")
            subject["ttl"] = ttl_ms
        vc: dict[str, Any] = {
            "@context": list(context),
            "id": self.url,
            "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
            "issuer": issuer if isinstance(issuer, str) else dict(issuer),
        }
        if valid_from is not None:
            vc["validFrom"] = valid_from
        if valid_until is not None:
            vc["validUntil"] = valid_until
        vc["credentialSubject"] = subject
        return vc

    @classmethod
    def from_credential(
        cls, credential: Mapping[str, Any], *, allocator: IndexAllocator | None = None, status_size: int = 1,
        status_messages: list[dict[str, str]] | None = None, rng: Random | None = None,
    ) -> StatusList:
        """Rebuild the issuer state from a status list credential (the allocator state is kept separately)."""
        info = parse_list_credential(credential)
        if len(info.purposes) != 1:
            raise InvalidStatusList("a status list managed here has exactly one statusPurpose")
        size = info.bits.length // status_size
        return cls(
            url=info.url, purpose=info.purposes[0], size=size, status_size=status_size,
            status_messages=status_messages, bits=info.bits, allocator=allocator, rng=rng,
        )

    # -- state
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "url": self.url, "purpose": self.purpose, "size": self.size, "statusSize": self.status_size,
            "encodedList": self.bits.encode(),
        }
        if self.allocator is not None:
            out["allocator"] = self.allocator.to_dict()
        if self.status_messages:
            out["statusMessage"] = [dict(m) for m in self.status_messages]
        return out

    @classmethod
    def from_dict(cls, state: Mapping[str, Any], *, rng: Random | None = None) -> StatusList:
        try:
            bits = Bitstring.decode(state["encodedList"])
            size, status_size = int(state["size"]), int(state.get("statusSize", 1))
            if bits.length != ((size * status_size + 7) // 8) * 8:
                raise InvalidStatusList("state encodedList length does not match size * statusSize")
            bits = Bitstring(size * status_size, bits.to_bytes())
            return cls(
                url=state["url"], purpose=state["purpose"], size=size, status_size=status_size,
                status_messages=state.get("statusMessage"), bits=bits,
                allocator=IndexAllocator.from_dict(state["allocator"], rng=rng) if "allocator" in state else None,
                rng=rng,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidStatusList(f"malformed status list state: {exc}") from None


# --------------------------------------------------------------------------------------------------- verifier
@dataclass(frozen=True)
class ListInfo:
    url: str
    issuer: str | None
    purposes: tuple[str, ...]
    bits: Bitstring
    ttl_seconds: float | None
    credential: Mapping[str, Any] = field(repr=False)


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _issuer_id(doc: Mapping[str, Any]) -> str | None:
    issuer = doc.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return value
    return []


def parse_list_credential(credential: Mapping[str, Any], *, max_bytes: int = MAX_LIST_BYTES) -> ListInfo:
    """Check the §2.2 shape of a ``BitstringStatusListCredential`` and expand its list (no proof check)."""
    if not isinstance(credential, Mapping):
        raise InvalidStatusList("status list credential must be a JSON object")
    if LIST_CREDENTIAL_TYPE not in _types(credential.get("type")):
        raise InvalidStatusList(f"status list credential type must include {LIST_CREDENTIAL_TYPE!r}")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise InvalidStatusList("status list credential needs one credentialSubject object")
    if LIST_TYPE not in _types(subject.get("type")):
        raise InvalidStatusList(f"credentialSubject.type must be {LIST_TYPE!r}")
    raw_purpose = subject.get("statusPurpose")
    purposes = tuple(_types(raw_purpose))
    if not purposes:
        raise InvalidStatusList("credentialSubject.statusPurpose must be a string or a list of strings")
    ttl = subject.get("ttl")
    ttl_seconds: float | None = None
    if ttl is not None:
        if isinstance(ttl, bool) or not isinstance(ttl, int | float) or ttl < 0:
            raise InvalidStatusList("credentialSubject.ttl must be a non-negative number of milliseconds")
        ttl_seconds = float(ttl) / 1000.0
    bits = Bitstring.decode(subject.get("encodedList"), max_bytes=max_bytes)
    url = credential.get("id")
    return ListInfo(
        url=url if isinstance(url, str) else "", issuer=_issuer_id(credential), purposes=purposes,
        bits=bits, ttl_seconds=ttl_seconds, credential=credential,
    )


def credential_status_entries(credential: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ``BitstringStatusListEntry`` objects in ``credential.credentialStatus`` (object or list)."""
    status = credential.get("credentialStatus") if isinstance(credential, Mapping) else None
    if status is None:
        return []
    items = status if isinstance(status, list) else [status]
    if not all(isinstance(s, Mapping) for s in items):
        raise InvalidStatusEntry("credentialStatus must be an object or a list of objects")
    return [s for s in items if ENTRY_TYPE in _types(s.get("type"))]


@dataclass(frozen=True)
class ParsedEntry:
    purpose: str
    index: int
    list_url: str
    size: int
    messages: tuple[Mapping[str, Any], ...]


def parse_entry(entry: Mapping[str, Any]) -> ParsedEntry:
    """Validate one §2.1 ``BitstringStatusListEntry``."""
    if not isinstance(entry, Mapping) or ENTRY_TYPE not in _types(entry.get("type")):
        raise InvalidStatusEntry(f"credentialStatus entry type must be {ENTRY_TYPE!r}")
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise InvalidStatusEntry("credentialStatus.statusPurpose must be a string")
    raw_index = entry.get("statusListIndex")
    if not isinstance(raw_index, str) or not _DECIMAL.match(raw_index):
        raise InvalidStatusEntry("credentialStatus.statusListIndex must be a decimal integer string")
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or ":" not in url:
        raise InvalidStatusEntry("credentialStatus.statusListCredential must be a URL")
    if entry.get("id") is not None and entry.get("id") == url:
        raise InvalidStatusEntry("credentialStatus.id must not equal statusListCredential")
    size = entry.get("statusSize", 1)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise InvalidStatusEntry("credentialStatus.statusSize must be a positive integer")
    messages = entry.get("statusMessage") or []
    if not isinstance(messages, list) or not all(isinstance(m, Mapping) for m in messages):
        raise InvalidStatusEntry("credentialStatus.statusMessage must be a list of objects")
    if size > 1 and len(messages) != 1 << size:
        raise InvalidStatusEntry(f"statusMessage must have {1 << size} entries for statusSize {size}")
    return ParsedEntry(purpose, int(raw_index), url, size, tuple(messages))


@dataclass(frozen=True)
class StatusResult:
    """Outcome of checking one entry: ``status`` is the entry's value (0 = not set)."""

    purpose: str
    index: int
    status: int
    list_url: str
    message: str | None = None

    @property
    def is_set(self) -> bool:
        return self.status != 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "statusPurpose": self.purpose, "statusListIndex": str(self.index), "status": self.status,
            "set": self.is_set, "statusListCredential": self.list_url,
        }
        if self.message is not None:
            out["message"] = self.message
        return out


StatusLoader = Callable[[str], Awaitable[Mapping[str, Any]]]
ProofVerifier = Callable[[Mapping[str, Any]], Awaitable[None]]


MAX_LIST_CREDENTIAL_BYTES = 4 * 1024 * 1024


def http_loader(client: Any, *, max_bytes: int = MAX_LIST_CREDENTIAL_BYTES, timeout: float = 10.0) -> StatusLoader:
    """A :data:`StatusLoader` fetching ``https`` status list URLs with an injected ``httpx.AsyncClient``.

    Only ``https://`` URLs are fetched (``http://`` only for loopback hosts, for tests and local plants); the
    response must be 200, at most ``max_bytes``, and a JSON object (``application/vc+ld+json``, ``application/vc``
    or ``application/json``).  §3.2 "Verifiers SHOULD cache the retrieved status list": wrap it in
    :class:`StatusListVerifier`, which caches.
    """
    from urllib.parse import urlsplit

    async def load(url: str) -> Mapping[str, Any]:
        parts = urlsplit(url)
        loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise StatusListUnavailable(f"refusing to fetch status list over {parts.scheme or 'no scheme'}: {url}")
        headers = {"Accept": "application/vc+ld+json, application/vc, application/json;q=0.9"}
        async with client.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=False) as response:
            if response.status_code != 200:
                raise StatusListUnavailable(f"status list {url} answered HTTP {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise StatusListUnavailable(f"status list {url} is larger than {max_bytes} bytes")
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in ("application/vc+ld+json", "application/vc", "application/json", "application/ld+json"):
            raise StatusListUnavailable(f"status list {url} has media type {media_type or 'none'}, not a credential")
        try:
            doc = json.loads(bytes(body))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidStatusList(f"status list {url} is not JSON") from None
        if not isinstance(doc, dict):
            raise InvalidStatusList(f"status list {url} is not a JSON object")
        return doc

    return load


@dataclass
class _CacheEntry:
    info: ListInfo
    expires: float


class StatusListVerifier:
    """§3.2 Validate Algorithm with a fetch cache.

    ``loader(url)`` returns the status list credential (JSON object); any exception it raises becomes
    :class:`StatusListUnavailable`.  The list's proof is checked by ``verify_proof(doc)`` (raise to reject);
    by default that is ``credentials.verify`` with ``resolver``.  Lists are cached for their ``ttl`` (ms, §2.2),
    or :attr:`ttl` seconds when they carry none, and never past their ``validUntil``.  ``clock`` (monotonic seconds)
    and ``now`` (wall-clock ``datetime``, also passed to ``credentials.verify``) are injected.
    """

    def __init__(
        self,
        loader: StatusLoader,
        *,
        resolver: Any = None,
        verify_proof: ProofVerifier | None = None,
        ttl: float = DEFAULT_TTL_SECONDS,
        max_ttl: float = 86_400.0,
        min_entries: int = MIN_ENTRIES,
        require_same_issuer: bool = True,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], Any] | None = None,
    ) -> None:
        if verify_proof is None and resolver is None:
            raise StatusError("StatusListVerifier needs a resolver or a verify_proof callable", code="invalidArgument")
        self._loader = loader
        self._resolver = resolver
        self._verify_proof = verify_proof
        self.ttl = float(ttl)
        self.max_ttl = float(max_ttl)
        self.min_entries = min_entries
        self.require_same_issuer = require_same_issuer
        self._clock = clock
        self._now = now
        self._cache: dict[str, _CacheEntry] = {}
        self._inflight: dict[str, asyncio.Future[ListInfo]] = {}
        self.fetches = 0  # how many times the loader was called (observability, tests)

    def invalidate(self, url: str | None = None) -> None:
        if url is None:
            self._cache.clear()
        else:
            self._cache.pop(url, None)

    async def _default_verify(self, doc: Mapping[str, Any]) -> None:
        from credentials import verify  # credentials/ is above this module; imported lazily

        kwargs: dict[str, Any] = {"resolver": self._resolver}
        if self._now is not None:
            kwargs["now"] = self._now()
        result = await verify(dict(doc), **kwargs)
        if not result.verified:
            errors = getattr(result, "errors", None) or []
            reason = "; ".join(str(e) for e in errors) or "proof did not verify"
            raise StatusVerificationError(f"status list credential proof rejected: {reason}")

    async def _fetch(self, url: str) -> ListInfo:
        self.fetches += 1
        try:
            doc = await self._loader(url)
        except StatusError:
            raise
        except IiotidError as exc:
            raise StatusListUnavailable(f"could not retrieve status list {url}: {exc}") from exc
        except Exception as exc:  # a pluggable loader may fail in any way; report it as retrieval failure
            raise StatusListUnavailable(f"could not retrieve status list {url}: {type(exc).__name__}: {exc}") from exc
        if not isinstance(doc, Mapping):
            raise InvalidStatusList(f"status list {url} is not a JSON object")
        info = parse_list_credential(doc)
        if info.url and info.url != url:
            raise InvalidStatusList(f"status list credential id {info.url!r} does not match its URL {url!r}")
        try:
            if self._verify_proof is not None:
                await self._verify_proof(doc)
            else:
                await self._default_verify(doc)
        except StatusVerificationError:
            raise
        except IiotidError as exc:
            raise StatusVerificationError(f"status list credential proof rejected: {exc}") from exc
        return info

    async def load(self, url: str) -> ListInfo:
        """The verified, expanded list at ``url``, from the cache while fresh."""
        now = self._clock()
        cached = self._cache.get(url)
        if cached is not None and cached.expires > now:
            return cached.info
        pending = self._inflight.get(url)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[ListInfo] = asyncio.get_running_loop().create_future()
        self._inflight[url] = future
        try:
            info = await self._fetch(url)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved so a lone failure is not logged as never-awaited
            raise
        finally:
            self._inflight.pop(url, None)
        ttl = self.ttl if info.ttl_seconds is None else info.ttl_seconds
        # §2.2 ttl "does not override or replace the validity period": never cache past validUntil.
        valid_until = _parse_datetime(info.credential.get("validUntil"))
        if valid_until is not None:
            wall = self._now() if self._now is not None else datetime.now(UTC)
            if isinstance(wall, datetime):
                ttl = min(ttl, max((valid_until - wall).total_seconds(), 0.0))
        self._cache[url] = _CacheEntry(info, now + min(ttl, self.max_ttl))
        future.set_result(info)
        return info

    async def check_entry(
        self, entry: Mapping[str, Any], credential: Mapping[str, Any] | None = None
    ) -> StatusResult:
        parsed = parse_entry(entry)
        info = await self.load(parsed.list_url)
        if parsed.purpose not in info.purposes:  # §3.2 step 5
            raise StatusPurposeMismatch(
                f"status list {parsed.list_url} has statusPurpose {list(info.purposes)}, "
                f"the credential expects {parsed.purpose!r}"
            )
        if credential is not None and self.require_same_issuer:
            issuer = _issuer_id(credential)
            if issuer is None or issuer != info.issuer:
                raise StatusVerificationError(
                    f"status list issuer {info.issuer!r} is not the credential issuer {issuer!r}"
                )
        entries = info.bits.length // parsed.size
        if entries < self.min_entries:  # §3.2 step 9
            raise StatusListLengthError(f"status list has {entries} entries, fewer than {self.min_entries}")
        if parsed.index >= entries:  # §3.2 step 10
            raise StatusIndexOutOfRange(f"statusListIndex {parsed.index} is outside 0..{entries - 1}")
        value = info.bits.get_value(parsed.index * parsed.size, parsed.size)
        # §2.1 statusMessage: without the array, 1 and 0 mean "set" and "unset".
        message = None if parsed.messages else ("set" if value else "unset")
        for m in parsed.messages:
            status_hex = m.get("status")
            if isinstance(status_hex, str):
                try:
                    if int(status_hex, 16) == value:
                        message = m.get("message") if isinstance(m.get("message"), str) else None
                except ValueError:
                    raise InvalidStatusEntry(f"statusMessage status {status_hex!r} is not hexadecimal") from None
        return StatusResult(parsed.purpose, parsed.index, value, parsed.list_url, message)

    async def check(self, credential: Mapping[str, Any]) -> list[StatusResult]:
        """Results for every ``BitstringStatusListEntry`` of ``credential`` (empty when it has none)."""
        entries = credential_status_entries(credential)
        return list(await asyncio.gather(*(self.check_entry(e, credential) for e in entries)))

    async def assert_active(self, credential: Mapping[str, Any]) -> list[StatusResult]:
        """Like :meth:`check`, but raise :class:`CredentialRevoked` / :class:`CredentialSuspended` when set."""
        results = await self.check(credential)
        for r in results:
            if r.is_set and r.purpose == "revocation":
                raise CredentialRevoked(f"credential is revoked (status list {r.list_url}, index {r.index})")
        for r in results:
            if r.is_set and r.purpose == "suspension":
                raise CredentialSuspended(f"credential is suspended (status list {r.list_url}, index {r.index})")
        return results
