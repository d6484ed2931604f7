"""``iiotid vc`` and ``iiotid status``: real keys, real suites, exit codes and one-line errors.

Commands run in-process through ``agent.cli.main.main`` (the same error handling as the installed binary); one
test runs the installed ``iiotid`` to show the single ``error [code]: sentence`` line end to end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import agent.cli.main as cli_main
from credentials.vocab import birth_certificate, lifecycle_event
from did.did_key import did_from_public_key
from did.keys import KeyType, PrivateKey
from did.multikey import to_dict as multikey_to_dict

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
LIST_URL = "https://status.acme.example/lists/1"


@pytest.fixture(scope="module", autouse=True)
def _registered() -> None:
    cli_main._register()


def iiotid(*args: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["iiotid", *map(str, args)])
    monkeypatch.setattr(cli_main, "_register", lambda: None)
    with pytest.raises(SystemExit) as exc:
        cli_main.main()
    captured = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 1 if code else 0), captured.out, captured.err


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    return lambda *args: iiotid(*args, monkeypatch=monkeypatch, capsys=capsys)


def key_file(tmp_path: Path, name: str, key_type: KeyType = KeyType.ED25519) -> tuple[Path, str]:
    key = PrivateKey.generate(key_type)
    did = did_from_public_key(key.public_key)
    path = tmp_path / f"{name}.key.json"
    path.write_text(json.dumps(multikey_to_dict(key, id=f"{did}#{did.removeprefix('did:key:')}", controller=did)))
    return path, did


def one_error_line(err: str, code: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error [{code}]: "), err


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "eddsa-rdfc-2022", "jwt"])
def test_issue_then_verify(tmp_path: Path, run: Any, suite: str) -> None:
    key, did = key_file(tmp_path, "oem")
    unsigned = tmp_path / "birth.json"
    unsigned.write_text(json.dumps(birth_certificate(did, "did:example:device", {
        "manufacturerName": "ACME", "serialNumber": "SN-1", "securityLevel": 2}, valid_from=T0)))
    signed = tmp_path / "birth.signed"
    code, _, err = run("vc", "issue", "--suite", suite, "--key", key, "--in", unsigned, "--out", signed)
    assert code == 0, err
    code, out, err = run("vc", "verify", "--in", signed)
    assert code == 0, err
    assert json.loads(out)["verified"] is True


def test_issue_with_p256_ecdsa(tmp_path: Path, run: Any) -> None:
    key, did = key_file(tmp_path, "se", KeyType.P256)
    unsigned = tmp_path / "c.json"
    unsigned.write_text(json.dumps(birth_certificate(did, "did:example:device", {
        "manufacturerName": "ACME", "serialNumber": "SN-2"})))
    signed = tmp_path / "c.signed.json"
    assert run("vc", "issue", "--suite", "ecdsa-rdfc-2019", "--key", key, "--in", unsigned, "--out", signed)[0] == 0
    assert json.loads(signed.read_text())["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert run("vc", "verify", "--in", signed)[0] == 0


def test_tampered_credential_fails_with_one_error_line(tmp_path: Path, run: Any) -> None:
    key, did = key_file(tmp_path, "oem")
    unsigned = tmp_path / "b.json"
    unsigned.write_text(json.dumps(birth_certificate(did, "did:example:device", {
        "manufacturerName": "ACME", "serialNumber": "SN-1"})))
    signed = tmp_path / "b.signed.json"
    run("vc", "issue", "--suite", "eddsa-jcs-2022", "--key", key, "--in", unsigned, "--out", signed)
    doc = json.loads(signed.read_text())
    doc["credentialSubject"]["serialNumber"] = "SN-2"
    signed.write_text(json.dumps(doc))
    code, out, err = run("vc", "verify", "--in", signed)
    assert code == 1
    assert json.loads(out)["verified"] is False
    assert len([line for line in err.splitlines() if line.startswith("error [")]) == 1


def test_verify_presentation_needs_its_challenge(tmp_path: Path, run: Any) -> None:
    import credentials

    key = PrivateKey.generate(KeyType.ED25519)
    did = did_from_public_key(key.public_key)
    vm = f"{did}#{did.removeprefix('did:key:')}"
    vc = credentials.issue(birth_certificate(did, did, {"manufacturerName": "ACME", "serialNumber": "1"}),
                           key=key, verification_method=vm, suite="eddsa-jcs-2022")
    vp = credentials.sign_presentation(
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"], "holder": did,
         "verifiableCredential": [vc]},
        key=key, verification_method=vm, suite="eddsa-jcs-2022", challenge="nonce-123", domain="gw.example")
    path = tmp_path / "vp.json"
    path.write_text(json.dumps(vp))
    code, out, err = run("vc", "verify", "--in", path, "--challenge", "nonce-123", "--domain", "gw.example")
    assert code == 0, err
    assert json.loads(out)["verified"] is True
    code, _, err = run("vc", "verify", "--in", path)
    assert code == 1
    one_error_line(err, "invalidArgument")
    code, _, err = run("vc", "verify", "--in", path, "--challenge", "replayed", "--domain", "gw.example")
    assert code == 1
    assert err.startswith("error [")


def test_issue_errors(tmp_path: Path, run: Any) -> None:
    key, _did = key_file(tmp_path, "oem")
    doc = tmp_path / "c.json"
    doc.write_text(json.dumps(birth_certificate("did:example:someone-else", "did:example:device", {
        "manufacturerName": "ACME", "serialNumber": "SN-1"})))
    code, _, err = run("vc", "issue", "--suite", "eddsa-jcs-2022", "--key", key, "--in", doc)
    assert code == 1
    one_error_line(err, "issuerMismatch")
    code, _, err = run("vc", "issue", "--suite", "rot13-2025", "--key", key, "--in", doc)
    assert code == 1
    one_error_line(err, "unsupportedCryptosuite")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = run("vc", "issue", "--suite", "eddsa-jcs-2022", "--key", key, "--in", bad)
    assert code == 1
    one_error_line(err, "invalidJson")
    code, _, err = run("vc", "verify", "--in", tmp_path / "missing.json")
    assert code == 1
    one_error_line(err, "fileError")


def _chain(tmp_path: Path, run: Any, n: int) -> tuple[Path, list[Path], str]:
    key, did = key_file(tmp_path, "oem")
    paths: list[Path] = []
    prev: dict[str, Any] | None = None
    for i in range(n + 1):
        unsigned = (birth_certificate(did, "did:example:device", {"manufacturerName": "ACME", "serialNumber": "1"},
                                      valid_from=T0) if prev is None else
                    lifecycle_event(did, "did:example:device", "calibrated", prev,
                                    event_time=T0 + timedelta(hours=i)))
        src, dst = tmp_path / f"u{i}.json", tmp_path / f"e{i}.json"
        src.write_text(json.dumps(unsigned))
        assert run("vc", "issue", "--suite", "eddsa-jcs-2022", "--key", key, "--in", src, "--out", dst)[0] == 0
        prev = json.loads(dst.read_text())
        paths.append(dst)
    return key, paths, did


def test_chain_verify(tmp_path: Path, run: Any) -> None:
    _, paths, _did = _chain(tmp_path, run, 3)
    code, out, err = run("vc", "chain", "verify", *reversed(paths))
    assert code == 0, err
    report = json.loads(out)
    assert report["verified"] and report["length"] == 4
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"manufacturers": ["did:example:other-oem"]}))
    code, out, err = run("vc", "chain", "verify", *paths, "--policy", policy)
    assert code == 1
    one_error_line(err, "untrustedManufacturer")
    gone = paths[:2] + paths[3:]
    code, out, err = run("vc", "chain", "verify", *gone)
    assert code == 1
    one_error_line(err, "gap")
    assert json.loads(out)["issues"][0]["index"] == 3


def test_status_create_revoke_check(tmp_path: Path, run: Any) -> None:
    key, did = key_file(tmp_path, "oem")
    lst, state = tmp_path / "list.json", tmp_path / "state.json"
    code, _, err = run("status", "create", "--out", lst, "--key", key, "--url", LIST_URL, "--state", state)
    assert code == 0, err
    code, out, _ = run("status", "allocate", "--state", state)
    entry = json.loads(out)
    index = int(entry["statusListIndex"])
    code, out, err = run("status", "check", "--list", lst, "--index", index)
    assert code == 0, err
    assert json.loads(out)[0]["set"] is False

    # A credential carrying the entry.
    cred_src, cred = tmp_path / "c.json", tmp_path / "c.signed.json"
    cred_src.write_text(json.dumps(birth_certificate(did, "did:example:device", {
        "manufacturerName": "ACME", "serialNumber": "1"}, credential_status=entry)))
    assert run("vc", "issue", "--suite", "eddsa-rdfc-2022", "--key", key, "--in", cred_src, "--out", cred)[0] == 0
    assert run("status", "check", "--list", lst, "--credential", cred)[0] == 0
    code, out, err = run("vc", "verify", "--in", cred, "--status-list", lst)
    assert code == 0, err
    assert json.loads(out)["status"][0]["set"] is False

    code, _, err = run("status", "revoke", "--list", lst, "--index", index, "--key", key)
    assert code == 0, err
    code, out, err = run("status", "check", "--list", lst, "--index", index)
    assert code == 1 and json.loads(out)[0]["set"] is True
    one_error_line(err, "revoked")
    code, _, err = run("status", "check", "--list", lst, "--credential", cred)
    assert code == 1
    one_error_line(err, "revoked")
    code, out, err = run("vc", "verify", "--in", cred, "--status-list", lst)
    assert code == 1 and json.loads(out)["verified"] is False
    one_error_line(err, "revoked")
    assert run("vc", "verify", "--in", cred)[0] == 0  # without the list only the proof is checked
    # The revoked bit also fails the chain rooted in that birth certificate.
    code, out, err = run("vc", "chain", "verify", cred, "--status-list", lst)
    assert code == 1
    one_error_line(err, "revoked")

    # A list re-signed by someone else is refused.
    other, _ = key_file(tmp_path, "other")
    code, _, err = run("status", "revoke", "--list", lst, "--index", 1, "--key", other)
    assert code == 1
    one_error_line(err, "issuerMismatch")
    # Tampered list bits are caught by the list's proof.
    doc = json.loads(lst.read_text())
    doc["credentialSubject"]["encodedList"] = json.loads((tmp_path / "state.json").read_text())["encodedList"]
    lst.write_text(json.dumps(doc))
    code, _, err = run("status", "check", "--list", lst, "--index", index)
    assert code == 1
    one_error_line(err, "statusVerificationError")


def test_status_check_errors(tmp_path: Path, run: Any) -> None:
    key, _ = key_file(tmp_path, "oem")
    lst = tmp_path / "list.json"
    run("status", "create", "--out", lst, "--key", key, "--url", LIST_URL, "--purpose", "suspension")
    code, _, err = run("status", "check", "--list", lst)
    assert code == 1
    one_error_line(err, "invalidArgument")
    code, _, err = run("status", "check", "--list", lst, "--index", 131072)
    assert code == 1
    one_error_line(err, "statusRangeError")
    assert run("status", "suspend", "--list", lst, "--index", 5, "--key", key)[0] == 0
    code, _, err = run("status", "check", "--list", lst, "--index", 5)
    assert code == 1
    one_error_line(err, "suspended")
    assert run("status", "unsuspend", "--list", lst, "--index", 5, "--key", key)[0] == 0
    assert run("status", "check", "--list", lst, "--index", 5)[0] == 0
    code, _, err = run("status", "revoke", "--list", lst, "--index", 5, "--key", key)
    assert code == 1
    one_error_line(err, "statusPurposeMismatch")


def test_installed_binary_prints_one_error_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "iiotid"), "vc", "verify", "--in", str(bad)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1
    one_error_line(proc.stderr, "invalidJson")
    assert "Traceback" not in proc.stderr


def test_installed_binary_issues_and_verifies_with_an_encrypted_key(tmp_path: Path) -> None:
    """End to end in fresh processes: nothing but the command itself registers the IIoT context."""
    from did.keyfile import write_key_file

    key = PrivateKey.generate(KeyType.ED25519)
    did = did_from_public_key(key.public_key)
    key_path = write_key_file(tmp_path / "oem.key", key, passphrase="correct horse", kdf="scrypt",
                              kdf_params={"n": 2**10, "r": 8, "p": 1})
    (tmp_path / "birth.json").write_text(json.dumps(birth_certificate(did, "did:example:device", {
        "manufacturerName": "ACME", "serialNumber": "SN-9"})))
    exe = str(ROOT / ".venv" / "bin" / "iiotid")
    env = {"PATH": "/usr/bin:/bin", "OEM_PASS": "correct horse"}
    issue = subprocess.run([exe, "vc", "issue", "--suite", "eddsa-rdfc-2022", "--key", str(key_path),
                            "--passphrase-env", "OEM_PASS", "--in", str(tmp_path / "birth.json"),
                            "--out", str(tmp_path / "birth.signed.json")],
                           capture_output=True, text=True, timeout=60, check=False, env=env)
    assert issue.returncode == 0, issue.stderr
    verify = subprocess.run([exe, "vc", "verify", "--in", str(tmp_path / "birth.signed.json")],
                            capture_output=True, text=True, timeout=60, check=False, env=env)
    assert verify.returncode == 0, verify.stderr
    assert json.loads(verify.stdout)["verified"] is True


def test_birth_and_event_builders_make_a_verifiable_chain(tmp_path: Path, run: Any) -> None:
    oem_key, _ = key_file(tmp_path, "oem")
    op_key, operator = key_file(tmp_path, "operator")
    attrs = tmp_path / "attrs.json"
    attrs.write_text(json.dumps({"manufacturerName": "ACME", "serialNumber": "SN-5", "securityLevel": 2,
                                 "dateOfManufacture": "2026-02-27", "countryOfOrigin": "DE"}))
    birth, transfer, update = tmp_path / "birth.json", tmp_path / "e1.json", tmp_path / "e2.json"
    code, _, err = run("vc", "birth", "--device", "did:example:device", "--attributes", attrs, "--key", oem_key,
                       "--out", birth)
    assert code == 0, err
    code, _, err = run("vc", "event", "--type", "ownershipTransferred", "--previous", birth, "--key", oem_key,
                       "--new-owner", operator, "--role", "manufacturer", "--out", transfer)
    assert code == 0, err
    firmware = tmp_path / "fw-4.2.bin"
    firmware.write_bytes(b"\x7fELF firmware")
    code, _, err = run("vc", "event", "--type", "firmwareUpdated", "--previous", transfer, "--key", op_key,
                       "--payload", firmware, "--site", "Plant 4", "--role", "owner", "--out", update,
                       "--suite", "eddsa-rdfc-2022")
    assert code == 0, err
    event = json.loads(update.read_text())["credentialSubject"]["lifecycleEvent"]
    assert event["sequence"] == 2 and event["payloadDigests"][0]["name"] == "fw-4.2.bin"
    code, out, err = run("vc", "chain", "verify", update, birth, transfer)
    assert code == 0, err
    assert json.loads(out)["owner"] == operator

    attrs.write_text(json.dumps({"manufacturerName": "ACME", "serialNumber": "SN-5", "securityLevel": 9}))
    code, _, err = run("vc", "birth", "--device", "did:example:device", "--attributes", attrs, "--key", oem_key)
    assert code == 1
    one_error_line(err, "invalidClaim")
    code, _, err = run("vc", "event", "--type", "exploded", "--previous", birth, "--key", oem_key)
    assert code == 1
    one_error_line(err, "invalidClaim")
