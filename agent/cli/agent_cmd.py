"""``iiotid agent``: the OEM / operator issuer agent on a data directory.

    iiotid agent init --data-dir D --manufacturer ACME --product-type PX-400 --status-url https://oem/status
    iiotid agent provision --data-dir D --count 100 [--prefix SN-] | --serials FILE   (progress bar)
    iiotid agent event --data-dir D --serial S --type firmwareUpdated [--firmware 142] [--site …]
    iiotid agent revoke|suspend|unsuspend --data-dir D --serial S
    iiotid agent export --data-dir D --serial S [--out F]      (chain for `iiotid vc chain verify`)
    iiotid agent token --data-dir D                              (new admin bearer token, printed once)
    iiotid agent serve --data-dir D --port P                     (admin + VC API app)
    iiotid agent publish --data-dir D                            (republish devices never confirmed on the DHT)

The passphrase comes from ``--passphrase-env`` (default ``IIOTID_PASSPHRASE``) or a prompt.  DHT: ``--bootstrap
host:port`` joins a Mainline network; ``--local-swarm N`` runs an in-process loopback swarm (demos, tests);
without either, records are stored and published later (``agent publish``).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from did.errors import IiotidError

app = typer.Typer(no_args_is_help=True)
T = TypeVar("T")
PASS_ENV = "IIOTID_PASSPHRASE"  # noqa: S105 - the name of an environment variable

DataDir = Annotated[Path, typer.Option("--data-dir", help="Agent data directory (agent.sqlite).")]
PassEnv = Annotated[str, typer.Option("--passphrase-env", help="Environment variable holding the passphrase.")]
Bootstrap = Annotated[
    list[str] | None, typer.Option("--bootstrap", help="host:port of a DHT node to join (repeatable).")
]
LocalSwarmOpt = Annotated[int, typer.Option("--local-swarm", min=0, help="Run an in-process loopback DHT of N nodes.")]
Serial = Annotated[str, typer.Option("--serial", help="Device serial number (or its DID).")]


class CliInputError(IiotidError):
    code = "invalidArgument"


def _passphrase(env: str, *, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    return str(typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm))


def _address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise CliInputError(f"--bootstrap takes host:port, not {text!r}")
    return host, int(port)


@asynccontextmanager
async def _dht(bootstrap: list[str] | None, local: int) -> AsyncIterator[Any]:
    if local:
        from did.dht import LocalSwarm

        swarm = LocalSwarm(local)
        await swarm.start()
        try:
            yield swarm.client()
        finally:
            await swarm.stop()
    elif bootstrap:
        from did.dht import DhtNode

        node = DhtNode()
        await node.start()
        try:
            await node.bootstrap([_address(b) for b in bootstrap])
            yield node
        finally:
            await node.stop()
    else:
        yield None


async def _with_issuer(
    data_dir: Path, env: str, fn: Callable[[Any], Awaitable[T]], *, bootstrap: list[str] | None = None, local: int = 0
) -> T:
    from agent.config import DB_NAME
    from agent.issuer import Issuer
    from agent.storage import Storage

    if not (data_dir / DB_NAME).exists():
        raise CliInputError(f"{data_dir} holds no agent: run `iiotid agent init --data-dir {data_dir}` first")
    passphrase = _passphrase(env)
    storage = await Storage.open(data_dir / DB_NAME)
    try:
        async with _dht(bootstrap, local) as dht:
            issuer = await Issuer.load(storage, passphrase, dht=dht)
            return await fn(issuer)
    finally:
        await storage.close()


@app.command("init")
def init_cmd(
    data_dir: DataDir,
    manufacturer: Annotated[str, typer.Option("--manufacturer", help="Manufacturer name.")],
    product_type: Annotated[str, typer.Option("--product-type", help="Product type of the line.")],
    status_url: Annotated[str, typer.Option("--status-url", help="Base URL of GET /status/{list_id}.")],
    gateway: Annotated[str | None, typer.Option("--gateway", help="IIoTGateway service endpoint.")] = None,
    firmware: Annotated[int, typer.Option("--firmware", help="Factory firmware version (integer).")] = 1,
    security_level: Annotated[int, typer.Option("--security-level", min=0, max=4)] = 2,
    country: Annotated[str | None, typer.Option("--country", help="Country of origin (ISO 3166-1 alpha-2).")] = None,
    passphrase_env: PassEnv = PASS_ENV,
    bootstrap: Bootstrap = None,
    local_swarm: LocalSwarmOpt = 0,
) -> None:
    """Create the issuer's keys (encrypted at rest), status lists and DID; print the DID and an admin token."""
    from agent.config import DB_NAME, new_token, token_hash
    from agent.issuer import Issuer, IssuerProfile
    from agent.storage import Storage

    profile = IssuerProfile(manufacturer=manufacturer, product_type=product_type, status_base_url=status_url,
                            gateway_endpoint=gateway, firmware_version=firmware, security_level=security_level,
                            country=country)
    passphrase = _passphrase(passphrase_env, confirm=True)

    async def go() -> dict[str, Any]:
        data_dir.mkdir(parents=True, exist_ok=True)
        storage = await Storage.open(data_dir / DB_NAME)
        try:
            async with _dht(bootstrap, local_swarm) as dht:
                issuer = await Issuer.initialize(storage, passphrase, profile, dht=dht)
                token = new_token()
                async with storage.transaction() as tx:
                    await storage.put_admin_token(tx, "cli-init", token_hash(token))
                return {"did": issuer.did, "bbsDid": issuer.bbs_did, "adminToken": token,
                        "published": dht is not None}
        finally:
            await storage.close()

    typer.echo(json.dumps(asyncio.run(go()), indent=2))


