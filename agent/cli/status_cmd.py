"""``iiotid status``: Bitstring Status Lists (create, allocate, revoke, suspend, unsuspend, check).

The signed status list credential file is the source of truth for the bits; the optional ``--state`` file keeps
the index allocator (which indexes were handed out) so ``allocate`` never reuses one.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.cli.vc_cmd import (
    CliError,
    KeyOption,
    PassphraseOption,
    fail,
    file_loader,
    issue_with,
    load_signing_key,
    make_resolver,
    read_json,
    write_output,
)

app = typer.Typer(no_args_is_help=True)

ListOption = Annotated[Path, typer.Option("--list", help="Signed status list credential file (updated in place).")]
IndexOption = Annotated[int, typer.Option("--index", min=0, help="Status list index.")]
SuiteOverride = Annotated[
    str | None, typer.Option("--suite", help="Suite for the re-signed list (default: the list's current one).")
]


def _suite_of(doc: dict[str, Any]) -> str:
    proof = doc.get("proof")
    proof = proof[0] if isinstance(proof, list) and proof else proof
    suite = proof.get("cryptosuite") if isinstance(proof, dict) else None
    return suite if isinstance(suite, str) else "eddsa-rdfc-2022"


@app.command("create")
def create_cmd(
    out: Annotated[Path, typer.Option("--out", help="Where to write the signed status list credential.")],
    key: KeyOption,
    url: Annotated[str, typer.Option("--url", help="URL the list will be published at (its credential id).")],
    purpose: Annotated[str, typer.Option("--purpose", help="revocation | suspension")] = "revocation",
    size: Annotated[int, typer.Option("--size", min=1, help="Number of entries (>= 131072 for verifiers).")] = 131072,
    suite: Annotated[str, typer.Option("--suite", help="Data Integrity suite.")] = "eddsa-rdfc-2022",
    ttl: Annotated[int | None, typer.Option("--ttl", min=0, help="Cache time-to-live in milliseconds.")] = None,
    state: Annotated[Path | None, typer.Option("--state", help="Write the allocator state here.")] = None,
    passphrase_env: PassphraseOption = None,
) -> None:
    """Create and sign an empty status list credential."""
    from credentials.status_list import StatusList

    if purpose not in ("revocation", "suspension"):
        raise CliError("--purpose must be revocation or suspension")
    signing_key = load_signing_key(key, passphrase_env)
    status_list = StatusList(url, purpose, size=size)
    signed = issue_with(suite, status_list.credential(signing_key.controller, ttl_ms=ttl), signing_key)
    write_output(out, signed)
    if state is not None:
        write_output(state, status_list.to_dict())
    typer.echo(json.dumps({"id": url, "statusPurpose": purpose, "size": size}), err=True)


@app.command("allocate")
def allocate_cmd(
    state: Annotated[Path, typer.Option("--state", help="Allocator state written by `status create --state`.")],
) -> None:
    """Allocate a fresh random index and print its credentialStatus entry (the state file is updated)."""
    from credentials.status_list import StatusList

    status_list = StatusList.from_dict(read_json(state))
    entry = status_list.new_entry()
    write_output(state, status_list.to_dict())
    typer.echo(json.dumps(entry, indent=2))


def _update(list_file: Path, index: int, key: Path, passphrase_env: str | None, suite: str | None,
            action: str) -> None:
    from credentials.status_list import StatusList

    doc = read_json(list_file)
    if not isinstance(doc, dict):
        raise CliError(f"{list_file}: not a status list credential", code="invalidStatusList")
    signing_key = load_signing_key(key, passphrase_env)
    status_list = StatusList.from_credential(doc)
    getattr(status_list, action)(index)
    issuer = doc.get("issuer")
    unsigned = status_list.credential(
        issuer if issuer is not None else signing_key.controller,
        valid_from=doc.get("validFrom"), valid_until=doc.get("validUntil"),
        ttl_ms=doc.get("credentialSubject", {}).get("ttl"), context=doc.get("@context") or (),
    )
    write_output(list_file, issue_with(suite or _suite_of(doc), unsigned, signing_key))
    typer.echo(json.dumps({"id": status_list.url, "index": index, "action": action,
                           "status": status_list.get(index)}), err=True)


@app.command("revoke")
def revoke_cmd(list_: ListOption, index: IndexOption, key: KeyOption, passphrase_env: PassphraseOption = None,
               suite: SuiteOverride = None) -> None:
    """Revoke the credential at INDEX (irreversible) and re-sign the list."""
    _update(list_, index, key, passphrase_env, suite, "revoke")


@app.command("suspend")
def suspend_cmd(list_: ListOption, index: IndexOption, key: KeyOption, passphrase_env: PassphraseOption = None,
                suite: SuiteOverride = None) -> None:
    """Suspend the credential at INDEX and re-sign the list."""
    _update(list_, index, key, passphrase_env, suite, "suspend")


@app.command("unsuspend")
def unsuspend_cmd(list_: ListOption, index: IndexOption, key: KeyOption, passphrase_env: PassphraseOption = None,
                  suite: SuiteOverride = None) -> None:
    """Lift the suspension at INDEX and re-sign the list."""
    _update(list_, index, key, passphrase_env, suite, "unsuspend")


@app.command("check")
def check_cmd(
    list_: Annotated[list[Path], typer.Option("--list", help="Status list credential file(s).")],
    index: Annotated[int | None, typer.Option("--index", min=0, help="Index to check.")] = None,
    credential: Annotated[Path | None, typer.Option("--credential", help="Check this credential's "
                                                     "credentialStatus entries instead of one index.")] = None,
    min_entries: Annotated[int, typer.Option("--min-entries", help="Minimum list size accepted.")] = 131072,
) -> None:
    """Verify the list's proof and print the status. Exit 0 only when no revocation/suspension bit is set."""
    from credentials.status_list import StatusListVerifier

    if (index is None) == (credential is None):
        raise CliError("give exactly one of --index or --credential")
    lists: dict[str, Any] = {}
    for p in list_:
        doc = read_json(p)
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
            raise CliError(f"{p}: a status list credential needs an id (its URL)", code="invalidStatusList")
        lists[doc["id"]] = doc
    verifier = StatusListVerifier(file_loader(lists), resolver=make_resolver(), min_entries=min_entries)

    async def run() -> list[Any]:
        if credential is not None:
            vc = read_json(credential)
            if not isinstance(vc, dict):
                raise CliError(f"{credential}: not a credential", code="invalidCredential")
            results = await verifier.check(vc)
            if not results:
                raise CliError(f"{credential} has no BitstringStatusListEntry", code="invalidStatusEntry")
            return results
        (url, doc), *rest = lists.items()
        if rest:
            raise CliError("--index checks one list; give a single --list")
        purpose = doc.get("credentialSubject", {}).get("statusPurpose")
        purpose = purpose[0] if isinstance(purpose, list) and purpose else purpose
        entry = {"type": "BitstringStatusListEntry", "statusPurpose": purpose, "statusListIndex": str(index),
                 "statusListCredential": url}
        return [await verifier.check_entry(entry)]

    results = asyncio.run(run())
    typer.echo(json.dumps([r.to_dict() for r in results], indent=2))
    for r in results:
        if r.is_set and r.purpose in ("revocation", "suspension"):
            code = "revoked" if r.purpose == "revocation" else "suspended"
            raise fail(f"index {r.index} of {r.list_url} is set ({code})", code)
