"""The README's main job: ``iiotid demo`` tells the whole story on the real agent classes and writes its artefacts."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agent.demo import FIRMWARE_SHARE, run_demo


async def test_demo_story_outcomes(tmp_path: Path) -> None:
    n = 12
    summary = await run_demo(devices=n, nodes=10, data_dir=tmp_path, seed=3)
    updated = round(n * FIRMWARE_SHARE)
    assert summary["firmwareUpdated"] == updated
    # Every device and the counterfeit get one decision, plus the replayed answer; each refusal names its reason.
    assert summary["decisions"] == {
        "admitted": updated - 1,  # updated, minus the stolen one
        "revoked": 1,
        "oldFirmware": n - updated,  # the holder cannot prove firmwareVersion >= 142: it says which predicate
        "untrustedIssuer": 1,  # the rogue OEM's counterfeit (firmware 150, but not a trusted issuer)
        "replayedChallenge": 1,
    }
    assert "revoked" in summary["reasonExamples"]["revoked"]
    assert summary["rogueOem"] in summary["reasonExamples"]["untrustedIssuer"]
    # The stolen device's chain: birth certificate -> commissioned -> firmwareUpdated, signatures and links verify,
    # and its status says revoked.
    assert summary["chainLength"] == 3 and summary["chainVerified"] is True, summary["chainIssues"]
    assert summary["chainStatus"] == "revoked"
    chain = json.loads(Path(summary["chainFile"]).read_text())
    assert [c["credentialSubject"].get("lifecycleEvent", {}).get("eventType") for c in chain] == [
        None, "commissioned", "firmwareUpdated"]
    page = Path(summary["html"]).read_text()
    for kind in ("birth certificate", "commissioned", "firmwareUpdated"):
        assert f'data-type="{kind}"' in page
    assert 'data-state="revoked"' in page and 'data-firmware="142"' in page and "<script" not in page
    # State is in SQLite files under the data dir: the OEM's store holds every device, event and the revocation.
    with sqlite3.connect(tmp_path / "oem.sqlite") as db:
        assert db.execute("SELECT count(*) FROM devices").fetchone()[0] == n
        assert db.execute("SELECT count(*) FROM devices WHERE published = 1").fetchone()[0] == n
        states = dict(db.execute("SELECT serial, state FROM devices WHERE state != 'active'").fetchall())
        assert states == {summary["revoked"]: "revoked"}
        assert db.execute("SELECT count(*) FROM credentials WHERE kind = 'event'").fetchone()[0] == n + updated
    with sqlite3.connect(tmp_path / "rogue-oem.sqlite") as db:
        assert db.execute("SELECT count(*) FROM devices").fetchone()[0] == 1
    # The gateway's audit log has one line per decision; every device has its sealed wallet file.
    audit = [json.loads(line) for line in (tmp_path / "gateway-audit.jsonl").read_text().splitlines()]
    assert len(audit) == n + 2 and sum(a["admitted"] for a in audit) == updated - 1
    assert len(list((tmp_path / "devices").glob("*.holder"))) == n + 1
    policy = json.loads((tmp_path / "gateway-policy.json").read_text())
    assert policy["trustedIssuers"] == [summary["oem"]] and policy["verifier"] == summary["gateway"]


async def test_demo_rerun_in_same_dir_starts_fresh(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    first = await run_demo(devices=3, nodes=6, data_dir=tmp_path, seed=1)
    second = await run_demo(devices=3, nodes=6, data_dir=tmp_path, seed=1)
    assert first["oem"] != second["oem"] and second["decisions"]["revoked"] == 1
    assert (tmp_path / "notes.txt").read_text() == "mine"  # only the demo's own files are replaced


async def test_demo_refuses_too_small_a_story(tmp_path: Path) -> None:
    from did.errors import IiotidError

    with pytest.raises(IiotidError):
        await run_demo(devices=2, data_dir=tmp_path)


def test_demo_cli_json(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", "demo", "--devices", "5", "--nodes", "8", "--seed", "2",
         "--data-dir", str(tmp_path), "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["devices"] == 5 and summary["chainVerified"] is True
    assert sum(summary["decisions"].values()) == 5 + 2


def test_demo_cli_table(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", "demo", "--devices", "4", "--nodes", "6", "--data-dir",
         str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False, env={"COLUMNS": "160", "PATH": ""},
    )
    assert out.returncode == 0, out.stderr
    for word in ("admitted", "oldFirmware", "revoked", "untrustedIssuer", "replayedChallenge", "did:key:z6Mk"):
        assert word in out.stdout, word
