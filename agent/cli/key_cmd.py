"""``iiotid key``: generate and inspect key pairs stored as Multikey JSON files (optionally encrypted)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from did.errors import IiotidError

if TYPE_CHECKING:
    from did.keys import PrivateKey, PublicKey

app = typer.Typer(no_args_is_help=True)

KEY_TYPES_HELP = "ed25519 | p256 | secp256k1 | x25519 | bls12381g2"


class InvalidOptions(IiotidError):
    """Bad or conflicting command-line options."""

    code = "invalidOptions"


def passphrase_from_options(passphrase_env: str | None, prompt: bool, *, confirm: bool) -> str | None:
    """The passphrase named by ``--passphrase-env VAR`` or prompted for (``--encrypt``), else ``None``."""
    if passphrase_env and prompt:
        raise InvalidOptions("use either --passphrase-env or --encrypt, not both")
    if passphrase_env:
        value = os.environ.get(passphrase_env)
        if value is None:
            raise InvalidOptions(f"environment variable {passphrase_env} is not set")
        if not value:
            raise InvalidOptions(f"environment variable {passphrase_env} is empty")
        return value
    if prompt:
        value = typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
        if not value:
            raise InvalidOptions("an empty passphrase is not allowed")
        return str(value)
    return None


def load_key(path: Path, passphrase_env: str | None = None, *, need_secret: bool = False) -> tuple[Any, dict[str, Any]]:
    """Read a key file for a command: decrypts with ``--passphrase-env`` when the file is encrypted."""
    from did.keyfile import is_encrypted, load_key_json, read_key_file
    from did.keys import PublicKey

    passphrase = passphrase_from_options(passphrase_env, False, confirm=False)
    if passphrase is None:
        # An encrypted file still tells its public key without the passphrase.
        data = _read_json(path)
        if isinstance(data, dict) and is_encrypted(data):
            if need_secret:
                raise InvalidOptions(f"{path} is encrypted: pass --passphrase-env VAR")
            pk = PublicKey.from_multibase(data.get("publicKeyMultibase"))
            return pk, {"id": data.get("id"), "controller": data.get("controller"), "encrypted": True,
                        "kdf": (data.get("kdf") or {}).get("name") if isinstance(data.get("kdf"), dict) else None,
                        "path": str(path), "insecure_permissions": False}
        key, meta = load_key_json(data, None)
        meta["path"] = str(path)
        if need_secret and isinstance(key, PublicKey):
            raise InvalidOptions(f"{path} holds no secret key")
        return key, meta
    key, meta = read_key_file(path, passphrase)
    if need_secret and isinstance(key, PublicKey):
        raise InvalidOptions(f"{path} holds no secret key")
    return key, meta


def _read_json(path: Path) -> Any:
    from did.errors import InvalidKeyFile

    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise InvalidKeyFile(f"file not found: {path}", code="fileNotFound") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise InvalidKeyFile(f"cannot read {path}: {exc.strerror}", code="fileError") from None
    if len(text) > 1024 * 1024:
        raise InvalidKeyFile(f"{path} is larger than 1 MiB")
    try:
        return json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidKeyFile(f"{path} is not JSON: {exc}") from None


def key_summary(key: PrivateKey | PublicKey, meta: dict[str, Any]) -> dict[str, Any]:
    from did.did_key import did_from_public_key
    from did.keys import PrivateKey

    pk = key.public_key if isinstance(key, PrivateKey) else key
    return {
        "keyType": pk.key_type.value,
        "id": meta.get("id"),
        "controller": meta.get("controller"),
        "publicKeyMultibase": pk.to_multibase(),
        "publicKeyJwk": pk.to_jwk(),
        "jwkThumbprint": pk.jwk_thumbprint(),
        "didKey": did_from_public_key(pk),
        "hasSecret": isinstance(key, PrivateKey) or bool(meta.get("encrypted")),
        "encrypted": bool(meta.get("encrypted")),
        "kdf": meta.get("kdf"),
    }


@app.command("generate")
def generate(
    key_type: Annotated[str, typer.Option("--type", "-t", help=f"Key type: {KEY_TYPES_HELP}.")] = "ed25519",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the key file here (mode 0600).")] = None,
    passphrase_env: Annotated[
        str | None, typer.Option("--passphrase-env", help="Encrypt with the passphrase in this environment variable.")
    ] = None,
    encrypt: Annotated[bool, typer.Option("--encrypt", help="Encrypt with a passphrase read from the terminal.")] = (
        False
    ),
    controller: Annotated[str | None, typer.Option("--controller", help="Controller DID written into the file.")] = (
        None
    ),
    key_id: Annotated[str | None, typer.Option("--id", help="Key id (default: <controller>#<multibase>).")] = None,
    kdf: Annotated[str, typer.Option("--kdf", help="Passphrase KDF: argon2id | scrypt.")] = "argon2id",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --out file.")] = False,
) -> None:
    """Generate a key pair. With --out the file holds the secret and stdout shows the public Multikey; without
    --out the full Multikey (secret included, unless encrypted) goes to stdout."""
    from did.document import parse_did
    from did.keyfile import encrypt_key, write_key_file
    from did.keys import KeyType, PrivateKey
    from did.multikey import to_dict

    kt = KeyType.parse(key_type)
    if kdf not in ("argon2id", "scrypt"):
        raise InvalidOptions(f"--kdf must be argon2id or scrypt, got {kdf!r}")
    if controller is not None:
        parse_did(controller)
    passphrase = passphrase_from_options(passphrase_env, encrypt, confirm=True)
    key = PrivateKey.generate(kt)
    if controller is not None and key_id is None:
        key_id = f"{controller}#{key.public_key.to_multibase()}"
    if out is not None:
        write_key_file(out, key, id=key_id, controller=controller, passphrase=passphrase, overwrite=force, kdf=kdf)
        typer.echo(json.dumps(to_dict(key, id=key_id, controller=controller, include_secret=False), indent=2))
        typer.echo(f"wrote {'encrypted ' if passphrase else ''}key file {out}", err=True)
        return
    if passphrase is not None:
        typer.echo(json.dumps(encrypt_key(key, passphrase, id=key_id, controller=controller, kdf=kdf), indent=2))
        return
    typer.echo(
        "warning: printing the secret key to stdout; use --out FILE (and --encrypt) to keep it private", err=True
    )
    typer.echo(json.dumps(to_dict(key, id=key_id, controller=controller), indent=2))


@app.command("show")
def show(
    file: Annotated[Path, typer.Argument(help="Key file (Multikey JSON, plain or encrypted).")],
    passphrase_env: Annotated[
        str | None, typer.Option("--passphrase-env", help="Check the passphrase in this environment variable.")
    ] = None,
) -> None:
    """Show a key file's public key (multibase, JWK, thumbprint, did:key); never prints the secret."""
    key, meta = load_key(file, passphrase_env)
    summary = key_summary(key, meta)
    typer.echo(json.dumps(summary, indent=2))
    if meta.get("insecure_permissions"):
        typer.echo(f"warning: {file} holds an unencrypted secret and is readable by other users (chmod 600)", err=True)
