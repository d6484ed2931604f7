"""``iiotid demo``: the end-to-end story on embedded defaults (see ``agent/demo.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo(
    devices: Annotated[int, typer.Option("--devices", min=3, max=20_000, help="Devices the OEM provisions.")] = 100,
    nodes: Annotated[int, typer.Option("--nodes", min=4, max=2_000, help="Nodes of the loopback DHT.")] = 30,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="SQLite files, device wallets, HTML (default: a new temp dir)."),
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Lifecycle timeline page (default DATA_DIR/timeline.html).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Which devices get the update / are revoked; DHT ids.")] = 7,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON instead of a table.")] = False,
) -> None:
    """An OEM provisions devices on a loopback DHT, an integrator commissions them, an operator updates firmware and
    revokes one, and a gateway admits or refuses each device by policy (zero-knowledge predicates)."""
    import asyncio
    import json

    from rich.console import Console

    from agent.demo import run_demo

    console = None if json_out else Console()
    summary = asyncio.run(
        run_demo(devices=devices, nodes=nodes, data_dir=data_dir, html_path=html, seed=seed, console=console)
    )
    if json_out:
        typer.echo(json.dumps(summary, indent=2))


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
