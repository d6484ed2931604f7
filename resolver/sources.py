"""Where did:dht records come from: the Mainline DHT (a :class:`DhtClient`) or a remote gateway / pkarr relay.

Every source returns a *verified* BEP 44 mutable item for the identity key, or ``None`` when it holds none; a
source that cannot be reached raises :class:`SourceUnavailable`. Records that fail verification are never
returned (BEP 44 "Signature Verification"; did:dht spec "Read": ignore records that do not verify).
"""

from __future__ import annotations

import asyncio
from typing import Protocol, runtime_checkable

import httpx

from did.bep44 import SIG_SIZE, MutableItem
from did.errors import IiotidError

RELAY_MAX_BODY = SIG_SIZE + 8 + 1000  # pkarr relays: 64-byte sig + 8-byte seq + at most 1000 bytes of v
RELAY_MEDIA_TYPE = "application/pkarr.org/relays#payload"


class SourceUnavailable(IiotidError):
    code = "internalError"


@runtime_checkable
class MutableGetter(Protocol):
    """The part of ``did.dht.DhtClient`` the resolver needs (BEP 44 mutable ``get``)."""

    async def get_mutable(
        self, public_key: bytes, salt: bytes = b"", *, min_seq: int | None = None
    ) -> MutableItem | None: ...


class RecordSource(Protocol):
    name: str

    async def fetch(self, public_key: bytes) -> MutableItem | None: ...


def checked(item: MutableItem | None, public_key: bytes) -> MutableItem | None:
    """``item`` if it is for ``public_key`` with no salt and its signature verifies, else ``None``."""
    if item is None or item.public_key != public_key or item.salt != b"":
        return None
    try:
        item.verify()
    except IiotidError:
        return None
    return item


class DhtSource:
    """BEP 44 ``get`` through a DHT client (which itself keeps the highest valid seq among the nodes' answers)."""

    name = "dht"

    def __init__(self, dht: MutableGetter, *, timeout: float = 10.0) -> None:
        self.dht = dht
        self.timeout = timeout

    async def fetch(self, public_key: bytes) -> MutableItem | None:
        try:
            item = await asyncio.wait_for(self.dht.get_mutable(public_key), self.timeout)
        except TimeoutError as exc:
            raise SourceUnavailable(f"DHT lookup timed out after {self.timeout:g} s") from exc
        except (OSError, IiotidError) as exc:
            raise SourceUnavailable(f"DHT lookup failed: {exc}") from exc
        return checked(item, public_key)


class GatewaySource:
    """``GET {gateway}/{z-base-32 key}`` on a did:dht gateway or pkarr relay (pkarr ``design/relays.md``).

    The body ``sig(64) || seq(8, big-endian) || v`` is verified here against the key we asked for: the gateway is
    not trusted.
    """

    name = "gateway"

    def __init__(self, base_url: str, client: httpx.AsyncClient, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client
        self.timeout = timeout

    async def fetch(self, public_key: bytes) -> MutableItem | None:
        from did.did_dht import z32_encode

        url = f"{self.base_url}/{z32_encode(public_key)}"
        try:
            resp = await self.client.get(url, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise SourceUnavailable(f"gateway {self.base_url} unreachable: {exc.__class__.__name__}") from exc
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise SourceUnavailable(f"gateway {self.base_url} answered HTTP {resp.status_code}")
        body = resp.content
        if len(body) > RELAY_MAX_BODY:
            return None
        try:
            item = MutableItem.from_relay_bytes(public_key, body, verify=True)
        except IiotidError:
            return None
        return checked(item, public_key)
