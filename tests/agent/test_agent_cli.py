"""``iiotid agent``: init, provision (progress), event, revoke, export -> `vc chain verify`, token; typed errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import main
from credentials.vocab import VocabularyError
from did.errors import IiotidError

main._register()
ENV = {"IIOTID_PASSPHRASE": "cli passphrase"}


def invoke(*args: str, env: dict[str, str] | None = None) -> object:
    return CliRunner().invoke(main.app, list(args), env=env if env is not None else ENV)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("agent")
    r = invoke("agent", "init", "--data-dir", str(d), "--manufacturer", "ACME", "--product-type", "PX-400",
               "--status-url", "https://oem.example/status", "--firmware", "120", "--security-level", "3")
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    out = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert out["did"].startswith("did:dht:") and out["adminToken"]
    return d


def test_provision_event_revoke_export(data_dir: Path, tmp_path: Path) -> None:
    r = invoke("agent", "provision", "--data-dir", str(data_dir), "--count", "3", "--prefix", "C-", "--quiet")
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    summary = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert summary["created"] == 3 and summary["unpublished"] == 3  # no DHT given: stored for `agent publish`
    serials = tmp_path / "serials.txt"
    serials.write_text("C-000000\nC-NEW\n")
    r = invoke("agent", "provision", "--data-dir", str(data_dir), "--serials", str(serials), "--quiet")
    assert json.loads(r.stdout)["existing"] == 1  # type: ignore[attr-defined]
    r = invoke("agent", "event", "--data-dir", str(data_dir), "--serial", "C-000001", "--type", "firmwareUpdated",
               "--firmware", "142")
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    r = invoke("agent", "revoke", "--data-dir", str(data_dir), "--serial", "C-000002")
    assert json.loads(r.stdout)["state"] == "revoked"  # type: ignore[attr-defined]
    chain_file = tmp_path / "chain.json"
    r = invoke("agent", "export", "--data-dir", str(data_dir), "--serial", "C-000001", "--out", str(chain_file))
    assert r.exit_code == 0 and len(json.loads(chain_file.read_text())) == 2  # type: ignore[attr-defined]


def _code(r: object) -> str:
    exc = r.exception  # type: ignore[attr-defined]
    assert isinstance(exc, IiotidError), r.output  # type: ignore[attr-defined]
    return exc.code


def test_errors_are_typed(data_dir: Path, tmp_path: Path) -> None:
    assert _code(invoke("agent", "export", "--data-dir", str(data_dir), "--serial", "NOPE")) == "deviceNotFound"
    r = invoke("agent", "export", "--data-dir", str(data_dir), "--serial", "C-000000",
               env={"IIOTID_PASSPHRASE": "wrong"})
    assert _code(r) == "invalidPassphrase"
    r = invoke("agent", "provision", "--data-dir", str(tmp_path / "none"), "--count", "1")
    assert _code(r) == "invalidArgument"
    r = invoke("agent", "event", "--data-dir", str(data_dir), "--serial", "C-000000", "--type", "boom")
    assert _code(r) == VocabularyError.code


def test_installed_command_prints_one_error_line(data_dir: Path) -> None:
    exe = Path(sys.executable).parent / "iiotid"
    proc = subprocess.run([str(exe), "agent", "revoke", "--data-dir", str(data_dir), "--serial", "NOPE"],
                          capture_output=True, text=True, env={**os.environ, **ENV}, timeout=60)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error [deviceNotFound]: "), proc.stderr


def test_serve_with_a_gateway_policy(data_dir: Path, tmp_path: Path) -> None:
    """`iiotid agent serve --policy` answers /challenges; a bad policy stops it with one error line."""
    import socket
    import time

    import httpx

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"verifier": "did:example:gw", "trustedIssuers": ["did:example:oem"],
                               "predicates": [{"attribute": "firmwareVersion", "op": "gt", "value": 1}]}))
    exe = str(Path(sys.executable).with_name("iiotid"))
    env = {**os.environ, **ENV}
    r = subprocess.run([exe, "agent", "serve", "--data-dir", str(data_dir), "--policy", str(bad)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 1 and r.stderr.strip().startswith("error [invalidPolicy]: predicates[0].op"), r.stderr
    good = tmp_path / "policy.json"
    good.write_text(json.dumps({"verifier": "did:example:gw", "trustedIssuers": ["did:example:oem"],
                                "predicates": [{"attribute": "firmwareVersion", "op": "ge", "value": 100}]}))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([exe, "agent", "serve", "--data-dir", str(data_dir), "--policy", str(good),
                             "--port", str(port), "--local-swarm", "4"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while True:
            try:
                r2 = httpx.post(f"http://127.0.0.1:{port}/challenges", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.time() < deadline, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.2)
        assert r2.status_code == 201 and r2.json()["type"] == "IiotidChallenge"
        assert r2.json()["request"]["verifier"] == "did:example:gw"
    finally:
        proc.terminate()
        proc.wait(10)
