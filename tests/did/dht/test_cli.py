"""``iiotid dht node`` / ``iiotid dht swarm`` as a user runs them."""

from __future__ import annotations

import subprocess
import sys

from did.bencode import bencode
from did.dht.krpc import decode_message

IIOTID = [sys.executable, "-m", "agent.cli.main"]


def test_swarm_runs_and_stops() -> None:
    out = subprocess.run(
        [*IIOTID, "dht", "swarm", "--nodes", "12", "--duration", "0.2"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "12 DHT nodes up on 127.0.0.1" in out.stdout


def test_node_answers_ping_over_udp() -> None:
    import socket

    proc = subprocess.Popen([*IIOTID, "dht", "node", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        port = int(line.split(" on ")[1].split(":")[1].split()[0])
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            s.sendto(bencode({b"t": b"aa", b"y": b"q", b"q": b"ping", b"a": {b"id": b"x" * 20}}), ("127.0.0.1", port))
            answer = decode_message(s.recv(1500))
        assert answer.y == b"r" and answer.t == b"aa"
    finally:
        proc.terminate()
        proc.wait(10)


def test_bad_bootstrap_is_one_line() -> None:
    out = subprocess.run(
        [*IIOTID, "dht", "node", "--bootstrap", "no-port"], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == ["error [invalidOptions]: expected HOST:PORT, got 'no-port'"]
