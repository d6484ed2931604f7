"""The demo's HTML timeline, opened in headless Chromium: what a reader actually sees.

Chromium is Debian's package (/usr/bin/chromium), driven by playwright-core from interop/ (which never downloads a
browser).  Locally the test is skipped when either is missing; in CI (``CI`` set) a missing browser is a failure, as
for the Node interop tests (.ci/run installs it).
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from agent.demo import render_timeline, run_demo
from credentials.lifecycle import ChainIssue, ChainReport
from tests.nodejs import NODE_DIR, node_available, run_node

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _browser_ready() -> str | None:
    if not Path(CHROMIUM).exists():
        return "chromium is not installed (apt-get install -y chromium)"
    if not node_available() or not (NODE_DIR / "node_modules" / "playwright-core").is_dir():
        return "playwright-core is not installed in interop/ (cd interop && npm ci)"
    return None


_missing = _browser_ready()
if _missing and not os.environ.get("CI"):
    pytestmark = pytest.mark.skip(reason=_missing)


def open_page(path: Path, tmp: Path) -> dict[str, Any]:
    if _missing:  # only reachable in CI: fail loudly, never skip
        pytest.fail(f"headless Chromium unavailable in CI: {_missing}")
    tmp.mkdir(exist_ok=True)
    shown = run_node("demo_page.mjs", {"url": path.resolve().as_uri(), "executable": CHROMIUM,
                                       "userDataDir": str(tmp)}, timeout=120)
    assert isinstance(shown, dict)
    return shown


def _when(cred: dict[str, Any]) -> str:
    event = cred["credentialSubject"].get("lifecycleEvent", {})
    return str(event.get("eventTime") or cred["validFrom"])


def _issuer(cred: dict[str, Any]) -> str:
    return cred["issuer"] if isinstance(cred["issuer"], str) else cred["issuer"]["id"]


async def test_timeline_shows_the_chain(tmp_path: Path) -> None:
    summary = await run_demo(devices=6, nodes=8, data_dir=tmp_path / "demo", seed=5)
    chain = json.loads(Path(summary["chainFile"]).read_text())
    shown = open_page(Path(summary["html"]), tmp_path / "profile")

    # Nothing fetched but the page itself; no scripts, no external resources; no errors.
    assert shown["requests"] == [Path(summary["html"]).resolve().as_uri()]
    assert shown["scripts"] == 0 and shown["externalRefs"] == [] and shown["consoleErrors"] == []
    assert shown["screenshotBytes"] > 10_000  # it rendered something

    device_did = chain[0]["credentialSubject"]["id"]
    assert shown["device"] == summary["chainDevice"] and shown["did"] == device_did
    # Each lifecycle credential, in chain order, visible, top to bottom, with its date and actor.
    events = shown["events"]
    assert [e["type"] for e in events] == ["birth certificate", "commissioned", "firmwareUpdated"]
    assert [e["heading"] for e in events] == ["birth certificate", "commissioned", "firmwareUpdated"]
    assert all(e["visible"] for e in events)
    assert [e["seq"] for e in events] == ["0", "1", "2"]
    assert events[0]["top"] < events[1]["top"] < events[2]["top"]
    assert [e["datetime"] for e in events] == [_when(c) for c in chain]
    times = [datetime.fromisoformat(e["datetime"].replace("Z", "+00:00")) for e in events]
    assert times == sorted(times) and len(set(times)) == 3
    for e, cred in zip(events, chain, strict=True):
        assert e["time"] == _when(cred).replace("T", " ")
        assert _issuer(cred) in e["actor"]
    assert "ACME Industrial (OEM)" in events[0]["actor"] and "(manufacturer)" in events[0]["actor"]
    assert "Integrator" in events[1]["actor"] and "(integrator)" in events[1]["actor"]
    assert "Plant operator" in events[2]["actor"] and "(operator)" in events[2]["actor"]
    assert _issuer(chain[1]) != _issuer(chain[2]) != _issuer(chain[0])
    # The verification status of every link, and where each link points.
    assert all(e["verified"] == "true" and e["check"].startswith("✓") for e in events)
    assert "hash link verified" in events[1]["check"] and "hash link verified" in events[2]["check"]
    for e, prev in zip(events[1:], chain[:-1], strict=True):
        assert prev["id"] in e["link"]
    assert "px400-fw-142.bin" in " ".join(events[2]["details"])
    assert "firmwareVersion: 120" in events[0]["details"]
    # The device's state: chain verified, revoked (status list), firmware 142, refused by the gateway.
    assert shown["chain"]["text"].startswith("chain verified: 3 credentials")
    assert shown["state"]["data"]["state"] == "revoked" and shown["state"]["text"].startswith("revoked")
    assert events[0]["status"] == "status: revoked"
    assert shown["firmware"]["text"] == "firmware 142"
    assert shown["decision"]["text"].endswith("refused: revoked")
    assert shown["state"]["background"] != shown["chain"]["background"]  # red badge next to a green one


async def test_timeline_shows_a_broken_link(tmp_path: Path) -> None:
    """The page reflects the verification report: a link that failed is shown failed, the chain not verified."""
    summary = await run_demo(devices=3, nodes=6, data_dir=tmp_path / "demo", seed=9)
    chain = json.loads(Path(summary["chainFile"]).read_text())
    from agent.verifier import Decision

    report = ChainReport(device=chain[0]["credentialSubject"]["id"], chain=[c["id"] for c in chain],
                         issues=[ChainIssue(2, chain[2]["id"], "invalidProof", "signature rejected")])
    page = tmp_path / "broken.html"
    page.write_text(render_timeline(serial="X-1", did=report.device or "", chain=chain, report=report, names={},
                                    state="active", firmware="142", decision=Decision(True)))
    shown = open_page(page, tmp_path / "profile")
    assert [e["verified"] for e in shown["events"]] == ["true", "true", "false"]
    assert shown["events"][2]["check"].startswith("✗ not verified") and "invalidProof" in shown["events"][2]["check"]
    assert shown["chain"]["text"].startswith("chain NOT verified")
    assert shown["state"]["text"] == "active" and shown["decision"]["text"].endswith("admitted")
    assert shown["events"][1]["actor"].startswith("by did:key:")  # unnamed actors shown by DID
