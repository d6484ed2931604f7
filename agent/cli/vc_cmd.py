"""``iiotid vc``: issue and verify credentials (Data Integrity or VC-JOSE) and lifecycle chains.

Extending the group: a module listed in :data:`PLUGINS` is imported when this one is and its ``register(app)`` is
called; it may add commands (``vc derive``) and suites (:func:`register_suite` for ``--suite bbs-2023``).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from did.errors import IiotidError

app = typer.Typer(no_args_is_help=True)
chain_app = typer.Typer(no_args_is_help=True, help="Verify lifecycle event chains.")
app.add_typer(chain_app, name="chain")

DATA_INTEGRITY_SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019")


class CliError(IiotidError):
    code = "invalidArgument"


@dataclass(frozen=True)
class SigningKey:
    """A private key with the DID URL of its verification method and the controller DID (the issuer)."""

    key: Any  # did.keys.PrivateKey
    verification_method: str
    controller: str


# ------------------------------------------------------------------------------------------------- suites
# suite name -> function(credential, signing key, proof purpose) -> signed credential (dict) or JWT (str)
IssueFunction = Callable[[dict[str, Any], SigningKey, str], "dict[str, Any] | str"]
SUITES: dict[str, IssueFunction] = {}


def register_suite(name: str, issue: IssueFunction) -> None:
    """Make ``--suite NAME`` available to ``vc issue`` (and ``status create|revoke``)."""
    SUITES[name] = issue


def _issue_data_integrity(suite: str) -> IssueFunction:
    def issue(credential: dict[str, Any], key: SigningKey, purpose: str) -> dict[str, Any]:
        import credentials

        return credentials.issue(
            credential, key=key.key, verification_method=key.verification_method, suite=suite, purpose=purpose
        )

    return issue


def _issue_jwt(credential: dict[str, Any], key: SigningKey, purpose: str) -> str:
    from credentials import jose

    return jose.issue_jwt(credential, key=key.key, verification_method=key.verification_method)


for _suite in DATA_INTEGRITY_SUITES:
    register_suite(_suite, _issue_data_integrity(_suite))
register_suite("jwt", _issue_jwt)


# ------------------------------------------------------------------------------------------------- helpers
def read_json(path: Path) -> Any:
    """Parse a JSON file (``-`` = stdin); malformed JSON is one typed error."""
    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})", code="invalidJson") from None


def write_output(path: Path | None, value: Any) -> None:
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    if path is None or str(path) == "-":
        typer.echo(text)
    else:
        path.write_text(text + "\n", encoding="utf-8")


def passphrase_from_env(var: str | None) -> str | None:
    if var is None:
        return None
    value = os.environ.get(var)
    if value is None:
        raise CliError(f"environment variable {var} (passphrase) is not set")
    return value


def load_signing_key(path: Path, passphrase_env: str | None = None) -> SigningKey:
    """Read a key file; the issuer is its controller, else the ``did:key`` of the public key."""
    from did.did_key import did_from_public_key
    from did.keyfile import read_key_file
    from did.keys import PrivateKey

    key, meta = read_key_file(path, passphrase=passphrase_from_env(passphrase_env))
    if not isinstance(key, PrivateKey):
        raise CliError(f"{path} holds only a public key; signing needs the private key", code="invalidKey")
    vm, controller = meta.get("id"), meta.get("controller")
    if not isinstance(controller, str) or not controller:
        controller = did_from_public_key(key.public_key)
        vm = None
    if not isinstance(vm, str) or not vm.startswith(controller + "#"):
        if controller.startswith("did:key:"):
            vm = f"{controller}#{controller.removeprefix('did:key:')}"
        elif isinstance(vm, str) and vm.startswith("#"):
            vm = controller + vm
        else:
            raise CliError(f"{path}: key file has no verification method id under {controller}", code="invalidKey")
    return SigningKey(key=key, verification_method=vm, controller=controller)


def issue_with(
    suite: str, credential: dict[str, Any], key: SigningKey, purpose: str = "assertionMethod", **options: Any
) -> Any:
    """Sign with ``suite``; ``options`` go to suites that take them (``bbs-2023``: ``mandatory_pointers``)."""
    if suite not in SUITES:
        raise CliError(f"unknown suite {suite!r}; choose one of {', '.join(SUITES)}", code="unsupportedCryptosuite")
    register_contexts()
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id is None:
        credential = {**credential, "issuer": key.controller}
    elif issuer_id != key.controller:
        raise CliError(f"credential issuer {issuer_id} is not the key's controller {key.controller}",
                       code="issuerMismatch")
    if options:
        return SUITES[suite](credential, key, purpose, **options)  # type: ignore[call-arg]
    return SUITES[suite](credential, key, purpose)


def register_contexts() -> None:
    """Make the bundled IIoT context known to the offline JSON-LD loader (importing the vocabulary registers it)."""
    from credentials import vocab  # noqa: F401


def make_resolver() -> Any:
    from resolver import Resolver

    return Resolver()


def result_dict(result: Any) -> dict[str, Any]:
    to_dict = getattr(result, "to_dict", None)
    if callable(to_dict):
        out: dict[str, Any] = to_dict()
        return out
    errors = []
    for e in getattr(result, "errors", None) or []:
        if isinstance(e, IiotidError):
            errors.append(e.to_dict())
        elif isinstance(e, dict):
            errors.append(e)
        else:
            errors.append({"code": getattr(e, "code", "error"), "message": str(e)})
    return {"verified": bool(getattr(result, "verified", False)), "errors": errors}


def fail(message: str, code: str) -> typer.Exit:
    typer.echo(f"error [{code}]: {message}", err=True)
    return typer.Exit(1)


# ------------------------------------------------------------------------------------------------- commands
SuiteOption = Annotated[
    str, typer.Option("--suite", help="eddsa-rdfc-2022 | eddsa-jcs-2022 | ecdsa-rdfc-2019 | bbs-2023 | jwt")
]
KeyOption = Annotated[Path, typer.Option("--key", help="Key file (Multikey JSON) of the issuer.")]
PassphraseOption = Annotated[
    str | None, typer.Option("--passphrase-env", help="Environment variable holding the key file passphrase.")
]


@app.command("issue")
def issue_cmd(
    suite: SuiteOption,
    key: KeyOption,
    in_: Annotated[Path, typer.Option("--in", help="Unsigned credential (JSON); '-' for stdin.")],
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the signed credential.")] = None,
    passphrase_env: PassphraseOption = None,
    purpose: Annotated[str, typer.Option("--purpose", help="Proof purpose.")] = "assertionMethod",
    mandatory: Annotated[
        str | None,
        typer.Option("--mandatory", help="bbs-2023: comma-separated JSON pointers the holder must always disclose."),
    ] = None,
) -> None:
    """Sign a credential. The issuer is the key file's controller (or the key's did:key)."""
    credential = read_json(in_)
    if not isinstance(credential, dict):
        raise CliError("the credential must be a JSON object", code="invalidCredential")
    options: dict[str, Any] = {}
    if mandatory is not None:
        if suite != "bbs-2023":
            raise CliError("--mandatory applies to --suite bbs-2023 only", code="invalidArgument")
        options["mandatory_pointers"] = [p.strip() for p in mandatory.split(",") if p.strip()]
    signing_key = load_signing_key(key, passphrase_env)
    write_output(out, issue_with(suite, credential, signing_key, purpose, **options))


@app.command("birth")
def birth_cmd(
    device: Annotated[str, typer.Option("--device", help="Device DID (the credential subject).")],
    attributes: Annotated[Path, typer.Option("--attributes", help="JSON object of nameplate attributes "
                                             "(manufacturerName, serialNumber, securityLevel, ...).")],
    key: KeyOption,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the signed birth certificate.")] = None,
    suite: SuiteOption = "eddsa-jcs-2022",
    status: Annotated[Path | None, typer.Option("--status", help="credentialStatus entry JSON "
                                                "(from `iiotid status allocate`).")] = None,
    passphrase_env: PassphraseOption = None,
) -> None:
    """Build and sign a DeviceBirthCertificate (IIoT vocabulary) for DEVICE, issued by the key's controller."""
    from credentials.vocab import birth_certificate

    signing_key = load_signing_key(key, passphrase_env)
    attrs = read_json(attributes)
    if not isinstance(attrs, dict):
        raise CliError("--attributes must hold a JSON object", code="invalidClaim")
    vc = birth_certificate(signing_key.controller, device, attrs,
                           credential_status=read_json(status) if status is not None else None)
    write_output(out, issue_with(suite, vc, signing_key))


