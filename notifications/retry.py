"""When to try a temporarily failed notice again: exponential backoff with jitter, capped.

A pure function of the attempt count, the current time and a random source, so the dispatcher
(and its tests) decide retries without sleeping or reading the clock.
"""

from __future__ import annotations

import datetime as dt
import random

BASE_DELAY = dt.timedelta(seconds=30)
"""Delay before the second attempt (before jitter)."""
MAX_DELAY = dt.timedelta(hours=2)
"""No two attempts are further apart than this (before jitter)."""
MAX_ATTEMPTS = 12
"""After this many failed attempts a temporarily failing notice is marked failed (about 8 hours in all)."""


def backoff_delay(attempts: int) -> dt.timedelta:
    """The delay before attempt ``attempts + 1`` without jitter: 30 s, 1 min, 2 min, ... capped at 2 h."""
    if attempts < 1:
        raise ValueError(f"attempts counts the attempts already made and starts at 1, not {attempts}")
    # Cap the exponent first so a large attempt count cannot overflow timedelta.
    exponent = min(attempts - 1, 20)
    return min(MAX_DELAY, BASE_DELAY * (1 << exponent))


def next_attempt(attempts: int, now: dt.datetime, rng: random.Random) -> dt.datetime:
    """When to try again after ``attempts`` failed attempts: ``now`` plus 50-100 % of the backoff delay.

    The jitter ("equal jitter") spreads retries of messages that failed together, e.g. while the
    relay was down, without ever retrying sooner than half the nominal delay.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"refused the naive datetime {now.isoformat()}: pass an aware UTC time")
    return now + backoff_delay(attempts) * rng.uniform(0.5, 1.0)


def should_give_up(attempts: int) -> bool:
    """Whether a notice that failed ``attempts`` times should be marked failed instead of retried."""
    return attempts >= MAX_ATTEMPTS


RELAY_PAUSE_BASE = 5.0
"""Seconds the dispatcher waits after the first batch that could not reach the relay."""
RELAY_PAUSE_MAX = 300.0
"""The longest wait between two attempts to reach a relay that stays unreachable."""


def relay_pause(failures: int, rng: random.Random) -> float:
    """Seconds to wait after ``failures`` consecutive batches that could not reach the relay (equal jitter)."""
    if failures < 1:
        raise ValueError(f"failures counts the failed batches and starts at 1, not {failures}")
    nominal = min(RELAY_PAUSE_MAX, RELAY_PAUSE_BASE * (1 << min(failures - 1, 20)))
    return nominal * rng.uniform(0.5, 1.0)
