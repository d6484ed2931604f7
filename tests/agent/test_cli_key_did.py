"""CLI: ``iiotid key generate/show`` and ``iiotid did create/show/resolve-key`` (happy paths in-process with
CliRunner; every bad input through the real console script: one line ``error [code]: ...``, exit 1, no traceback)."""

from __future__ import annotations

import importlib.util
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import main as cli_main
from did.document import DIDDocument
from did.keyfile import read_key_file
from did.keys import KeyType, PrivateKey, PublicKey

cli_main._register()
runner = CliRunner()
IIOTID = Path(sys.executable).with_name("iiotid")
HAS_DHT = importlib.util.find_spec("did.did_dht") is not None


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli_main.app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("type_name", "kt"),
    [("ed25519", KeyType.ED25519), ("p256", KeyType.P256), ("secp256k1", KeyType.SECP256K1),
     ("x25519", KeyType.X25519)],
)
def test_key_generate_to_file_and_show(tmp_path: Path, type_name: str, kt: KeyType) -> None:
    out = tmp_path / "k.json"
    code, stdout, stderr = run("key", "generate", "--type", type_name, "--out", str(out))
    assert code == 0, stderr
    shown = json.loads(stdout)
    assert "secretKeyMultibase" not in shown
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    key, _ = read_key_file(out)
    assert isinstance(key, PrivateKey) and key.key_type is kt
    assert shown["publicKeyMultibase"] == key.public_key.to_multibase()
    code, stdout, _ = run("key", "show", str(out))
    info = json.loads(stdout)
    assert info["keyType"] == kt.value and info["hasSecret"] is True and info["encrypted"] is False
    assert info["didKey"] == "did:key:" + key.public_key.to_multibase()
    assert info["jwkThumbprint"] == key.public_key.jwk_thumbprint()
    assert key.secret_multibase() not in stdout


def test_key_generate_to_stdout_warns_and_includes_secret() -> None:
    code, stdout, stderr = run("key", "generate", "--type", "ed25519")
    assert code == 0
    assert "warning" in stderr
    data = json.loads(stdout)
    assert PrivateKey.from_secret_multibase(data["secretKeyMultibase"], public_multibase=data["publicKeyMultibase"])


def test_key_generate_encrypted_with_env_passphrase(tmp_path: Path) -> None:
    out = tmp_path / "enc.json"
    env = {"IIOTID_TEST_PW": "correct horse battery"}
    code, stdout, _ = run("key", "generate", "--type", "p256", "--out", str(out), "--passphrase-env", "IIOTID_TEST_PW",
                          "--controller", "did:example:oem", env=env)
    assert code == 0
    data = json.loads(out.read_text())
    assert data["type"] == "EncryptedMultikey"
    assert data["controller"] == "did:example:oem"
    assert data["id"] == "did:example:oem#" + data["publicKeyMultibase"]
    key, meta = read_key_file(out, "correct horse battery")
    assert meta["encrypted"] and isinstance(key, PrivateKey)
    # show works without the passphrase (public part) and checks it when given
    code, stdout, _ = run("key", "show", str(out))
    assert code == 0 and json.loads(stdout)["encrypted"] is True
    code, stdout, _ = run("key", "show", str(out), "--passphrase-env", "IIOTID_TEST_PW", env=env)
    assert code == 0 and json.loads(stdout)["publicKeyMultibase"] == key.public_key.to_multibase()


def test_key_generate_encrypt_prompts(tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    result = runner.invoke(cli_main.app, ["key", "generate", "--out", str(out), "--encrypt", "--kdf", "scrypt"],
                           input="pw-1\npw-1\n")
    assert result.exit_code == 0, result.output
    key, meta = read_key_file(out, "pw-1")
    assert meta["kdf"] == "scrypt" and isinstance(key, PrivateKey)


def test_key_generate_bls_needs_zkp_or_works(tmp_path: Path) -> None:
    result = runner.invoke(cli_main.app, ["key", "generate", "--type", "bls12381g2", "--out", str(tmp_path / "b")])
    if result.exit_code == 0:
        key, _ = read_key_file(tmp_path / "b")
        assert key.key_type is KeyType.BLS12381_G2
    else:
        assert "zkp.bbs" in str(result.exception)


def test_did_create_key_generates_key_and_document(tmp_path: Path) -> None:
    out = tmp_path / "device.did.json"
    code, stdout, stderr = run("did", "create", "--method", "key", "--out", str(out))
    assert code == 0, stderr
    did = stdout.strip()
    doc = DIDDocument.from_json(out.read_text())
    assert doc.id == did and did.startswith("did:key:z6Mk")
    key, meta = read_key_file(tmp_path / "device.did.key.json")
    assert isinstance(key, PrivateKey)
    assert doc.find_verification_method(meta["id"], "assertionMethod").public_key == key.public_key
    code, stdout, _ = run("did", "show", str(out))
    assert code == 0
    assert f"DID:        {did}" in stdout and "keyAgreement" in stdout
    code, stdout, _ = run("did", "show", str(out), "--json")
    assert json.loads(stdout) == doc.to_json()
    code, stdout, _ = run("did", "resolve-key", did)
    assert json.loads(stdout) == doc.to_json()


def test_did_create_key_from_existing_key_files(tmp_path: Path) -> None:
    env = {"PW": "pw"}
    for kt in ("p256", "ed25519"):
        key_file = tmp_path / f"{kt}.json"
        run("key", "generate", "--type", kt, "--out", str(key_file), "--passphrase-env", "PW", env=env)
        out = tmp_path / f"{kt}.did.json"
        # The public key suffices for did:key, so an encrypted key file works without its passphrase.
        code, stdout, stderr = run("did", "create", "--method", "key", "--key", str(key_file), "--out", str(out))
        assert code == 0, stderr
        pk = PublicKey.from_multibase(json.loads(key_file.read_text())["publicKeyMultibase"])
        assert stdout.strip() == "did:key:" + pk.to_multibase()


@pytest.mark.skipif(not HAS_DHT, reason="did.did_dht (the did:dht codec) is not in this checkout yet")
def test_did_create_dht_with_services(tmp_path: Path) -> None:
    out = tmp_path / "dht.json"
    code, stdout, stderr = run("did", "create", "--method", "dht", "--out", str(out),
                               "--service", "gw,IIoTGateway,https://gw.plant.example/api")
    assert code == 0, stderr
    doc = DIDDocument.from_json(out.read_text())
    assert doc.id.startswith("did:dht:") and doc.id == stdout.strip()
    assert doc.find_service("#gw").endpoints == ["https://gw.plant.example/api"]


# --------------------------------------------------------------------------------------------------------------
# Errors through the console script


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(IIOTID), *args], capture_output=True, text=True, timeout=60, cwd=cwd,
                          env={**os.environ, **(env or {})}, check=False)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    (d / "bad.json").write_text("{")
    (d / "list.json").write_text("[]")
    (d / "notkey.json").write_text(json.dumps({"type": "Multikey", "publicKeyMultibase": "z0OIl"}))
    (d / "baddoc.json").write_text(json.dumps({"id": "did:example:1", "authentication": ["#missing"]}))
    (d / "nodid.json").write_text(json.dumps({"id": "not-a-did"}))
    r = cli("key", "generate", "--out", str(d / "enc.json"), "--passphrase-env", "PW", env={"PW": "right"})
    assert r.returncode == 0, r.stderr
    r = cli("key", "generate", "--out", str(d / "plain.json"))
    assert r.returncode == 0, r.stderr
    r = cli("key", "generate", "--type", "p256", "--out", str(d / "p256.json"))
    assert r.returncode == 0, r.stderr
    return d


