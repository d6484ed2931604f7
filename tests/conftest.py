"""Shared fixtures: where the published test vectors live, and a runner for the Node interop peers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.nodejs import NODE_DIR, node_available

ROOT = Path(__file__).resolve().parent.parent


def _vectors_dir() -> Path:
    env = os.environ.get("IIOTID_VECTORS")
    candidates = [Path(env)] if env else []
    candidates += [ROOT.parent / "shared" / "vectors", ROOT / ".." / "shared" / "vectors"]
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    raise RuntimeError("published test vectors not found: set IIOTID_VECTORS or place shared/ beside the clone")


VECTORS = _vectors_dir()


@pytest.fixture(scope="session")
def vectors() -> Path:
    return VECTORS


def load_vector(rel: str) -> Any:
    """Load a JSON test vector by its path under ``shared/vectors``."""
    return json.loads((VECTORS / rel).read_text())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if node_available():
        return
    if os.environ.get("CI"):
        # In CI the interop peers are installed by .ci/run; missing peers are a failure, not a skip.
        return
    skip = pytest.mark.skip(reason=f"Node interop peers not installed in {NODE_DIR} (run: cd interop && npm ci)")
    for item in items:
        if "interop" in item.keywords:
            item.add_marker(skip)
