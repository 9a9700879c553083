"""Time comes from a clock passed in, never from the wall clock deep inside the engine."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from engine.errors import NaiveDatetime


class Clock(Protocol):
    """Something that tells the current instant as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, read once at the edges."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to: tests and replays."""

    def __init__(self, at: datetime) -> None:
        self._at = aware_utc(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = aware_utc(at)


def aware_utc(value: datetime, what: str = "time") -> datetime:
    """The same instant in UTC; a naive datetime is refused rather than guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(f"{what} {value.isoformat()} has no time zone; give an aware datetime")
    return value.astimezone(UTC)
