"""The retry policy: exponential backoff with jitter, capped, as a pure function."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from notifications.retry import MAX_ATTEMPTS, MAX_DELAY, backoff_delay, next_attempt, should_give_up

NOW = dt.datetime(2019, 1, 11, 22, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 30), (2, 60), (3, 120), (4, 240), (7, 1920), (8, 3840), (9, 7200), (12, 7200), (500, 7200)],
)
def test_backoff_doubles_then_caps(attempts: int, seconds: int) -> None:
    """The nominal delay doubles from 30 s and stops growing at two hours."""
    assert backoff_delay(attempts) == dt.timedelta(seconds=seconds)


def test_jitter_stays_between_half_and_full_delay() -> None:
    """With jitter the next attempt falls in [now + delay/2, now + delay], never earlier."""
    rng = random.Random(6923)
    for attempts in range(1, MAX_ATTEMPTS + 1):
        delay = backoff_delay(attempts)
        for _ in range(50):
            when = next_attempt(attempts, NOW, rng)
            assert NOW + delay / 2 <= when <= NOW + delay


def test_same_seed_same_schedule() -> None:
    """The policy is deterministic given its random source, so tests can pin it."""
    first = [next_attempt(a, NOW, random.Random(1)) for a in range(1, 6)]
    second = [next_attempt(a, NOW, random.Random(1)) for a in range(1, 6)]
    assert first == second


def test_whole_schedule_spans_hours_not_days() -> None:
    """All retries of one notice together last about eight hours at most."""
    total = sum((backoff_delay(a) for a in range(1, MAX_ATTEMPTS)), dt.timedelta())
    assert dt.timedelta(hours=6) < total < dt.timedelta(hours=10)
    assert dt.timedelta(hours=2) == MAX_DELAY


def test_give_up_after_max_attempts() -> None:
    """A notice is marked failed once it has failed MAX_ATTEMPTS times."""
    assert not should_give_up(MAX_ATTEMPTS - 1)
    assert should_give_up(MAX_ATTEMPTS)


def test_bad_inputs_are_refused() -> None:
    """Attempt counts start at 1 and the clock must be aware."""
    with pytest.raises(ValueError, match="starts at 1"):
        backoff_delay(0)
    with pytest.raises(ValueError, match="naive"):
        next_attempt(1, NOW.replace(tzinfo=None), random.Random(0))
