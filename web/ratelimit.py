"""Login rate limiting: a sliding window of failed attempts per person and per client address."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping

MAX_KEYS = 10_000  # keys remembered at most (least recently used forgotten first)


class LoginLimiter:
    """Counts failures per key in a window; a key at its limit must wait until its oldest failure ages out.

    Kept in memory: ``consultflow serve`` is one process, and a restart forgetting the counts only gives an
    attacker a few more guesses per restart. Memory is bounded: at most ``max_keys`` keys are kept, the
    least recently used forgotten first (an attacker who floods it with new ids keeps touching their own
    address key, so that one stays). ``attempt`` checks and counts in one step under the lock, so threads
    verifying passwords at the same time cannot pass a limit together.
    """

    def __init__(
        self, attempts: int, window: float, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS
    ) -> None:
        self.attempts, self.window, self.clock, self.max_keys = attempts, window, clock, max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._failures)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            failures = self._failures[key] = deque()
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
        else:
            self._failures.move_to_end(key)
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def _wait(self, keys: Mapping[str, int], now: float) -> float:
        waits = [
            failures[0] + self.window - now
            for key, limit in keys.items()
            if len(failures := self._recent(key, now)) >= limit
        ]
        return max(waits, default=0.0)

    def retry_after(self, keys: Mapping[str, int]) -> float:
        """Seconds to wait before another attempt (0 when allowed); ``keys`` maps each key to its limit."""
        now = self.clock()
        with self._lock:
            return self._wait(keys, now)

    def attempt(self, keys: Mapping[str, int]) -> float:
        """Check and count at once: the seconds to wait (nothing counted), or 0 and the attempt is counted
        as a failure of every key until ``succeeded`` takes it back."""
        now = self.clock()
        with self._lock:
            wait = self._wait(keys, now)
            if wait <= 0:
                for key in keys:
                    self._recent(key, now).append(now)
            return wait

    def failed(self, keys: Mapping[str, int]) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, key: str, counted: Mapping[str, int] | None = None) -> None:
        """Forget ``key``'s failures; take back the attempt ``attempt`` counted on the other ``counted`` keys."""
        with self._lock:
            self._failures.pop(key, None)
            for other in counted or {}:
                failures = self._failures.get(other)
                if other != key and failures:
                    failures.pop()
