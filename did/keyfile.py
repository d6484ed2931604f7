"""Key files: Multikey JSON, optionally with the secret encrypted under a passphrase.

Plain key file: a Multikey object (see :mod:`did.multikey`). Encrypted key file: the same public fields plus the
secret sealed with a passphrase-derived key::

    {"type": "EncryptedMultikey", "version": 1,
     "id": ..., "controller": ..., "publicKeyMultibase": "z...",
     "kdf": {"name": "argon2id", "opslimit": 3, "memlimit": 67108864, "salt": "<b64url 16 bytes>"},
     "cipher": {"name": "xchacha20-poly1305-ietf", "nonce": "<b64url 24 bytes>"},
     "ciphertext": "<b64url>"}

* KDF: Argon2id (RFC 9106; libsodium via PyNaCl), default t=3, m=64 MiB, p=1 (RFC 9106 section 4, second
  recommended option with the single lane libsodium supports), or scrypt (RFC 7914) n=2**15, r=8, p=1.
* AEAD: XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha, libsodium ``crypto_aead_xchacha20poly1305_ietf``) over the
  UTF-8 ``secretKeyMultibase``; the associated data is the JCS-style sorted JSON of every other field, so editing
  the id, controller, public key or KDF parameters makes decryption fail.
* Passphrases are normalized to Unicode NFC (RFC 8265 OpaqueString) and UTF-8 encoded.

Files are written atomically with mode 0600. Secrets never appear in errors or reprs.
"""

from __future__ import annotations

import json
import os
import stat
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import nacl.bindings
import nacl.exceptions
import nacl.pwhash

from did.errors import EncodingError, InvalidKeyFile, InvalidPassphrase
from did.keys import PrivateKey, PublicKey, b64url_decode, b64url_encode
from did.multikey import from_dict, to_dict

__all__ = [
    "ARGON2ID_DEFAULTS",
    "SCRYPT_DEFAULTS",
    "decrypt_key",
    "encrypt_key",
    "is_encrypted",
    "load_key_json",
    "read_key_file",
    "write_key_file",
]

ENCRYPTED_TYPE = "EncryptedMultikey"
CIPHER = "xchacha20-poly1305-ietf"
ARGON2ID_DEFAULTS: dict[str, int] = {"opslimit": 3, "memlimit": 64 * 1024 * 1024}
SCRYPT_DEFAULTS: dict[str, int] = {"n": 2**15, "r": 8, "p": 1}
# Upper bounds accepted when reading, so a crafted file cannot make us allocate or spin without limit.
_MAX_ARGON2_MEM = 1024 * 1024 * 1024
_MAX_ARGON2_OPS = 16
_MAX_SCRYPT_N = 2**20
_SALT_BYTES = 16
_NONCE_BYTES = 24
_KEY_BYTES = 32
_MAX_FILE_BYTES = 64 * 1024

Rng = Callable[[int], bytes]


