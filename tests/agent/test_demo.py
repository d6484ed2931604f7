"""The README's main job: ``iiotid demo`` tells the whole story and writes its artefacts."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from agent.demo import run_demo


async def test_demo_story(tmp_path: Path) -> None:
    summary = await run_demo(devices=12, nodes=10, data_dir=tmp_path)
    decisions = summary["decisions"]
    # Every device gets a decision, plus the replayed presentation.
    assert sum(decisions.values()) == 12 + 1
    assert decisions["admitted"] > 0
    for reason in ("oldFirmware", "revoked", "untrustedIssuer", "replayedChallenge"):
        assert decisions[reason] >= 1, reason
    assert summary["chainVerified"] is True
    page = Path(summary["html"]).read_text()
    assert 'data-type="birth certificate"' in page and 'data-type="commissioned"' in page
    assert 'data-type="firmwareUpdated"' in page and "Chain verified" in page
    with sqlite3.connect(summary["database"]) as db:
        assert db.execute("SELECT count(*) FROM devices").fetchone()[0] == 12
        assert db.execute("SELECT count(*) FROM credentials WHERE kind = 'birth'").fetchone()[0] == 12
        assert db.execute("SELECT count(*) FROM decisions").fetchone()[0] == 12


def test_demo_cli_json(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent.cli.main",
            "demo",
            "--devices",
            "6",
            "--nodes",
            "8",
            "--data-dir",
            str(tmp_path),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["devices"] == 6 and summary["chainVerified"] is True