@app.command("token")
def token_cmd(data_dir: DataDir, passphrase_env: PassEnv = PASS_ENV,
              name: Annotated[str, typer.Option("--name")] = "cli") -> None:
    """Create (or replace) a named admin bearer token; it is printed once and stored only as a hash."""
    from agent.config import new_token, token_hash

    async def fn(issuer: Any) -> str:
        token = new_token()
        async with issuer.storage.transaction() as tx:
            await issuer.storage.put_admin_token(tx, name, token_hash(token))
            await issuer.storage.audit(tx, "cli", "token", name)
        return token

    typer.echo(asyncio.run(_with_issuer(data_dir, passphrase_env, fn)))


@app.command("provision")
def provision_cmd(
    data_dir: DataDir,
    count: Annotated[int | None, typer.Option("--count", min=1, help="Provision N devices named PREFIX000000…")] = None,
    prefix: Annotated[str, typer.Option("--prefix")] = "SN-",
    start: Annotated[int, typer.Option("--start", min=0)] = 0,
    serials: Annotated[
        Path | None, typer.Option("--serials", help="File: one serial per line, or a JSON list of requests.")
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1)] = 64,
    passphrase_env: PassEnv = PASS_ENV,
    bootstrap: Bootstrap = None,
    local_swarm: LocalSwarmOpt = 0,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Provision a batch (idempotent by serial; resumes after a crash); prints the JSON summary."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from agent.issuer import serials_range

    if (count is None) == (serials is None):
        raise CliInputError("give either --count or --serials")
    if serials is not None:
        try:
            text = serials.read_text()
        except OSError as exc:
            raise CliInputError(f"cannot read {serials}: {exc.strerror}") from None
        if text.lstrip().startswith("["):
            try:
                batch: list[Any] = json.loads(text)
            except json.JSONDecodeError as exc:
                raise CliInputError(f"{serials} is not valid JSON: {exc.msg}") from None
        else:
            batch = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    else:
        batch = serials_range(prefix, count or 0, start)

    console = Console(stderr=True)
    progress = Progress(TextColumn("[bold]provisioning"), BarColumn(), MofNCompleteColumn(), TextColumn("devices"),
                        TimeRemainingColumn(), console=console, disable=quiet, transient=False)

    async def fn(issuer: Any) -> dict[str, Any]:
        with progress:
            task = progress.add_task("provision", total=len(batch))
            report = await issuer.provision(batch, concurrency=concurrency,
                                            progress=lambda n: progress.advance(task, n))
        out: dict[str, Any] = report.to_json()
        out.pop("devices")
        out["failures"] = [r.to_json() for r in report.results if r.status == "failed"][:20]
        return out

    typer.echo(json.dumps(asyncio.run(_with_issuer(data_dir, passphrase_env, fn, bootstrap=bootstrap,
                                                    local=local_swarm)), indent=2))


@app.command("publish")
def publish_cmd(data_dir: DataDir, passphrase_env: PassEnv = PASS_ENV, bootstrap: Bootstrap = None,
                local_swarm: LocalSwarmOpt = 0) -> None:
    """Publish every stored device record not yet confirmed on the DHT (and the issuer's own DID)."""
    async def fn(issuer: Any) -> dict[str, Any]:
        if issuer.dht is None:
            raise CliInputError("publishing needs --bootstrap or --local-swarm")
        await issuer.publish_self()
        return {"published": len(await issuer.republish_pending()),
                "pending": len(await issuer.storage.unpublished_devices())}

    typer.echo(json.dumps(asyncio.run(_with_issuer(data_dir, passphrase_env, fn, bootstrap=bootstrap,
                                                    local=local_swarm))))


