"""``iiotid did``: create and show DID documents (did:key, did:dht); did:dht encode/decode are appended below.

Keep this module flat: each command is one function on ``app`` so other modules' commands can be added here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agent.cli.key_cmd import InvalidOptions, load_key, passphrase_from_options

if TYPE_CHECKING:
    from did.document import DIDDocument, Service

app = typer.Typer(no_args_is_help=True)


def parse_service_option(value: str, did: str) -> Service:
    """``ID,TYPE,ENDPOINT[,ENDPOINT...]`` -> a :class:`Service`; ``ID`` may be ``#frag`` or ``frag``."""
    from did.document import Service

    parts = [p.strip() for p in value.split(",")]
    if len(parts) < 3 or not all(parts):
        raise InvalidOptions(f"--service expects ID,TYPE,ENDPOINT (got {value!r})")
    sid, stype, endpoints = parts[0], parts[1], parts[2:]
    if not sid.startswith(("#", "did:")):
        sid = "#" + sid
    obj = {"id": sid, "type": stype, "serviceEndpoint": endpoints[0] if len(endpoints) == 1 else endpoints}
    return Service.from_json(obj, base=did, where=f"--service {value!r}")


def read_document(path: Path) -> DIDDocument:
    from did.document import DIDDocument
    from did.errors import InvalidDidDocument

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidDidDocument(f"file not found: {path}", code="fileNotFound") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise InvalidDidDocument(f"cannot read {path}: {exc.strerror}", code="fileError") from None
    return DIDDocument.from_json(data)


def document_summary(doc: DIDDocument) -> list[str]:
    from did.document import parse_did

    method, _ = parse_did(doc.id)
    lines = [f"DID:        {doc.id}", f"method:     {method}"]
    if doc.controller:
        lines.append(f"controller: {', '.join(doc.controller)}")
    if doc.also_known_as:
        lines.append(f"alsoKnownAs: {', '.join(doc.also_known_as)}")
    for vm in doc.all_verification_methods():
        rels = ", ".join(doc.relationships_of(vm.id)) or "-"
        lines.append(f"key:        {vm.id} ({vm.type}, {vm.public_key.key_type.value}) -> {rels}")
    for s in doc.service:
        lines.append(f"service:    {s.id} ({', '.join(s.types)}) {json.dumps(s.service_endpoint)}")
    return lines


def _write_json(path: Path, data: Any, *, force: bool) -> None:
    from did.errors import IiotidError

    if path.exists() and not force:
        raise IiotidError(f"{path} already exists (use --force to overwrite)", code="fileExists")
    try:
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except (IsADirectoryError, PermissionError, FileNotFoundError) as exc:
        raise IiotidError(f"cannot write {path}: {exc.strerror}", code="fileError") from None


@app.command("create")
def create(
    out: Annotated[Path, typer.Option("--out", "-o", help="Write the DID document JSON here.")],
    method: Annotated[str, typer.Option("--method", "-m", help="DID method: key | dht.")] = "key",
    key_file: Annotated[
        Path | None, typer.Option("--key", "-k", help="Key file (Multikey JSON); generated when omitted.")
    ] = None,
    key_type: Annotated[str, typer.Option("--type", "-t", help="Key type to generate when --key is omitted.")] = (
        "ed25519"
    ),
    key_out: Annotated[
        Path | None, typer.Option("--key-out", help="Where a generated key is written (default: <out>.key.json).")
    ] = None,
    services: Annotated[
        list[str] | None,
        typer.Option("--service", "-s", help="ID,TYPE,ENDPOINT[,ENDPOINT...] (repeatable; did:dht only)."),
    ] = None,
    passphrase_env: Annotated[
        str | None, typer.Option("--passphrase-env", help="Passphrase variable for an encrypted --key or --key-out.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")] = False,
) -> None:
    """Create a DID from a key: for did:key the document is derived from the key; for did:dht the identity key
    (Ed25519) becomes #0 and --service entries are added."""
    from did.errors import MethodNotSupported
    from did.keyfile import write_key_file
    from did.keys import KeyType, PrivateKey

    if method not in ("key", "dht"):
        raise InvalidOptions(f"--method must be 'key' or 'dht', got {method!r}")
    if services and method == "key":
        raise InvalidOptions("did:key documents are derived from the key alone and cannot carry --service")

    generated = key_file is None
    if key_file is not None:
        key, _ = load_key(key_file, passphrase_env)
    else:
        kt = KeyType.parse(key_type)
        if method == "dht" and kt is not KeyType.ED25519:
            raise InvalidOptions("a did:dht identity key must be Ed25519 (did:dht spec, 'Identity Key')")
        key = PrivateKey.generate(kt)
    public = key.public_key if isinstance(key, PrivateKey) else key

    if method == "key":
        from did.did_key import create as did_key_create

        doc = did_key_create(public)
    else:
        try:
            from did import did_dht  # type: ignore[attr-defined]
        except ImportError:
            raise MethodNotSupported("did:dht support (did.did_dht) is not installed in this build") from None

        if public.key_type is not KeyType.ED25519:
            raise InvalidOptions("a did:dht identity key must be Ed25519 (did:dht spec, 'Identity Key')")
        did = did_dht.did_from_identity_key(public)
        parsed = [parse_service_option(s, did) for s in services or []]
        doc = did_dht.create_document(public, services=parsed)

    if out.exists() and not force:
        raise InvalidOptions(f"{out} already exists (use --force to overwrite)")
    if generated:
        assert isinstance(key, PrivateKey)
        target = key_out or out.with_name(out.stem + ".key.json")
        passphrase = passphrase_from_options(passphrase_env, False, confirm=False)
        vm_id = doc.verification_method[0].id if doc.verification_method else None
        write_key_file(target, key, id=vm_id, controller=doc.id, passphrase=passphrase, overwrite=force)
        typer.echo(f"wrote {'encrypted ' if passphrase else ''}key file {target}", err=True)
    _write_json(out, doc.to_json(), force=force)
    typer.echo(f"wrote DID document {out}", err=True)
    typer.echo(doc.id)


