"""KRPC, the Mainline DHT RPC layer (BEP 5 "KRPC Protocol"), as a pure codec.

A KRPC message is one bencoded dictionary per UDP datagram with ``t`` (transaction id), ``y`` (``q`` query,
``r`` response, ``e`` error) and optionally ``v`` (client version). Queries carry ``q`` (method) and ``a``
(arguments), responses ``r`` (return values), errors ``e`` = ``[code, message]``.

Compact encodings (BEP 5 "Contact Encoding"): a peer is 6 bytes (IPv4 + big-endian port), a node is 26 bytes
(20-byte id + compact peer info).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from did.bencode import bdecode, bencode
from did.errors import DidError, EncodingError

ID_SIZE = 20

# BEP 5 "Errors"
GENERIC_ERROR = 201
SERVER_ERROR = 202
PROTOCOL_ERROR = 203
METHOD_UNKNOWN = 204
# BEP 44 "Errors"
MESSAGE_TOO_BIG = 205
INVALID_SIGNATURE = 206
SALT_TOO_BIG = 207
CAS_MISMATCH = 301
SEQ_TOO_LOW = 302

ERROR_MESSAGES = {
    GENERIC_ERROR: "Generic Error",
    SERVER_ERROR: "Server Error",
    PROTOCOL_ERROR: "Protocol Error",
    METHOD_UNKNOWN: "Method Unknown",
    MESSAGE_TOO_BIG: "Message (v field) too big",
    INVALID_SIGNATURE: "Invalid signature",
    SALT_TOO_BIG: "Salt (salt field) too big",
    CAS_MISMATCH: "The CAS hash mismatched, re-read value and try again",
    SEQ_TOO_LOW: "Sequence number less than current",
}

Address = tuple[str, int]


class KrpcError(DidError):
    """A KRPC-level failure: a malformed message we received, or an ``e`` message a remote node sent us.

    ``krpc_code`` is the numeric BEP 5 / BEP 44 error code."""

    code = "krpcError"

    def __init__(self, krpc_code: int, message: str) -> None:
        super().__init__(f"KRPC error {krpc_code}: {message}")
        self.krpc_code = krpc_code
        self.remote_message = message


@dataclass(frozen=True, slots=True)
class Message:
    """One decoded KRPC message. ``body`` is ``a`` for queries, ``r`` for responses; ``error`` for ``y == e``."""

    t: bytes
    y: bytes
    q: bytes = b""
    body: dict[bytes, Any] = field(default_factory=dict)
    error: tuple[int, str] | None = None
    v: bytes | None = None
    ip: bytes | None = None  # BEP 42 ``ip`` echo in responses (our external address); informational only

    @property
    def sender_id(self) -> bytes | None:
        nid = self.body.get(b"id")
        return nid if isinstance(nid, bytes) and len(nid) == ID_SIZE else None


def query(t: bytes, method: str | bytes, args: dict[bytes, Any], *, version: bytes | None = None) -> bytes:
    msg: dict[bytes, Any] = {b"t": t, b"y": b"q", b"q": method.encode() if isinstance(method, str) else method,
                             b"a": args}
    if version:
        msg[b"v"] = version
    return bencode(msg)


def response(t: bytes, values: dict[bytes, Any], *, version: bytes | None = None, ip: bytes | None = None) -> bytes:
    msg: dict[bytes, Any] = {b"t": t, b"y": b"r", b"r": values}
    if version:
        msg[b"v"] = version
    if ip:
        msg[b"ip"] = ip
    return bencode(msg)


def error(t: bytes, code: int, message: str | None = None, *, version: bytes | None = None) -> bytes:
    msg: dict[bytes, Any] = {b"t": t, b"y": b"e", b"e": [code, (message or ERROR_MESSAGES.get(code, "Error")).encode()]}
    if version:
        msg[b"v"] = version
    return bencode(msg)


def decode(data: bytes) -> Message:
    """Decode one datagram. Raises :class:`EncodingError` if it is not bencode, :class:`KrpcError` (203) if it is
    bencode but not a well-formed KRPC message; ``.t`` of the error is recoverable via :func:`transaction_id`."""
    raw = bdecode(data)
    if not isinstance(raw, dict):
        raise KrpcError(PROTOCOL_ERROR, "message is not a dictionary")
    t = raw.get(b"t")
    y = raw.get(b"y")
    if not isinstance(t, bytes):
        raise KrpcError(PROTOCOL_ERROR, "missing or malformed transaction id 't'")
    v = raw.get(b"v")
    v = v if isinstance(v, bytes) else None
    ip = raw.get(b"ip")
    ip = ip if isinstance(ip, bytes) else None
    if y == b"q":
        q = raw.get(b"q")
        a = raw.get(b"a")
        if not isinstance(q, bytes) or not isinstance(a, dict):
            raise KrpcError(PROTOCOL_ERROR, "query needs a method 'q' and an argument dictionary 'a'")
        msg = Message(t, y, q, a, v=v)
        if msg.sender_id is None:
            raise KrpcError(PROTOCOL_ERROR, "query arguments need a 20-byte 'id'")
        return msg
    if y == b"r":
        r = raw.get(b"r")
        if not isinstance(r, dict):
            raise KrpcError(PROTOCOL_ERROR, "response needs a dictionary 'r'")
        return Message(t, y, b"", r, v=v, ip=ip)
    if y == b"e":
        e = raw.get(b"e")
        if (not isinstance(e, list) or len(e) < 2 or not isinstance(e[0], int) or not isinstance(e[1], bytes)):
            raise KrpcError(PROTOCOL_ERROR, "error needs 'e' = [code, message]")
        return Message(t, y, error=(e[0], e[1].decode("utf-8", "replace")), v=v)
    raise KrpcError(PROTOCOL_ERROR, "unknown message type 'y'")


def transaction_id(data: bytes) -> bytes | None:
    """Best-effort ``t`` of a message that failed :func:`decode`, so a 203 error can be addressed to it."""
    try:
        raw = bdecode(data)
    except EncodingError:
        return None
    if isinstance(raw, dict) and isinstance(raw.get(b"t"), bytes) and raw.get(b"y") == b"q":
        return raw[b"t"]
    return None


# --- BEP 5 "Contact Encoding" -------------------------------------------------------------------------------------


def encode_peer(addr: Address) -> bytes:
    """Compact IP-address/port info: 4-byte IPv4 address then 2-byte port, network byte order."""
    host, port = addr
    try:
        packed = ipaddress.IPv4Address(host).packed
    except (ipaddress.AddressValueError, ValueError) as exc:
        raise EncodingError(f"not an IPv4 address: {host!r}") from exc
    if not 0 <= port <= 0xFFFF:
        raise EncodingError(f"port {port} out of range")
    return packed + port.to_bytes(2, "big")


def decode_peer(data: bytes) -> Address:
    if len(data) != 6:
        raise EncodingError(f"compact peer info is 6 bytes, got {len(data)}")
    return str(ipaddress.IPv4Address(data[:4])), int.from_bytes(data[4:], "big")


def encode_nodes(nodes: list[tuple[bytes, Address]]) -> bytes:
    """Compact node info: the 20-byte node id followed by its compact peer info (26 bytes a node)."""
    out = bytearray()
    for nid, addr in nodes:
        if len(nid) != ID_SIZE:
            raise EncodingError("node id must be 20 bytes")
        out += nid + encode_peer(addr)
    return bytes(out)


def decode_nodes(data: bytes) -> list[tuple[bytes, Address]]:
    if len(data) % 26:
        raise EncodingError(f"compact node info length {len(data)} is not a multiple of 26")
    return [(data[i : i + 20], decode_peer(data[i + 20 : i + 26])) for i in range(0, len(data), 26)]


def distance(a: bytes, b: bytes) -> int:
    """Kademlia XOR metric (BEP 5 "Routing Table": distance(A,B) = |A xor B|, as an unsigned integer)."""
    return int.from_bytes(a, "big") ^ int.from_bytes(b, "big")