@pytest.mark.parametrize(
    ("args", "env", "code"),
    [
        (["key", "generate", "--type", "rsa"], None, "unsupportedKeyType"),
        (["key", "generate", "--passphrase-env", "NOPE_NOT_SET"], None, "invalidOptions"),
        (["key", "generate", "--kdf", "md5"], None, "invalidOptions"),
        (["key", "generate", "--controller", "not a did"], None, "invalidDid"),
        (["key", "generate", "--out", "{d}/plain.json"], None, "fileExists"),
        (["key", "show", "{d}/missing.json"], None, "fileNotFound"),
        (["key", "show", "{d}/bad.json"], None, "invalidKeyFile"),
        (["key", "show", "{d}/list.json"], None, "invalidKeyFile"),
        (["key", "show", "{d}/notkey.json"], None, "invalidEncoding"),
        (["key", "show", "{d}"], None, "fileError"),
        (["key", "show", "{d}/enc.json", "--passphrase-env", "PW"], {"PW": "wrong"}, "invalidPassphrase"),
        (["did", "show", "{d}/bad.json"], None, "invalidDidDocument"),
        (["did", "show", "{d}/baddoc.json"], None, "invalidDidDocument"),
        (["did", "show", "{d}/nodid.json"], None, "invalidDidDocument"),
        (["did", "show", "{d}/missing.json"], None, "fileNotFound"),
        (["did", "create", "--method", "web", "--out", "{d}/x.json"], None, "invalidOptions"),
        (["did", "create", "--method", "key", "--service", "a,b,https://c", "--out", "{d}/x.json"], None,
         "invalidOptions"),
        (["did", "create", "--method", "key", "--key", "{d}/bad.json", "--out", "{d}/x.json"], None,
         "invalidKeyFile"),
        (["did", "create", "--method", "key", "--type", "dsa", "--out", "{d}/x.json"], None, "unsupportedKeyType"),
        (["did", "create", "--method", "key", "--key", "{d}/plain.json", "--out", "{d}/plain.json"], None,
         "invalidOptions"),
        (["did", "create", "--method", "dht", "--key", "{d}/p256.json", "--out", "{d}/x.json"], None,
         "invalidOptions"),
        (["did", "create", "--method", "dht", "--type", "p256", "--out", "{d}/x.json"], None, "invalidOptions"),
        (["did", "create", "--method", "dht", "--service", "gw,T", "--out", "{d}/x.json"], None, "invalidOptions"),
        (["did", "create", "--method", "dht", "--service", "gw,T,not-a-uri", "--out", "{d}/x.json"], None,
         "invalidDidDocument"),
        (["did", "resolve-key", "did:key:zBAD0"], None, "invalidDid"),
        (["did", "resolve-key", "did:web:example.com"], None, "methodNotSupported"),
    ],
)
def test_bad_input_prints_one_error_line(files: Path, args: list[str], env: dict[str, str] | None, code: str) -> None:
    r = cli(*[a.format(d=files) for a in args], env=env)
    assert r.returncode == 1, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error [{code}]: "), r.stderr
    assert "Traceback" not in r.stderr + r.stdout


@pytest.mark.skipif(HAS_DHT, reason="did:dht is available")
def test_did_create_dht_without_codec_is_a_typed_error(tmp_path: Path) -> None:
    r = cli("did", "create", "--method", "dht", "--out", str(tmp_path / "x.json"))
    assert r.returncode == 1 and r.stderr.startswith("error [methodNotSupported]: ")
