"""Per-token request rate limit of the ingest API: one token bucket per token name.

Each token may make ``rate`` requests per second on average with bursts of ``burst``; a request
beyond that is answered 429 with ``Retry-After``. ``rate`` 0 disables the limit. The clock is
passed in (monotonic seconds) so tests need no sleeps.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    def __init__(self, rate: float, burst: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst = rate, burst if burst is not None else max(1.0, 2 * rate)
        self._clock, self._lock = clock, threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}   # name -> (tokens, at)

    def allow(self, name: str) -> float:
        """0.0 if ``name`` may proceed now (one token taken), else seconds until it may."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(name, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[name] = (tokens - 1.0, now)
                return 0.0
            self._buckets[name] = (tokens, now)
            return (1.0 - tokens) / self.rate

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
