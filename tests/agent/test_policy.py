"""Gateway policy files (typed errors naming the field) and the holder's import footprint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.policy import Policy, PolicyError


def test_policy_errors_name_the_field(tmp_path: Path) -> None:
    base = {"verifier": "did:example:gw", "trustedIssuers": ["did:example:oem"]}
    bad = [
        ({**base, "predicates": [{"attribute": "firmware", "op": "ge", "value": 1}]}, "predicates[0].attribute"),
        ({**base, "predicates": [{"attribute": "firmwareVersion", "op": "gt", "value": 1}]}, "predicates[0].op"),
        ({**base, "predicates": [{"attribute": "manufacturer", "op": "ge", "value": 1}]}, "only 'in'"),
        ({**base, "disclose": ["deviceSecret"]}, "disclose[0]"),
        ({**base, "colour": "red"}, "unknown policy field"),
        ({"trustedIssuers": ["did:example:oem"]}, "verifier"),
        ({**base, "maxCredentialAgeDays": -1}, "maxCredentialAgeDays"),
    ]
    for d, fragment in bad:
        with pytest.raises(PolicyError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
            Policy.from_dict(d)
    path = tmp_path / "p.toml"
    path.write_text('verifier = "did:example:gw"\ntrustedIssuers = ["did:example:oem"]\n'
                    '[[predicates]]\nattribute = "dateOfManufacture"\nop = "ge"\nwithinYears = 5\n')
    p = Policy.load(path)
    assert p.predicates[0].within_years == 5
    (tmp_path / "x.json").write_text("{nope")
    with pytest.raises(PolicyError):
        Policy.load(tmp_path / "x.json")


def test_holder_imports_without_server_dependencies() -> None:
    code = ("import sys, agent.holder; bad = [m for m in ('fastapi', 'uvicorn', 'aiosqlite', 'pyld', 'starlette')"
            " if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
