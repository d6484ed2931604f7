"""DID resolution: method dispatch, TTL cache with offline fallback, DID Resolution and pkarr HTTP APIs.

``Resolver(dht, cache=..., clock=..., gateway_url=...)`` resolves ``did:key`` offline and ``did:dht`` from the DHT
or a remote gateway; ``resolver.http.create_app(resolver)`` serves it over HTTP (imported separately: FastAPI is
not needed to resolve).
"""

from resolver.cache import CacheEntry, ResolutionCache
from resolver.core import RecordLookup, Resolver
from resolver.errors import Deactivated, DhtUnavailable, RepresentationNotSupported, ResolutionError, http_status
from resolver.result import (
    DID_JSON,
    DID_LD_JSON,
    RESOLUTION,
    RESOLUTION_LD_JSON,
    ResolutionResult,
)

__all__ = [
    "DID_JSON",
    "DID_LD_JSON",
    "RESOLUTION",
    "RESOLUTION_LD_JSON",
    "CacheEntry",
    "Deactivated",
    "DhtUnavailable",
    "RecordLookup",
    "RepresentationNotSupported",
    "ResolutionCache",
    "ResolutionError",
    "ResolutionResult",
    "Resolver",
    "http_status",
]
