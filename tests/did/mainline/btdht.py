"""Async driver for interop/mainline_peer.mjs: a long-lived process of npm ``bittorrent-dht`` nodes speaking JSON
lines, so their nodes and ours run side by side on loopback while our event loop keeps serving."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.nodejs import NODE_DIR


class BtDhtError(RuntimeError):
    pass


class BtDhtPeers:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self._next = 0
        self._lock = asyncio.Lock()

    @classmethod
    async def spawn(cls) -> BtDhtPeers:
        proc = await asyncio.create_subprocess_exec(
            "node", str(NODE_DIR / "mainline_peer.mjs"), cwd=NODE_DIR,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            limit=1 << 22,
        )
        return cls(proc)

    async def call(self, op: str, timeout: float = 60.0, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        async with self._lock:  # one request at a time: replies come back in order
            self._next += 1
            self.proc.stdin.write((json.dumps({"id": self._next, "op": op, **args}) + "\n").encode())
            await self.proc.stdin.drain()
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            err = await self.proc.stderr.read() if self.proc.stderr else b""
            raise BtDhtError(f"bittorrent-dht peer process exited: {err.decode(errors='replace')[-2000:]}")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise BtDhtError(f"{op} failed: {reply.get('error')}")
        return reply

    async def close(self) -> None:
        if self.proc.returncode is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
