"""KRPC messages (BEP 5 "KRPC Protocol") and compact encodings.

A KRPC message is a bencoded dictionary: ``t`` transaction id, ``y`` type (``q`` query, ``r`` response, ``e``
error), ``q`` method name + ``a`` arguments for queries, ``r`` values for responses, ``e`` = [code, message] for
errors, optional ``v`` client version. Compact node info is 26 bytes (20-byte id + 4-byte IPv4 + 2-byte port),
compact peer info 6 bytes (BEP 5 "Contact Encoding").
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from did.bencode import bdecode, bencode
from did.errors import DidError, EncodingError

# BEP 5 "Errors" and BEP 44 "Errors"
GENERIC_ERROR = 201
SERVER_ERROR = 202
PROTOCOL_ERROR = 203
METHOD_UNKNOWN = 204
MESSAGE_TOO_BIG = 205  # BEP 44: v larger than 1000 bytes
INVALID_SIGNATURE = 206  # BEP 44
SALT_TOO_BIG = 207  # BEP 44
CAS_MISMATCH = 301  # BEP 44
SEQ_TOO_LOW = 302  # BEP 44: sequence number less than current

NODE_ID_SIZE = 20
COMPACT_NODE_SIZE = 26
CLIENT_VERSION = b"II\x00\x01"  # two-letter client id + version, as BEP 20 style clients do


class KrpcError(DidError):
    """An error answered by a remote node (``y = e``) or to be answered to one."""

    code = "krpcError"

    def __init__(self, krpc_code: int, message: str) -> None:
        super().__init__(f"KRPC error {krpc_code}: {message}")
        self.krpc_code = krpc_code
        self.krpc_message = message


# What a BEP 44 put refusal means to callers (resolver HTTP maps these codes to 409/412/413/400).
_PUT_REFUSAL_CODES = {
    CAS_MISMATCH: "casMismatch",
    SEQ_TOO_LOW: "staleRecord",
    MESSAGE_TOO_BIG: "payloadTooLarge",
    INVALID_SIGNATURE: "invalidSignature",
    SALT_TOO_BIG: "invalidEncoding",
}


class PutRejected(KrpcError):
    """Every node asked to store an item refused it; ``code`` names the (most common) BEP 44 reason."""

    code = "dhtPutRejected"


def put_refused(refusals: list[KrpcError]) -> DidError:
    """The typed error for a put that no node stored: the refusal most nodes gave, else "unavailable"."""
    if not refusals:
        return DhtUnavailable("no DHT node acknowledged the put (all timed out)")
    counts: dict[int, int] = {}
    for r in refusals:
        counts[r.krpc_code] = counts.get(r.krpc_code, 0) + 1
    krpc_code = max(counts, key=lambda c: counts[c])
    sample = next(r for r in refusals if r.krpc_code == krpc_code)
    err = PutRejected(krpc_code, f"{sample.krpc_message} (refused by {counts[krpc_code]} of {len(refusals)} nodes)")
    err.code = _PUT_REFUSAL_CODES.get(krpc_code, PutRejected.code)
    return err


class DhtTimeout(DidError):
    code = "dhtTimeout"


class DhtUnavailable(DidError):
    code = "dhtUnavailable"


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """A contact: node id and IPv4 endpoint."""

    id: bytes
    host: str
    port: int

    @property
    def addr(self) -> tuple[str, int]:
        return (self.host, self.port)


@dataclass(slots=True)
class Message:
    t: bytes
    y: bytes  # b"q" | b"r" | b"e"
    q: bytes = b""
    a: dict[bytes, Any] = field(default_factory=dict)
    r: dict[bytes, Any] = field(default_factory=dict)
    e: tuple[int, str] | None = None
    v: bytes | None = None
    ip: bytes | None = None

    def encode(self) -> bytes:
        out: dict[bytes, Any] = {b"t": self.t, b"y": self.y}
        if self.y == b"q":
            out[b"q"] = self.q
            out[b"a"] = self.a
        elif self.y == b"r":
            out[b"r"] = self.r
        else:
            code, msg = self.e or (GENERIC_ERROR, "error")
            out[b"e"] = [code, msg.encode()]
        if self.v is not None:
            out[b"v"] = self.v
        if self.ip is not None:
            out[b"ip"] = self.ip
        return bencode(out)

    @property
    def sender_id(self) -> bytes | None:
        body = self.a if self.y == b"q" else self.r
        node_id = body.get(b"id")
        return node_id if isinstance(node_id, bytes) and len(node_id) == NODE_ID_SIZE else None


def decode_message(data: bytes) -> Message:
    """Decode and structurally validate one KRPC datagram. Raises :class:`EncodingError` on anything malformed."""
    obj = bdecode(data)
    if not isinstance(obj, dict):
        raise EncodingError("KRPC message is not a dictionary")
    t = obj.get(b"t")
    y = obj.get(b"y")
    if not isinstance(t, bytes) or not isinstance(y, bytes):
        raise EncodingError("KRPC message lacks 't' or 'y'")
    v = obj.get(b"v")
    ip = obj.get(b"ip")
    msg = Message(t=t, y=y, v=v if isinstance(v, bytes) else None, ip=ip if isinstance(ip, bytes) else None)
    if y == b"q":
        q, a = obj.get(b"q"), obj.get(b"a")
        if not isinstance(q, bytes) or not isinstance(a, dict):
            raise EncodingError("KRPC query lacks 'q' or 'a'")
        msg.q, msg.a = q, a
    elif y == b"r":
        r = obj.get(b"r")
        if not isinstance(r, dict):
            raise EncodingError("KRPC response lacks 'r'")
        msg.r = r
    elif y == b"e":
        e = obj.get(b"e")
        if not isinstance(e, list) or len(e) < 2 or not isinstance(e[0], int) or not isinstance(e[1], bytes):
            raise EncodingError("KRPC error lacks a [code, message] list")
        msg.e = (e[0], e[1].decode("utf-8", "replace"))
    else:
        raise EncodingError(f"unknown KRPC message type {y[:8]!r}")
    return msg


def encode_nodes(nodes: list[NodeInfo]) -> bytes:
    """BEP 5 compact node info: 20-byte id || 4-byte IPv4 || 2-byte big-endian port, concatenated."""
    out = bytearray()
    for n in nodes:
        try:
            packed = ipaddress.IPv4Address(n.host).packed
        except ValueError:
            continue  # IPv6 contacts go in "nodes6" (BEP 32), which we do not serve
        out += n.id + packed + n.port.to_bytes(2, "big")
    return bytes(out)


def decode_nodes(data: bytes) -> list[NodeInfo]:
    if len(data) % COMPACT_NODE_SIZE:
        raise EncodingError("compact node info length is not a multiple of 26")
    nodes = []
    for i in range(0, len(data), COMPACT_NODE_SIZE):
        chunk = data[i : i + COMPACT_NODE_SIZE]
        port = int.from_bytes(chunk[24:26], "big")
        if port == 0:
            continue
        nodes.append(NodeInfo(chunk[:20], str(ipaddress.IPv4Address(chunk[20:24])), port))
    return nodes


def encode_peer(host: str, port: int) -> bytes:
    return ipaddress.IPv4Address(host).packed + port.to_bytes(2, "big")


def decode_peer(data: bytes) -> tuple[str, int]:
    if len(data) != 6:
        raise EncodingError("compact peer info must be 6 bytes")
    return str(ipaddress.IPv4Address(data[:4])), int.from_bytes(data[4:], "big")
