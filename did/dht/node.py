"""An asyncio Mainline DHT node: BEP 5 (KRPC, routing, get_peers/announce_peer) and BEP 44 (get/put).

The node answers ``ping``, ``find_node``, ``get_peers``, ``announce_peer``, ``get`` and ``put`` exactly as the BEPs
specify, so it can join a private plant DHT or the public BitTorrent DHT, and it is a client: iterative lookups with
``alpha`` parallel queries that end when the ``k`` closest nodes seen have all answered (or failed), BEP 44 puts to
the k closest nodes that handed out write tokens, and gets that keep the highest valid ``seq`` and ignore anything
whose signature, key, target or size is wrong.

Everything that touches the outside (socket, clock, randomness, disk) is injected or confined to this module; the
message codec, routing table and store are pure.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from did.bencode import bencode
from did.bep44 import (
    MAX_SALT_SIZE,
    MAX_SEQ,
    MAX_V_SIZE,
    ImmutableItem,
    MutableItem,
    immutable_target,
    mutable_target,
)
from did.dht.krpc import (
    CLIENT_VERSION,
    GENERIC_ERROR,
    INVALID_SIGNATURE,
    MESSAGE_TOO_BIG,
    METHOD_UNKNOWN,
    NODE_ID_SIZE,
    PROTOCOL_ERROR,
    SALT_TOO_BIG,
    DhtTimeout,
    DhtUnavailable,
    KrpcError,
    Message,
    NodeInfo,
    PutRejected,
    decode_message,
    decode_nodes,
    encode_nodes,
    encode_peer,
    put_refused,
)
from did.dht.routing import RoutingTable
from did.dht.store import DEFAULT_TTL, ItemStore
from did.errors import DidError, EncodingError

log = logging.getLogger("iiotid.dht")


@dataclass(slots=True)
class DhtConfig:
    k: int = 8
    alpha: int = 3
    query_timeout: float = 2.0
    max_packet_size: int = 1500  # a BEP 44 put of 1000 bytes of v fits; larger datagrams are dropped unread
    store_ttl: float = DEFAULT_TTL
    max_items: int = 10_000
    max_peers_per_hash: int = 100
    token_rotation: float = 300.0  # BEP 5: tokens up to ten minutes old are accepted (current + previous secret)
    refresh_interval: float = 15 * 60.0  # BEP 5: buckets unchanged for 15 minutes are refreshed
    republish_interval: float = 60 * 60.0
    rate_limit_per_ip: float = 200.0  # packets per second, token bucket
    rate_burst: float = 400.0
    max_failures: int = 2
    max_lookup_queries: int = 64
    stall_timeout: float = 0.5  # a query this old stops holding an alpha slot
    ping_interval: float = 300.0  # contacts silent this long are pinged (up to k per round) so dead ones turn bad


class _Bucket:
    __slots__ = ("stamp", "tokens")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp


@dataclass(slots=True)
class LookupResult:
    closest: list[NodeInfo]
    tokens: dict[bytes, tuple[NodeInfo, bytes]] = field(default_factory=dict)
    responses: list[tuple[NodeInfo, dict[bytes, Any]]] = field(default_factory=list)
    queries: int = 0


@dataclass(slots=True)
class NodeStats:
    queries_sent: int = 0
    responses_received: int = 0
    timeouts: int = 0
    queries_received: int = 0
    errors_sent: int = 0
    dropped: int = 0


class DhtNode(asyncio.DatagramProtocol):
    """One DHT node bound to a UDP socket. Use ``await node.start()`` / ``await node.stop()``."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        node_id: bytes | None = None,
        bootstrap: Iterable[tuple[str, int]] = (),
        data_dir: str | Path | None = None,
        config: DhtConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.config = config or DhtConfig()
        self.host, self.port = host, port
        self.clock, self.rng = clock, rng
        self.data_dir = Path(data_dir) if data_dir else None
        self._explicit_id = node_id
        self.node_id = node_id or rng(NODE_ID_SIZE)
        self.bootstrap_nodes = list(bootstrap)
        self.table = RoutingTable(self.node_id, k=self.config.k, max_failures=self.config.max_failures, clock=clock)
        self.store = ItemStore(ttl=self.config.store_ttl, max_items=self.config.max_items, clock=clock)
        self.peers: dict[bytes, dict[tuple[str, int], float]] = {}
        self.kept: dict[bytes, MutableItem | ImmutableItem] = {}
        self.stats = NodeStats()
        self.last_lookup_queries = 0  # queries sent by the most recent lookup (benchmarks)
        self._secrets = [rng(16), rng(16)]
        self._secret_rotated = clock()
        self._pending: dict[bytes, tuple[asyncio.Future[Message], tuple[str, int]]] = {}
        self._tid = int.from_bytes(rng(2), "big")
        self._rate: dict[str, _Bucket] = {}
        self._transport: asyncio.DatagramTransport | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    # ------------------------------------------------------------------ lifecycle

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def info(self) -> NodeInfo:
        return NodeInfo(self.node_id, self.host, self.port)

    async def start(self, *, background: bool = True) -> None:
        if self.data_dir is not None:
            await self._load()
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(self.host, self.port))
        self._transport = transport  # type: ignore[assignment]
        self.host, self.port = transport.get_extra_info("sockname")[:2]
        if background:
            self._spawn(self._maintenance())

    async def stop(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.data_dir is not None:
            with contextlib.suppress(Exception):
                await self._save()
        for fut, _ in self._pending.values():
            if not fut.done():
                fut.set_exception(DhtUnavailable("node stopped"))
        self._pending.clear()
        if self._transport is not None:
            self._transport.close()

    async def __aenter__(self) -> DhtNode:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def bootstrap(self, nodes: Iterable[tuple[str, int]] | None = None) -> int:
        """Ping the bootstrap endpoints, then look up our own id to fill the routing table. Returns its size."""
        addrs = list(nodes) if nodes is not None else self.bootstrap_nodes
        await asyncio.gather(*(self._ping_addr(a) for a in addrs), return_exceptions=True)
        if len(self.table):
            await self.find_node(self.node_id)
            await self.refresh_buckets(only_sparse=True)
        return len(self.table)

    async def refresh_buckets(self, *, only_sparse: bool = False, older_than: float | None = None) -> None:
        """Look up a random id in each bucket up to our deepest one (Kademlia "join": after the self-lookup,
        refresh every farther bucket so we know at least one node in each subtree of the id space)."""
        deepest = max((i for i, b in enumerate(self.table.buckets) if b.contacts), default=-1)
        indexes = []
        now = self.clock()
        for i in range(deepest):
            bucket = self.table.buckets[i]
            if only_sparse and len(bucket.contacts) >= self.config.k:
                continue
            if older_than is not None and now - bucket.last_changed <= older_than:
                continue
            indexes.append(i)
        targets = [self.table.random_id_in_bucket(i, self.rng(NODE_ID_SIZE)) for i in indexes]
        for start in range(0, len(targets), 4):
            await asyncio.gather(*(self.find_node(t) for t in targets[start : start + 4]), return_exceptions=True)

    async def _ping_addr(self, addr: tuple[str, int]) -> None:
        msg = await self.query(addr, b"ping", {})
        sender = msg.sender_id
        if sender is None:
            raise EncodingError("ping response without a valid id")

    # ------------------------------------------------------------------ transport

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def error_received(self, exc: Exception) -> None:  # ICMP errors etc.: never fatal
        log.debug("udp error: %s", exc)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        try:
            self._datagram(data, addr)
        except Exception:  # pragma: no cover - defence in depth: nothing a peer sends may stop the node
            self.stats.dropped += 1
            log.exception("unexpected error handling a datagram")

    def _datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) > self.config.max_packet_size or not self._allow(addr[0]):
            self.stats.dropped += 1
            return
        try:
            msg = decode_message(data)
        except EncodingError as exc:
            self.stats.dropped += 1
            t = _salvage_tid(data)
            if t is not None:  # BEP 5: a malformed query gets a 203 protocol error
                self._send_error(addr, t, PROTOCOL_ERROR, f"malformed message: {exc}")
            return
        if msg.y == b"q":
            self.stats.queries_received += 1
            self._handle_query(msg, addr)
            return
        pending = self._pending.get(msg.t)
        if pending is None or pending[1] != addr:
            self.stats.dropped += 1
            return
        fut = pending[0]
        if fut.done():
            return
        if msg.y == b"e":
            code, text = msg.e or (GENERIC_ERROR, "")
            fut.set_exception(KrpcError(code, text))
            return
        sender = msg.sender_id
        if sender is None:
            fut.set_exception(EncodingError("response without a valid 20-byte id"))
            return
        self._saw(NodeInfo(sender, addr[0], addr[1]))
        fut.set_result(msg)

    def _allow(self, ip: str) -> bool:
        now = self.clock()
        bucket = self._rate.get(ip)
        if bucket is None:
            if len(self._rate) > 50_000:
                self._rate.clear()
            bucket = self._rate[ip] = _Bucket(self.config.rate_burst, now)
        bucket.tokens = min(
            self.config.rate_burst, bucket.tokens + (now - bucket.stamp) * self.config.rate_limit_per_ip
        )
        bucket.stamp = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _send(self, addr: tuple[str, int], msg: Message) -> None:
        if self._transport is not None and not self._closed:
            self._transport.sendto(msg.encode(), addr)

    def _send_error(self, addr: tuple[str, int], t: bytes, code: int, text: str) -> None:
        self.stats.errors_sent += 1
        self._send(addr, Message(t=t, y=b"e", e=(code, text), v=CLIENT_VERSION))

    def _saw(self, info: NodeInfo) -> None:
        if info.id == self.node_id:
            return
        oldest = self.table.seen(info)
        if oldest is not None and len(self._tasks) < 256:
            self._spawn(self._check_oldest(oldest.info))

    async def ping_questionable(self) -> int:
        """BEP 5: a contact silent for ``ping_interval`` is questionable; ping up to k of them, least recently seen
        first, so dead ones collect failures, turn bad and stop being handed out in ``nodes`` answers."""
        now = self.clock()
        silent = sorted(
            (c for c in self.table.contacts()
             if now - c.last_seen >= self.config.ping_interval and not c.is_bad(self.config.max_failures)),
            key=lambda c: c.last_seen,
        )[: self.config.k]
        results = await asyncio.gather(
            *(self.query(c.info.addr, b"ping", {}) for c in silent), return_exceptions=True
        )
        return sum(1 for r in results if not isinstance(r, BaseException))

    async def _check_oldest(self, info: NodeInfo) -> None:
        with contextlib.suppress(DidError):
            await self.query(info.addr, b"ping", {})

    # ------------------------------------------------------------------ outgoing queries

    def _next_tid(self) -> bytes:
        self._tid = (self._tid + 1) & 0xFFFF
        return self._tid.to_bytes(2, "big")

    async def query(self, addr: tuple[str, int], method: bytes, args: dict[bytes, Any]) -> Message:
        """Send one KRPC query and wait for its response (raises KrpcError on ``y=e``, DhtTimeout on silence)."""
        if self._transport is None or self._closed:
            raise DhtUnavailable("the DHT node is not running")
        t = self._next_tid()
        while t in self._pending:
            t = self._next_tid()
        fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[t] = (fut, addr)
        args = {b"id": self.node_id, **args}
        self.stats.queries_sent += 1
        self._send(addr, Message(t=t, y=b"q", q=method, a=args, v=CLIENT_VERSION))
        try:
            msg = await asyncio.wait_for(fut, self.config.query_timeout)
            self.stats.responses_received += 1
            return msg
        except TimeoutError as exc:
            self.stats.timeouts += 1
            for c in self.table.contacts():
                if c.info.addr == addr:
                    self.table.failed(c.info.id)
                    break
            raise DhtTimeout(f"no answer from {addr[0]}:{addr[1]} to {method.decode()}") from exc
        finally:
            self._pending.pop(t, None)

    async def _lookup(self, target: bytes, method: bytes, args: dict[bytes, Any]) -> LookupResult:
        """Iterative Kademlia lookup (BEP 5): alpha parallel queries, stop when the k closest seen have answered.

        A query unanswered after ``stall_timeout`` no longer holds one of the alpha slots, and the lookup no longer
        waits for it (libtorrent's "short timeout"); it still runs to ``query_timeout`` in the background, so a dead
        contact is counted as failed in the routing table, and a late answer is still used while the lookup runs.
        """
        k, alpha = self.config.k, self.config.alpha
        loop = asyncio.get_running_loop()
        t = int.from_bytes(target, "big")
        candidates: dict[bytes, NodeInfo] = {n.id: n for n in self.table.closest(target, k * 2)}
        queried: set[bytes] = set()
        answered: dict[bytes, NodeInfo] = {}
        result = LookupResult(closest=[])
        in_flight: dict[asyncio.Task[Message], tuple[NodeInfo, float]] = {}

        def dist(n: NodeInfo) -> int:
            return int.from_bytes(n.id, "big") ^ t

        try:
            while True:
                now = loop.time()
                stalled = {n.id for n, sent in in_flight.values() if now - sent >= self.config.stall_timeout}
                active = len(in_flight) - len(stalled)
                ordered = sorted(candidates.values(), key=dist)
                # The k closest nodes not known to have failed (nor stalled): done when all have answered.
                frontier = [n for n in ordered if n.id not in stalled and (n.id not in queried or n.id in answered)][:k]
                pending_front = [n for n in frontier if n.id not in queried]
                while pending_front and active < alpha and result.queries < self.config.max_lookup_queries:
                    n = pending_front.pop(0)
                    queried.add(n.id)
                    result.queries += 1
                    task = asyncio.ensure_future(self.query(n.addr, method, args))
                    in_flight[task] = (n, loop.time())
                    active += 1
                timeout: float | None = None
                if active:
                    oldest_active = min(sent for n, sent in in_flight.values() if n.id not in stalled)
                    timeout = max(0.0, oldest_active + self.config.stall_timeout - loop.time())
                elif not in_flight or len(frontier) >= k:
                    break  # the k closest have answered (or nothing is left to ask)
                # else: fewer than k answered and only stalled queries are left: wait for them after all
                done, _ = await asyncio.wait(list(in_flight), timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    n, _sent = in_flight.pop(task)
                    if task.cancelled() or task.exception() is not None:
                        candidates.pop(n.id, None)
                        continue
                    msg = task.result()
                    if msg.sender_id != n.id:
                        # The contact answered with another id: take the node it claims to be, at that address.
                        candidates.pop(n.id, None)
                        sender = msg.sender_id
                        if sender is None:
                            continue
                        n = NodeInfo(sender, n.host, n.port)
                        queried.add(n.id)
                        candidates[n.id] = n
                    answered[n.id] = n
                    result.responses.append((n, msg.r))
                    token = msg.r.get(b"token")
                    if isinstance(token, bytes) and len(token) <= 64:
                        result.tokens[n.id] = (n, token)
                    raw = msg.r.get(b"nodes")
                    if isinstance(raw, bytes):
                        try:
                            found = decode_nodes(raw)
                        except EncodingError:
                            continue
                        for m in found[: k * 2]:
                            if m.id == self.node_id or m.id in candidates or m.id in queried:
                                continue
                            known = self.table.get(m.id)
                            if known is not None and known.is_bad(self.config.max_failures):
                                continue  # others still advertise it, but it has stopped answering us
                            candidates[m.id] = m
        finally:
            for task in in_flight:  # stalled: let them run to their timeout (routing-table failure count), unobserved
                task.add_done_callback(_consume)
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        result.closest = sorted(answered.values(), key=dist)[:k]
        self.last_lookup_queries = result.queries
        return result

    # ------------------------------------------------------------------ client API (did.dht.DhtClient)

    async def find_node(self, target: bytes) -> list[NodeInfo]:
        return (await self._lookup(target, b"find_node", {b"target": target})).closest

    async def get_mutable(
        self, public_key: bytes, salt: bytes = b"", *, min_seq: int | None = None
    ) -> MutableItem | None:
        """BEP 44 get of a mutable item: the highest ``seq`` whose signature verifies, or ``None``."""
        target = mutable_target(public_key, salt)
        best, _ = await self._get_mutable(target, public_key, salt, min_seq)
        return best

    async def _get_mutable(
        self, target: bytes, public_key: bytes, salt: bytes, min_seq: int | None
    ) -> tuple[MutableItem | None, LookupResult]:
        args: dict[bytes, Any] = {b"target": target}
        if min_seq is not None:
            args[b"seq"] = min_seq
        res = await self._lookup(target, b"get", args)
        best: MutableItem | None = None
        for _node, r in res.responses:
            item = _mutable_from_response(r, public_key, salt)
            if item is not None and (best is None or item.seq > best.seq):
                best = item
        local = self.store.get(target)
        if isinstance(local, MutableItem) and (best is None or local.seq > best.seq):
            best = local
        if best is not None and min_seq is not None and best.seq < min_seq:
            best = None
        return best, res

    async def put_mutable(self, item: MutableItem, *, cas: int | None = None, keep_alive: bool = False) -> int:
        """BEP 44 put to the k closest nodes that gave write tokens. Returns how many stored it."""
        item.verify()
        res = await self._lookup(item.target, b"get", {b"target": item.target})
        args: dict[bytes, Any] = {b"k": item.public_key, b"seq": item.seq, b"sig": item.signature, b"v": item.v}
        if item.salt:
            args[b"salt"] = item.salt
        if cas is not None:
            args[b"cas"] = cas
        if keep_alive:  # kept even if the network is unreachable now: the republisher retries
            self.kept[item.target] = item
        try:
            stored = await self._put_to(res, args)
        except PutRejected:
            if self.kept.get(item.target) is item:
                del self.kept[item.target]
            raise
        with contextlib.suppress(KrpcError):  # this node holds the item too (as one of the DHT's nodes)
            self.store.put_mutable(item)
        return stored

    async def put_immutable(self, v: object, *, keep_alive: bool = False) -> bytes:
        item = ImmutableItem(v)
        if keep_alive:
            self.kept[item.target] = item
        self.store.put_immutable(item)
        res = await self._lookup(item.target, b"get", {b"target": item.target})
        stored = await self._put_to(res, {b"v": v})
        if stored == 0 and not res.responses:
            raise DhtUnavailable("no DHT node accepted the item")
        return item.target

    async def get_immutable(self, target: bytes) -> object | None:
        local = self.store.get(target)
        if isinstance(local, ImmutableItem):
            return local.v
        res = await self._lookup(target, b"get", {b"target": target})
        for _node, r in res.responses:
            if b"v" in r and b"k" not in r:
                try:
                    if immutable_target(bencode(r[b"v"])) == target:
                        return r[b"v"]
                except EncodingError:
                    continue
        return None

    async def _put_to(self, res: LookupResult, args: dict[bytes, Any]) -> int:
        """BEP 44 ``put`` to the k closest nodes that returned write tokens; raises when none stored it."""
        targets = [res.tokens[n.id] for n in res.closest if n.id in res.tokens]
        if not targets:
            raise DhtUnavailable(
                "no DHT node answered the lookup; nothing was stored"
                if not res.responses
                else "no DHT node near the target gave a write token; nothing was stored"
            )
        refusals: list[KrpcError] = []

        async def one(node: NodeInfo, token: bytes) -> bool:
            try:
                await self.query(node.addr, b"put", {**args, b"token": token})
                return True
            except KrpcError as exc:
                refusals.append(exc)
                return False
            except DidError:
                return False

        stored = sum(await asyncio.gather(*(one(n, tok) for n, tok in targets[: self.config.k])))
        if stored == 0:
            raise put_refused(refusals)
        return stored

    async def announce_peer(self, info_hash: bytes, port: int) -> int:
        res = await self._lookup(info_hash, b"get_peers", {b"info_hash": info_hash})
        targets = [res.tokens[n.id] for n in res.closest if n.id in res.tokens]

        async def one(node: NodeInfo, token: bytes) -> bool:
            try:
                await self.query(node.addr, b"announce_peer", {b"info_hash": info_hash, b"port": port, b"token": token})
                return True
            except DidError:
                return False

        return sum(await asyncio.gather(*(one(n, t) for n, t in targets)))

    async def get_peers(self, info_hash: bytes) -> list[tuple[str, int]]:
        res = await self._lookup(info_hash, b"get_peers", {b"info_hash": info_hash})
        peers: set[tuple[str, int]] = set()
        for _n, r in res.responses:
            values = r.get(b"values")
            if isinstance(values, list):
                for v in values:
                    if isinstance(v, bytes) and len(v) == 6:
                        peers.add((".".join(str(b) for b in v[:4]), int.from_bytes(v[4:], "big")))
        return sorted(peers)

    async def republish(self) -> int:
        """Re-put every item this node was asked to keep alive (the node cannot re-sign: the same signed item)."""
        total = 0
        for item in list(self.kept.values()):
            try:
                if isinstance(item, MutableItem):
                    total += await self.put_mutable(item)
                else:
                    await self.put_immutable(item.v)
                    total += 1
            except DidError as exc:
                log.debug("republish failed: %s", exc)
        return total

    # ------------------------------------------------------------------ incoming queries

    def _token(self, ip: str, secret: bytes) -> bytes:
        return hmac.new(secret, ip.encode(), hashlib.sha256).digest()[:8]

    def _rotate(self) -> None:
        now = self.clock()
        if now - self._secret_rotated >= self.config.token_rotation:
            self._secrets = [self.rng(16), self._secrets[0]]
            self._secret_rotated = now

    def _token_ok(self, ip: str, token: object) -> bool:
        self._rotate()
        if not isinstance(token, bytes):
            return False
        return any(hmac.compare_digest(token, self._token(ip, s)) for s in self._secrets)

    def _handle_query(self, msg: Message, addr: tuple[str, int]) -> None:
        sender = msg.sender_id
        if sender is None:
            self._send_error(addr, msg.t, PROTOCOL_ERROR, "missing or malformed 'id'")
            return
        handler = _HANDLERS.get(msg.q)
        if handler is None:
            self._send_error(addr, msg.t, METHOD_UNKNOWN, "Method Unknown")
            return
        try:
            r = handler(self, msg.a, addr)
        except KrpcError as exc:
            self._send_error(addr, msg.t, exc.krpc_code, exc.krpc_message)
            return
        except (EncodingError, DidError) as exc:
            self._send_error(addr, msg.t, PROTOCOL_ERROR, str(exc))
            return
        self._saw(NodeInfo(sender, addr[0], addr[1]))
        self._send(addr, Message(t=msg.t, y=b"r", r={b"id": self.node_id, **r}, v=CLIENT_VERSION))

    def _closest_compact(self, target: bytes) -> bytes:
        return encode_nodes(self.table.closest(target, self.config.k))

    def _q_ping(self, a: dict[bytes, Any], addr: tuple[str, int]) -> dict[bytes, Any]:
        return {}

    def _q_find_node(self, a: dict[bytes, Any], addr: tuple[str, int]) -> dict[bytes, Any]:
        target = _arg_bytes(a, b"target", NODE_ID_SIZE)
        return {b"nodes": self._closest_compact(target)}

    def _q_get_peers(self, a: dict[bytes, Any], addr: tuple[str, int]) -> dict[bytes, Any]:
        info_hash = _arg_bytes(a, b"info_hash", NODE_ID_SIZE)
        r: dict[bytes, Any] = {b"token": self._token(addr[0], self._secrets[0])}
        peers = self.peers.get(info_hash)
        if peers:
            now = self.clock()
            live = [p for p, ts in peers.items() if now - ts < self.config.store_ttl]
            r[b"values"] = [encode_peer(h, p) for h, p in live[:50]]
        r[b"nodes"] = self._closest_compact(info_hash)
        return r

    def _q_announce_peer(self, a: dict[bytes, Any], addr: tuple[str, int]) -> dict[bytes, Any]:
        info_hash = _arg_bytes(a, b"info_hash", NODE_ID_SIZE)
        if not self._token_ok(addr[0], a.get(b"token")):
            raise KrpcError(PROTOCOL_ERROR, "bad token")
        implied = a.get(b"implied_port")
        port = addr[1] if implied == 1 else a.get(b"port")
        if not isinstance(port, int) or not 0 < port < 65536:
            raise KrpcError(PROTOCOL_ERROR, "invalid port")
        peers = self.peers.setdefault(info_hash, {})
        if len(peers) >= self.config.max_peers_per_hash and (addr[0], port) not in peers:
            peers.pop(min(peers, key=lambda p: peers[p]))
        peers[(addr[0], port)] = self.clock()
        if len(self.peers) > self.config.max_items:
            self.peers.pop(next(iter(self.peers)))
        return {}

    def _q_get(self, a: dict[bytes, Any], addr: tuple[str, int]) -> dict[bytes, Any]:
        target = _arg_bytes(a, b"target", NODE_ID_SIZE)
        r: dict[bytes, Any] = {
            b"token": self._token(addr[0], self._secrets[0]),
            b"nodes": self._closest_compact(target),
        }
        item = self.store.get(target)
        if isinstance(item, MutableItem):
            r[b"k"], r[b"seq"], r[b"sig"] = item.public_key, item.seq, item.signature
            want = a.get(b"seq")
            # BEP 44: "seq" in a get asks for the value only if the stored seq is greater.
            if not isinstance(want, int) or item.seq > want:
                r[b"v"] = item.v
        elif isinstance(item, ImmutableItem):
            r[b"v"] = item.v
        return r

    def _q_put(self, a: dict[bytes, Any], addr: tuple[str, int]) -> dict[bytes, Any]:
        if not self._token_ok(addr[0], a.get(b"token")):
            raise KrpcError(PROTOCOL_ERROR, "bad token")
        if b"v" not in a:
            raise KrpcError(PROTOCOL_ERROR, "missing 'v'")
        v = a[b"v"]
        try:
            v_len = len(bencode(v))
        except EncodingError as exc:
            raise KrpcError(PROTOCOL_ERROR, "invalid 'v'") from exc
        if v_len > MAX_V_SIZE:
            raise KrpcError(MESSAGE_TOO_BIG, "Message (v field) too big.")
        if b"k" not in a:
            self.store.put_immutable(ImmutableItem(v))
            return {}
        k, sig, seq = a.get(b"k"), a.get(b"sig"), a.get(b"seq")
        salt = a.get(b"salt", b"")
        if not isinstance(salt, bytes):
            raise KrpcError(PROTOCOL_ERROR, "invalid 'salt'")
        if len(salt) > MAX_SALT_SIZE:
            raise KrpcError(SALT_TOO_BIG, "salt (salt field) too big.")
        if not (isinstance(k, bytes) and len(k) == 32 and isinstance(sig, bytes) and len(sig) == 64):
            raise KrpcError(PROTOCOL_ERROR, "invalid 'k' or 'sig'")
        if not isinstance(seq, int) or not 0 <= seq <= MAX_SEQ:
            raise KrpcError(PROTOCOL_ERROR, "invalid 'seq'")
        cas = a.get(b"cas")
        if cas is not None and not isinstance(cas, int):
            raise KrpcError(PROTOCOL_ERROR, "invalid 'cas'")
        item = MutableItem(k, seq, v, sig, salt)
        try:
            item.verify()
        except DidError as exc:
            raise KrpcError(INVALID_SIGNATURE, "Invalid message signature") from exc
        self.store.put_mutable(item, cas)
        return {}

    # ------------------------------------------------------------------ maintenance and persistence

    async def _maintenance(self) -> None:
        last_republish = last_refresh = last_ping = self.clock()
        cfg = self.config
        step = max(0.05, min(cfg.republish_interval, cfg.refresh_interval, cfg.ping_interval) / 4)
        while not self._closed:
            await asyncio.sleep(step)
            now = self.clock()
            self.store.expire()
            if now - last_ping >= cfg.ping_interval:
                last_ping = now
                await self.ping_questionable()
            if now - last_refresh >= self.config.refresh_interval:
                last_refresh = now
                with contextlib.suppress(DidError):
                    await self.refresh_buckets(older_than=self.config.refresh_interval)
            if now - last_republish >= self.config.republish_interval:
                last_republish = now
                await self.republish()
                if self.data_dir is not None:
                    with contextlib.suppress(Exception):
                        await self._save()

    async def _load(self) -> None:
        from did.dht.persistence import load_state

        assert self.data_dir is not None
        state = await load_state(self.data_dir)
        if state is None:
            return
        if self._explicit_id is None:
            self.node_id = state.node_id
            self.table = RoutingTable(
                self.node_id, k=self.config.k, max_failures=self.config.max_failures, clock=self.clock
            )
        for info in state.nodes:
            self.table.seen(info)
        for item in state.kept:
            self.kept[item.target] = item
            if isinstance(item, MutableItem):
                with contextlib.suppress(KrpcError):
                    self.store.put_mutable(item)

    async def _save(self) -> None:
        from did.dht.persistence import save_state

        assert self.data_dir is not None
        await save_state(self.data_dir, self.node_id, list(self.table), list(self.kept.values()))


_HANDLERS: dict[bytes, Callable[[DhtNode, dict[bytes, Any], tuple[str, int]], dict[bytes, Any]]] = {
    b"ping": DhtNode._q_ping,
    b"find_node": DhtNode._q_find_node,
    b"get_peers": DhtNode._q_get_peers,
    b"announce_peer": DhtNode._q_announce_peer,
    b"get": DhtNode._q_get,
    b"put": DhtNode._q_put,
}


def _consume(task: asyncio.Task[Any]) -> None:
    """Retrieve a background query's outcome so asyncio does not report it as never retrieved."""
    if not task.cancelled():
        task.exception()


def _arg_bytes(a: dict[bytes, Any], key: bytes, size: int) -> bytes:
    value = a.get(key)
    if not isinstance(value, bytes) or len(value) != size:
        raise KrpcError(PROTOCOL_ERROR, f"missing or malformed '{key.decode()}'")
    return value


def _salvage_tid(data: bytes) -> bytes | None:
    """Find the transaction id of a message we could not decode, so the 203 error reaches the right query."""
    idx = data.find(b"1:t")
    if idx < 0:
        return None
    rest = data[idx + 3 :]
    colon = rest.find(b":", 0, 4)
    if colon <= 0 or not rest[:colon].isdigit():
        return None
    n = int(rest[:colon])
    tid = rest[colon + 1 : colon + 1 + n]
    return tid if 0 < len(tid) == n <= 16 else None


def _mutable_from_response(r: dict[bytes, Any], public_key: bytes, salt: bytes) -> MutableItem | None:
    """A mutable item from a ``get`` response, or None if it is absent, malformed, forged or oversized."""
    if r.get(b"k") != public_key or b"v" not in r:
        return None
    seq, sig = r.get(b"seq"), r.get(b"sig")
    if not isinstance(seq, int) or not isinstance(sig, bytes):
        return None
    try:
        item = MutableItem(public_key, seq, r[b"v"], sig, salt)
        item.verify()
    except DidError:
        return None
    return item
