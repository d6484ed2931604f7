"""BEP 44 items: mutable (Ed25519-signed, ``seq``, optional ``salt``) and immutable, and the pkarr relay format.

References: BEP 44 "Storing arbitrary data in the DHT" (bittorrent.org/beps/bep_0044.html), sections
"Mutable items" (signature input), "Signature Verification", target ids; pkarr relay payload
``sig(64) || seq(8, big-endian) || v``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

from did.bencode import bdecode, bencode
from did.errors import EncodingError, InvalidKey, InvalidSignature, PayloadTooLarge, StaleRecord

MAX_V_SIZE = 1000  # BEP 44: "the bencoded form of v MUST be less than or equal to 1000 bytes"
MAX_SALT_SIZE = 64  # BEP 44: "The salt string MUST NOT be longer than 64 bytes."
MAX_SEQ = 0x7FFFFFFFFFFFFFFF  # BEP 44: seq SHOULD NOT exceed MAX_INT64
SIG_SIZE = 64
KEY_SIZE = 32


def signing_bytes(v_bencoded: bytes, seq: int, salt: bytes = b"") -> bytes:
    """BEP 44 "Mutable items": the buffer signed is ``[4:salt<len>:<salt>]3:seqi<seq>e1:v<bencoded v>``.

    An empty salt is as if no salt was given.
    """
    prefix = b"4:salt" + bencode(salt) if salt else b""
    return prefix + b"3:seqi%de1:v" % seq + v_bencoded


def mutable_target(public_key: bytes, salt: bytes = b"") -> bytes:
    """Target id of a mutable item: SHA-1(public key || salt)."""
    return hashlib.sha1(public_key + salt).digest()  # noqa: S324 - the protocol's address, not a security hash


def immutable_target(v_bencoded: bytes) -> bytes:
    """Target id of an immutable item: SHA-1(bencoded value)."""
    return hashlib.sha1(v_bencoded).digest()  # noqa: S324


def _check_v(v_bencoded: bytes) -> None:
    if len(v_bencoded) > MAX_V_SIZE:
        raise PayloadTooLarge(
            f"BEP 44 value is {len(v_bencoded)} bytes bencoded; the limit is {MAX_V_SIZE} bytes"
        )


@dataclass(frozen=True, slots=True)
class MutableItem:
    """A signed BEP 44 mutable item. ``v`` is the decoded value (``bytes`` for did:dht / pkarr)."""

    public_key: bytes
    seq: int
    v: object
    signature: bytes
    salt: bytes = b""

    def __post_init__(self) -> None:
        if len(self.public_key) != KEY_SIZE:
            raise InvalidKey(f"BEP 44 public key must be {KEY_SIZE} bytes, got {len(self.public_key)}")
        if len(self.signature) != SIG_SIZE:
            raise InvalidSignature(f"BEP 44 signature must be {SIG_SIZE} bytes, got {len(self.signature)}")
        if not 0 <= self.seq <= MAX_SEQ:
            raise EncodingError(f"BEP 44 seq {self.seq} is outside 0..2^63-1")
        if len(self.salt) > MAX_SALT_SIZE:
            raise EncodingError(f"BEP 44 salt is {len(self.salt)} bytes; the limit is {MAX_SALT_SIZE}")
        _check_v(self.v_bencoded)

    @property
    def v_bencoded(self) -> bytes:
        return bencode(self.v)  # type: ignore[arg-type]

    @property
    def target(self) -> bytes:
        return mutable_target(self.public_key, self.salt)

    def signing_bytes(self) -> bytes:
        return signing_bytes(self.v_bencoded, self.seq, self.salt)

    @classmethod
    def create(
        cls, public_key: bytes, v: object, seq: int, sign: Callable[[bytes], bytes], salt: bytes = b""
    ) -> MutableItem:
        """Create an item signed by ``sign`` (any Ed25519 signer: a ``PrivateKey.sign``, an HSM call ...).

        The signature is checked against ``public_key`` before the item is returned, so a signer holding another
        key cannot produce an item that would be rejected by every DHT node later."""
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= MAX_SEQ:
            raise EncodingError(f"BEP 44 seq must be an integer in 0..2^63-1, got {seq!r}")
        v_bencoded = bencode(v)  # type: ignore[arg-type]
        _check_v(v_bencoded)
        sig = sign(signing_bytes(v_bencoded, seq, salt))
        item = cls(public_key, seq, v, bytes(sig), salt)
        item.verify()
        return item

    @classmethod
    def sign(cls, signing_key: nacl.signing.SigningKey, v: object, seq: int, salt: bytes = b"") -> MutableItem:
        """Create and sign an item with an Ed25519 key (RFC 8032 seed form)."""
        v_bencoded = bencode(v)  # type: ignore[arg-type]
        _check_v(v_bencoded)
        sig = signing_key.sign(signing_bytes(v_bencoded, seq, salt)).signature
        return cls(bytes(signing_key.verify_key), seq, v, sig, salt)

    def verify(self) -> None:
        """BEP 44 "Signature Verification". Raises :class:`InvalidSignature` when it does not verify."""
        try:
            nacl.signing.VerifyKey(self.public_key).verify(self.signing_bytes(), self.signature)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError) as exc:
            raise InvalidSignature("BEP 44 signature does not verify") from exc

    # --- pkarr relay payload: sig(64) || seq(8, big-endian) || v (raw bytes, not bencoded) ---------------------

    def to_relay_bytes(self) -> bytes:
        if not isinstance(self.v, bytes):
            raise EncodingError("the pkarr relay format carries only byte-string values")
        return self.signature + self.seq.to_bytes(8, "big") + self.v

    @classmethod
    def from_relay_bytes(cls, public_key: bytes, data: bytes, *, verify: bool = True) -> MutableItem:
        if len(data) < SIG_SIZE + 8:
            raise EncodingError(f"pkarr relay payload is {len(data)} bytes; at least 72 are required")
        v = data[SIG_SIZE + 8 :]
        item = cls(public_key, int.from_bytes(data[SIG_SIZE : SIG_SIZE + 8], "big"), v, data[:SIG_SIZE])
        if verify:
            item.verify()
        return item


@dataclass(frozen=True, slots=True)
class ImmutableItem:
    v: object

    def __post_init__(self) -> None:
        _check_v(self.v_bencoded)

    @property
    def v_bencoded(self) -> bytes:
        return bencode(self.v)  # type: ignore[arg-type]

    @property
    def target(self) -> bytes:
        return immutable_target(self.v_bencoded)

    @classmethod
    def from_bencoded(cls, v_bencoded: bytes) -> ImmutableItem:
        return cls(bdecode(v_bencoded))


def check_replaces(current: MutableItem | None, candidate: MutableItem, *, tie_break: bool = False) -> None:
    """Accept ``candidate`` only if it is newer than ``current`` (BEP 44: a lower seq never replaces a higher one).

    Equal ``seq`` with identical content is a harmless re-publication, but it still does not *replace* anything:
    both cases raise :class:`StaleRecord` so callers keep the record they already hold.

    ``tie_break=True`` applies the did:dht gateway rule for *different* values under an equal ``seq`` (did:dht spec,
    "Conflict Resolution": compare the payloads lexicographically and reject the lower one), so that every gateway
    converges on the same record whichever it saw first. Items for different keys or salts never replace each other.
    """
    if current is None:
        return
    if (candidate.public_key, candidate.salt) != (current.public_key, current.salt):
        raise StaleRecord("the candidate is an item under another key or salt, not a newer version of this one")
    if candidate.seq > current.seq:
        return
    if tie_break and candidate.seq == current.seq:
        new, old = candidate.v_bencoded, current.v_bencoded
        if new > old:
            return
        if new != old:
            raise StaleRecord(
                f"record seq {candidate.seq} equals the stored seq and its value sorts lower (did:dht conflict rule)"
            )
    raise StaleRecord(f"record seq {candidate.seq} is not newer than the stored seq {current.seq}")