@app.command("show")
def show(
    file: Annotated[Path, typer.Argument(help="DID document JSON file.")],
    json_only: Annotated[bool, typer.Option("--json", help="Print only the validated JSON.")] = False,
) -> None:
    """Validate a DID document file and print it as pretty JSON followed by a summary."""
    doc = read_document(file)
    typer.echo(json.dumps(doc.to_json(), indent=2, ensure_ascii=False))
    if not json_only:
        typer.echo("")
        for line in document_summary(doc):
            typer.echo(line)


@app.command("resolve-key")
def resolve_key(did: Annotated[str, typer.Argument(help="A did:key DID.")]) -> None:
    """Expand a did:key DID into its DID document (offline; did:key needs no network)."""
    from did.did_key import resolve

    typer.echo(json.dumps(resolve(did).to_json(), indent=2))


# --------------------------------------------------------------------------------------------------------------
# did:dht records, offline: `iiotid did encode` / `iiotid did decode` (did.did_dht; no network)
#
# Hex forms (one rule, no guessing):
#   relay form          sig(64) || seq(8, big-endian) || v      -- the pkarr relay / did:dht gateway body; decoding
#                                                                  it needs the DID (--did) for the public key
#   self-contained form pubkey(32) || sig(64) || seq(8) || v    -- `encode --self-contained`; `decode` without --did


@app.command("encode")
def encode(
    file: Annotated[Path, typer.Argument(help="did:dht DID document JSON file.")],
    key_file: Annotated[
        Path | None,
        typer.Option("--key", "-k", help="Identity key file (default: <FILE stem>.key.json, as `did create` writes)."),
    ] = None,
    seq: Annotated[
        int | None, typer.Option("--seq", help="BEP 44 seq (default: the current Unix time in seconds).")
    ] = None,
    types: Annotated[
        list[int] | None, typer.Option("--type", help="did:dht type index for _typ (repeatable), e.g. 0.")
    ] = None,
    gateways: Annotated[
        list[str] | None, typer.Option("--gateway", help="Authoritative gateway domain, an NS record (repeatable).")
    ] = None,
    self_contained: Annotated[
        bool, typer.Option("--self-contained", help="Prefix the 32-byte identity key (decodable without --did).")
    ] = False,
    passphrase_env: Annotated[
        str | None, typer.Option("--passphrase-env", help="Variable holding the key file's passphrase.")
    ] = None,
) -> None:
    """Sign FILE as a did:dht BEP 44 record; print it as hex (pkarr relay body sig || seq || v)."""
    import time

    from did import did_dht
    from did.keys import PrivateKey

    document = read_document(file)
    path = key_file or file.with_name(file.stem + ".key.json")
    key, _ = load_key(path, passphrase_env, need_secret=True)
    if not isinstance(key, PrivateKey):  # pragma: no cover - load_key(need_secret=True) guarantees it
        raise InvalidOptions(f"{path} holds no secret key")
    item = did_dht.to_bep44(
        key, document, seq=seq, types=types or [], gateways=gateways or [], clock=time.time
    )
    body = item.to_relay_bytes()
    typer.echo(((item.public_key + body) if self_contained else body).hex())
    typer.echo(f"{document.id} seq={item.seq} v={len(item.v)} bytes (limit {did_dht.MAX_PACKET_SIZE})", err=True)


@app.command("decode")
def decode(
    record: Annotated[str, typer.Argument(help="Record hex (relay form with --did, else self-contained); - = stdin.")],
    did: Annotated[str | None, typer.Option("--did", help="The DID whose relay-form record this is.")] = None,
    metadata: Annotated[
        bool, typer.Option("--metadata", help="Print {didDocument, didDocumentMetadata} instead of the document.")
    ] = False,
) -> None:
    """Verify a did:dht record (signature by the DID's identity key) and print its DID document JSON."""
    import sys

    from did import did_dht
    from did.errors import EncodingError, InvalidKey, InvalidSignature

    text = sys.stdin.read() if record == "-" else record
    text = "".join(text.split())
    try:
        data = bytes.fromhex(text)
    except ValueError:
        raise EncodingError("the record is not hexadecimal") from None
    if did is None:
        if len(data) < 32 + 72:
            raise EncodingError(
                f"a self-contained record is pubkey(32) || sig(64) || seq(8) || v, got {len(data)} bytes "
                "(for a relay-form record pass --did)"
            )
        try:
            did = did_dht.did_from_identity_key(data[:32])
            document, meta = did_dht.from_relay_bytes(did, data[32:])
        except (InvalidKey, InvalidSignature) as exc:
            raise type(exc)(f"{exc} (read as self-contained; for a relay-form record pass --did)") from None
    else:
        document, meta = did_dht.from_relay_bytes(did, data)
    out = {"didDocument": document.to_json(), "didDocumentMetadata": meta.to_json()} if metadata else document.to_json()
    typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
