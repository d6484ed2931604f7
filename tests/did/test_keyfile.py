"""did.keyfile and did.multikey: plain and encrypted Multikey files, tamper detection, permissions, typed errors."""

from __future__ import annotations

import json
import os
import stat
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from did.errors import EncodingError, IiotidError, InvalidKey, InvalidKeyFile, InvalidPassphrase
from did.keyfile import decrypt_key, encrypt_key, load_key_json, read_key_file, write_key_file
from did.keys import KeyType, PrivateKey, PublicKey
from did.multikey import MULTIKEY_CONTEXT_V1, from_dict, to_dict

FAST = {"opslimit": 1, "memlimit": 8 * 1024 * 1024}  # tests only; files default to t=3, m=64 MiB
TYPES = list(KeyType)


def key(kt: KeyType = KeyType.ED25519, n: int = 5) -> PrivateKey:
    return PrivateKey.from_raw(kt, n.to_bytes(32, "big"))


def counter_rng() -> Any:
    state = [0]

    def rng(n: int) -> bytes:
        state[0] += 1
        return bytes([state[0]]) * n

    return rng


# --------------------------------------------------------------------------------------------------------------
# Multikey JSON


def test_multikey_dict_shape_and_round_trip() -> None:
    k = key()
    d = to_dict(k, id="did:example:1#k", controller="did:example:1")
    assert d == {
        "@context": MULTIKEY_CONTEXT_V1,
        "type": "Multikey",
        "id": "did:example:1#k",
        "controller": "did:example:1",
        "publicKeyMultibase": k.public_key.to_multibase(),
        "secretKeyMultibase": k.secret_multibase(),
    }
    mk = from_dict(d)
    assert mk.private_key == k and mk.id == "did:example:1#k" and mk.controller == "did:example:1"
    assert mk.to_dict() == d
    pub = from_dict(to_dict(k, include_secret=False))
    assert pub.private_key is None and pub.public_key == k.public_key
    assert "secretKeyMultibase" not in to_dict(k.public_key)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("{", InvalidKeyFile),
        ([], InvalidKeyFile),
        ({"type": "JsonWebKey"}, InvalidKeyFile),
        ({"type": "Multikey"}, InvalidKeyFile),
        ({"type": "Multikey", "@context": "https://example.com", "publicKeyMultibase": "z6Mk"}, InvalidKeyFile),
        ({"type": "Multikey", "id": 3, "publicKeyMultibase": "z"}, InvalidKeyFile),
        ({"type": "Multikey", "publicKeyMultibase": "not-multibase"}, EncodingError),
        ({"type": "Multikey", "publicKeyMultibase": key().public_key.to_multibase(),
          "secretKeyMultibase": key(n=6).secret_multibase()}, InvalidKey),
        ({"type": "Multikey", "publicKeyMultibase": key().public_key.to_multibase(),
          "secretKeyMultibase": key(KeyType.P256).secret_multibase()}, InvalidKey),
    ],
)
def test_bad_multikeys(data: object, error: type[IiotidError]) -> None:
    with pytest.raises(error):
        from_dict(data)


# --------------------------------------------------------------------------------------------------------------
# Files


@pytest.mark.parametrize("kt", TYPES)
def test_plain_file_round_trip_and_mode(tmp_path: Path, kt: KeyType) -> None:
    k = key(kt)
    p = write_key_file(tmp_path / "k.json", k, id="did:example:1#a", controller="did:example:1")
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    got, meta = read_key_file(p)
    assert got == k
    assert meta["id"] == "did:example:1#a" and meta["encrypted"] is False
    assert meta["insecure_permissions"] is False
    assert json.loads(p.read_text())["secretKeyMultibase"] == k.secret_multibase()
    assert not list(tmp_path.glob(".*tmp"))


@pytest.mark.parametrize("kt", TYPES)
def test_encrypted_file_round_trip(tmp_path: Path, kt: KeyType) -> None:
    k = key(kt)
    p = write_key_file(tmp_path / "k.json", k, id="did:example:1#a", controller="did:example:1",
                       passphrase="correct horse", kdf_params=FAST)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    text = p.read_text()
    assert k.secret_multibase() not in text and k.raw.hex() not in text
    data = json.loads(text)
    assert data["type"] == "EncryptedMultikey" and data["kdf"]["name"] == "argon2id"
    got, meta = read_key_file(p, "correct horse")
    assert got == k
    assert meta == {"id": "did:example:1#a", "controller": "did:example:1", "encrypted": True, "kdf": "argon2id",
                    "path": str(p), "insecure_permissions": False}


def test_default_parameters_and_scrypt(tmp_path: Path) -> None:
    k = key()
    env = encrypt_key(k, "pw")
    assert env["kdf"]["opslimit"] == 3 and env["kdf"]["memlimit"] == 64 * 1024 * 1024
    assert decrypt_key(env, "pw") == k
    env = encrypt_key(k, "pw", kdf="scrypt")
    assert {x: env["kdf"][x] for x in ("n", "r", "p")} == {"n": 2**15, "r": 8, "p": 1}
    assert decrypt_key(env, "pw") == k
    with pytest.raises(InvalidPassphrase):
        decrypt_key(env, "pW")


def test_wrong_or_missing_passphrase(tmp_path: Path) -> None:
    p = write_key_file(tmp_path / "k.json", key(), passphrase="s3cret-Pw", kdf_params=FAST)
    with pytest.raises(InvalidPassphrase) as e:
        read_key_file(p, "guess-Pw")
    assert e.value.code == "invalidPassphrase"
    assert "guess-Pw" not in str(e.value) and "s3cret-Pw" not in str(e.value)
    with pytest.raises(InvalidPassphrase) as e2:
        read_key_file(p)
    assert e2.value.code == "passphraseRequired"
    with pytest.raises(InvalidPassphrase):
        read_key_file(p, "")


