"""DID resolution for ``did:key`` (offline) and ``did:dht`` (Mainline DHT or a remote gateway), with a TTL cache.

References: W3C DID Resolution ("Resolving Algorithm"; ``resolve()`` returns ``didResolutionMetadata``,
``didDocument``, ``didDocumentMetadata`` and never throws for resolution errors), DID Core 1.0 section 7.1, DIF
did:dht spec "Operations / Read" (highest valid ``seq`` is authoritative; ``versionId`` = BEP 44 ``seq``;
``_prv`` previous DID; ``_typ`` types; NS gateways).
"""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from did.bep44 import MutableItem
from did.errors import IiotidError, InvalidDid, MethodNotSupported, NotFound
from resolver import methods
from resolver.cache import CacheEntry, ResolutionCache
from resolver.errors import Deactivated, DhtUnavailable, RepresentationNotSupported
from resolver.result import DID_JSON, DOCUMENT_MEDIA_TYPES, ResolutionResult, xml_datetime
from resolver.sources import DhtSource, GatewaySource, MutableGetter, RecordSource, SourceUnavailable
from resolver.syntax import packet_min_ttl, parse_did, parse_did_url

log = logging.getLogger(__name__)

#: DID Resolution error codes a resolver reports; any other code from a lower layer is reported as its nearest.
_REPORTED = {
    "invalidDid",
    "invalidDidUrl",
    "notFound",
    "methodNotSupported",
    "representationNotSupported",
    "internalError",
    "invalidPublicKey",
    "invalidPublicKeyLength",
    "invalidPublicKeyType",
    "unsupportedPublicKeyType",
    "invalidDidDocument",
    "invalidOptions",
}


@dataclass(frozen=True, slots=True)
class RecordLookup:
    """A did:dht record as the resolver sees it: from the network or the cache (``stale`` = expired entry used
    because the network gave nothing usable)."""

    did: str
    entry: CacheEntry | None
    cached: bool
    stale: bool
    source: str
    reason: str | None = None

    @property
    def item(self) -> MutableItem | None:
        return self.entry.item if self.entry is not None else None


