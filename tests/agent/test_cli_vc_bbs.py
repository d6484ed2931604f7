"""``iiotid vc issue --suite bbs-2023``, ``iiotid vc derive`` and ``iiotid vc verify`` on a derived credential."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import agent.cli.main as cli_main
from did.keys import KeyType
from tests.agent.test_cli_vc import iiotid, key_file, one_error_line


@pytest.fixture(scope="module", autouse=True)
def _registered() -> None:
    cli_main._register()


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    return lambda *args: iiotid(*args, monkeypatch=monkeypatch, capsys=capsys)


def _credential(did: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", {"@vocab": "https://plant.example/vocab#"}],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:dev-1", "manufacturer": "ACME", "firmwareVersion": 142,
                              "serialNumber": "SN-1"},
    }


def test_issue_derive_verify(tmp_path: Path, run: Any) -> None:
    key, did = key_file(tmp_path, "oem", KeyType.BLS12381_G2)
    (tmp_path / "vc.json").write_text(json.dumps(_credential(did)))
    code, _, err = run("vc", "issue", "--suite", "bbs-2023", "--key", key, "--in", tmp_path / "vc.json",
                       "--mandatory", "/issuer,/credentialSubject/manufacturer", "--out", tmp_path / "base.json")
    assert code == 0, err
    code, _, err = run("vc", "derive", "--in", tmp_path / "base.json", "--reveal", "/credentialSubject/firmwareVersion",
                       "--presentation-header", "0a0b", "--out", tmp_path / "derived.json")
    assert code == 0, err
    derived = json.loads((tmp_path / "derived.json").read_text())
    assert derived["credentialSubject"] == {"id": "did:example:dev-1", "manufacturer": "ACME", "firmwareVersion": 142}
    code, out, err = run("vc", "verify", "--in", tmp_path / "derived.json")
    assert code == 0, err + out
    assert json.loads(out)["verified"] is True
    derived["credentialSubject"]["firmwareVersion"] = 150
    (tmp_path / "bad.json").write_text(json.dumps(derived))
    code, out, _ = run("vc", "verify", "--in", tmp_path / "bad.json")
    assert code == 1 and json.loads(out)["verified"] is False


def test_errors_are_one_line(tmp_path: Path, run: Any) -> None:
    ed, did = key_file(tmp_path, "ed", KeyType.ED25519)
    (tmp_path / "vc.json").write_text(json.dumps(_credential(did)))
    code, _, err = run("vc", "issue", "--suite", "bbs-2023", "--key", ed, "--in", tmp_path / "vc.json")
    assert code == 1
    one_error_line(err, "invalidKey")
    code, _, err = run("vc", "issue", "--suite", "eddsa-rdfc-2022", "--key", ed, "--in", tmp_path / "vc.json",
                       "--mandatory", "/issuer")
    assert code == 1
    one_error_line(err, "invalidArgument")
    bls, bdid = key_file(tmp_path, "bls", KeyType.BLS12381_G2)
    (tmp_path / "vc2.json").write_text(json.dumps(_credential(bdid)))
    assert run("vc", "issue", "--suite", "bbs-2023", "--key", bls, "--in", tmp_path / "vc2.json",
               "--out", tmp_path / "base.json")[0] == 0
    code, _, err = run("vc", "derive", "--in", tmp_path / "base.json", "--reveal", "/credentialSubject/nope")
    assert code == 1
    one_error_line(err, "invalidPointer")
    code, _, err = run("vc", "derive", "--in", tmp_path / "base.json", "--reveal", "/issuer",
                       "--presentation-header", "zz")
    assert code == 1
    one_error_line(err, "invalidArgument")


@pytest.mark.parametrize("feature", ["anonymous_holder_binding", "pseudonym", "holder_binding_pseudonym"])
def test_feature_options_commit_issue_bound_derive_verify(tmp_path: Path, run: Any, feature: str) -> None:
    from credentials.suites import bbs_2023 as bbs

    key, did = key_file(tmp_path, "oem", KeyType.BLS12381_G2)
    (tmp_path / "vc.json").write_text(json.dumps(_credential(did)))
    secrets, request = tmp_path / "holder.secrets.json", tmp_path / "commitment.json"
    code, _, err = run("vc", "commit", "--feature", feature, "--secrets-out", secrets, "--out", request)
    assert code == 0, err
    assert secrets.stat().st_mode & 0o077 == 0  # the holder's secrets are private
    assert "secretProverBlind" not in request.read_text()
    code, _, err = run("vc", "issue-bound", "--key", key, "--in", tmp_path / "vc.json", "--commitment", request,
                       "--mandatory", "/issuer", "--out", tmp_path / "base.json")
    assert code == 0, err
    base = json.loads((tmp_path / "base.json").read_text())
    assert bbs.parse_base_proof(base["proof"]["proofValue"]).feature == feature
    # without the holder's secrets the credential is useless
    code, _, err = run("vc", "derive", "--in", tmp_path / "base.json", "--reveal", "/credentialSubject/serialNumber")
    assert code == 1
    one_error_line(err, "holderSecretRequired")
    nyms = []
    for domain in ("did:example:gw-A", "did:example:gw-A", "did:example:gw-B"):
        extra = ("--nym-domain", domain) if feature != "anonymous_holder_binding" else ()
        code, _, err = run("vc", "derive", "--in", tmp_path / "base.json", "--reveal",
                           "/credentialSubject/serialNumber", "--holder-secrets", secrets, *extra,
                           "--out", tmp_path / "shown.json")
        assert code == 0, err
        code, out, err = run("vc", "verify", "--in", tmp_path / "shown.json")
        assert code == 0 and json.loads(out)["verified"] is True, err + out
        shown = json.loads((tmp_path / "shown.json").read_text())
        nyms.append(bbs.parse_derived_proof(shown["proof"]["proofValue"]).pseudonym)
    if feature == "anonymous_holder_binding":
        assert nyms == [None, None, None]
    else:
        assert nyms[0] == nyms[1] != nyms[2]


def test_feature_option_cli_errors(tmp_path: Path, run: Any) -> None:
    code, _, err = run("vc", "commit", "--feature", "nope", "--secrets-out", tmp_path / "s.json")
    assert code == 1
    one_error_line(err, "invalidArgument")
    key, did = key_file(tmp_path, "oem", KeyType.BLS12381_G2)
    (tmp_path / "vc.json").write_text(json.dumps(_credential(did)))
    (tmp_path / "bad.json").write_text(json.dumps({"feature": "pseudonym", "commitmentWithProof": "zz"}))
    code, _, err = run("vc", "issue-bound", "--key", key, "--in", tmp_path / "vc.json", "--commitment",
                       tmp_path / "bad.json")
    assert code == 1
    one_error_line(err, "invalidArgument")
    (tmp_path / "bad.json").write_text(json.dumps({"feature": "pseudonym", "commitmentWithProof": "00" * 112}))
    code, _, err = run("vc", "issue-bound", "--key", key, "--in", tmp_path / "vc.json", "--commitment",
                       tmp_path / "bad.json")
    assert code == 1
    one_error_line(err, "invalidCommitment")
