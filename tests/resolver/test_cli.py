"""CLI: ``iiotid did resolve``, ``iiotid did publish`` (through a gateway on a loopback socket), ``resolver serve``."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from agent.cli import main as cli_main
from agent.cli.resolver_cmd import BadAddress, parse_hostport
from did.did_key import create
from did.errors import IiotidError
from did.keyfile import write_key_file
from did.keys import PrivateKey
from resolver import Resolver
from resolver.http import create_app
from tests.resolver.fakes import FakeDht
from tests.resolver.records import SEQ, did_of, document, identity_key, record
from tests.resolver.servers import serve

ROOT = Path(__file__).resolve().parents[2]
_registered = False


def runner() -> CliRunner:
    global _registered
    if not _registered:
        cli_main._register()
        _registered = True
    return CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner().invoke(cli_main.app, list(args))


def error_line(res) -> str:  # type: ignore[no-untyped-def]
    """What ``iiotid`` prints for the result: ``main()`` turns a raised IiotidError into this line."""
    if isinstance(res.exception, IiotidError):
        return f"error [{res.exception.code}]: {res.exception}"
    return str(res.stderr)


def test_resolve_did_key_prints_resolution_result() -> None:
    did = create(PrivateKey.from_raw("ed25519", bytes(range(32))).public_key).id
    res = invoke("did", "resolve", did)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["didDocument"]["id"] == did
    assert out["didResolutionMetadata"]["contentType"] == "application/did+json"


def test_resolve_error_prints_result_and_exits_1() -> None:
    res = invoke("did", "resolve", "did:web:example.com")
    assert res.exit_code == 1
    assert json.loads(res.stdout)["didResolutionMetadata"]["error"] == "methodNotSupported"
    assert "error [methodNotSupported]" in res.stderr


def test_resolve_did_dht_needs_a_network() -> None:
    res = invoke("did", "resolve", did_of(identity_key(1)))
    assert res.exit_code == 1
    assert "internalError" in res.stderr


@pytest.mark.parametrize("value", ["nohost", "host:", ":80", "h:0", "h:70000", "[zz]:80", "h:8a"])
def test_bad_bootstrap_addresses(value: str) -> None:
    with pytest.raises(BadAddress):
        parse_hostport(value)


def test_hostport_forms() -> None:
    assert parse_hostport("127.0.0.1:6881") == ("127.0.0.1", 6881)
    assert parse_hostport("[::1]:6881") == ("::1", 6881)


def test_publish_and_resolve_through_a_gateway(tmp_path: Path) -> None:
    key = identity_key(5)
    key_file, doc_file = tmp_path / "k.json", tmp_path / "d.json"
    write_key_file(key_file, key, id=f"{did_of(key)}#0", controller=did_of(key))
    doc_file.write_text(json.dumps(document(key, services=1).to_json()))
    dht = FakeDht()

    async def scenario() -> tuple[object, object, object]:
        async with serve(create_app(Resolver(dht), dht)) as url:
            pub = await asyncio.to_thread(
                invoke, "did", "publish", "--key", str(key_file), "--doc", str(doc_file), "--gateway", url,
                "--seq", str(SEQ + 1),
            )  # fmt: skip
            res = await asyncio.to_thread(invoke, "did", "resolve", did_of(key), "--gateway", url)
            stale = await asyncio.to_thread(
                invoke, "did", "publish", "--key", str(key_file), "--doc", str(doc_file), "--gateway", url,
                "--seq", str(SEQ),
            )  # fmt: skip
        return pub, res, stale

    pub, res, stale = asyncio.run(scenario())
    assert pub.exit_code == 0, pub.output  # type: ignore[attr-defined]
    summary = json.loads(pub.stdout)  # type: ignore[attr-defined]
    assert summary == {"did": did_of(key), "seq": SEQ + 1, "storedNodes": 8, "via": summary["via"]}
    assert dht.store[key.public_key.raw].seq == SEQ + 1
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    out = json.loads(res.stdout)  # type: ignore[attr-defined]
    assert out["didDocument"] == document(key, services=1).to_json()
    assert out["didDocumentMetadata"]["versionId"] == str(SEQ + 1)
    assert stale.exit_code == 1 and "409" in error_line(stale)


def test_publish_requires_exactly_one_target(tmp_path: Path) -> None:
    res = invoke("did", "publish", "--key", str(tmp_path / "k"), "--doc", str(tmp_path / "d"))
    assert res.exit_code != 0


def test_publish_document_of_another_key_is_refused(tmp_path: Path) -> None:
    key, other = identity_key(5), identity_key(6)
    key_file, doc_file = tmp_path / "k.json", tmp_path / "d.json"
    write_key_file(key_file, key, id=f"{did_of(key)}#0", controller=did_of(key))
    doc_file.write_text(json.dumps(document(other).to_json()))
    res = invoke("did", "publish", "--key", str(key_file), "--doc", str(doc_file), "--gateway", "http://127.0.0.1:9/")
    assert res.exit_code == 1
    assert error_line(res).startswith("error [invalidDidDocument]")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_resolver_serve_subprocess(tmp_path: Path) -> None:
    """``iiotid resolver serve`` as a real process on loopback (joined to an in-test DHT swarm)."""
    from did.dht.swarm import LocalSwarm

    async def scenario() -> None:
        async with LocalSwarm(4) as swarm:
            boot = swarm.nodes[0]
            host, udp = boot.address
            port = _free_port()
            proc = subprocess.Popen(
                [sys.executable, "-m", "agent.cli.main", "resolver", "serve", "--port", str(port),
                 "--bootstrap", f"{host}:{udp}"],
                cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stderr=subprocess.PIPE,
            )  # fmt: skip
            try:
                url = f"http://127.0.0.1:{port}"
                async with httpx.AsyncClient() as http:
                    await _wait_healthy(http, url, proc)
                    key = identity_key(11)
                    put = await http.put(
                        f"{url}/{did_of(key).removeprefix('did:dht:')}",
                        content=record(key).to_relay_bytes(),
                        headers={"Content-Type": "application/octet-stream"},
                    )
                    assert put.status_code == 204, put.text
                # the record reached the swarm: a swarm node resolves it without the gateway
                result = await Resolver(swarm.nodes[-1]).resolve(did_of(key))
                assert result.error is None, result.resolution_metadata
            finally:
                proc.terminate()
                proc.wait(10)

    asyncio.run(scenario())


async def _wait_healthy(http: httpx.AsyncClient, url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            if (await http.get(f"{url}/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "resolver serve did not start"
        await asyncio.sleep(0.1)


def test_resolver_serve_without_dht_reads_through_upstream() -> None:
    """``iiotid resolver serve --no-dht --upstream URL``: a caching edge gateway in front of another gateway."""
    key = identity_key(12)
    dht = FakeDht()
    dht.store[key.public_key.raw] = record(key, doc=document(key, services=1))

    async def scenario() -> None:
        async with serve(create_app(Resolver(dht), dht)) as upstream:
            port = _free_port()
            proc = subprocess.Popen(
                [sys.executable, "-m", "agent.cli.main", "resolver", "serve", "--port", str(port), "--no-dht",
                 "--upstream", upstream],
                cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stderr=subprocess.PIPE,
            )  # fmt: skip
            try:
                url = f"http://127.0.0.1:{port}"
                async with httpx.AsyncClient() as http:
                    await _wait_healthy(http, url, proc)
                    res = await http.get(
                        f"{url}/1.0/identifiers/{did_of(key)}", headers={"Accept": "application/did+json"}
                    )
                    assert res.status_code == 200 and res.json() == document(key, services=1).to_json()
                    put = await http.put(f"{url}/{did_of(key)[8:]}", content=record(key, SEQ + 1).to_relay_bytes())
                    assert put.status_code == 503
            finally:
                proc.terminate()
                proc.wait(10)

    asyncio.run(scenario())


def test_resolver_serve_rejects_bad_options() -> None:
    res = invoke("resolver", "serve", "--no-dht")
    assert res.exit_code == 1 and error_line(res).startswith("error [invalidOptions]")


def test_publish_and_resolve_through_a_dht_swarm(tmp_path: Path) -> None:
    """``did publish --bootstrap`` / ``did resolve --bootstrap`` against a loopback swarm of real DHT nodes."""
    from did.dht.swarm import LocalSwarm

    key = identity_key(13)
    key_file, doc_file = tmp_path / "k.json", tmp_path / "d.json"
    write_key_file(key_file, key, id=f"{did_of(key)}#0", controller=did_of(key))
    doc_file.write_text(json.dumps(document(key, services=1).to_json()))

    async def scenario() -> tuple[object, object]:
        async with LocalSwarm(8) as swarm:
            host, port = swarm.nodes[0].address
            boot = f"{host}:{port}"
            pub = await asyncio.to_thread(
                invoke, "did", "publish", "--key", str(key_file), "--doc", str(doc_file), "--bootstrap", boot
            )
            res = await asyncio.to_thread(invoke, "did", "resolve", did_of(key), "--bootstrap", boot)
            return pub, res

    pub, res = asyncio.run(scenario())
    assert pub.exit_code == 0, (pub.output, pub.exception)  # type: ignore[attr-defined]
    assert json.loads(pub.stdout)["storedNodes"] >= 1  # type: ignore[attr-defined]
    assert res.exit_code == 0, (res.output, res.exception)  # type: ignore[attr-defined]
    out = json.loads(res.stdout)  # type: ignore[attr-defined]
    assert out["didDocument"] == document(key, services=1).to_json()
    assert out["didResolutionMetadata"]["source"] == "dht"