class Resolver:
    """Resolves DIDs; see the module docstring.

    ``dht`` is any object with BEP 44 ``get_mutable`` (``did.dht.DhtClient``); ``gateway_url`` adds a remote did:dht
    gateway / pkarr relay as a record source (records from it are verified locally). With both, the highest valid
    ``seq`` wins. ``clock`` returns Unix seconds; ``http_client`` is used for the gateway (one is created and owned
    by the resolver when not given). At most ``max_concurrent_lookups`` network lookups run at once (concurrent
    resolutions of one DID share a single lookup).
    """

    def __init__(
        self,
        dht: MutableGetter | None = None,
        *,
        cache: ResolutionCache | None = None,
        clock: Callable[[], float] = time.time,
        gateway_url: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
        max_concurrent_lookups: int = 64,
    ) -> None:
        self.dht = dht
        self.cache = cache if cache is not None else ResolutionCache()
        self.clock = clock
        self.gateway_url = gateway_url
        self.timeout = timeout
        self._own_http = http_client is None and gateway_url is not None
        self._http = http_client if http_client is not None else (httpx.AsyncClient() if gateway_url else None)
        self.sources: list[RecordSource] = []
        if dht is not None:
            self.sources.append(DhtSource(dht, timeout=timeout))
        if gateway_url is not None and self._http is not None:
            self.sources.append(GatewaySource(gateway_url, self._http, timeout=timeout))
        self._inflight: dict[str, asyncio.Future[RecordLookup]] = {}
        self._lookup_slots = asyncio.Semaphore(max(1, max_concurrent_lookups))
        self._did_key_docs: OrderedDict[str, dict[str, Any]] = OrderedDict()

    async def aclose(self) -> None:
        if self._own_http and self._http is not None:
            await self._http.aclose()

    async def __aenter__(self) -> Resolver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- public API ---------------------------------------------------------------------------------------------

    async def resolve(self, did: str, *, accept: str = DID_JSON) -> ResolutionResult:
        """DID Resolution ``resolve(did, resolutionOptions)``. Never raises for resolution errors."""
        try:
            return await self._resolve(did, accept)
        except IiotidError as exc:
            code = exc.code if exc.code in _REPORTED else "invalidDid" if isinstance(exc, InvalidDid) else None
            if code is None:
                code = "invalidDidDocument" if exc.code in {"invalidEncoding", "payloadTooLarge"} else "internalError"
            return ResolutionResult.failure(code, str(exc))
        except Exception as exc:  # resolution never raises: anything unforeseen is an internalError
            log.exception("internal error resolving %r", did[:200] if isinstance(did, str) else did)
            return ResolutionResult.failure("internalError", f"internal error: {exc.__class__.__name__}")

    async def resolve_document(self, did: str) -> Any:
        """Resolve and return the ``did.document.DIDDocument``; raises the typed error (``InvalidDid``,
        ``NotFound``, ``MethodNotSupported``, :class:`Deactivated`, ...) instead of returning it in metadata."""
        from did.document import DIDDocument

        result = await self.resolve(did)
        if result.error is not None:
            raise _error_for(result.error, result.error_message or result.error)
        if result.deactivated:
            raise Deactivated(f"{did} has been deactivated by its controller")
        assert result.document is not None
        return DIDDocument.from_json(result.document)

    async def dereference(self, did_url: str) -> Any:
        """Dereference a DID URL with a fragment to the verification method or service it names (DID Core 3.2.2,
        DID Resolution "Dereferencing the Secondary Resource"). Raises ``NotFound`` when nothing carries that id."""
        parsed = parse_did_url(did_url)
        if parsed.fragment is None or parsed.fragment == "":
            raise NotFound(f"{did_url[:120]} has no fragment naming a verification method or service")
        if parsed.path or parsed.query is not None:
            raise NotFound("only fragment dereferencing (did#id) is supported; paths and queries are not")
        document = await self.resolve_document(parsed.did.did)
        return methods.find_fragment(document, parsed.did.did, parsed.fragment)

    async def resolve_with_history(self, did: str, *, max_depth: int = 8) -> list[ResolutionResult]:
        """The DID then each previous DID named by a ``_prv`` record (did:dht spec "Rotation"), newest first.

        Stops at the first DID without a verified ``previousDid``, a resolution error, a cycle, or ``max_depth``.
        """
        chain: list[ResolutionResult] = []
        seen: set[str] = set()
        current: str | None = did
        while current is not None and current not in seen and len(chain) < max_depth:
            seen.add(current)
            result = await self.resolve(current)
            chain.append(result)
            prv = result.document_metadata.get("previousDid")
            current = prv.get("id") if isinstance(prv, dict) and prv.get("verified") else None
        return chain

    # --- did:dht records (used by the HTTP relay API too) -------------------------------------------------------

    async def lookup_record(self, did: str) -> RecordLookup:
        """The current did:dht record for ``did`` (fresh cache, else the network, else a stale cache entry).

        Raises typed errors: ``InvalidDid``/``InvalidKey`` for a bad DID, ``NotFound``, :class:`DhtUnavailable`.
        """
        did = methods.canonical_dht_did(did)
        public_key = methods.dht_identity_key(did)  # validates the z-base-32 identity key before anything else
        now = self.clock()
        entry = self.cache.get(did, now)
        if entry is not None:
            return RecordLookup(did, entry, cached=True, stale=False, source="cache")
        if self.cache.is_negative(did, now):
            raise NotFound(f"{did} is not published (cached negative answer)")
        # Single flight: concurrent resolutions of one DID share one network lookup. The lookup runs as its own task
        # so a cancelled caller (an HTTP client hanging up) neither cancels the others nor loses the cache update.
        task = self._inflight.get(did)
        if task is None:
            task = asyncio.ensure_future(self._lookup_network(did, public_key))
            self._inflight[did] = task
            task.add_done_callback(functools.partial(self._lookup_done, did))
        return await asyncio.shield(task)

    def _lookup_done(self, did: str, task: asyncio.Future[RecordLookup]) -> None:
        self._inflight.pop(did, None)
        if not task.cancelled():
            task.exception()  # retrieved here: every waiter re-raises it, no "never retrieved" warning

    def accept_record(self, item: MutableItem) -> CacheEntry:
        """Cache a verified record this process has just published (the relay ``PUT``), so the next read is served
        without a DHT walk. A record that is not a did:dht document is cached as such (relays carry any pkarr
        packet); resolving it reports ``invalidDidDocument``."""
        did = methods.did_for_identity_key(item.public_key)
        return self._store(did, item, self.clock())

    # --- internals ----------------------------------------------------------------------------------------------

    async def _resolve(self, did: str, accept: str) -> ResolutionResult:
        if accept not in DOCUMENT_MEDIA_TYPES:
            raise RepresentationNotSupported(
                f"representation {accept!r} is not supported; use one of {', '.join(DOCUMENT_MEDIA_TYPES)}"
            )
        parsed = parse_did(did)
        if parsed.method == "key":
            return ResolutionResult(self._did_key_document(parsed.did), {"contentType": accept}, {})
        if parsed.method == "dht":
            lookup = await self.lookup_record(parsed.did)
            return self._result_from_lookup(lookup, accept)
        raise MethodNotSupported(f"DID method {parsed.method!r} is not supported (supported: key, dht)")

    def _did_key_document(self, did: str) -> dict[str, Any]:
        """did:key documents are a pure function of the DID: memoised (bounded), handed out as copies."""
        document = self._did_key_docs.get(did)
        if document is None:
            document = methods.resolve_did_key(did)
            self._did_key_docs[did] = document
            while len(self._did_key_docs) > self.cache.max_entries:
                self._did_key_docs.popitem(last=False)
        else:
            self._did_key_docs.move_to_end(did)
        return copy.deepcopy(document)

    def _result_from_lookup(self, lookup: RecordLookup, accept: str) -> ResolutionResult:
        entry = lookup.entry
        assert entry is not None
        if entry.document is None:
            return ResolutionResult.failure(
                "invalidDidDocument",
                f"the record for {lookup.did} (seq {entry.seq}) is not a valid did:dht document: {entry.decode_error}",
            )
        res_meta: dict[str, Any] = {"contentType": accept, "source": lookup.source}
        if lookup.cached:
            res_meta["cached"] = True
            res_meta["cacheAge"] = round(entry.age(self.clock()), 3)
        if lookup.stale:
            res_meta["stale"] = True
            res_meta["staleReason"] = lookup.reason
        doc_meta = dict(entry.document_metadata)
        doc_meta["versionId"] = str(entry.seq)
        if "updated" not in doc_meta and methods.plausible_unix_seconds(entry.seq):
            doc_meta["updated"] = xml_datetime(entry.seq)  # did:dht: seq is the Unix time of the publication
        doc_meta.setdefault("deactivated", False)
        return ResolutionResult(copy.deepcopy(entry.document), res_meta, doc_meta)

    async def _lookup_network(self, did: str, public_key: bytes) -> RecordLookup:
        if not self.sources:
            raise DhtUnavailable("no DHT client or gateway is configured to resolve did:dht")
        item, failures, sources = await self._fetch_best(public_key)
        now = self.clock()
        if item is not None:
            entry = self._store(did, item, now)
            source = "+".join(sources) if entry.item is item else "cache"
            return RecordLookup(did, entry, cached=entry.item is not item, stale=False, source=source)
        stale = self.cache.get_stale(did, now)
        unreachable = len(failures) == len(self.sources)
        if stale is not None:
            reason = "unreachable: " + "; ".join(failures) if unreachable else "notFound on the network"
            return RecordLookup(did, stale, cached=True, stale=True, source="cache", reason=reason)
        if unreachable:
            raise DhtUnavailable("; ".join(failures))
        self.cache.put_negative(did, now)
        raise NotFound(f"{did} has no valid record on the DHT")

    def _store(self, did: str, item: MutableItem, now: float) -> CacheEntry:
        try:
            document, doc_meta, ttl = methods.decode_dht_record(did, item)
        except IiotidError as exc:
            # Correctly signed, but not a did:dht document (a plain pkarr packet, or the controller published garbage).
            ttl = packet_min_ttl(item.v) if isinstance(item.v, bytes) else None
            return self.cache.put(did, item, None, {}, record_ttl=ttl, now=now, decode_error=f"{exc.code}: {exc}")
        return self.cache.put(did, item, document, doc_meta, record_ttl=ttl, now=now)

    async def _fetch_best(self, public_key: bytes) -> tuple[MutableItem | None, list[str], list[str]]:
        """Ask every source at once; keep the verified item with the highest seq."""
        async with self._lookup_slots:  # bound the network work one resolver can have in flight
            results = await asyncio.gather(*(s.fetch(public_key) for s in self.sources), return_exceptions=True)
        best: MutableItem | None = None
        from_sources: list[str] = []
        failures: list[str] = []
        for source, res in zip(self.sources, results, strict=True):
            if isinstance(res, SourceUnavailable):
                failures.append(f"{source.name}: {res}")
            elif isinstance(res, BaseException):
                if not isinstance(res, Exception):
                    raise res
                log.warning("record source %s failed: %r", source.name, res)
                failures.append(f"{source.name}: {res.__class__.__name__}")
            elif res is not None:
                if best is None or res.seq > best.seq:
                    best, from_sources = res, [source.name]
                elif res.seq == best.seq:
                    from_sources.append(source.name)
        return best, failures, from_sources


def _error_for(code: str, message: str) -> IiotidError:
    if code == "invalidDid":
        return InvalidDid(message)
    if code == "notFound":
        return NotFound(message)
    if code == "methodNotSupported":
        return MethodNotSupported(message)
    if code == "representationNotSupported":
        return RepresentationNotSupported(message)
    return IiotidError(message, code=code)


def resolver_for(sources: Sequence[RecordSource], **kwargs: Any) -> Resolver:
    """A resolver reading from explicit record sources (tests, custom transports)."""
    resolver = Resolver(**kwargs)
    resolver.sources = list(sources)
    return resolver
