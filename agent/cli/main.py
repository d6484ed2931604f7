"""Entry point of the ``iiotid`` command.

Each command group lives in its own module (``agent/cli/<group>_cmd.py``) exposing a ``typer.Typer`` named
``app``; heavy imports happen inside the commands so ``iiotid --help`` stays fast. Every error a user can cause is
printed as one line ``error [code]: sentence`` with a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import importlib
import json
import sys

import typer

from did.errors import IiotidError

app = typer.Typer(
    name="iiotid",
    help="Decentralized identities and verifiable credentials for industrial IoT devices.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)



@app.command()
def version() -> None:
    """Print the iiotid version."""
    from importlib.metadata import version as _v

    typer.echo(_v("iiotid"))


# (group name, module, help). A module missing from a partial checkout is skipped, not fatal.
GROUPS: list[tuple[str, str, str]] = [
    ("key", "agent.cli.key_cmd", "Generate and inspect key pairs (Multikey JSON files)."),
    ("did", "agent.cli.did_cmd", "Create, show, encode, decode, publish and resolve DIDs."),
    ("dht", "agent.cli.dht_cmd", "Run Mainline DHT nodes and local swarms."),
    ("resolver", "agent.cli.resolver_cmd", "Run the DID resolution / pkarr relay HTTP gateway."),
    ("vc", "agent.cli.vc_cmd", "Issue, derive and verify verifiable credentials and lifecycle chains."),
    ("status", "agent.cli.status_cmd", "Bitstring status lists: create, revoke, suspend, check."),
    ("agent", "agent.cli.agent_cmd", "Run the OEM issuer, device holder and gateway agents."),
]
# Modules that add commands to a group defined elsewhere (e.g. network commands of the `did` group).
EXTENSIONS: list[str] = ["agent.cli.did_net_cmd"]
# Single commands placed at the top level.
TOP_LEVEL: list[str] = ["agent.cli.demo_cmd"]


def _register() -> None:
    for name, module_name, help_text in GROUPS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        app.add_typer(module.app, name=name, help=help_text)
    for module_name in EXTENSIONS + TOP_LEVEL:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


def fail(message: str, code: str = "error", exit_code: int = 1) -> typer.Exit:
    """Print one error line to stderr and return the ``typer.Exit`` to raise."""
    typer.echo(f"error [{code}]: {message}", err=True)
    return typer.Exit(exit_code)


def main() -> None:
    _register()
    try:
        app()
    except IiotidError as exc:
        typer.echo(f"error [{exc.code}]: {exc}", err=True)
        sys.exit(1)
    except json.JSONDecodeError as exc:
        typer.echo(f"error [invalidJson]: {exc}", err=True)
        sys.exit(1)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        typer.echo(f"error [fileError]: {exc.strerror}: {exc.filename}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
