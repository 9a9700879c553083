"""The catch-up policy and day boundaries of timers: pure functions, a table of cases, a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.calendar import BusinessCalendar
from engine.records import Timer
from engine.timers import TickReport, TimerOutcome, reminder_refusal

GENEVA = ZoneInfo("Europe/Zurich")
CALENDAR = BusinessCalendar()


def _reminder(due_local: datetime, key: str = "R01") -> Timer:
    return Timer(
        id=1,
        instance_id="meeting_cycle-x",
        key=key,
        kind="reminder",
        due_at=due_local.astimezone(UTC),
        status="fired",
        rule="start - 28 days",
        notice=key,
    )


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=GENEVA)


@pytest.mark.parametrize(
    ("due", "processed", "sent"),
    [
        ("2019-01-04T08:00", "2019-01-04T08:00", True),  # on time
        ("2019-01-04T08:00", "2019-01-04T23:59:59", True),  # late, but still its day in Geneva
        ("2019-01-04T08:00", "2019-01-05T00:00", False),  # the day has ended: missed
        ("2019-01-04T08:00", "2019-01-21T09:00", False),  # a daemon down for weeks
        ("2019-03-31T08:00", "2019-03-31T23:30", True),  # 23-hour day (clocks go forward at 02:00)
        ("2019-03-31T08:00", "2019-04-01T00:10", False),
        ("2019-10-27T08:00", "2019-10-27T23:59", True),  # 25-hour day (clocks go back at 03:00)
        ("2019-10-27T08:00", "2019-10-28T00:00", False),
    ],
)
def test_a_reminder_is_sent_only_on_its_own_day(due: str, processed: str, sent: bool) -> None:
    """A reminder processed after the end of its due day (Geneva time, DST included) is missed, not sent."""
    refusal = reminder_refusal(_reminder(_local(due)), "convened", ("convened",), _local(processed), CALENDAR)
    assert (refusal is None) is sent
    if not sent:
        assert refusal is not None and refusal.startswith(f"missed: due {due[:10]} 08:00 ")
        assert f"processed {processed[:10]}" in refusal


def test_a_reminder_whose_state_moved_on_is_not_sent() -> None:
    """Only while the instance is in one of the timer's states: otherwise the refusal names both."""
    refusal = reminder_refusal(
        _reminder(_local("2019-01-24T08:00"), "R04"),
        "documents_published",
        ("contributions_closed",),
        _local("2019-01-24T08:00"),
        CALENDAR,
    )
    assert refusal == "not sent: the instance is documents_published; R04 applies while contributions_closed"


def test_a_reminder_unknown_to_its_definition_is_not_sent() -> None:
    """A timer row whose key the definition does not know is refused, not guessed at."""
    refusal = reminder_refusal(_reminder(_local("2019-01-04T08:00")), "convened", None, _local("2019-01-04"), CALENDAR)
    assert refusal == "not sent: the definition has no timer R01"


@pytest.mark.parametrize(
    ("day", "end_utc"),
    [
        (date(2019, 3, 30), datetime(2019, 3, 30, 23, 0, tzinfo=UTC)),  # still winter time (UTC+1)
        (date(2019, 3, 31), datetime(2019, 3, 31, 22, 0, tzinfo=UTC)),  # the day clocks go forward
        (date(2019, 10, 27), datetime(2019, 10, 27, 23, 0, tzinfo=UTC)),  # the day clocks go back
        (date(2019, 10, 26), datetime(2019, 10, 26, 22, 0, tzinfo=UTC)),  # still summer time (UTC+2)
    ],
)
def test_a_deadline_ends_at_local_midnight_on_dst_days(day: date, end_utc: datetime) -> None:
    """A deadline on the day clocks change in Geneva still ends at that day's local midnight."""
    end = CALENDAR.end_of_day(day)
    assert end == end_utc
    assert CALENDAR.local_date(end - timedelta(microseconds=1)) == day
    assert CALENDAR.local_date(end) == day + timedelta(days=1)


def test_a_tick_report_counts_by_outcome() -> None:
    """The report keeps every outcome in order and counts fired, skipped and failed timers."""
    at = datetime(2019, 1, 4, 8, tzinfo=UTC)
    outcomes = tuple(
        TimerOutcome(i, "m", f"R0{i}", "reminder", at, outcome, "")  # type: ignore[arg-type]
        for i, outcome in enumerate(["fired", "skipped", "fired", "failed"], start=1)
    )
    report = TickReport(at, outcomes[:2]).merged(TickReport(at, outcomes[2:]))
    assert (report.fired, report.skipped, report.failed) == ((1, 3), (2,), (4,))
    assert report.summary() == "2 fired, 1 skipped, 1 failed" and len(report) == 4
