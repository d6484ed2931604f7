"""``iiotid dht``: run a Mainline DHT node, or a local multi-node swarm for demos and tests."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated

import typer

from agent.cli.resolver_cmd import bind_host_for, parse_hostport

app = typer.Typer(no_args_is_help=True)


async def _wait_forever() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


@app.command("node")
def node(
    port: Annotated[int, typer.Option("--port", help="UDP port (0: any free port).")] = 6881,
    bootstrap: Annotated[
        list[str] | None, typer.Option("--bootstrap", help="HOST:PORT of a node to join through (repeatable).")
    ] = None,
    data_dir: Annotated[
        str | None, typer.Option("--data-dir", help="Keep the node id, routing table and kept records here.")
    ] = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Bind address (default: loopback for loopback peers).")
    ] = None,
) -> None:
    """Run one DHT node (BEP 5 + BEP 44) until Ctrl-C."""
    peers = [parse_hostport(b) for b in bootstrap or []]

    async def run() -> None:
        from did.dht import DhtNode

        dht = DhtNode(host=host or bind_host_for(peers), port=port, bootstrap=peers, data_dir=data_dir)
        await dht.start()
        try:
            size = await dht.bootstrap() if peers else len(dht.table)
            typer.echo(f"dht node {dht.node_id.hex()} on {dht.host}:{dht.port} ({size} contacts)")
            await _wait_forever()
        finally:
            await dht.stop()

    asyncio.run(run())


@app.command("swarm")
def swarm(
    nodes: Annotated[int, typer.Option("--nodes", min=1, max=2000, help="Number of nodes.")] = 30,
    base_port: Annotated[int, typer.Option("--base-port", help="First UDP port (0: any free ports).")] = 0,
    duration: Annotated[float, typer.Option("--duration", help="Stop after this many seconds (0: until Ctrl-C).")] = 0,
) -> None:
    """Run a local network of N nodes in this process on loopback (for demos and tests)."""
    from rich.progress import Progress

    from did.dht import LocalSwarm

    async def run() -> None:
        with Progress(transient=True) as progress:
            task = progress.add_task("bootstrapping DHT swarm", total=nodes * 2)
            local = LocalSwarm(
                nodes, base_port=base_port, progress=lambda done, total: progress.update(task, completed=done)
            )
            await local.start()
        try:
            first = local.nodes[0]
            typer.echo(f"{nodes} DHT nodes up on 127.0.0.1; bootstrap with --bootstrap {first.host}:{first.port}")
            if duration:
                await asyncio.sleep(duration)
            else:
                await _wait_forever()
        finally:
            await local.stop()

    asyncio.run(run())
