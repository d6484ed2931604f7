"""``iiotid dht`` (did.mainline implementation): run one Mainline DHT node, or a local swarm, until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from typing import TYPE_CHECKING, Annotated

import typer

from did.errors import IiotidError

if TYPE_CHECKING:
    from did.mainline import DhtNode

app = typer.Typer(no_args_is_help=True)


class InvalidOptions(IiotidError):
    code = "invalidOptions"


def _hostport(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidOptions(f"--bootstrap must be HOST:PORT, got {text!r}")
    return host, int(port)


async def _run_until_stopped(duration: float | None) -> None:
    """Wait for Ctrl-C / SIGTERM (or ``duration`` seconds, for scripted runs)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), duration)


def _describe(node: DhtNode) -> dict[str, object]:
    host, port = node.address
    return {"address": f"{host}:{port}", "nodeId": node.node_id.hex(), "routingTable": len(node.routing)}


@app.command("node")
def node_cmd(
    port: Annotated[int, typer.Option("--port", help="UDP port (0 = any free port).")] = 6881,
    bootstrap: Annotated[list[str] | None, typer.Option("--bootstrap", help="HOST:PORT to join through "
                                                         "(repeatable).")] = None,
    data_dir: Annotated[str | None, typer.Option("--data-dir", help="Persist node id, routing table and kept "
                                                 "records (SQLite) here.")] = None,
    host: Annotated[str, typer.Option("--host", help="Bind address.")] = "127.0.0.1",
    duration: Annotated[float | None, typer.Option("--duration", hidden=True)] = None,
) -> None:
    """Run one Mainline DHT node (BEP 5 + BEP 44) until Ctrl-C."""
    from did.mainline import DhtNode

    peers = [_hostport(b) for b in bootstrap or []]

    async def main() -> None:
        node = DhtNode(host=host, port=port, bootstrap=peers, data_dir=data_dir)
        try:
            await node.start()
        except OSError as exc:
            raise InvalidOptions(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        try:
            if peers or len(node.routing):
                await node.bootstrap()
            typer.echo(json.dumps(_describe(node)))
            await _run_until_stopped(duration)
        finally:
            await node.stop()

    asyncio.run(main())


@app.command("swarm")
def swarm_cmd(
    nodes: Annotated[int, typer.Option("--nodes", min=2, max=2000, help="How many nodes.")] = 20,
    base_port: Annotated[int, typer.Option("--base-port", help="First UDP port (0 = any free ports).")] = 0,
    duration: Annotated[float | None, typer.Option("--duration", hidden=True)] = None,
) -> None:
    """Run a local network of NODES loopback nodes in this process until Ctrl-C (progress bar while joining)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from did.mainline import LocalSwarm

    if base_port and base_port + nodes > 65536:
        raise InvalidOptions("--base-port + --nodes exceeds the port range")

    async def main() -> None:
        with Progress(TextColumn("bootstrapping"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=True) as progress:
            task = progress.add_task("join", total=nodes)
            swarm = LocalSwarm(nodes, base_port=base_port,
                               progress=lambda done, total: progress.update(task, completed=done))
            try:
                await swarm.start()
            except OSError as exc:
                await swarm.stop()
                raise InvalidOptions(f"cannot open the swarm's ports: {exc.strerror or exc}") from exc
        try:
            sizes = [len(n.routing) for n in swarm.nodes]
            typer.echo(json.dumps({"nodes": nodes, "bootstrap": [f"{h}:{p}" for h, p in
                                                                  (n.address for n in swarm.nodes[:3])],
                                   "routingTable": {"min": min(sizes), "max": max(sizes)}}))
            await _run_until_stopped(duration)
        finally:
            await swarm.stop()

    asyncio.run(main())


def register(parent: typer.Typer) -> None:
    """Mount as ``iiotid mainline`` when listed in ``agent.cli.main.EXTENSIONS``."""
    parent.add_typer(app, name="mainline", help="Run did.mainline DHT nodes and local swarms.")
