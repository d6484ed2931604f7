"""An asyncio Mainline DHT node: BEP 5 (ping, find_node, get_peers, announce_peer) and BEP 44 (get, put).

The node is both server (answers KRPC queries over UDP) and client (iterative Kademlia lookups with ``alpha``
parallel queries that stop when the ``k`` closest nodes seen have answered). Clock, RNG and the UDP endpoint are
injected; nothing a remote sends can raise out of the datagram handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from did.bencode import bencode
from did.bep44 import MAX_SALT_SIZE, MAX_V_SIZE, ImmutableItem, MutableItem, immutable_target, mutable_target
from did.errors import DidError, EncodingError, InvalidSignature, StaleRecord
from did.mainline import krpc
from did.mainline.krpc import ID_SIZE, Address, KrpcError
from did.mainline.routing import RoutingTable
from did.mainline.store import RecordStore, StoreFull

if TYPE_CHECKING:
    from did.mainline.persistence import NodeDatabase

log = logging.getLogger(__name__)


class DhtError(DidError):
    code = "dhtError"


class QueryTimeout(DhtError):
    code = "timeout"


class PutRejected(DhtError):
    """Every node that answered refused the put (BEP 44 301 CAS mismatch or 302 seq less than current)."""

    code = "putRejected"


@dataclass(frozen=True, slots=True)
class DhtConfig:
    k: int = 8  # BEP 5 bucket size
    alpha: int = 3  # parallel queries per lookup
    query_timeout: float = 2.0  # a query that has not answered by then has failed
    soft_timeout: float = 0.4  # after this a slow query no longer holds one of the alpha lookup slots
    record_ttl: float = 7200.0  # BEP 44 "Expiration": about 2 hours
    max_records: int = 10_000
    republish_interval: float = 3600.0  # keep-alive items are re-put this often
    refresh_interval: float = 900.0  # BEP 5: refresh buckets unchanged for 15 minutes
    ping_interval: float = 300.0  # ping up to k contacts silent this long, so dead ones turn bad
    token_rotation: float = 300.0  # BEP 5: secret changed every five minutes, previous one still accepted
    max_packet_size: int = 1500  # larger datagrams are dropped unread
    rate_limit: float | None = 250.0  # datagrams per second per source IP (None = unlimited)
    rate_burst: float = 500.0
    version: bytes = b"II\x00\x01"  # BEP 5 "v": two-letter client id + two-byte version


@dataclass(slots=True)
class NodeStats:
    received: int = 0
    sent: int = 0
    queries_sent: int = 0
    dropped_oversize: int = 0
    dropped_rate: int = 0
    malformed: int = 0
    errors_sent: int = 0
    items_rejected: int = 0  # items in responses that failed validation (forged, oversized, wrong key)


@dataclass(slots=True)
class LookupResult:
    """The k closest nodes that answered, each with its response dictionary, and how many queries it took."""

    responses: list[tuple[bytes, Address, dict[bytes, Any]]] = field(default_factory=list)
    queries: int = 0
    answers: list[dict[bytes, Any]] = field(default_factory=list)  # every answer, not only the k closest


class _TokenBucket:
    """Per-IP token buckets (rate ``rate``/s, capacity ``burst``)."""

    def __init__(self, rate: float, burst: float, max_ips: int = 65_536) -> None:
        self.rate, self.burst, self.max_ips = rate, burst, max_ips
        self._b: dict[str, tuple[float, float]] = {}

    def allow(self, ip: str, now: float) -> bool:
        tokens, last = self._b.get(ip, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if len(self._b) >= self.max_ips and ip not in self._b:
            self._b.clear()  # crude bound against address-spraying; forgets history rather than grow
        if tokens < 1.0:
            self._b[ip] = (tokens, now)
            return False
        self._b[ip] = (tokens - 1.0, now)
        return True


class _Tokens:
    """BEP 5 write tokens: SHA-1 HMAC of the requester's IP under a secret rotated every ``period`` seconds;
    tokens from the previous secret are still accepted."""

    def __init__(self, rng: Callable[[int], bytes], period: float, now: float) -> None:
        self._rng, self.period = rng, period
        self._current, self._previous = rng(20), rng(20)
        self._rotated = now

    def _rotate(self, now: float) -> None:
        if now - self._rotated >= self.period:
            self._previous, self._current = (self._current if now - self._rotated < 2 * self.period
                                             else self._rng(20)), self._rng(20)
            self._rotated = now

    @staticmethod
    def _mac(secret: bytes, ip: str) -> bytes:
        return hmac.new(secret, ipaddress.ip_address(ip).packed, hashlib.sha1).digest()[:8]

    def issue(self, ip: str, now: float) -> bytes:
        self._rotate(now)
        return self._mac(self._current, ip)

    def check(self, token: bytes, ip: str, now: float) -> bool:
        self._rotate(now)
        ok_cur = hmac.compare_digest(token, self._mac(self._current, ip))
        ok_prev = hmac.compare_digest(token, self._mac(self._previous, ip))
        return ok_cur or ok_prev


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, node: DhtNode) -> None:
        self.node = node

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.node._on_datagram(data, (addr[0], addr[1]))

    def error_received(self, exc: Exception) -> None:  # ICMP unreachable etc.; the query will time out
        log.debug("UDP error: %s", exc)


def _parse_addr(addr: tuple[str, int] | str) -> Address:
    if isinstance(addr, str):
        host, _, port = addr.rpartition(":")
        if not host or not port.isdigit():
            raise EncodingError(f"bootstrap address must be HOST:PORT, got {addr!r}")
        return host, int(port)
    return addr[0], int(addr[1])


class DhtNode:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        node_id: bytes | None = None,
        bootstrap: Iterable[tuple[str, int] | str] = (),
        data_dir: str | Path | None = None,
        config: DhtConfig | None = None,
        clock: Callable[[], float] = time.time,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> None:
        if node_id is not None and len(node_id) != ID_SIZE:
            raise EncodingError("node id must be 20 bytes")
        self.host, self._port = host, port
        self.config = config or DhtConfig()
        self.clock, self.rng = clock, rng
        self.bootstrap_nodes: list[Address] = [_parse_addr(a) for a in bootstrap]
        self._requested_id = node_id
        self.node_id: bytes = node_id or rng(ID_SIZE)
        self.routing = RoutingTable(self.node_id, k=self.config.k)
        self.store = RecordStore(ttl=self.config.record_ttl, max_items=self.config.max_records)
        self.kept: dict[bytes, MutableItem | ImmutableItem] = {}
        self.stats = NodeStats()
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._db: NodeDatabase | None = None
        self._tokens = _Tokens(rng, self.config.token_rotation, clock())
        self._rate = (_TokenBucket(self.config.rate_limit, self.config.rate_burst)
                      if self.config.rate_limit else None)
        self._pending: dict[bytes, tuple[asyncio.Future[krpc.Message], Address]] = {}
        self._tid = int.from_bytes(rng(2), "big")
        self._transport: asyncio.DatagramTransport | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._maintenance: asyncio.Task[None] | None = None
        self._last_republish = 0.0
        self._last_refresh = 0.0
        self._last_ping = 0.0
        self.last_lookup_queries = 0  # queries the last get/put lookup sent (for benchmarks)

    # --- lifecycle ----------------------------------------------------------------------------------------------

    @property
    def address(self) -> Address:
        if self._transport is None:
            return self.host, self._port
        sock = self._transport.get_extra_info("sockname")
        return sock[0], sock[1]

    @property
    def running(self) -> bool:
        return self._transport is not None

    async def start(self) -> None:
        if self._transport is not None:
            return
        if self._data_dir is not None:
            from did.mainline.persistence import NodeDatabase  # aiosqlite only when persistence is asked for

            self._db = NodeDatabase(self._data_dir)
            await self._db.open()
            saved = await self._db.node_id()
            if saved and self._requested_id is None:
                self.node_id = saved
                self.routing = RoutingTable(saved, k=self.config.k)
            await self._db.set_node_id(self.node_id)
            now = self.clock()
            for nid, addr, seen in await self._db.load_nodes():
                self.routing.add(nid, addr, seen or now)
            for _target, item, expires, keep in await self._db.load_items():
                if expires > now:
                    self._store_local(item, now)
                if keep:
                    self.kept[item.target] = item
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(self), local_addr=(self.host, self._port))
        self._transport = transport
        now = self.clock()
        self._last_republish = self._last_refresh = self._last_ping = now
        self._maintenance = asyncio.create_task(self._maintain())

    async def stop(self) -> None:
        if self._maintenance is not None:
            self._maintenance.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._maintenance
            self._maintenance = None
        for task in list(self._tasks):
            task.cancel()
        for fut, _ in self._pending.values():
            if not fut.done():
                fut.cancel()
        self._pending.clear()
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._db is not None:
            await self.save()
            await self._db.close()
            self._db = None

    async def __aenter__(self) -> DhtNode:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def save(self) -> None:
        """Write the routing table and the stored/kept items to the database (also done on stop)."""
        if self._db is None:
            return
        await self._db.save_nodes([(n.id, n.addr, n.last_seen) for n in self.routing])
        items = {t: (t, i, exp, t in self.kept) for t, i, exp in self.store.items()}
        far = self.clock() + self.config.record_ttl
        for t, i in self.kept.items():
            items.setdefault(t, (t, i, far, True))
        await self._db.save_items(list(items.values()))

    async def bootstrap(self) -> int:
        """Join: ask the bootstrap nodes (and contacts reloaded from disk) for our own id, run the self-lookup,
        then refresh every bucket that is still sparse. Returns the routing table size."""
        seeds = list(self.bootstrap_nodes) + [n.addr for n in self.routing]
        me = self.address
        await asyncio.gather(*(self._safe_query(a, b"find_node", {b"target": self.node_id}) for a in seeds
                               if a != me), return_exceptions=True)
        await self.find_node(self.node_id)
        await self._refresh_buckets(only_sparse=True)
        self._last_refresh = self.clock()
        return len(self.routing)

    # --- UDP server ---------------------------------------------------------------------------------------------

    def _send(self, addr: Address, data: bytes) -> None:
        if self._transport is not None:
            self._transport.sendto(data, addr)
            self.stats.sent += 1

    def _on_datagram(self, data: bytes, addr: Address) -> None:
        self.stats.received += 1
        if len(data) > self.config.max_packet_size:
            self.stats.dropped_oversize += 1
            return
        now = self.clock()
        if self._rate is not None and not self._rate.allow(addr[0], now):
            self.stats.dropped_rate += 1
            return
        try:
            msg = krpc.decode(data)
        except KrpcError as exc:
            self.stats.malformed += 1
            t = krpc.transaction_id(data)
            if t is not None:  # BEP 5: 203 Protocol Error for a malformed query we can still address
                self._send_error(addr, t, krpc.PROTOCOL_ERROR, exc.remote_message)
            return
        except DidError:
            self.stats.malformed += 1  # not even bencode: nothing to answer
            return
        try:
            if msg.y == b"q":
                self._handle_query(msg, addr, now)
            else:
                self._handle_reply(msg, addr, now)
        except Exception:  # a remote must never crash the node; answer 202 instead
            log.exception("internal error handling a datagram from %s", addr)
            if msg.y == b"q":
                self._send_error(addr, msg.t, krpc.SERVER_ERROR)

    def _send_error(self, addr: Address, t: bytes, code: int, message: str | None = None) -> None:
        self.stats.errors_sent += 1
        self._send(addr, krpc.error(t, code, message, version=self.config.version))

    def _handle_reply(self, msg: krpc.Message, addr: Address, now: float) -> None:
        pending = self._pending.get(msg.t)
        if pending is None or pending[1] != addr:
            return  # unsolicited, late or spoofed
        fut = pending[0]
        if fut.done():
            return
        if msg.y == b"e":
            code, text = msg.error or (krpc.GENERIC_ERROR, "")
            fut.set_exception(KrpcError(code, text))
            return
        nid = msg.sender_id
        if nid is None:
            fut.set_exception(KrpcError(krpc.PROTOCOL_ERROR, "response without a 20-byte id"))
            return
        self._add_contact(nid, addr, now, responded=True)
        fut.set_result(msg)

    def _add_contact(self, nid: bytes, addr: Address, now: float, *, responded: bool) -> None:
        to_ping = self.routing.add(nid, addr, now, responded=responded)
        if to_ping is not None and self.running:
            self._spawn(self._ping_for_eviction(to_ping.id, to_ping.addr))

    async def _ping_for_eviction(self, nid: bytes, addr: Address) -> None:
        """BEP 5: ping the least-recently-seen questionable node of a full bucket; if it fails it is replaced by
        a node from the bucket's replacement cache."""
        try:
            await self.ping(addr)
        except (DhtError, KrpcError):
            now = self.clock()
            self.routing.failed(nid, now)
            node = self.routing.get(nid)
            if node is not None and node.state(now) != "bad":
                with contextlib.suppress(DhtError, KrpcError):
                    await self.ping(addr)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _closest_nodes(self, target: bytes) -> bytes:
        return krpc.encode_nodes([(n.id, n.addr) for n in self.routing.closest(target, now=self.clock())])

    def _handle_query(self, msg: krpc.Message, addr: Address, now: float) -> None:
        a = msg.body
        nid = msg.sender_id
        assert nid is not None  # decode() guarantees it
        method = msg.q
        r: dict[bytes, Any] = {b"id": self.node_id}
        try:
            if method == b"ping":
                pass
            elif method == b"find_node":
                r[b"nodes"] = self._closest_nodes(_id_arg(a, b"target"))
            elif method == b"get_peers":
                info_hash = _id_arg(a, b"info_hash")
                r[b"token"] = self._tokens.issue(addr[0], now)
                peers = self.store.peers(info_hash, now)
                if peers:
                    r[b"values"] = [krpc.encode_peer(p) for p in peers]
                r[b"nodes"] = self._closest_nodes(info_hash)
            elif method == b"announce_peer":
                self._announce_peer(a, addr, now)
            elif method == b"get":
                self._bep44_get(a, addr, now, r)
            elif method == b"put":
                self._bep44_put(a, addr, now)
            else:
                self._send_error(addr, msg.t, krpc.METHOD_UNKNOWN)
                return
        except KrpcError as exc:
            self._send_error(addr, msg.t, exc.krpc_code, exc.remote_message)
            return
        self._add_contact(nid, addr, now, responded=False)
        self._send(addr, krpc.response(msg.t, r, version=self.config.version))

    def _check_token(self, a: dict[bytes, Any], addr: Address, now: float) -> None:
        token = a.get(b"token")
        if not isinstance(token, bytes) or not self._tokens.check(token, addr[0], now):
            raise KrpcError(krpc.PROTOCOL_ERROR, "bad token")

    def _announce_peer(self, a: dict[bytes, Any], addr: Address, now: float) -> None:
        """BEP 5 announce_peer: token must be one we issued to this IP; ``implied_port`` = use the UDP source port."""
        info_hash = _id_arg(a, b"info_hash")
        implied = a.get(b"implied_port", 0)
        port = a.get(b"port")
        if not isinstance(implied, int) or (not implied and (not isinstance(port, int) or not 0 < port < 65536)):
            raise KrpcError(krpc.PROTOCOL_ERROR, "announce_peer needs a port or implied_port")
        self._check_token(a, addr, now)
        try:
            self.store.announce(info_hash, (addr[0], addr[1] if implied else port), now)
        except StoreFull as exc:
            raise KrpcError(krpc.SERVER_ERROR, "peer store full") from exc

    def _bep44_get(self, a: dict[bytes, Any], addr: Address, now: float, r: dict[bytes, Any]) -> None:
        """BEP 44 get: token + closest nodes, plus the item; with ``seq``, v is only sent if ours is newer."""
        target = _id_arg(a, b"target")
        seq = a.get(b"seq")
        if seq is not None and not isinstance(seq, int):
            raise KrpcError(krpc.PROTOCOL_ERROR, "seq must be an integer")
        r[b"token"] = self._tokens.issue(addr[0], now)
        r[b"nodes"] = self._closest_nodes(target)
        item = self.store.get(target, now)
        if isinstance(item, MutableItem):
            r[b"k"] = item.public_key
            r[b"seq"] = item.seq
            if seq is None or item.seq > seq:
                r[b"sig"] = item.signature
                r[b"v"] = item.v
        elif isinstance(item, ImmutableItem):
            r[b"v"] = item.v

    def _bep44_put(self, a: dict[bytes, Any], addr: Address, now: float) -> None:
        """BEP 44 put, checks in the BEP's order: v size (205), salt size (207), signature (206), token (203),
        CAS (301), seq (302)."""
        if b"v" not in a:
            raise KrpcError(krpc.PROTOCOL_ERROR, "put needs 'v'")
        v = a[b"v"]
        if len(bencode(v)) > MAX_V_SIZE:
            raise KrpcError(krpc.MESSAGE_TOO_BIG, "v is larger than 1000 bytes")
        if b"k" in a:
            k, sig, seq = a[b"k"], a.get(b"sig"), a.get(b"seq")
            salt = a.get(b"salt", b"")
            cas = a.get(b"cas")
            if not isinstance(salt, bytes):
                raise KrpcError(krpc.PROTOCOL_ERROR, "salt must be a string")
            if len(salt) > MAX_SALT_SIZE:
                raise KrpcError(krpc.SALT_TOO_BIG, "salt is longer than 64 bytes")
            if (not isinstance(k, bytes) or len(k) != 32 or not isinstance(sig, bytes) or len(sig) != 64
                    or not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < 2**63
                    or (cas is not None and not isinstance(cas, int))):
                raise KrpcError(krpc.PROTOCOL_ERROR, "put needs k (32 bytes), sig (64 bytes) and an integer seq")
            try:
                item = MutableItem(k, seq, v, sig, salt)
                item.verify()
            except InvalidSignature as exc:
                raise KrpcError(krpc.INVALID_SIGNATURE, "invalid signature") from exc
            except DidError as exc:
                raise KrpcError(krpc.PROTOCOL_ERROR, str(exc)) from exc
            target_arg = a.get(b"target")
            if target_arg is not None and target_arg != item.target:
                raise KrpcError(krpc.PROTOCOL_ERROR, "target does not match sha1(k + salt)")
            self._check_token(a, addr, now)
            self.store.put_mutable(item, now, cas=cas)  # raises 301 / 302
        else:
            self._check_token(a, addr, now)
            try:
                self.store.put_immutable(ImmutableItem(v), now)
            except DidError as exc:
                raise KrpcError(krpc.PROTOCOL_ERROR, str(exc)) from exc

    # --- client side --------------------------------------------------------------------------------------------

    def _next_tid(self) -> bytes:
        self._tid = (self._tid + 1) & 0xFFFF
        t = self._tid.to_bytes(2, "big")
        while t in self._pending:
            self._tid = (self._tid + 1) & 0xFFFF
            t = self._tid.to_bytes(2, "big")
        return t

    async def query(self, addr: Address, method: bytes, args: dict[bytes, Any],
                    timeout: float | None = None, *, node_id: bytes | None = None) -> dict[bytes, Any]:
        """Send one KRPC query and return the response dictionary ``r``. Raises :class:`QueryTimeout` or the
        remote's :class:`KrpcError`. A timeout counts as a failure of ``node_id`` in the routing table."""
        if self._transport is None:
            raise DhtError("the node is not started", code="notStarted")
        loop = asyncio.get_running_loop()
        t = self._next_tid()
        fut: asyncio.Future[krpc.Message] = loop.create_future()
        self._pending[t] = (fut, addr)
        self._send(addr, krpc.query(t, method, {b"id": self.node_id, **args}, version=self.config.version))
        self.stats.queries_sent += 1
        try:
            msg = await asyncio.wait_for(fut, timeout or self.config.query_timeout)
        except TimeoutError as exc:
            if node_id is not None:
                self.routing.failed(node_id, self.clock())
            raise QueryTimeout(f"no answer from {addr[0]}:{addr[1]} to {method.decode()}") from exc
        finally:
            self._pending.pop(t, None)
        return msg.body

    async def _safe_query(self, addr: Address, method: bytes, args: dict[bytes, Any]) -> dict[bytes, Any] | None:
        try:
            return await self.query(addr, method, args)
        except (DhtError, KrpcError, asyncio.CancelledError):
            return None

    async def ping(self, addr: Address | str) -> bytes:
        """BEP 5 ping; returns the remote node id."""
        body = await self.query(_parse_addr(addr), b"ping", {})
        return body[b"id"]

    async def lookup(self, target: bytes, method: bytes = b"find_node", args: dict[bytes, Any] | None = None
                     ) -> LookupResult:
        """Iterative Kademlia lookup (BEP 5 "Routing Table" / Kademlia section 2.3): query the closest known
        nodes, ``alpha`` at a time, learn closer nodes from each answer, and stop when the ``k`` closest nodes
        seen have all answered (or nobody is left to ask)."""
        k, alpha = self.config.k, self.config.alpha
        args = args if args is not None else ({b"target": target} if method in (b"find_node", b"get") else
                                              {b"info_hash": target})
        t_int = int.from_bytes(target, "big")
        now = self.clock()
        addrs: dict[bytes, Address] = {}
        dist: dict[bytes, int] = {}
        state: dict[bytes, str] = {}  # new / wait / ok / fail
        bodies: dict[bytes, dict[bytes, Any]] = {}
        me = self.address

        def learn(nid: bytes, addr: Address) -> None:
            if nid == self.node_id or nid in state or addr == me or addr[1] == 0:
                return
            known = self.routing.get(nid)
            if known is not None and known.state(now) == "bad":
                return  # others still advertise it, but it has stopped answering us
            addrs[nid] = addr
            dist[nid] = int.from_bytes(nid, "big") ^ t_int
            state[nid] = "new"

        for n in self.routing.closest(target, k * 2, now=now):
            learn(n.id, n.addr)
        if not state and self.bootstrap_nodes:
            await asyncio.gather(*(self._safe_query(a, b"find_node", {b"target": target}) for a in
                                   self.bootstrap_nodes if a != me))
            for n in self.routing.closest(target, k * 2, now=self.clock()):
                learn(n.id, n.addr)
        result = LookupResult()
        running: dict[asyncio.Task[dict[bytes, Any]], tuple[bytes, float]] = {}

        try:
            while True:
                t_now = time.monotonic()
                # a query past the soft timeout is "stalled": it no longer blocks termination or holds a slot,
                # but its answer is still used if it arrives before the lookup ends
                stalled = {nid for nid, started in running.values() if t_now - started >= self.config.soft_timeout}
                ranked = sorted((d, nid) for nid, d in dist.items()
                                if state[nid] != "fail" and nid not in stalled)[:k]
                if all(state[nid] == "ok" for _, nid in ranked):
                    break
                slots = sum(1 for _, started in running.values() if t_now - started < self.config.soft_timeout)
                for _, nid in ranked:
                    if slots >= alpha:
                        break
                    if state[nid] == "new":
                        state[nid] = "wait"
                        task = asyncio.ensure_future(self.query(addrs[nid], method, args, node_id=nid))
                        running[task] = (nid, t_now)
                        result.queries += 1
                        slots += 1
                if not running:
                    break
                soft = [started + self.config.soft_timeout - t_now for _, started in running.values()
                        if t_now - started < self.config.soft_timeout]
                done, _ = await asyncio.wait(running, timeout=max(min(soft), 0.001) if soft else None,
                                             return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    nid, _ = running.pop(task)
                    exc = asyncio.CancelledError() if task.cancelled() else task.exception()
                    if exc is not None:
                        state[nid] = "fail"
                        continue
                    body = task.result()
                    if body.get(b"id") != nid:
                        state[nid] = "fail"  # answered under another id than the one we were told
                        continue
                    state[nid] = "ok"
                    bodies[nid] = body
                    nodes = body.get(b"nodes")
                    if isinstance(nodes, bytes):
                        try:
                            for nnid, naddr in krpc.decode_nodes(nodes):
                                learn(nnid, naddr)
                        except DidError:
                            pass
        finally:
            # stalled queries are left to reach their hard timeout, so dead nodes get marked failed (and then
            # bad, and replaced) instead of slowing down every later lookup
            for task in running:
                if self.running:
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                    task.add_done_callback(_retire)
                else:
                    task.cancel()
        ranked = sorted((d, nid) for nid, d in dist.items() if state[nid] == "ok")[:k]
        result.responses = [(nid, addrs[nid], bodies[nid]) for _, nid in ranked]
        result.answers = list(bodies.values())  # any answer may carry the item, not only the k closest
        return result

    async def find_node(self, target: bytes) -> list[tuple[bytes, Address]]:
        """The k closest nodes to ``target`` that answered."""
        res = await self.lookup(target, b"find_node")
        return [(nid, addr) for nid, addr, _ in res.responses]

    # --- BEP 44 -------------------------------------------------------------------------------------------------

    def _store_local(self, item: MutableItem | ImmutableItem, now: float) -> None:
        with contextlib.suppress(KrpcError, DidError):
            if isinstance(item, MutableItem):
                self.store.put_mutable(item, now)
            else:
                self.store.put_immutable(item, now)

    async def _put_to_closest(self, target: bytes, args: dict[bytes, Any]) -> tuple[int, list[KrpcError]]:
        res = await self.lookup(target, b"get", {b"target": target})
        self.last_lookup_queries = res.queries
        puts = []
        for _nid, addr, body in res.responses:
            token = body.get(b"token")
            if isinstance(token, bytes):
                puts.append(self.query(addr, b"put", {**args, b"token": token}))
        outcomes = await asyncio.gather(*puts, return_exceptions=True)
        self.last_lookup_queries += len(puts)
        errors = [o for o in outcomes if isinstance(o, KrpcError)]
        return sum(1 for o in outcomes if isinstance(o, dict)), errors

    async def put_mutable(self, item: MutableItem, *, cas: int | None = None, keep_alive: bool = False) -> int:
        """BEP 44 put of a signed mutable item to the k closest nodes that gave us a write token.
        Returns how many nodes stored it. ``keep_alive`` makes this node republish it every
        ``republish_interval`` (and remember it across restarts)."""
        item.verify()
        args: dict[bytes, Any] = {b"k": item.public_key, b"seq": item.seq, b"sig": item.signature, b"v": item.v}
        if item.salt:
            args[b"salt"] = item.salt
        if cas is not None:
            args[b"cas"] = cas
        self._store_local(item, self.clock())
        if keep_alive:
            self.kept[item.target] = item
        stored, errors = await self._put_to_closest(item.target, args)
        if stored == 0 and errors and all(e.krpc_code in (krpc.CAS_MISMATCH, krpc.SEQ_TOO_LOW) for e in errors):
            if self.kept.get(item.target) is item:
                del self.kept[item.target]  # a newer version is out there: stop keeping this one alive
            code = "casMismatch" if any(e.krpc_code == krpc.CAS_MISMATCH for e in errors) else "staleRecord"
            raise PutRejected(f"every node refused the put: {errors[0].remote_message}", code=code)
        return stored

    async def get_mutable(self, public_key: bytes, salt: bytes = b"", *, min_seq: int | None = None
                          ) -> MutableItem | None:
        """BEP 44 get: ask the nodes closest to sha1(k + salt); return the valid item with the highest seq.
        Items whose key or signature do not match, or that are oversized or malformed, are ignored."""
        if len(public_key) != 32:
            raise EncodingError("a BEP 44 public key is 32 bytes")
        target = mutable_target(public_key, salt)
        args: dict[bytes, Any] = {b"target": target}
        if min_seq is not None and min_seq > 0:
            args[b"seq"] = min_seq - 1
        res = await self.lookup(target, b"get", args)
        self.last_lookup_queries = res.queries
        best: MutableItem | None = None
        local = self.store.get(target, self.clock())
        if isinstance(local, MutableItem) and local.public_key == public_key and local.salt == salt:
            best = local
        for body in res.answers:
            item = self._mutable_from(body, public_key, salt)
            if item is not None and (best is None or item.seq > best.seq):
                best = item
        if best is None or (min_seq is not None and best.seq < min_seq):
            return None
        return best

    def _mutable_from(self, body: dict[bytes, Any], public_key: bytes, salt: bytes) -> MutableItem | None:
        if b"v" not in body or b"sig" not in body:
            return None
        k, seq, sig = body.get(b"k"), body.get(b"seq"), body.get(b"sig")
        if k != public_key or not isinstance(seq, int) or not isinstance(sig, bytes):
            self.stats.items_rejected += 1
            return None
        try:
            item = MutableItem(public_key, seq, body[b"v"], sig, salt)
            item.verify()
        except DidError:
            self.stats.items_rejected += 1
            return None
        return item

    async def put_immutable(self, v: object, *, keep_alive: bool = False) -> bytes:
        """BEP 44 immutable put; returns the target sha1(bencoded v)."""
        item = ImmutableItem(v)
        self._store_local(item, self.clock())
        if keep_alive:
            self.kept[item.target] = item
        await self._put_to_closest(item.target, {b"v": v})
        return item.target

    async def get_immutable(self, target: bytes) -> object | None:
        """BEP 44 immutable get: the first value whose sha1(bencoded v) equals the target."""
        if len(target) != ID_SIZE:
            raise EncodingError("a BEP 44 target is 20 bytes")
        local = self.store.get(target, self.clock())
        if isinstance(local, ImmutableItem):
            return local.v
        res = await self.lookup(target, b"get", {b"target": target})
        self.last_lookup_queries = res.queries
        for body in res.answers:
            if b"v" in body and b"k" not in body:
                try:
                    if immutable_target(bencode(body[b"v"])) == target:
                        return body[b"v"]
                except DidError:
                    pass
                self.stats.items_rejected += 1
        return None

    # --- BEP 5 peers --------------------------------------------------------------------------------------------

    async def get_peers(self, info_hash: bytes) -> list[Address]:
        res = await self.lookup(info_hash, b"get_peers", {b"info_hash": info_hash})
        peers: set[Address] = set()
        for body in res.answers:
            values = body.get(b"values")
            if isinstance(values, list):
                for v in values:
                    with contextlib.suppress(DidError):
                        if isinstance(v, bytes):
                            peers.add(krpc.decode_peer(v))
        return sorted(peers)

    async def announce_peer(self, info_hash: bytes, port: int | None = None) -> int:
        """Announce that we are a peer for ``info_hash`` (``port=None`` = implied_port, our UDP port)."""
        res = await self.lookup(info_hash, b"get_peers", {b"info_hash": info_hash})
        args: dict[bytes, Any] = {b"info_hash": info_hash, b"implied_port": 1 if port is None else 0,
                                  b"port": port or self.address[1]}
        outcomes = await asyncio.gather(*(self.query(addr, b"announce_peer", {**args, b"token": body[b"token"]})
                                          for _, addr, body in res.responses if isinstance(body.get(b"token"), bytes)),
                                        return_exceptions=True)
        return sum(1 for o in outcomes if isinstance(o, dict))

    # --- maintenance --------------------------------------------------------------------------------------------

    async def republish(self) -> int:
        """Re-put every kept item (BEP 44: the originator keeps its items alive). Returns how many were re-put."""
        count = 0
        for target, item in list(self.kept.items()):
            try:
                if isinstance(item, MutableItem):
                    await self.put_mutable(item)
                else:
                    await self.put_immutable(item.v)
                count += 1
            except (PutRejected, StaleRecord):
                self.kept.pop(target, None)  # a newer version exists; stop pushing the old one
            except DidError as exc:
                log.debug("republish failed: %s", exc)
        return count

    async def _refresh_buckets(self, *, only_sparse: bool = False) -> None:
        now = self.clock()
        buckets = ([b for b in self.routing.buckets if len(b.nodes) < self.config.k] if only_sparse
                   else self.routing.stale_buckets(now, self.config.refresh_interval))
        for b in buckets:
            if b.covers(int.from_bytes(self.node_id, "big")) and only_sparse:
                continue
            span = b.hi - b.lo
            rnd = b.lo + int.from_bytes(self.rng(ID_SIZE), "big") % span
            await self.find_node(rnd.to_bytes(ID_SIZE, "big"))
            b.last_changed = self.clock()

    async def _ping_questionable(self) -> None:
        """BEP 5: nodes silent for a while are questionable; ping up to k of them (least recently seen first) so
        dead ones fail, turn bad and are replaced, and stop being handed out to others."""
        now = self.clock()
        silent = sorted((n for n in self.routing if now - n.last_seen >= self.config.ping_interval
                         and n.state(now) != "bad"), key=lambda n: n.last_seen)[: self.config.k]
        await asyncio.gather(*(self.query(n.addr, b"ping", {}, node_id=n.id) for n in silent),
                             return_exceptions=True)

    async def _maintain(self) -> None:
        cfg = self.config
        tick = max(0.05, min(cfg.republish_interval, cfg.refresh_interval, cfg.ping_interval,
                             cfg.token_rotation) / 4)
        while True:
            await asyncio.sleep(tick)
            try:
                now = self.clock()
                self.store.expire(now)
                if now - self._last_republish >= cfg.republish_interval:
                    self._last_republish = now
                    await self.republish()
                if now - self._last_ping >= cfg.ping_interval:
                    self._last_ping = now
                    await self._ping_questionable()
                if now - self._last_refresh >= cfg.refresh_interval:
                    self._last_refresh = now
                    await self._refresh_buckets()
                    if self._db is not None:
                        await self.save()
            except asyncio.CancelledError:
                raise
            except Exception:  # maintenance must survive anything and try again next tick
                log.exception("DHT maintenance failed")


def _retire(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: a late timeout is expected, not an error to log


def _id_arg(a: dict[bytes, Any], key: bytes) -> bytes:
    value = a.get(key)
    if not isinstance(value, bytes) or len(value) != ID_SIZE:
        raise KrpcError(krpc.PROTOCOL_ERROR, f"'{key.decode()}' must be a 20-byte string")
    return value
