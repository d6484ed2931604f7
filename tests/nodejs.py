"""Run the Node.js interop peers (``interop/*.mjs``) from tests and benchmarks.

Protocol: the script reads one JSON value on stdin and writes one JSON value on stdout. A script that fails
exits non-zero; its stderr is attached to the raised error.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

NODE_DIR = Path(__file__).resolve().parent.parent / "interop"


def node_available() -> bool:
    return shutil.which("node") is not None and (NODE_DIR / "node_modules").is_dir()


class NodeScriptError(RuntimeError):
    pass


def run_node(script: str, payload: Any = None, *, timeout: float = 120.0) -> Any:
    """Run ``interop/<script>`` with ``payload`` as JSON on stdin; return its JSON stdout."""
    path = NODE_DIR / script
    proc = subprocess.run(
        ["node", str(path)],
        input=json.dumps(payload).encode(),
        capture_output=True,
        cwd=NODE_DIR,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise NodeScriptError(f"{script} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-4000:]}")
    out = proc.stdout.decode().strip()
    return json.loads(out.splitlines()[-1]) if out else None
