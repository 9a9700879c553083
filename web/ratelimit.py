"""Login rate limiting: a sliding window of failed attempts per person and per client address."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class LoginLimiter:
    """Counts failures per key in a window; a key at its limit must wait until its oldest failure ages out.

    Kept in memory: ``consultflow serve`` is one process, and a restart forgetting the counts only gives an
    attacker a few more guesses per restart.
    """

    def __init__(self, attempts: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts, self.window, self.clock = attempts, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def retry_after(self, keys: dict[str, int]) -> float:
        """Seconds to wait before another attempt (0 when allowed); ``keys`` maps each key to its limit."""
        now = self.clock()
        with self._lock:
            waits = [
                failures[0] + self.window - now
                for key, limit in keys.items()
                if len(failures := self._recent(key, now)) >= limit
            ]
        return max(waits, default=0.0)

    def failed(self, keys: dict[str, int]) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
