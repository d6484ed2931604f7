"""HTTP gateway: DID Resolution HTTP(S) binding, the did:dht gateway / pkarr relay API, health, OpenAPI.

- ``GET /1.0/identifiers/{did}``: Universal Resolver compatible (W3C DID Resolution, "HTTP(S) Binding").
  Content negotiation on ``Accept``: ``application/did+json``, ``application/did+ld+json``, ``application/did``
  return the DID document; ``application/did-resolution``,
  ``application/ld+json;profile="https://w3id.org/did-resolution"``, ``application/json`` and no preference return
  the resolution result. Status: 200, 400 (invalidDid), 404 (notFound), 406 (representationNotSupported),
  410 (deactivated), 500 (internalError), 501 (methodNotSupported). A DID URL with a fragment (``%23``) is
  dereferenced to the verification method or service it names.
- ``PUT /{z32}`` / ``GET /{z32}``: pkarr relay API (pubky/pkarr ``design/relays.md``; did:dht spec "Gateway API").
  Body ``sig(64) || seq(8, big-endian u64) || v``. PUT verifies the signature and size, then publishes to the DHT:
  204 (+ ``Pkarr-Dht-Stored-Nodes``), 400 bad key/signature/DNS packet, 409 stale seq (BEP 44 error 302),
  412 ``If-Match`` CAS mismatch (BEP 44 error 301), 413 too large, 429 rate limited, 500 DHT failure.
  GET answers 200 with the payload and ``Cache-Control: max-age`` from the record TTL, or 404.
- ``GET /health``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import dns.exception
import dns.message
from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from did.bep44 import MutableItem
from did.errors import IiotidError, NotFound, PayloadTooLarge
from resolver import methods
from resolver.core import Resolver
from resolver.errors import DhtUnavailable, http_status
from resolver.ratelimit import RateLimiter
from resolver.result import (
    DEREFERENCING,
    DID_GENERIC,
    DID_JSON,
    DID_LD_JSON,
    RESOLUTION,
    ResolutionResult,
)
from resolver.sources import RELAY_MAX_BODY, RELAY_MEDIA_TYPE

log = logging.getLogger(__name__)

Z32_RE = re.compile(r"[ybndrfg8ejkmcpqxot1uwisza345h769]{52}")
RESOLUTION_PROFILE = "https://w3id.org/did-resolution"
CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, PUT, OPTIONS"}

# Representations the resolution endpoint offers, in server preference order (first wins a tie).
_RESULT = "result"
_OFFERS: list[tuple[str, str, str | None]] = [
    # (kind, media type, required "profile" parameter)
    (_RESULT, RESOLUTION, None),
    (_RESULT, "application/ld+json", RESOLUTION_PROFILE),
    (DID_JSON, DID_JSON, None),
    (DID_LD_JSON, DID_LD_JSON, None),
    (DID_JSON, DID_GENERIC, None),
    (DID_LD_JSON, "application/ld+json", None),
    (_RESULT, "application/json", None),
]


def parse_accept(header: str | None) -> list[tuple[str, dict[str, str], float]]:
    """RFC 9110 12.5.1 ``Accept``: media ranges with parameters and their ``q`` weights (malformed parts skipped)."""
    if not header or not header.strip():
        return [("*/*", {}, 1.0)]
    ranges = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            continue
        params: dict[str, str] = {}
        q = 1.0
        for p in pieces[1:]:
            if "=" not in p:
                continue
            k, v = (x.strip() for x in p.split("=", 1))
            v = v.strip('"')
            if k.lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(v)))
                except ValueError:
                    q = 0.0
            else:
                params[k.lower()] = v
        ranges.append((media, params, q))
    return ranges or [("*/*", {}, 1.0)]  # nothing parseable: treat as no preference


def negotiate(header: str | None) -> tuple[str, str] | None:
    """Choose ``(kind, media type)`` for an ``Accept`` header, ``None`` when nothing offered is acceptable."""
    ranges = parse_accept(header)
    best: tuple[float, int, str, str] | None = None
    for kind, media, profile in _OFFERS:
        mtype = media.split("/")[0]
        quality, specificity = -1.0, -1
        for rmedia, rparams, q in ranges:
            rtype, _, rsub = rmedia.partition("/")
            if rmedia == media:
                rprofile = rparams.get("profile")
                if profile is not None and rprofile != profile:
                    continue
                if profile is None and rprofile == RESOLUTION_PROFILE:
                    continue
                spec = 3
            elif rtype == mtype and rsub == "*":
                spec = 2
            elif rmedia == "*/*":
                spec = 1
            else:
                continue
            if spec > specificity:
                quality, specificity = q, spec
        if quality <= 0:
            continue
        if best is None or quality > best[0] or (quality == best[0] and specificity > best[1]):
            best = (quality, specificity, kind, media if profile is None else f'{media};profile="{profile}"')
    return (best[2], best[3]) if best else None


def _json(body: Any, status: int, media_type: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, media_type=media_type, headers=headers)


def _problem(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def create_app(
    resolver: Resolver,
    dht: Any | None = None,
    *,
    rate_limiter: RateLimiter | None = None,
    read_rate_limiter: RateLimiter | None = None,
    keep_alive: bool = True,
    title: str = "iiotid DID resolver and did:dht gateway",
) -> FastAPI:
    """Build the gateway app around a :class:`Resolver` and (for ``PUT``) a DHT client with ``put_mutable``.

    ``dht`` defaults to ``resolver.dht``. ``keep_alive`` asks the DHT node to republish records put through the
    relay (did:dht gateways keep records alive). ``rate_limiter`` limits ``PUT`` per client IP (default 30 at once,
    one per second); ``read_rate_limiter`` limits the reads that may cost a DHT lookup (default 200 at once, 50 per
    second), so one client cannot turn the gateway into a lookup amplifier.
    """
    publisher = dht if dht is not None else resolver.dht
    limiter = rate_limiter if rate_limiter is not None else RateLimiter()
    read_limiter = read_rate_limiter if read_rate_limiter is not None else RateLimiter(rate=50, burst=200)

    def _throttled(request: Request, which: RateLimiter) -> Response | None:
        client = request.client.host if request.client else "unknown"
        if which.allow(client):
            return None
        headers = {**CORS_HEADERS, "Retry-After": str(which.retry_after(client))}
        return _problem(429, "rateLimited", "too many requests from this address", headers)

    app = FastAPI(
        title=title,
        version="1.0.0",
        description=__doc__,
        openapi_tags=[
            {"name": "Universal Resolver", "description": "W3C DID Resolution HTTP(S) binding"},
            {"name": "pkarr relay", "description": "did:dht gateway / pkarr relay API (BEP 44 records)"},
        ],
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "PUT", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["Pkarr-Dht-Stored-Nodes", "ETag"],
    )
    app.state.resolver = resolver
    app.state.dht = publisher

    @app.get("/health", tags=["health"], summary="Liveness and what the gateway is connected to")
    async def health() -> dict[str, Any]:
        info: dict[str, Any] = {
            "status": "ok",
            "dht": publisher is not None,
            "gateway": resolver.gateway_url,
            "cacheEntries": len(resolver.cache),
        }
        routing = getattr(publisher, "routing_table_size", None)
        if callable(routing):
            info["routingTableSize"] = routing()
        return info

    @app.get(
        "/1.0/identifiers/{identifier:path}",
        tags=["Universal Resolver"],
        summary="Resolve a DID / dereference a DID URL",
        responses={
            200: {
                "description": "Resolved: the DID document or the DID resolution result, per Accept",
                "content": {RESOLUTION: {}, DID_JSON: {}, DID_LD_JSON: {}},
            },
            400: {"description": "invalidDid"},
            404: {"description": "notFound"},
            406: {"description": "representationNotSupported"},
            410: {"description": "deactivated"},
            429: {"description": "Too many requests"},
            500: {"description": "internalError"},
            501: {"description": "methodNotSupported"},
        },
    )
    async def resolve(identifier: str, request: Request) -> Response:
        if (throttled := _throttled(request, read_limiter)) is not None:
            return throttled
        choice = negotiate(request.headers.get("accept"))
        if "#" in identifier:
            return await _dereference(identifier, choice)
        if choice is None:
            result = ResolutionResult.failure(
                "representationNotSupported",
                f"none of the requested media types ({request.headers.get('accept')}) can be produced",
            )
            return _json(result.to_json(), 406, RESOLUTION)
        kind, media = choice
        accept = kind if kind != _RESULT else DID_JSON
        result = await resolver.resolve(identifier, accept=accept)
        status = http_status(result.error, deactivated=result.deactivated)
        if kind == _RESULT or result.error is not None:
            media_type = media if kind == _RESULT else RESOLUTION
            return _json(result.to_json(), status, media_type)
        return _json(result.document_in(kind), status, media)

    async def _dereference(did_url: str, choice: tuple[str, str] | None) -> Response:
        try:
            content = await resolver.dereference(did_url)
        except IiotidError as exc:
            body = {"content": None, "dereferencingMetadata": {"error": exc.code, "errorMessage": str(exc)}}
            return _json(body, http_status(exc.code), DEREFERENCING)
        data = methods.to_json_object(content)
        if choice is not None and choice[0] != _RESULT:
            return _json(data, 200, choice[1])
        body = {"content": data, "dereferencingMetadata": {"contentType": DID_JSON}, "contentMetadata": {}}
        return _json(body, 200, DEREFERENCING)

    @app.get(
        "/{z32}",
        tags=["pkarr relay"],
        summary="Get the signed did:dht record (pkarr relay payload) for a z-base-32 identity key",
        responses={
            200: {"description": "sig(64) || seq(8) || v", "content": {RELAY_MEDIA_TYPE: {}}},
            304: {"description": "Not modified (If-None-Match matches the current seq)"},
            400: {"description": "Invalid z-base-32 key"},
            404: {"description": "No record"},
            429: {"description": "Too many requests"},
            503: {"description": "The DHT is unreachable and nothing is cached"},
        },
    )
    async def relay_get(z32: str, request: Request) -> Response:
        if (throttled := _throttled(request, read_limiter)) is not None:
            return throttled
        did = _did_for_z32(z32)
        if isinstance(did, Response):
            return did
        try:
            lookup = await resolver.lookup_record(did)
        except NotFound:
            return _problem(404, "notFound", f"no record for {z32}", CORS_HEADERS)
        except DhtUnavailable as exc:
            return _problem(503, "internalError", f"DHT unavailable: {exc}", CORS_HEADERS)
        entry = lookup.entry
        assert entry is not None
        etag = f'"{entry.seq}"'
        max_age = 0 if lookup.stale else max(0, int(entry.expires_at - resolver.clock()))
        headers = {**CORS_HEADERS, "Cache-Control": f"public, max-age={max_age}", "ETag": etag}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(entry.item.to_relay_bytes(), 200, headers=headers, media_type=RELAY_MEDIA_TYPE)

    @app.put(
        "/{z32}",
        tags=["pkarr relay"],
        summary="Verify a signed did:dht record and publish it to the DHT",
        status_code=204,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                "description": "sig(64) || seq(8, big-endian) || v (bencoded-value bytes: the DNS packet)",
            },
            "parameters": [
                {
                    "in": "header",
                    "name": "If-Match",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "CAS: the seq the caller expects to replace (BEP 44 cas)",
                }
            ],
        },
        responses={
            204: {"description": "Published"},
            400: {"description": "Invalid key, signature or DNS packet"},
            409: {"description": "seq older than a record already seen"},
            412: {"description": "If-Match (CAS) does not match the current seq"},
            413: {"description": "Payload larger than 1072 bytes"},
            429: {"description": "Too many requests"},
            500: {"description": "DHT put failed"},
            503: {"description": "This gateway has no DHT to publish to"},
        },
    )
    async def relay_put(z32: str, request: Request) -> Response:
        if (throttled := _throttled(request, limiter)) is not None:
            return throttled
        did = _did_for_z32(z32)
        if isinstance(did, Response):
            return did
        body = await _read_limited(request, RELAY_MAX_BODY)
        if body is None:
            return _problem(413, "payloadTooLarge", f"payload exceeds {RELAY_MAX_BODY} bytes", CORS_HEADERS)
        if len(body) < 72:
            return _problem(400, "invalidEncoding", "payload must be sig(64) || seq(8) || v", CORS_HEADERS)
        cas: int | None = None
        if_match = request.headers.get("if-match")
        if if_match is not None:
            try:
                cas = int(if_match.strip().strip('"'))
            except ValueError:
                return _problem(400, "invalidOptions", "If-Match must be a decimal seq", CORS_HEADERS)
        public_key = methods.dht_identity_key(did)
        try:
            item = MutableItem.from_relay_bytes(public_key, body, verify=True)
        except PayloadTooLarge as exc:
            return _problem(413, exc.code, str(exc), CORS_HEADERS)
        except IiotidError as exc:
            return _problem(400, exc.code, str(exc), CORS_HEADERS)
        assert isinstance(item.v, bytes)
        try:
            dns.message.from_wire(item.v)
        except (dns.exception.DNSException, ValueError, IndexError, UnicodeError):
            return _problem(400, "invalidEncoding", "v is not a DNS packet (RFC 1035)", CORS_HEADERS)
        known = resolver.cache.get_stale(did, resolver.clock())
        if known is not None:
            conflict = _conflict(known.item, item)
            if conflict is not None:
                return _problem(409, "staleRecord", conflict, CORS_HEADERS)
            if cas is not None and cas != known.seq:
                return _problem(412, "casMismatch", f"If-Match {cas} but the current seq is {known.seq}", CORS_HEADERS)
        if publisher is None:
            return _problem(503, "internalError", "this gateway has no DHT to publish to", CORS_HEADERS)
        try:
            stored = await publisher.put_mutable(item, cas=cas, keep_alive=keep_alive)
        except IiotidError as exc:
            status = _put_error_status(exc)
            return _problem(status, exc.code, str(exc), CORS_HEADERS)
        except (OSError, TimeoutError) as exc:  # pragma: no cover - transport failure below the DHT client
            log.warning("DHT put for %s failed: %r", z32, exc)
            return _problem(500, "internalError", f"DHT put failed: {exc.__class__.__name__}", CORS_HEADERS)
        if not stored:
            return _problem(500, "internalError", "no DHT node acknowledged the put", CORS_HEADERS)
        resolver.accept_record(item)
        return Response(status_code=204, headers={**CORS_HEADERS, "Pkarr-Dht-Stored-Nodes": str(int(stored))})

    def _did_for_z32(z32: str) -> str | Response:
        if not Z32_RE.fullmatch(z32):
            return _problem(400, "invalidPublicKey", "path must be a 52-character z-base-32 Ed25519 key", CORS_HEADERS)
        did = methods.z32_to_did(z32)
        try:
            methods.dht_identity_key(did)
        except IiotidError as exc:
            return _problem(400, "invalidPublicKey", str(exc), CORS_HEADERS)
        return did

    return app


def _conflict(current: MutableItem, candidate: MutableItem) -> str | None:
    """did:dht spec "Conflict Resolution": reject a lower seq; for an equal seq with a different value, reject the
    lexicographically lower payload. Re-sending the identical record is a republication, not a conflict."""
    if candidate.seq < current.seq:
        return f"seq {candidate.seq} is older than the known seq {current.seq}"
    if candidate.seq == current.seq:
        if candidate.to_relay_bytes() == current.to_relay_bytes():
            return None
        if candidate.v_bencoded < current.v_bencoded:
            return f"seq {candidate.seq} equals the known seq and its value sorts lower"
    return None


def _put_error_status(exc: IiotidError) -> int:
    """Map DHT put failures to relay statuses (BEP 44 302 -> 409, 301 -> 412, size -> 413)."""
    code = str(getattr(exc, "code", ""))
    if code in {"staleRecord", "302"}:
        return 409
    if code in {"casMismatch", "301"}:
        return 412
    if code in {"payloadTooLarge", "205"}:
        return 413
    if code in {"invalidSignature", "206", "invalidEncoding"}:
        return 400
    return 500


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The request body, or ``None`` as soon as it exceeds ``limit`` bytes (never buffers more than that)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
