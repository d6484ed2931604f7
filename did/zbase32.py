"""z-base-32 (Zooko O'Whielacronx, "human-oriented base-32 encoding", 2002), as used by did:dht and pkarr.

The alphabet is ``ybndrfg8ejkmcpqxot1uwisza345h769``; bits are taken most-significant first, five per
character, and the last character is padded with zero bits. No ``=`` padding. did:dht writes the 32-byte
Ed25519 identity key as 52 characters (did:dht spec, "Format": ``z-base-32-value := [a-km-uw-z13-9]+``).

The decoder is strict: only lower-case alphabet characters, and the padding bits of the last character must be
zero, so every byte string has exactly one encoding (otherwise several DIDs would name the same key).
"""

from __future__ import annotations

from did.errors import EncodingError

ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}

__all__ = ["ALPHABET", "decode", "encode", "encoded_length"]


def encoded_length(n_bytes: int) -> int:
    """Number of characters encoding ``n_bytes`` bytes (ceil(8n / 5))."""
    return (8 * n_bytes + 4) // 5


def encode(data: bytes) -> str:
    """z-base-32 of ``data`` (MSB first, zero-padded final quintet)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EncodingError("z-base-32 input must be bytes")
    raw = bytes(data)
    if not raw:
        return ""
    nbits = 8 * len(raw)
    n_chars = encoded_length(len(raw))
    value = int.from_bytes(raw, "big") << (5 * n_chars - nbits)
    out = [""] * n_chars
    for i in range(n_chars - 1, -1, -1):
        out[i] = ALPHABET[value & 31]
        value >>= 5
    return "".join(out)


def decode(text: str, *, expected_length: int | None = None) -> bytes:
    """Decode canonical z-base-32. Raises :class:`EncodingError` on any character outside the alphabet, on a
    length no byte string encodes to, on non-zero padding bits, or when the result is not ``expected_length``."""
    if not isinstance(text, str):
        raise EncodingError("z-base-32 input must be a string")
    n_chars = len(text)
    n_bytes = 5 * n_chars // 8
    if encoded_length(n_bytes) != n_chars:
        raise EncodingError(f"{n_chars} characters is not the length of any z-base-32 encoding")
    value = 0
    for pos, c in enumerate(text):
        digit = _INDEX.get(c)
        if digit is None:
            raise EncodingError(f"invalid z-base-32 character {c!r} at position {pos}")
        value = (value << 5) | digit
    pad = 5 * n_chars - 8 * n_bytes
    if value & ((1 << pad) - 1):
        raise EncodingError("non-canonical z-base-32: the padding bits of the last character are not zero")
    raw = (value >> pad).to_bytes(n_bytes, "big")
    if expected_length is not None and len(raw) != expected_length:
        raise EncodingError(f"z-base-32 value decodes to {len(raw)} bytes, expected {expected_length}")
    return raw
