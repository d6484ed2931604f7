"""Private keys and device secrets encrypted at rest.

A :class:`KeyVault` holds a 256-bit key derived from the operator's passphrase with Argon2id (libsodium
``crypto_pwhash``, RFC 9106) and a random 16-byte salt stored in the database; each record is sealed with
XChaCha20-Poly1305 (libsodium ``crypto_aead_xchacha20poly1305_ietf``, draft-irtf-cfrg-xchacha) under a fresh random
24-byte nonce, with the record's key id as associated data, so a ciphertext moved to another key id fails to open.
Record layout: ``nonce (24) || ciphertext+tag``.  Plaintext of a private key: ``key type || 0x00 || raw secret``.

A check record (sealed under the id ``vault-check``) detects a wrong passphrase at open time.  Neither the vault nor
its key ever appears in a ``repr`` or a log line.

    vault = KeyVault.create("correct horse", rng=os.urandom)        # new: params() go to storage meta
    vault = KeyVault.open("correct horse", vault_params)            # existing; WrongPassphrase if not
    blob = vault.seal_key("dev:SN1:identity", private_key)
    key = vault.open_key("dev:SN1:identity", blob)
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping
from typing import Any

from nacl import bindings, pwhash
from nacl.exceptions import CryptoError

from agent.errors import KeyRecordCorrupt, WrongPassphrase
from did.errors import IiotidError
from did.keys import KeyType, PrivateKey

NONCE_BYTES = bindings.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
CHECK_ID = "vault-check"
CHECK_PLAINTEXT = b"iiotid key vault v1"
# libsodium's "moderate" profile is 256 MiB / 3 passes; "interactive" (64 MiB / 2 passes) keeps an agent start under
# a second on small gateways.  Tests pass the minimum.
DEFAULT_OPS = pwhash.argon2id.OPSLIMIT_INTERACTIVE
DEFAULT_MEM = pwhash.argon2id.MEMLIMIT_INTERACTIVE
MIN_OPS = pwhash.argon2id.OPSLIMIT_MIN
MIN_MEM = pwhash.argon2id.MEMLIMIT_MIN


def _passphrase(value: object) -> bytes:
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str):
        data = value.encode("utf-8")
    else:
        raise WrongPassphrase("the passphrase must be a string")
    if not data:
        raise WrongPassphrase("the passphrase is empty")
    return data


class KeyVault:
    """Seals and opens key records; see the module docstring."""

    __slots__ = ("_key", "_params", "_rng")

    def __init__(self, key: bytes, params: Mapping[str, Any], rng: Callable[[int], bytes] = os.urandom) -> None:
        self._key = key
        self._params = dict(params)
        self._rng = rng

    def __repr__(self) -> str:
        return "KeyVault(<sealed>)"

    @staticmethod
    def _derive(passphrase: object, salt: bytes, ops: int, mem: int) -> bytes:
        return pwhash.argon2id.kdf(32, _passphrase(passphrase), salt, opslimit=ops, memlimit=mem)

    @classmethod
    def create(
        cls,
        passphrase: object,
        *,
        ops: int = DEFAULT_OPS,
        mem: int = DEFAULT_MEM,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> KeyVault:
        salt = rng(pwhash.argon2id.SALTBYTES)
        key = cls._derive(passphrase, salt, ops, mem)
        params: dict[str, Any] = {"kdf": "argon2id", "salt": base64.b64encode(salt).decode(), "ops": ops, "mem": mem}
        vault = cls(key, params, rng)
        vault._params["check"] = base64.b64encode(vault.seal_bytes(CHECK_ID, CHECK_PLAINTEXT)).decode()
        return vault

    @classmethod
    def open(
        cls, passphrase: object, params: Mapping[str, Any], *, rng: Callable[[int], bytes] = os.urandom
    ) -> KeyVault:
        try:
            if params.get("kdf") != "argon2id":
                raise KeyRecordCorrupt(f"unknown key derivation {params.get('kdf')!r}")
            salt = base64.b64decode(params["salt"], validate=True)
            ops, mem = int(params["ops"]), int(params["mem"])
            check = base64.b64decode(params["check"], validate=True)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise KeyRecordCorrupt("the key vault parameters are malformed") from None
        vault = cls(cls._derive(passphrase, salt, ops, mem), params, rng)
        try:
            ok = vault.open_bytes(CHECK_ID, check) == CHECK_PLAINTEXT
        except KeyRecordCorrupt:
            ok = False
        if not ok:
            raise WrongPassphrase("wrong passphrase for this agent's key store")
        return vault

    def params(self) -> dict[str, Any]:
        """What to store (salt, cost, check record); contains no secret."""
        return dict(self._params)

    # -- records
    def seal_bytes(self, key_id: str, plaintext: bytes) -> bytes:
        nonce = self._rng(NONCE_BYTES)
        ct = bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, key_id.encode("utf-8"), nonce, self._key)
        return nonce + ct

    def open_bytes(self, key_id: str, blob: bytes) -> bytes:
        if not isinstance(blob, bytes | bytearray) or len(blob) < NONCE_BYTES + 16:
            raise KeyRecordCorrupt(f"key record {key_id!r} is truncated")
        try:
            return bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
                bytes(blob[NONCE_BYTES:]), key_id.encode("utf-8"), bytes(blob[:NONCE_BYTES]), self._key
            )
        except CryptoError:
            raise KeyRecordCorrupt(f"key record {key_id!r} failed authentication") from None

    def seal_key(self, key_id: str, key: PrivateKey) -> bytes:
        return self.seal_bytes(key_id, key.key_type.value.encode() + b"\x00" + key.raw)

    def open_key(self, key_id: str, blob: bytes) -> PrivateKey:
        plain = self.open_bytes(key_id, blob)
        kt, sep, secret = plain.partition(b"\x00")
        try:
            if not sep:
                raise KeyRecordCorrupt(f"key record {key_id!r} has no key type")
            return PrivateKey.from_raw(KeyType.parse(kt.decode()), secret)
        except IiotidError as exc:
            if isinstance(exc, KeyRecordCorrupt):
                raise
            raise KeyRecordCorrupt(f"key record {key_id!r} does not hold a valid key: {exc.message}") from None
        except UnicodeDecodeError:
            raise KeyRecordCorrupt(f"key record {key_id!r} has a malformed key type") from None
