"""Network commands of the ``did`` group: ``iiotid did publish`` and ``iiotid did resolve``.

``register(root)`` adds them to the ``did`` group's typer (``agent.cli.did_cmd.app``); the group module keeps
the offline commands (create/show/encode/decode).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.cli.resolver_cmd import bind_host_for, parse_hostport, start_dht_node
from did.errors import IiotidError


class InvalidOptions(IiotidError):
    code = "invalidOptions"


class PublishFailed(IiotidError):
    code = "publishFailed"


def publish(
    key: Annotated[Path, typer.Option("--key", "-k", help="Identity key file (Ed25519 Multikey JSON).")],
    doc: Annotated[Path, typer.Option("--doc", "-d", help="did:dht DID document JSON file.")],
    bootstrap: Annotated[
        list[str] | None, typer.Option("--bootstrap", help="DHT node HOST:PORT to publish through (repeatable).")
    ] = None,
    gateway: Annotated[
        str | None, typer.Option("--gateway", help="Publish through this did:dht gateway / pkarr relay instead.")
    ] = None,
    seq: Annotated[
        int | None, typer.Option("--seq", help="BEP 44 seq (default: the current Unix time in seconds).")
    ] = None,
    passphrase_env: Annotated[
        str | None, typer.Option("--passphrase-env", help="Variable holding the key file's passphrase.")
    ] = None,
) -> None:
    """Sign the document as a did:dht BEP 44 record and put it on the DHT (or a gateway); prints a JSON summary."""
    from agent.cli.did_cmd import read_document
    from agent.cli.key_cmd import load_key
    from resolver import methods

    if bool(bootstrap) == bool(gateway):
        raise InvalidOptions("give either --bootstrap HOST:PORT (repeatable) or --gateway URL")
    peers = [parse_hostport(b) for b in bootstrap or []]
    secret, _ = load_key(key, passphrase_env, need_secret=True)
    document = read_document(doc)
    # did:dht spec "Operations / Create": seq is the current Unix time in seconds.
    item = methods.sign_dht_record(document, secret, seq if seq is not None else int(time.time()))
    if gateway:
        stored = asyncio.run(_publish_gateway(gateway, item))
        via = gateway
    else:
        stored = asyncio.run(_publish_dht(peers, item))
        via = "dht"
    typer.echo(json.dumps({"did": document.id, "seq": item.seq, "storedNodes": stored, "via": via}, indent=2))


async def _publish_dht(peers: list[tuple[str, int]], item: Any) -> int:
    node = await start_dht_node(bind_host_for(peers), 0, peers)
    try:
        stored = int(await node.put_mutable(item))
    finally:
        await node.stop()
    if stored == 0:
        raise PublishFailed("no DHT node acknowledged the put")
    return stored


async def _publish_gateway(gateway: str, item: Any) -> int:
    import httpx

    from resolver import methods

    z32 = methods.z32_for_identity_key(item.public_key)
    url = f"{gateway.rstrip('/')}/{z32}"
    try:
        async with httpx.AsyncClient(timeout=30.0) as client:
            resp = await client.put(
                url, content=item.to_relay_bytes(), headers={"Content-Type": "application/octet-stream"}
            )
    except httpx.HTTPError as exc:
        raise PublishFailed(f"gateway {gateway} unreachable: {exc.__class__.__name__}") from None
    if resp.status_code not in (200, 204):
        raise PublishFailed(f"gateway answered HTTP {resp.status_code}: {resp.text[:200]}")
    return int(resp.headers.get("Pkarr-Dht-Stored-Nodes", "0") or 0)


def resolve(
    did: Annotated[str, typer.Argument(help="The DID to resolve (did:key offline, did:dht via DHT or gateway).")],
    bootstrap: Annotated[
        list[str] | None, typer.Option("--bootstrap", help="DHT node HOST:PORT to resolve through (repeatable).")
    ] = None,
    gateway: Annotated[
        str | None, typer.Option("--gateway", help="Resolve through this did:dht gateway / pkarr relay URL.")
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the network.")] = 15.0,
) -> None:
    """Print the W3C DID resolution result JSON; exits 1 (with one error line) when resolution failed."""
    if bootstrap and gateway:
        raise InvalidOptions("give --bootstrap or --gateway, not both")
    peers = [parse_hostport(b) for b in bootstrap or []]
    result = asyncio.run(_resolve(did, peers, gateway, timeout))
    typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    if result.error is not None:
        typer.echo(f"error [{result.error}]: {result.error_message}", err=True)
        raise typer.Exit(1)


async def _resolve(did: str, peers: list[tuple[str, int]], gateway: str | None, timeout: float) -> Any:
    from resolver import Resolver

    node = await start_dht_node(bind_host_for(peers), 0, peers) if peers else None
    try:
        async with Resolver(node, gateway_url=gateway, timeout=timeout) as resolver:
            return await resolver.resolve(did)
    finally:
        if node is not None:
            await node.stop()


def register(root: typer.Typer) -> None:
    """Add ``publish`` and ``resolve`` to the ``did`` group (creating the group if its module is absent)."""
    try:
        from agent.cli.did_cmd import app as did_app
    except ModuleNotFoundError as exc:
        if exc.name != "agent.cli.did_cmd":
            raise
        did_app = typer.Typer(no_args_is_help=True)
        root.add_typer(did_app, name="did", help="Publish and resolve DIDs.")
    did_app.command("publish")(publish)
    did_app.command("resolve")(resolve)