def _passphrase_bytes(passphrase: object) -> bytes:
    if not isinstance(passphrase, str):
        raise InvalidPassphrase("passphrase must be a string")
    if not passphrase:
        raise InvalidPassphrase("passphrase must not be empty")
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive(passphrase: bytes, kdf: Mapping[str, Any]) -> bytes:
    name = kdf.get("name")
    salt = _b64(kdf.get("salt"), "kdf.salt")
    if len(salt) != _SALT_BYTES:
        raise InvalidKeyFile(f"kdf.salt must be {_SALT_BYTES} bytes")
    if name == "argon2id":
        ops, mem = kdf.get("opslimit"), kdf.get("memlimit")
        if not (_is_int(ops) and _is_int(mem)):
            raise InvalidKeyFile("kdf.opslimit and kdf.memlimit must be integers")
        if not (nacl.pwhash.argon2id.OPSLIMIT_MIN <= ops <= _MAX_ARGON2_OPS) or not (
            nacl.pwhash.argon2id.MEMLIMIT_MIN <= mem <= _MAX_ARGON2_MEM
        ):
            raise InvalidKeyFile("kdf argon2id parameters are out of the accepted range")
        return bytes(nacl.pwhash.argon2id.kdf(_KEY_BYTES, passphrase, salt, opslimit=ops, memlimit=mem))
    if name == "scrypt":
        n, r, p = kdf.get("n"), kdf.get("r"), kdf.get("p")
        if not (_is_int(n) and _is_int(r) and _is_int(p)):
            raise InvalidKeyFile("kdf.n, kdf.r and kdf.p must be integers")
        if not (2 <= n <= _MAX_SCRYPT_N and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
            raise InvalidKeyFile("kdf scrypt parameters are out of the accepted range")
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

        return Scrypt(salt=salt, length=_KEY_BYTES, n=n, r=r, p=p).derive(passphrase)
    raise InvalidKeyFile(f"unsupported kdf {name!r} (expected 'argon2id' or 'scrypt')")


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _b64(value: object, what: str) -> bytes:
    try:
        return b64url_decode(value, what=what)
    except EncodingError as exc:
        raise InvalidKeyFile(str(exc)) from None


def _aad(envelope: Mapping[str, Any]) -> bytes:
    header = {k: v for k, v in envelope.items() if k != "ciphertext"}
    return json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def is_encrypted(data: Mapping[str, Any]) -> bool:
    return data.get("type") == ENCRYPTED_TYPE


def encrypt_key(
    key: PrivateKey,
    passphrase: str,
    *,
    id: str | None = None,
    controller: str | None = None,
    kdf: str = "argon2id",
    kdf_params: Mapping[str, int] | None = None,
    rng: Rng = os.urandom,
) -> dict[str, Any]:
    """Seal ``key``'s ``secretKeyMultibase`` under ``passphrase``; returns the encrypted key file JSON."""
    if not isinstance(key, PrivateKey):
        raise InvalidKeyFile("only a private key can be encrypted")
    pw = _passphrase_bytes(passphrase)
    if kdf == "argon2id":
        params: dict[str, Any] = {"name": "argon2id", **ARGON2ID_DEFAULTS, **(kdf_params or {})}
    elif kdf == "scrypt":
        params = {"name": "scrypt", **SCRYPT_DEFAULTS, **(kdf_params or {})}
    else:
        raise InvalidKeyFile(f"unsupported kdf {kdf!r} (expected 'argon2id' or 'scrypt')")
    params["salt"] = b64url_encode(rng(_SALT_BYTES))
    nonce = rng(_NONCE_BYTES)
    envelope: dict[str, Any] = {"type": ENCRYPTED_TYPE, "version": 1}
    if id is not None:
        envelope["id"] = id
    if controller is not None:
        envelope["controller"] = controller
    envelope["publicKeyMultibase"] = key.public_key.to_multibase()
    envelope["kdf"] = params
    envelope["cipher"] = {"name": CIPHER, "nonce": b64url_encode(nonce)}
    sym = _derive(pw, params)
    ct = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        key.secret_multibase().encode("ascii"), _aad(envelope), nonce, sym
    )
    envelope["ciphertext"] = b64url_encode(ct)
    return envelope


def decrypt_key(envelope: Mapping[str, Any], passphrase: str | None) -> PrivateKey:
    """Open an encrypted key file JSON; raises :class:`InvalidPassphrase` on a wrong passphrase or tampering."""
    if not is_encrypted(envelope):
        raise InvalidKeyFile(f"not an encrypted key file (type is not {ENCRYPTED_TYPE!r})")
    if passphrase is None:
        raise InvalidPassphrase("the key file is encrypted: a passphrase is required", code="passphraseRequired")
    if envelope.get("version") != 1:
        raise InvalidKeyFile(f"unsupported encrypted key file version {envelope.get('version')!r}")
    kdf, cipher = envelope.get("kdf"), envelope.get("cipher")
    if not isinstance(kdf, Mapping) or not isinstance(cipher, Mapping):
        raise InvalidKeyFile("encrypted key file needs 'kdf' and 'cipher' objects")
    if cipher.get("name") != CIPHER:
        raise InvalidKeyFile(f"unsupported cipher {cipher.get('name')!r} (expected {CIPHER!r})")
    nonce = _b64(cipher.get("nonce"), "cipher.nonce")
    if len(nonce) != _NONCE_BYTES:
        raise InvalidKeyFile(f"cipher.nonce must be {_NONCE_BYTES} bytes")
    ct = _b64(envelope.get("ciphertext"), "ciphertext")
    public = envelope.get("publicKeyMultibase")
    if not isinstance(public, str):
        raise InvalidKeyFile("encrypted key file needs publicKeyMultibase")
    sym = _derive(_passphrase_bytes(passphrase), kdf)
    try:
        secret = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(ct, _aad(envelope), nonce, sym)
    except nacl.exceptions.CryptoError:
        raise InvalidPassphrase("wrong passphrase, or the key file was modified") from None
    try:
        return PrivateKey.from_secret_multibase(secret.decode("ascii"), public_multibase=public)
    except (UnicodeDecodeError, EncodingError) as exc:
        raise InvalidKeyFile("decrypted secret is not a secretKeyMultibase") from exc


