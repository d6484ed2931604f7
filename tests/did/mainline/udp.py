"""A raw UDP probe for talking bytes to a node in tests."""

from __future__ import annotations

import asyncio
from typing import Any

from did.bencode import bdecode
from did.mainline.krpc import Address


class _Collect(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.queue.put_nowait(data)


class Probe:
    def __init__(self, transport: asyncio.DatagramTransport, proto: _Collect) -> None:
        self.transport, self.proto = transport, proto

    @classmethod
    async def open(cls) -> Probe:
        loop = asyncio.get_running_loop()
        transport, proto = await loop.create_datagram_endpoint(_Collect, local_addr=("127.0.0.1", 0))
        return cls(transport, proto)

    def send(self, addr: Address, data: bytes) -> None:
        self.transport.sendto(data, addr)

    async def recv(self, timeout: float = 0.5) -> Any | None:
        try:
            return bdecode(await asyncio.wait_for(self.proto.queue.get(), timeout))
        except TimeoutError:
            return None

    async def ask(self, addr: Address, data: bytes, timeout: float = 0.5) -> Any | None:
        self.send(addr, data)
        return await self.recv(timeout)

    def close(self) -> None:
        self.transport.close()
