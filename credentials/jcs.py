"""RFC 8785 JSON Canonicalization Scheme: :func:`dumps` -> canonical UTF-8 bytes.

For JSON made of objects, arrays, strings, booleans, null and integers within ±2**53 whose member names are all
in the Basic Multilingual Plane, RFC 8785 output equals ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)``: §3.2.2.2 string escaping (``\\"``, ``\\\\``, ``\\b \\f \\n \\r \\t``, other C0 controls as
lowercase ``\\u00xx``) is exactly what CPython writes, §3.2.3 sorts member names by UTF-16 code units, which is
code point order inside the BMP, and §3.2.2.3 serialises such integers as their decimal digits.  Anything else
(floats, big integers, astral-plane names, lone surrogates) goes through the ``rfc8785`` package.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from credentials.errors import InvalidJsonLd

__all__ = ["dumps"]

_MAX_SAFE = 2**53 - 1
_encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _plain(value: Any, depth: int = 0) -> bool:
    if depth > 200:
        return False
    if isinstance(value, str):
        return value.isascii() or not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -_MAX_SAFE <= value <= _MAX_SAFE
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                return False
            if not k.isascii() and any(ord(c) > 0xFFFF or 0xD800 <= ord(c) <= 0xDFFF for c in k):
                return False
            if not _plain(v, depth + 1):
                return False
        return True
    if isinstance(value, list):
        return all(_plain(v, depth + 1) for v in value)
    return False


def dumps(value: Any) -> bytes:
    """The RFC 8785 canonical form of ``value``; :class:`InvalidJsonLd` if it cannot be canonicalised."""
    if _plain(value):
        return _encoder.encode(value).encode("utf-8")
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        raise InvalidJsonLd(f"value cannot be canonicalised with RFC 8785: {exc}") from None
