"""Per-client token bucket (the pkarr relay's ``429 Too Many Requests``). Clock injected, memory bounded."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from did.errors import IiotidError


class RateLimitConfigError(IiotidError):
    code = "invalidOptions"


class RateLimiter:
    """``burst`` requests at once, refilled at ``rate`` per second, per client key (an IP address)."""

    def __init__(
        self,
        rate: float = 1.0,
        burst: int = 30,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        if rate <= 0 or burst < 1 or max_clients < 1:
            raise RateLimitConfigError("rate limiter needs rate > 0, burst >= 1 and max_clients >= 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, last refill)

    def allow(self, key: str) -> bool:
        """Take one token for ``key``; ``False`` when its bucket is empty."""
        now = self.clock()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return allowed

    def retry_after(self, key: str) -> int:
        """Whole seconds until ``key`` has a token again."""
        tokens, _ = self._buckets.get(key, (self.burst, 0.0))
        missing = max(0.0, 1.0 - tokens)
        return max(1, int(missing / self.rate + 0.999))
