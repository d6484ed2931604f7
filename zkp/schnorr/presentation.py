"""Presentation requests and presentations: JSON (base64url, for HTTP) and CBOR (RFC 8949, for constrained links).

A :class:`PresentationRequest` is what a verifier (gateway) sends: which attributes to disclose, which predicates to
prove about hidden ones, where the holder's device secret sits (holder binding), an optional pseudonym scope, a fresh
nonce and the verifier's DID.  A :class:`Presentation` is the holder's answer: the BBS proof (draft -09 octets),
disclosed values, one proof per predicate (request order) and the pseudonym.  Byte layouts: specs/zkp.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import cbor2

from zkp.backend.hash_to_field import R
from zkp.errors import InvalidParameter, InvalidProof
from zkp.schnorr.range_proof import check_bounds
from zkp.schnorr.set_membership import check_set
from zkp.schnorr.transcript import Transcript

OPS = ("ge", "le", "range", "in")
MAX_MESSAGES = 1024
MAX_PREDICATES = 32
REQUEST_TYPE = "IiotidZkPresentationRequest"
PRESENTATION_TYPE = "IiotidZkPresentation"
MAX_ENCODED = 1 << 20
_B64U = re.compile(r"[A-Za-z0-9_-]*")


class MalformedPresentation(InvalidProof):
    """A presentation or request whose encoding is broken (bad JSON/CBOR, wrong types, bad base64url)."""

    code = "malformedPresentation"


class InvalidRequest(InvalidParameter):
    code = "invalidPresentationRequest"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text: object, what: str) -> bytes:
    if not isinstance(text, str) or not _B64U.fullmatch(text) or len(text) % 4 == 1:
        raise MalformedPresentation(f"{what} must be unpadded base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedPresentation(f"{what} is not valid base64url") from exc


def _int(v: object, what: str, lo: int = 0, hi: int = MAX_MESSAGES - 1) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise InvalidRequest(f"{what} must be an integer in [{lo}, {hi}]")
    return v


@dataclass(frozen=True)
class Predicate:
    """One predicate on hidden attribute ``index``: ``ge`` (>= lower), ``le`` (<= upper), ``range`` (both), ``in``
    (member of ``members``, scalars as :mod:`zkp.schnorr.encoding` makes them).  ``bits`` bounds a range's width."""

    index: int
    op: str
    lower: int | None = None
    upper: int | None = None
    members: tuple[int, ...] = ()
    bits: int = 16

    def __post_init__(self) -> None:
        _int(self.index, "predicate index")
        if self.op not in OPS:
            raise InvalidRequest(f"predicate op must be one of {', '.join(OPS)}")
        if self.op == "in":
            if self.lower is not None or self.upper is not None:
                raise InvalidRequest("an 'in' predicate takes no bounds")
            object.__setattr__(self, "members", tuple(check_set(list(self.members))))
        else:
            if self.members:
                raise InvalidRequest("only an 'in' predicate takes members")
            try:
                check_bounds(self.op, self.lower, self.upper, self.bits)
            except InvalidParameter as exc:
                raise InvalidRequest(str(exc)) from exc

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"index": self.index, "op": self.op}
        if self.op == "in":
            d["set"] = [str(m) for m in self.members]
        else:
            d["bits"] = self.bits
            if self.lower is not None:
                d["lower"] = self.lower
            if self.upper is not None:
                d["upper"] = self.upper
        return d

    @classmethod
    def from_dict(cls, d: object) -> Predicate:
        if not isinstance(d, Mapping):
            raise InvalidRequest("a predicate must be an object")
        extra = set(d) - {"index", "op", "lower", "upper", "set", "bits"}
        if extra:
            raise InvalidRequest(f"unknown predicate members: {sorted(map(str, extra))}")
        members: list[int] = []
        raw = d.get("set", [])
        if not isinstance(raw, list):
            raise InvalidRequest("predicate 'set' must be a list")
        for m in raw:  # decimal strings in JSON (scalars exceed JSON numbers), ints in CBOR
            if isinstance(m, str) and m.isdigit():
                members.append(int(m))
            elif isinstance(m, int) and not isinstance(m, bool):
                members.append(m)
            else:
                raise InvalidRequest("set members must be decimal strings or integers")
        return cls(
            index=d.get("index"),  # type: ignore[arg-type]
            op=d.get("op"),  # type: ignore[arg-type]
            lower=d.get("lower"),  # type: ignore[arg-type]
            upper=d.get("upper"),  # type: ignore[arg-type]
            members=tuple(members),
            bits=d.get("bits", 16),  # type: ignore[arg-type]
        )

    def absorb(self, t: Transcript) -> None:
        t.append_int(b"index", self.index)
        t.append(b"op", self.op.encode())
        t.append_int(b"bits", self.bits)
        for label, v in ((b"lower", self.lower), (b"upper", self.upper)):
            t.append(label, b"" if v is None else v.to_bytes((v.bit_length() + 8) // 8, "big", signed=True))
        t.append(b"set", b"".join(m.to_bytes(32, "big") for m in self.members))


@dataclass(frozen=True)
class PresentationRequest:
    nonce: bytes
    verifier: str
    disclosed: tuple[int, ...] = ()
    predicates: tuple[Predicate, ...] = ()
    device_secret_index: int | None = None
    pseudonym_scope: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.nonce, bytes) or not 16 <= len(self.nonce) <= 256:
            raise InvalidRequest("the nonce must be 16 to 256 bytes")
        if not isinstance(self.verifier, str) or not 0 < len(self.verifier) <= 2048:
            raise InvalidRequest("the verifier id (DID) must be a non-empty string")
        disclosed = tuple(_int(i, "disclosed index") for i in self.disclosed)
        if list(disclosed) != sorted(set(disclosed)):
            raise InvalidRequest("disclosed indexes must be ascending and distinct")
        object.__setattr__(self, "disclosed", disclosed)
        preds = tuple(self.predicates)
        if len(preds) > MAX_PREDICATES or not all(isinstance(p, Predicate) for p in preds):
            raise InvalidRequest(f"at most {MAX_PREDICATES} Predicate objects")
        object.__setattr__(self, "predicates", preds)
        if any(p.index in disclosed for p in preds):
            raise InvalidRequest("a predicate must be about a hidden (undisclosed) attribute")
        if self.device_secret_index is not None:
            _int(self.device_secret_index, "device secret index")
            if self.device_secret_index in disclosed:
                raise InvalidRequest("the device secret must never be disclosed")
        if self.pseudonym_scope is not None:
            if not isinstance(self.pseudonym_scope, str) or not 0 < len(self.pseudonym_scope) <= 2048:
                raise InvalidRequest("the pseudonym scope must be a non-empty string")
            if self.device_secret_index is None:
                raise InvalidRequest("a pseudonym needs the device secret index")

    def digest(self) -> bytes:
        """SHA-256 over the framed request (Transcript encoding, so every field is length-delimited)."""
        t = Transcript(b"IIOTID-ZKP-REQUEST-V1", backend=None)  # no points absorbed
        t.append(b"nonce", self.nonce)
        t.append(b"verifier", self.verifier.encode())
        t.append(b"disclosed", b"".join(i.to_bytes(8, "big") for i in self.disclosed))
        t.append_int(b"predicates", len(self.predicates))
        for p in self.predicates:
            p.absorb(t)
        dsi = self.device_secret_index
        t.append(b"device_secret_index", b"" if dsi is None else dsi.to_bytes(8, "big"))
        t.append(b"pseudonym_scope", b"" if self.pseudonym_scope is None else self.pseudonym_scope.encode())
        return t.digest()

    def presentation_header(self) -> bytes:
        """BBS ``ph`` = SHA-256(frame(nonce) || frame(verifier) || frame(request digest)): binds the proof to this
        nonce, this verifier and this request."""
        t = Transcript(b"IIOTID-ZKP-PH-V1", backend=None)
        t.append(b"nonce", self.nonce)
        t.append(b"verifier", self.verifier.encode())
        t.append(b"request", self.digest())
        return t.digest()

    def to_dict(self, *, binary: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "type": REQUEST_TYPE,
            "nonce": self.nonce if binary else b64u(self.nonce),
            "verifier": self.verifier,
            "disclosed": list(self.disclosed),
            "predicates": [p.to_dict() for p in self.predicates],
        }
        if binary:
            for p in d["predicates"]:
                if "set" in p:
                    p["set"] = [int(m) for m in p["set"]]
        if self.device_secret_index is not None:
            d["deviceSecretIndex"] = self.device_secret_index
        if self.pseudonym_scope is not None:
            d["pseudonymScope"] = self.pseudonym_scope
        return d

    @classmethod
    def from_dict(cls, d: object, *, binary: bool = False) -> PresentationRequest:
        if not isinstance(d, Mapping) or d.get("type") != REQUEST_TYPE:
            raise InvalidRequest(f"not a {REQUEST_TYPE} object")
        extra = set(d) - {"type", "nonce", "verifier", "disclosed", "predicates", "deviceSecretIndex", "pseudonymScope"}
        if extra:
            raise InvalidRequest(f"unknown request members: {sorted(map(str, extra))}")
        nonce = d.get("nonce")
        if not binary:
            nonce = unb64u(nonce, "nonce")
        disclosed = d.get("disclosed", [])
        preds = d.get("predicates", [])
        if not isinstance(disclosed, list) or not isinstance(preds, list):
            raise InvalidRequest("'disclosed' and 'predicates' must be lists")
        return cls(
            nonce=nonce,  # type: ignore[arg-type]
            verifier=d.get("verifier"),  # type: ignore[arg-type]
            disclosed=tuple(disclosed),
            predicates=tuple(Predicate.from_dict(p) for p in preds),
            device_secret_index=d.get("deviceSecretIndex"),  # type: ignore[arg-type]
            pseudonym_scope=d.get("pseudonymScope"),  # type: ignore[arg-type]
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> PresentationRequest:
        return cls.from_dict(_load_json(text))

    def to_cbor(self) -> bytes:
        return cbor2.dumps(self.to_dict(binary=True), canonical=True)

    @classmethod
    def from_cbor(cls, data: bytes) -> PresentationRequest:
        return cls.from_dict(_load_cbor(data), binary=True)


@dataclass(frozen=True)
class Presentation:
    """``proof``: BBS proof octets; ``disclosed``: index -> scalar; ``predicate_proofs``: one encoded proof per
    request predicate, in order; ``pseudonym``: compressed G1 point or None; ``header``: the credential's BBS header."""

    proof: bytes
    disclosed: Mapping[int, int] = field(default_factory=dict)
    predicate_proofs: tuple[bytes, ...] = ()
    pseudonym: bytes | None = None
    header: bytes = b""

    def __post_init__(self) -> None:
        if not isinstance(self.proof, bytes) or not isinstance(self.header, bytes):
            raise MalformedPresentation("proof and header must be bytes")
        if not isinstance(self.disclosed, Mapping):
            raise MalformedPresentation("disclosed must map indexes to scalars")
        for i, v in self.disclosed.items():
            if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < MAX_MESSAGES:
                raise MalformedPresentation("disclosed indexes must be small non-negative integers")
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < R:
                raise MalformedPresentation("disclosed values must be scalars in [0, r-1]")
        object.__setattr__(self, "disclosed", dict(sorted(self.disclosed.items())))
        pp = tuple(self.predicate_proofs)
        if not all(isinstance(p, bytes) for p in pp):
            raise MalformedPresentation("predicate proofs must be bytes")
        object.__setattr__(self, "predicate_proofs", pp)
        if self.pseudonym is not None and (not isinstance(self.pseudonym, bytes) or len(self.pseudonym) != 48):
            raise MalformedPresentation("a pseudonym is a 48-byte compressed G1 point")

    def size(self) -> int:
        """Bytes of cryptographic material (proof + predicate proofs + pseudonym + disclosed scalars)."""
        return (
            len(self.proof)
            + sum(len(p) for p in self.predicate_proofs)
            + len(self.pseudonym or b"")
            + 32 * len(self.disclosed)
        )

    def _dict(self, enc: Any) -> dict[str, Any]:
        d: dict[str, Any] = {
            "type": PRESENTATION_TYPE,
            "header": enc(self.header),
            "proof": enc(self.proof),
            "disclosed": [[i, enc(v.to_bytes(32, "big"))] for i, v in self.disclosed.items()],
            "predicates": [enc(p) for p in self.predicate_proofs],
        }
        if self.pseudonym is not None:
            d["pseudonym"] = enc(self.pseudonym)
        return d

    @classmethod
    def _from(cls, d: object, dec: Any) -> Presentation:
        if not isinstance(d, Mapping) or d.get("type") != PRESENTATION_TYPE:
            raise MalformedPresentation(f"not a {PRESENTATION_TYPE} object")
        extra = set(d) - {"type", "header", "proof", "disclosed", "predicates", "pseudonym"}
        if extra:
            raise MalformedPresentation(f"unknown presentation members: {sorted(map(str, extra))}")
        disclosed: dict[int, int] = {}
        raw = d.get("disclosed", [])
        preds = d.get("predicates", [])
        if not isinstance(raw, list) or not isinstance(preds, list):
            raise MalformedPresentation("'disclosed' and 'predicates' must be lists")
        for item in raw:
            if not isinstance(item, list) or len(item) != 2:
                raise MalformedPresentation("each disclosed entry is [index, value]")
            i, v = item
            if not isinstance(i, int) or isinstance(i, bool) or i in disclosed:
                raise MalformedPresentation("disclosed indexes must be distinct integers")
            vb = dec(v, "disclosed value")
            if len(vb) != 32:
                raise MalformedPresentation("a disclosed value is a 32-byte scalar")
            disclosed[i] = int.from_bytes(vb, "big")
        nym = d.get("pseudonym")
        return cls(
            proof=dec(d.get("proof"), "proof"),
            disclosed=disclosed,
            predicate_proofs=tuple(dec(p, "predicate proof") for p in preds),
            pseudonym=None if nym is None else dec(nym, "pseudonym"),
            header=dec(d.get("header", b"" if dec is _raw else ""), "header"),
        )

    def to_json(self) -> str:
        return json.dumps(self._dict(b64u), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Presentation:
        return cls._from(_load_json(text, MalformedPresentation), unb64u)

    def to_cbor(self) -> bytes:
        return cbor2.dumps(self._dict(lambda b: b), canonical=True)

    @classmethod
    def from_cbor(cls, data: bytes) -> Presentation:
        return cls._from(_load_cbor(data, MalformedPresentation), _raw)


def _raw(v: object, what: str) -> bytes:
    if not isinstance(v, bytes):
        raise MalformedPresentation(f"{what} must be a CBOR byte string")
    return v


def _load_json(text: str | bytes, exc: type[Exception] = InvalidRequest) -> object:
    if not isinstance(text, str | bytes) or len(text) > MAX_ENCODED:
        raise exc("expected JSON text of at most 1 MiB")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise exc(f"not valid JSON: {e}") from e


def _load_cbor(data: bytes, exc: type[Exception] = InvalidRequest) -> object:
    if not isinstance(data, bytes) or len(data) > MAX_ENCODED:
        raise exc("expected CBOR bytes of at most 1 MiB")
    try:
        return cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, RecursionError, TypeError) as e:
        raise exc(f"not valid CBOR: {e}") from e


def predicate_indexes(predicates: Sequence[Predicate]) -> list[int]:
    return [p.index for p in predicates]
