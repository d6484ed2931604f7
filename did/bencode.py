"""Bencode (BEP 3), the encoding of KRPC messages (BEP 5) and of BEP 44 values.

Strict decoder: canonical integers only (no leading zeros, no ``-0``), dictionary keys must be byte strings in
sorted order without duplicates, bounded nesting, and the whole input must be consumed. Any violation raises
:class:`did.errors.EncodingError`, never ``IndexError``/``ValueError``.
"""

from __future__ import annotations

from typing import Any

from did.errors import EncodingError

Bencodable = int | bytes | str | list[Any] | dict[Any, Any]

MAX_DEPTH = 32
MAX_INT_DIGITS = 64  # no KRPC or BEP 44 integer comes near this; refuse pathological inputs


def bencode(value: Bencodable) -> bytes:
    """Encode ``value``; ``str`` is encoded as UTF-8 bytes, dict keys are sorted as raw bytes."""
    out: list[bytes] = []
    _encode(value, out)
    return b"".join(out)


def _encode(value: Any, out: list[bytes]) -> None:
    if isinstance(value, bool):
        raise EncodingError("bencode has no boolean type")
    if isinstance(value, int):
        out.append(b"i%de" % value)
    elif isinstance(value, bytes | bytearray | memoryview):
        b = bytes(value)
        out.append(b"%d:" % len(b))
        out.append(b)
    elif isinstance(value, str):
        b = value.encode()
        out.append(b"%d:" % len(b))
        out.append(b)
    elif isinstance(value, list | tuple):
        out.append(b"l")
        for item in value:
            _encode(item, out)
        out.append(b"e")
    elif isinstance(value, dict):
        items = []
        for k, v in value.items():
            kb = k.encode() if isinstance(k, str) else k
            if not isinstance(kb, bytes):
                raise EncodingError(f"bencode dictionary keys must be strings, got {type(k).__name__}")
            items.append((kb, v))
        items.sort(key=lambda kv: kv[0])
        out.append(b"d")
        for kb, v in items:
            out.append(b"%d:" % len(kb))
            out.append(kb)
            _encode(v, out)
        out.append(b"e")
    else:
        raise EncodingError(f"cannot bencode {type(value).__name__}")


def bdecode(data: bytes) -> Any:
    """Decode one bencoded value that spans all of ``data``. Strings come back as ``bytes``."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EncodingError("bencoded input must be bytes")
    buf = bytes(data)
    value, pos = _decode(buf, 0, 0)
    if pos != len(buf):
        raise EncodingError(f"trailing data after bencoded value at offset {pos}")
    return value


def bdecode_prefix(data: bytes) -> tuple[Any, int]:
    """Decode one value from the start of ``data``; return it and the number of bytes consumed."""
    return _decode(bytes(data), 0, 0)


def _decode(buf: bytes, pos: int, depth: int) -> tuple[Any, int]:
    if depth > MAX_DEPTH:
        raise EncodingError("bencode nesting too deep")
    if pos >= len(buf):
        raise EncodingError("truncated bencode")
    c = buf[pos]
    if c == 0x69:  # 'i'
        end = buf.find(b"e", pos + 1)
        if end < 0:
            raise EncodingError("truncated bencode integer")
        digits = buf[pos + 1 : end]
        if len(digits) > MAX_INT_DIGITS:
            raise EncodingError("bencode integer too large")
        if not _is_canonical_int(digits):
            raise EncodingError(f"malformed bencode integer {digits[:20]!r}")
        return int(digits), end + 1
    if c == 0x6C:  # 'l'
        pos += 1
        items = []
        while True:
            if pos >= len(buf):
                raise EncodingError("truncated bencode list")
            if buf[pos] == 0x65:
                return items, pos + 1
            item, pos = _decode(buf, pos, depth + 1)
            items.append(item)
    if c == 0x64:  # 'd'
        pos += 1
        result: dict[bytes, Any] = {}
        last: bytes | None = None
        while True:
            if pos >= len(buf):
                raise EncodingError("truncated bencode dictionary")
            if buf[pos] == 0x65:
                return result, pos + 1
            if not 0x30 <= buf[pos] <= 0x39:
                raise EncodingError("bencode dictionary key is not a string")
            key, pos = _decode_bytes(buf, pos)
            if last is not None and key <= last:
                raise EncodingError("bencode dictionary keys are not sorted or are duplicated")
            last = key
            value, pos = _decode(buf, pos, depth + 1)
            result[key] = value
    if 0x30 <= c <= 0x39:
        return _decode_bytes(buf, pos)
    raise EncodingError(f"unexpected byte 0x{c:02x} in bencode at offset {pos}")


def _decode_bytes(buf: bytes, pos: int) -> tuple[bytes, int]:
    colon = buf.find(b":", pos, pos + 12)
    if colon < 0:
        raise EncodingError("malformed bencode string length")
    length_digits = buf[pos:colon]
    if not length_digits.isdigit() or (len(length_digits) > 1 and length_digits[0] == 0x30):
        raise EncodingError("malformed bencode string length")
    length = int(length_digits)
    start = colon + 1
    end = start + length
    if end > len(buf):
        raise EncodingError("truncated bencode string")
    return buf[start:end], end


def _is_canonical_int(digits: bytes) -> bool:
    if not digits:
        return False
    body = digits[1:] if digits[:1] == b"-" else digits
    if not body or not body.isdigit():
        return False
    if body[0] == 0x30 and (len(body) > 1 or digits[:1] == b"-"):
        return False
    return True