@app.command("event")
def event_cmd(
    data_dir: DataDir,
    serial: Serial,
    event_type: Annotated[str, typer.Option("--type", help="commissioned | firmwareUpdated | calibrated | …")],
    firmware: Annotated[int | None, typer.Option("--firmware", help="New firmware version (re-attests).")] = None,
    site: Annotated[str | None, typer.Option("--site")] = None,
    role: Annotated[str | None, typer.Option("--role", help="actorRole")] = None,
    new_owner: Annotated[str | None, typer.Option("--new-owner", help="DID (ownershipTransferred)")] = None,
    passphrase_env: PassEnv = PASS_ENV,
) -> None:
    """Issue a lifecycle event signed by this agent, chained to the device's latest credential."""
    async def fn(issuer: Any) -> dict[str, Any]:
        out: dict[str, Any] = await issuer.issue_event(serial, event_type, firmware_version=firmware, site=site,
                                                       actor_role=role, new_owner=new_owner)
        return out

    typer.echo(json.dumps(asyncio.run(_with_issuer(data_dir, passphrase_env, fn)), indent=2))


def _status(action: str) -> Callable[..., None]:
    def command(data_dir: DataDir, serial: Serial, passphrase_env: PassEnv = PASS_ENV) -> None:
        async def fn(issuer: Any) -> dict[str, Any]:
            out: dict[str, Any] = await issuer.set_status(serial, action)
            return out

        typer.echo(json.dumps(asyncio.run(_with_issuer(data_dir, passphrase_env, fn))))

    command.__doc__ = f"{action.capitalize()} a device's credentials (status list bit)."
    return command


app.command("revoke")(_status("revoke"))
app.command("suspend")(_status("suspend"))
app.command("unsuspend")(_status("unsuspend"))


@app.command("export")
def export_cmd(
    data_dir: DataDir,
    serial: Serial,
    out: Annotated[Path | None, typer.Option("--out", help="Write the chain here (JSON list); default stdout.")] = None,
    passphrase_env: PassEnv = PASS_ENV,
) -> None:
    """Export a device's birth certificate and lifecycle events (verify with `iiotid vc chain verify`)."""
    async def fn(issuer: Any) -> list[dict[str, Any]]:
        chain: list[dict[str, Any]] = await issuer.export_chain(serial)
        return chain

    text = json.dumps(asyncio.run(_with_issuer(data_dir, passphrase_env, fn)), indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n")


@app.command("serve")
def serve_cmd(
    data_dir: DataDir,
    port: Annotated[int, typer.Option("--port", min=0, max=65535)] = 8080,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    passphrase_env: PassEnv = PASS_ENV,
    bootstrap: Bootstrap = None,
    local_swarm: LocalSwarmOpt = 0,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Gateway policy file (JSON/TOML): also serve /challenges and "
                                                  "/presentations/verify (specs/m2m-auth.md).")
    ] = None,
    audit: Annotated[Path | None, typer.Option("--audit", help="Append gateway decisions to this JSON-lines file.")]
    = None,
) -> None:
    """Serve the admin API (bearer token), the public status lists, the VC API, DID resolution and, with
    ``--policy``, the access-gateway routes."""
    import uvicorn

    from agent.api.app import create_app
    from agent.config import AgentConfig

    gateway_policy = None
    if policy is not None:
        from agent.policy import Policy

        gateway_policy = Policy.load(policy)  # a bad policy stops here, with the field named

    async def fn(issuer: Any) -> None:
        config = AgentConfig(data_dir, passphrase_env=passphrase_env, issuer=issuer)
        if issuer.dht is not None:
            await issuer.publish_self()  # the issuer's DID (and BBS key alias) must resolve for verifiers
        if gateway_policy is not None:
            from agent.api.vc_api import agent_resolver
            from agent.verifier import Verifier

            resolver = agent_resolver(config)
            config.extra["resolver"] = resolver

            async def status(did: str) -> Any:
                if did != issuer.did:
                    from agent.verifier import VerifierError

                    raise VerifierError(f"no status list source for {did}", code="statusUnknown")
                return await issuer.status_list_credential("revocation-1")

            config.extra["verifier"] = Verifier(gateway_policy, resolver=resolver, status_source=status,
                                                audit_path=audit, workers=os.cpu_count() or 1)
        server = uvicorn.Server(uvicorn.Config(create_app(config), host=host, port=port, log_level="info"))
        await server.serve()

    asyncio.run(_with_issuer(data_dir, passphrase_env, fn, bootstrap=bootstrap, local=local_swarm))
