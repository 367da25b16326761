"""Back-pressure in one process: a request rate per API key (a token bucket) and a bound
on the checks running at once, in all and per key. Over either: 429 with Retry-After."""

from __future__ import annotations

import math
import threading
import time

from api.errors import TooManyRequests
from provenance.config import Settings

BUSY_RETRY_SECONDS = 2
"""What a caller refused for lack of a check slot is told to wait: about one check."""


class TokenBucket:
    """`per_minute` requests in a burst, refilled at `per_minute / 60` a second."""

    def __init__(self, per_minute: int, now: float) -> None:
        self.capacity = float(per_minute)
        self.tokens = float(per_minute)
        self.rate = per_minute / 60.0
        self.updated = now

    def take(self, now: float) -> float:
        """0 when a request may go, else the seconds until it may."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class Limits:
    def __init__(self, settings: Settings) -> None:
        self.per_minute = settings.rate_limit_per_minute
        self.max_checks = settings.max_concurrent_checks
        self.max_checks_per_key = settings.max_concurrent_checks_per_key
        self.counts_checks = not settings.broker_url
        """With a broker the task workers do the checking and the API only waits: the bound
        is then the queue's (PROVENANCE_INTERACTIVE_QUEUE_MAX, a 429 `queue_full` beyond it)."""
        self._buckets: dict[int, TokenBucket] = {}
        self._running = 0
        self._running_by_key: dict[int, int] = {}
        self._lock = threading.Lock()

    def count_request(self, key_id: int | None) -> None:
        """Raises TooManyRequests when the key has used its rate; callers without a key
        (demo mode) are not rated."""
        if key_id is None or self.per_minute == 0:
            return
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(key_id, TokenBucket(self.per_minute, now))
            wait = bucket.take(now)
        if wait:
            raise TooManyRequests(math.ceil(wait), f"this key may make {self.per_minute} requests a minute")

    def take_check_slot(self, key_id: int | None) -> None:
        """A slot for a check (or an ingest), held until `give_back`; refused at once,
        never queued, when the process or the key has as many running as allowed."""
        if not self.counts_checks:
            return
        with self._lock:
            if self._running >= self.max_checks:
                raise TooManyRequests(BUSY_RETRY_SECONDS, f"the server runs {self.max_checks} checks already")
            mine = self._running_by_key.get(key_id, 0) if key_id is not None else 0
            if key_id is not None and mine >= self.max_checks_per_key:
                message = f"this key has {self.max_checks_per_key} checks running already"
                raise TooManyRequests(BUSY_RETRY_SECONDS, message)
            self._running += 1
            if key_id is not None:
                self._running_by_key[key_id] = mine + 1

    def give_back(self, key_id: int | None) -> None:
        if not self.counts_checks:
            return
        with self._lock:
            self._running -= 1
            if key_id is not None:
                left = self._running_by_key[key_id] - 1
                if left:
                    self._running_by_key[key_id] = left
                else:
                    del self._running_by_key[key_id]