# ----------------------------------------------------------------------------------------------------------------
# Disk


def write_key_file(
    path: str | os.PathLike[str],
    key: PrivateKey | PublicKey,
    *,
    id: str | None = None,
    controller: str | None = None,
    passphrase: str | None = None,
    overwrite: bool = False,
    kdf: str = "argon2id",
    kdf_params: Mapping[str, int] | None = None,
    rng: Rng = os.urandom,
) -> Path:
    """Write ``key`` as a (possibly encrypted) Multikey file with mode 0600, atomically; returns the path."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise InvalidKeyFile(f"{target} already exists (refusing to overwrite a key file)", code="fileExists")
    if passphrase is not None:
        if not isinstance(key, PrivateKey):
            raise InvalidKeyFile("a public key needs no passphrase")
        data = encrypt_key(
            key, passphrase, id=id, controller=controller, kdf=kdf, kdf_params=kdf_params, rng=rng
        )
    else:
        data = to_dict(key, id=id, controller=controller)
    text = json.dumps(data, indent=2) + "\n"
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def load_key_json(data: object, passphrase: str | None = None) -> tuple[PrivateKey | PublicKey, dict[str, Any]]:
    """Parse key file JSON (plain Multikey or encrypted); the pure half of :func:`read_key_file`."""
    if not isinstance(data, Mapping):
        raise InvalidKeyFile("a key file must hold one JSON object")
    if is_encrypted(data):
        key: PrivateKey | PublicKey = decrypt_key(data, passphrase)
        meta: dict[str, Any] = {
            "id": data.get("id"),
            "controller": data.get("controller"),
            "encrypted": True,
            "kdf": data["kdf"].get("name"),
        }
        return key, meta
    mk = from_dict(data)
    return mk.key, {"id": mk.id, "controller": mk.controller, "encrypted": False, "kdf": None}


def read_key_file(
    path: str | os.PathLike[str], passphrase: str | None = None
) -> tuple[PrivateKey | PublicKey, dict[str, Any]]:
    """Read a key file. Returns the key (private when the file holds a secret) and metadata: ``id``,
    ``controller``, ``encrypted``, ``kdf``, and ``insecure_permissions`` (a plain secret readable by others)."""
    target = Path(path)
    try:
        with open(target, "rb") as fh:
            raw = fh.read(_MAX_FILE_BYTES + 1)
            mode = os.fstat(fh.fileno()).st_mode
    except FileNotFoundError:
        raise InvalidKeyFile(f"key file not found: {target}", code="fileNotFound") from None
    except IsADirectoryError:
        raise InvalidKeyFile(f"key file is a directory: {target}", code="fileError") from None
    except PermissionError:
        raise InvalidKeyFile(f"key file is not readable: {target}", code="fileError") from None
    if len(raw) > _MAX_FILE_BYTES:
        raise InvalidKeyFile(f"key file is larger than {_MAX_FILE_BYTES} bytes: {target}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidKeyFile(f"key file is not JSON: {target}: {exc}") from None
    key, meta = load_key_json(data, passphrase)
    meta["path"] = str(target)
    meta["insecure_permissions"] = bool(
        isinstance(key, PrivateKey) and not meta["encrypted"] and mode & (stat.S_IRWXG | stat.S_IRWXO)
    )
    return key, meta