def test_passphrase_is_unicode_normalized() -> None:
    nfc = unicodedata.normalize("NFC", "Grüße-Ångström")
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    env = encrypt_key(key(), nfc, kdf_params=FAST)
    assert decrypt_key(env, nfd) == key()


def test_injected_rng_makes_output_reproducible() -> None:
    a = encrypt_key(key(), "pw", kdf_params=FAST, rng=counter_rng())
    b = encrypt_key(key(), "pw", kdf_params=FAST, rng=counter_rng())
    assert a == b
    assert encrypt_key(key(), "pw", kdf_params=FAST) != encrypt_key(key(), "pw", kdf_params=FAST)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("id", "did:example:evil#a"),
        ("controller", "did:example:evil"),
        ("publicKeyMultibase", key(n=9).public_key.to_multibase()),
        ("kdf.opslimit", 2),
        ("kdf.salt", "AAAAAAAAAAAAAAAAAAAAAA"),
        ("cipher.nonce", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        ("ciphertext", None),  # flip one byte
    ],
)
def test_tampering_is_detected(path: str, value: Any) -> None:
    env = encrypt_key(key(), "pw", id="did:example:1#a", controller="did:example:1", kdf_params=FAST)
    target: Any = env
    parts = path.split(".")
    for p in parts[:-1]:
        target = target[p]
    if value is None:
        from did.keys import b64url_decode, b64url_encode

        ct = bytearray(b64url_decode(env["ciphertext"]))
        ct[0] ^= 1
        value = b64url_encode(bytes(ct))
    target[parts[-1]] = value
    with pytest.raises(InvalidPassphrase):
        decrypt_key(env, "pw")


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        ({"version": 2}, "version"),
        ({"kdf": {"name": "pbkdf2", "salt": "AAAAAAAAAAAAAAAAAAAAAA"}}, "unsupported kdf"),
        ({"kdf": {"name": "argon2id", "opslimit": 100, "memlimit": 8 << 20, "salt": "AAAAAAAAAAAAAAAAAAAAAA"}},
         "range"),
        ({"kdf": {"name": "argon2id", "opslimit": 1, "memlimit": 1 << 40, "salt": "AAAAAAAAAAAAAAAAAAAAAA"}},
         "range"),
        ({"kdf": {"name": "scrypt", "n": 2**30, "r": 8, "p": 1, "salt": "AAAAAAAAAAAAAAAAAAAAAA"}}, "range"),
        ({"kdf": {"name": "scrypt", "n": 1000, "r": 8, "p": 1, "salt": "AAAAAAAAAAAAAAAAAAAAAA"}}, "range"),
        ({"kdf": {"name": "argon2id", "opslimit": "3", "memlimit": 8 << 20, "salt": "AAAAAAAAAAAAAAAAAAAAAA"}},
         "integers"),
        ({"kdf": {"name": "argon2id", "opslimit": 1, "memlimit": 8 << 20, "salt": "AAAA"}}, "salt"),
        ({"kdf": "argon2id"}, "objects"),
        ({"cipher": {"name": "aes-gcm", "nonce": "AAAA"}}, "cipher"),
        ({"cipher": {"name": "xchacha20-poly1305-ietf", "nonce": "AAAA"}}, "nonce"),
        ({"ciphertext": "!!"}, "ciphertext"),
        ({"publicKeyMultibase": None}, "publicKeyMultibase"),
    ],
)
def test_malformed_encrypted_files(mutation: dict[str, Any], message: str) -> None:
    env = encrypt_key(key(), "pw", kdf_params=FAST)
    env.update(mutation)
    with pytest.raises(InvalidKeyFile, match=message):
        decrypt_key(env, "pw")


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidKeyFile) as e:
        read_key_file(tmp_path / "missing.json")
    assert e.value.code == "fileNotFound"
    with pytest.raises(InvalidKeyFile):
        read_key_file(tmp_path)
    bad = tmp_path / "bad.json"
    for content in (b"{", b"\xff\xfe", b"[]", b'{"type": "Multikey"}', b"x" * 70000):
        bad.write_bytes(content)
        with pytest.raises(InvalidKeyFile):
            read_key_file(bad)
    p = write_key_file(tmp_path / "k.json", key())
    with pytest.raises(InvalidKeyFile) as e2:
        write_key_file(p, key(n=6))
    assert e2.value.code == "fileExists"
    assert read_key_file(p)[0] == key()  # untouched
    write_key_file(p, key(n=6), overwrite=True)
    assert read_key_file(p)[0] == key(n=6)
    with pytest.raises(InvalidKeyFile):
        write_key_file(tmp_path / "pub.json", key().public_key, passphrase="x")


def test_public_only_file_and_permission_warning(tmp_path: Path) -> None:
    p = write_key_file(tmp_path / "pub.json", key().public_key, controller="did:example:1")
    got, _ = read_key_file(p)
    assert isinstance(got, PublicKey) and got == key().public_key
    s = write_key_file(tmp_path / "sec.json", key())
    os.chmod(s, 0o644)
    assert read_key_file(s)[1]["insecure_permissions"] is True
    os.chmod(p, 0o644)
    assert read_key_file(p)[1]["insecure_permissions"] is False


def test_load_key_json_is_pure() -> None:
    k, meta = load_key_json(to_dict(key(), id="x"))
    assert k == key() and meta["id"] == "x"
    with pytest.raises(InvalidKeyFile):
        load_key_json("not a mapping")