@app.command("event")
def event_cmd(
    event_type: Annotated[str, typer.Option("--type", help="commissioned | ownershipTransferred | firmwareUpdated "
                                            "| calibrated | repaired | relocated | decommissioned")],
    previous: Annotated[Path, typer.Option("--previous", help="The signed previous credential of the chain.")],
    key: KeyOption,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the signed event.")] = None,
    event_time: Annotated[str | None, typer.Option("--time", help="eventTime (default: now, UTC).")] = None,
    site: Annotated[str | None, typer.Option("--site", help="Where the event happened.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="actorRole of the issuer.")] = None,
    payload: Annotated[list[Path] | None, typer.Option("--payload", help="File whose digest goes into "
                                                       "payloadDigests (firmware image, report); repeatable.")] = None,
    new_owner: Annotated[str | None, typer.Option("--new-owner", help="New owner DID (ownershipTransferred).")] = None,
    suite: SuiteOption = "eddsa-jcs-2022",
    passphrase_env: PassphraseOption = None,
) -> None:
    """Build and sign the next LifecycleEvent, hash-linked to --previous (same device, sequence + 1)."""
    from datetime import UTC, datetime

    from credentials.vocab import lifecycle_event, payload_digest

    signing_key = load_signing_key(key, passphrase_env)
    prev = read_json(previous)
    if not isinstance(prev, dict):
        raise CliError(f"{previous}: not a credential", code="invalidCredential")
    subject = prev.get("credentialSubject")
    device = subject.get("id") if isinstance(subject, dict) else None
    if not isinstance(device, str):
        raise CliError(f"{previous}: the previous credential names no device (credentialSubject.id)",
                       code="invalidCredential")
    digests = [payload_digest(p.read_bytes(), name=p.name) for p in payload or []]
    vc = lifecycle_event(
        signing_key.controller, device, event_type, prev,
        event_time=event_time if event_time is not None else datetime.now(UTC).replace(microsecond=0),
        actor_role=role, site=site, payload_digests=digests, new_owner=new_owner,
    )
    write_output(out, issue_with(suite, vc, signing_key))


def _looks_like_jwt(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 3 and all(p and all(c.isalnum() or c in "-_" for c in p) for p in parts)


async def _verify_document(text: str, purpose: str | None, challenge: str | None = None,
                           domain: str | None = None) -> tuple[dict[str, Any], Any]:
    """Verify ``text`` (JSON credential/presentation or compact JWT); the result dict and the verified document."""
    register_contexts()
    resolver = make_resolver()
    stripped = text.strip()
    candidate = stripped
    if stripped.startswith('"'):  # a JWT stored as a JSON string
        try:
            candidate = json.loads(stripped)
        except json.JSONDecodeError:
            candidate = stripped
    if isinstance(candidate, str) and _looks_like_jwt(candidate):
        from credentials import jose

        return _pair(await _maybe_await(jose.verify_jwt(candidate, resolver=resolver)))
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise CliError(f"input is neither JSON nor a compact JWT ({exc.msg})", code="invalidJson") from None
    if not isinstance(document, dict):
        raise CliError("the credential must be a JSON object", code="invalidCredential")
    import credentials

    if "VerifiablePresentation" in _types(document.get("type")):
        if challenge is None:
            raise CliError("verifying a presentation needs the --challenge it was bound to")
        return _pair(await credentials.verify_presentation(
            document, resolver=resolver, challenge=challenge, domain=domain, purpose=purpose or "authentication"))
    return _pair(await credentials.verify(
        document, resolver=resolver, purpose=purpose or "assertionMethod", challenge=challenge, domain=domain))


def _pair(result: Any) -> tuple[dict[str, Any], Any]:
    return result_dict(result), getattr(result, "document", None)


async def _maybe_await(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


@app.command("verify")
def verify_cmd(
    in_: Annotated[Path, typer.Option("--in", help="Signed credential/presentation (JSON) or VC-JOSE JWT.")],
    purpose: Annotated[str | None, typer.Option("--purpose", help="Expected proof purpose (default: "
                                                "assertionMethod; authentication for presentations).")] = None,
    challenge: Annotated[str | None, typer.Option("--challenge", help="Challenge a presentation must carry.")] = None,
    domain: Annotated[str | None, typer.Option("--domain", help="Domain a presentation must carry.")] = None,
    status_list: Annotated[list[Path] | None, typer.Option("--status-list", help="Status list credential file(s): "
                                                          "also check the credential's credentialStatus.")] = None,
) -> None:
    """Verify a credential or presentation; print the JSON result. Exit status 0 only when verified."""
    text = sys.stdin.read() if str(in_) == "-" else in_.read_text(encoding="utf-8")
    result, document = asyncio.run(_verify_document(text, purpose, challenge, domain))
    if status_list and result["verified"]:
        result = asyncio.run(_check_status(result, document, _load_status_lists(status_list)))
    typer.echo(json.dumps(result, indent=2))
    if not result["verified"]:
        first = result["errors"][0] if result["errors"] else {"code": "invalidProof", "message": "not verified"}
        raise fail(str(first.get("message", "not verified")), str(first.get("code", "invalidProof")))


async def _check_status(result: dict[str, Any], document: Any, lists: dict[str, Any]) -> dict[str, Any]:
    """Add the Bitstring Status List check of the verified credential to ``result``."""
    from credentials.status_list import StatusError, StatusListVerifier

    if not isinstance(document, dict):
        return result
    verifier = StatusListVerifier(file_loader(lists), resolver=make_resolver())
    try:
        statuses = await verifier.assert_active(document)
        result["status"] = [s.to_dict() for s in statuses]
    except StatusError as exc:
        result["verified"] = False
        result["errors"] = [*result.get("errors", []), exc.to_dict()]
    return result


def _load_status_lists(paths: list[Path]) -> dict[str, Any]:
    lists: dict[str, Any] = {}
    for p in paths:
        doc = read_json(p)
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
            raise CliError(f"{p}: a status list credential needs an id (its URL)", code="invalidStatusList")
        lists[doc["id"]] = doc
    return lists


def file_loader(lists: dict[str, Any]) -> Callable[[str], Any]:
    """A status list loader serving only the given documents (the CLI never goes online)."""

    async def load(url: str) -> Any:
        if url not in lists:
            raise CliError(f"status list {url} not given (pass it with --status-list FILE)", code="notFound")
        return lists[url]

    return load


@chain_app.command("verify")
def chain_verify_cmd(
    files: Annotated[list[Path], typer.Argument(help="Birth certificate and event credentials, any order; a file "
                                                 "may also hold a JSON array of credentials.")],
    policy: Annotated[Path | None, typer.Option("--policy", help="Chain policy JSON (default: manufacturer "
                                                "and current owner may issue every event).")] = None,
    status_list: Annotated[list[Path] | None, typer.Option("--status-list", help="Status list credential file(s) "
                                                          "to check credentialStatus against.")] = None,
) -> None:
    """Verify a lifecycle chain; print the JSON report. Exit status 0 only when the whole chain verifies."""
    from credentials.lifecycle import ChainPolicy, verify_chain  # imports (and registers) the IIoT vocabulary

    docs: list[Any] = []
    for f in files:
        value = read_json(f)
        docs.extend(value if isinstance(value, list) else [value])
    births = [d for d in docs if isinstance(d, dict) and "DeviceBirthCertificate" in _types(d.get("type"))]
    if len(births) != 1:
        raise CliError(f"expected exactly one DeviceBirthCertificate among the inputs, found {len(births)}",
                       code="invalidChain")
    birth = births[0]
    events = [d for d in docs if d is not birth]
    chain_policy = ChainPolicy.from_dict(read_json(policy)) if policy is not None else ChainPolicy.default()
    loader = file_loader(_load_status_lists(status_list)) if status_list else None

    async def run() -> Any:
        return await verify_chain(birth, *events, policy=chain_policy, resolver=make_resolver(), status_loader=loader)

    report = asyncio.run(run())
    typer.echo(json.dumps(report.to_dict(), indent=2))
    if not report.verified:
        first = report.issues[0]
        raise fail(f"{len(report.issues)} problem(s); first at position {first.index} ({first.event_id}): "
                   f"{first.message}", first.code)


def _types(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] if isinstance(
        value, list) else []


# ------------------------------------------------------------------------------------------------- plug-ins
PLUGINS: list[str] = ["agent.cli.vc_bbs_cmd"]


def _load_plugins() -> None:
    for name in PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_load_plugins()
