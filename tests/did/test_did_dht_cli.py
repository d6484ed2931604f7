"""`iiotid did encode` / `iiotid did decode`: signed did:dht records as hex, and one-line typed errors."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import main as cli_main
from did import did_dht
from did.bep44 import MutableItem

IIOTID = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "iiotid"
runner = CliRunner()
cli_main._register()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    res = runner.invoke(cli_main.app, list(args), input=stdin)
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture(scope="module")
def device(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    d = tmp_path_factory.mktemp("dht")
    doc = d / "dev.json"
    code, out, err = run("did", "create", "--method", "dht", "--out", str(doc),
                         "--service", "gw,IIoTGateway,https://gw.plant.example/api")
    assert code == 0, err
    return doc, out.strip()


def test_encode_then_decode(device: tuple[Path, str]) -> None:
    doc, did = device
    code, out, err = run("did", "encode", str(doc), "--seq", "1732000000", "--type", "0", "--gateway", "gw1.example")
    assert code == 0, err
    body = bytes.fromhex(out.strip())
    item = MutableItem.from_relay_bytes(did_dht.identity_key_from_did(did), body)  # verifies
    assert item.seq == 1732000000
    code, out, err = run("did", "decode", body.hex(), "--did", did)
    assert code == 0, err
    assert json.loads(out) == json.loads(doc.read_text())
    code, out, _ = run("did", "decode", body.hex(), "--did", did, "--metadata")
    meta = json.loads(out)["didDocumentMetadata"]
    assert meta == {"did": did, "versionId": "1732000000", "types": [0], "gateways": ["gw1.example"], "ttl": 7200}


def test_self_contained_form_and_stdin(device: tuple[Path, str]) -> None:
    doc, did = device
    code, out, err = run("did", "encode", str(doc), "--self-contained")
    assert code == 0, err
    data = bytes.fromhex(out.strip())
    assert did_dht.did_from_identity_key(data[:32]) == did
    code, out, err = run("did", "decode", "-", stdin=out)
    assert code == 0, err
    assert json.loads(out)["id"] == did


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(IIOTID), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ}, check=False)


def test_errors_are_one_line_without_traceback(device: tuple[Path, str], tmp_path: Path) -> None:
    doc, did = device
    relay = cli("did", "encode", str(doc)).stdout.strip()
    tampered = relay[:-2] + ("00" if relay[-2:] != "00" else "01")
    big = json.loads(doc.read_text())
    big["service"] = [{"id": f"{did}#s{i}", "type": "IIoTGateway", "serviceEndpoint": [f"https://gw{i}.plant.example/x"]}
                      for i in range(40)]
    (tmp_path / "big.json").write_text(json.dumps(big))
    (tmp_path / "big.key.json").write_text(doc.with_name(doc.stem + ".key.json").read_text())
    cases = [
        (["did", "decode", "zz"], "invalidEncoding"),
        (["did", "decode", "abcd"], "invalidEncoding"),
        (["did", "decode", relay], "invalidSignature"),  # relay form without --did
        (["did", "decode", tampered, "--did", did], "invalidSignature"),
        (["did", "decode", relay, "--did", "did:dht:yyyy"], "invalidPublicKeyLength"),
        (["did", "decode", relay, "--did", "did:web:example.com"], "methodNotSupported"),
        (["did", "decode", relay[:100], "--did", did], "invalidEncoding"),
        (["did", "encode", str(tmp_path / "big.json")], "payloadTooLarge"),
        (["did", "encode", str(doc), "--key", str(tmp_path / "missing.json")], "fileNotFound"),
        (["did", "encode", str(doc), "--seq", "-1"], "invalidEncoding"),
    ]
    for args, code in cases:
        res = cli(*args)
        assert res.returncode == 1, (args, res.stdout, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error [{code}]"), (args, res.stderr)
        assert "Traceback" not in res.stderr


def test_encode_with_an_encrypted_identity_key(tmp_path: Path) -> None:
    doc = tmp_path / "enc.json"
    env = {"DEV_PW": "a long passphrase"}
    res = runner.invoke(cli_main.app, ["did", "create", "--method", "dht", "--out", str(doc),
                                       "--passphrase-env", "DEV_PW"], env=env)
    assert res.exit_code == 0, res.stderr
    did = res.stdout.strip()
    res = runner.invoke(cli_main.app, ["did", "encode", str(doc)], env=env)
    assert res.exit_code == 1 and "encrypted" in str(res.exception)  # no passphrase given: refused, not guessed
    res = runner.invoke(cli_main.app, ["did", "encode", str(doc), "--passphrase-env", "DEV_PW", "--seq", "5"], env=env)
    assert res.exit_code == 0, res.stderr
    assert did_dht.from_relay_bytes(did, bytes.fromhex(res.stdout.strip()))[1].seq == 5
