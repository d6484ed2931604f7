"""``iiotid resolver``: run the DID resolution / did:dht gateway / pkarr relay HTTP server."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Annotated, Any

import typer

from did.errors import IiotidError

app = typer.Typer(no_args_is_help=True)


class BadAddress(IiotidError):
    code = "invalidOptions"


def parse_hostport(value: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[IPv6]:PORT`` -> ``(host, port)``; raises :class:`BadAddress`."""
    host, sep, port_text = value.strip().rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise BadAddress(f"expected HOST:PORT, got {value!r}")
    port = int(port_text)
    if not 0 < port < 65536:
        raise BadAddress(f"port {port} is outside 1-65535")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError as exc:
            raise BadAddress(f"{host!r} is not an IPv6 address") from exc
    return host, port


def bind_host_for(bootstrap: list[tuple[str, int]]) -> str:
    """Loopback when every bootstrap node is on loopback (local swarms), else all interfaces."""
    if bootstrap and all(h in {"localhost", "127.0.0.1", "::1"} or h.startswith("127.") for h, _ in bootstrap):
        return "127.0.0.1"
    return "0.0.0.0"  # noqa: S104 - a DHT node must be reachable by its peers


async def start_dht_node(host: str, port: int, bootstrap: list[tuple[str, int]]) -> Any:
    """Start a ``did.dht.node.DhtNode`` and wait for it to join through ``bootstrap``."""
    from did.dht.node import DhtNode

    node = DhtNode(host=host, port=port, bootstrap=bootstrap)
    await node.start()
    if bootstrap:
        await node.bootstrap()
    return node


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option("--port", help="HTTP port.")] = 8080,
    bootstrap: Annotated[
        list[str] | None, typer.Option("--bootstrap", help="DHT node HOST:PORT to join through (repeatable).")
    ] = None,
    host: Annotated[str, typer.Option("--host", help="HTTP listen address.")] = "127.0.0.1",
    dht_port: Annotated[int, typer.Option("--dht-port", help="UDP port of the gateway's DHT node (0: any).")] = 0,
    upstream: Annotated[
        str | None, typer.Option("--upstream", help="Also read records from this did:dht gateway / pkarr relay URL.")
    ] = None,
    min_ttl: Annotated[float, typer.Option("--min-ttl", help="Lower bound on cached record TTLs (s).")] = 60.0,
    max_ttl: Annotated[float, typer.Option("--max-ttl", help="Upper bound on cached record TTLs (s).")] = 86_400.0,
    no_dht: Annotated[
        bool, typer.Option("--no-dht", help="Run without a DHT node: read through --upstream only (PUT answers 503).")
    ] = False,
) -> None:
    """Serve GET /1.0/identifiers/{did}, the pkarr relay API (GET/PUT /{z32}), /health and /docs."""
    peers = [parse_hostport(b) for b in bootstrap or []]
    if not 0 < port < 65536 or not 0 <= dht_port < 65536:
        raise BadAddress("ports must be within 1-65535 (0 allowed for --dht-port)")
    if no_dht and (peers or not upstream):
        raise BadAddress("--no-dht needs --upstream and takes no --bootstrap")
    asyncio.run(_serve(host, port, None if no_dht else peers, dht_port, upstream, min_ttl, max_ttl))


async def _serve(
    host: str,
    port: int,
    peers: list[tuple[str, int]] | None,
    dht_port: int,
    upstream: str | None,
    min_ttl: float,
    max_ttl: float,
) -> None:
    import uvicorn

    from resolver import ResolutionCache, Resolver
    from resolver.http import create_app

    node = None if peers is None else await start_dht_node(bind_host_for(peers) if peers else host, dht_port, peers)
    resolver = Resolver(node, cache=ResolutionCache(min_ttl=min_ttl, max_ttl=max_ttl), gateway_url=upstream)
    server = uvicorn.Server(uvicorn.Config(create_app(resolver, node), host=host, port=port, log_level="warning"))
    where = "no DHT node" if node is None else f"DHT node on UDP port {getattr(node, 'port', dht_port)}"
    typer.echo(f"resolver: http://{host}:{port}/ (docs at /docs); {where}", err=True)
    try:
        await server.serve()
    finally:
        await resolver.aclose()
        if node is not None:
            await node.stop()
