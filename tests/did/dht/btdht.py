"""Drive ``interop/bittorrent_dht_peer.mjs`` (webtorrent's bittorrent-dht) from asyncio, one JSON line per command."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.nodejs import NODE_DIR


class BtDht:
    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self._id = 0

    async def __aenter__(self) -> BtDht:
        self.proc = await asyncio.create_subprocess_exec(
            "node",
            str(NODE_DIR / "bittorrent_dht_peer.mjs"),
            cwd=NODE_DIR,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**22,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()

    async def call(self, cmd: str, timeout: float = 60, **args: Any) -> dict[str, Any]:
        assert self.proc and self.proc.stdin and self.proc.stdout
        self._id += 1
        self.proc.stdin.write((json.dumps({"id": self._id, "cmd": cmd, **args}) + "\n").encode())
        await self.proc.stdin.drain()
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
            if not line:
                raise RuntimeError("bittorrent-dht peer exited")
            answer = json.loads(line)
            if answer.get("id") == self._id:
                if not answer.get("ok"):
                    raise RuntimeError(answer.get("error"))
                return answer
