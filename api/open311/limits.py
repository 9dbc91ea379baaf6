"""A burst guard for Open311 filing: one token bucket per API key, kept in memory.

A misbehaving integration that loops on POST must not bury the stations under
copies of one report. Each API key may file `burst` requests at once and then
`rate_per_minute` more per minute. One app process serves Open311, so the
buckets live in this process; a lock makes them safe from the threadpool.

Memory stays bounded: a bucket that has refilled is the same as no bucket and
is dropped, and at most `max_keys` buckets are kept (the least recently used
goes first). Keys are held as digests, never as the secret itself.
"""

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from fastapi.responses import Response

from api.auth.service import token_digest
from api.open311.render import Format, retry_later
from api.settings import Settings

Clock = Callable[[], float]
DEFAULT_MAX_KEYS: Final = 10_000
# Float rounding must not turn a wait of exactly Retry-After seconds into a refusal.
_EPSILON: Final = 1e-9
TOO_MANY: Final = "提交过于频繁：这个 api_key 短时间内建单太多，请 {seconds} 秒后再试"


@dataclass
class _Bucket:
    tokens: float
    updated: float


class FilingLimiter:
    """Token buckets per API key; `take` answers 0 (go ahead) or the seconds to wait."""

    def __init__(
        self,
        burst: int,
        rate_per_minute: float,
        *,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Clock = time.monotonic,
    ) -> None:
        if burst < 1 or rate_per_minute <= 0 or max_keys < 1:
            raise ValueError("burst, rate and max_keys must be positive")
        self._burst = float(burst)
        self._per_minute = rate_per_minute
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = time.monotonic) -> "FilingLimiter":
        """The limiter the app runs with (OPEN311_BURST, OPEN311_RATE_PER_MINUTE)."""
        return cls(settings.open311_burst, settings.open311_rate_per_minute, clock=clock)

    def __len__(self) -> int:
        with self._lock:
            return len(self._buckets)

    def take(self, api_key: str) -> int:
        """Spend one filing of this key: 0 when allowed, else whole seconds until one is."""
        key = token_digest(api_key)
        with self._lock:
            now = self._clock()
            self._forget_idle(now)
            bucket = self._buckets.pop(key, None) or _Bucket(self._burst, now)
            bucket.tokens = self._level(bucket, now)
            bucket.updated = now
            wait = 0
            if bucket.tokens >= 1 - _EPSILON:
                bucket.tokens = max(0.0, bucket.tokens - 1)
            else:
                wait = max(1, math.ceil((1 - bucket.tokens) * 60 / self._per_minute - _EPSILON))
            self._buckets[key] = bucket  # most recently used last
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
            return wait

    def _level(self, bucket: _Bucket, now: float) -> float:
        elapsed = max(0.0, now - bucket.updated)
        return min(self._burst, bucket.tokens + elapsed * self._per_minute / 60)

    def _forget_idle(self, now: float) -> None:
        """Drop refilled buckets from the least recently used end (amortised O(1))."""
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            if self._level(oldest, now) < self._burst - _EPSILON:
                return
            self._buckets.popitem(last=False)


def throttled(fmt: Format, seconds: int) -> Response:
    """429 in the spec's error format, with Retry-After in whole seconds."""
    return retry_later(fmt, 429, TOO_MANY.format(seconds=seconds), seconds)
