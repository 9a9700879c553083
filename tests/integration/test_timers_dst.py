"""Deadlines on the days Geneva changes clocks (2019-03-31, 2019-10-27) fire at that day's local midnight."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine import Engine
from engine.timers import process_all_due
from tests.conftest import at

GENEVA = ZoneInfo("Europe/Zurich")


@pytest.mark.parametrize(
    ("due", "ends_utc"),
    [
        ("2019-03-31", datetime(2019, 3, 31, 22, 0, tzinfo=UTC)),  # 23-hour day: CET until 02:00, then CEST
        ("2019-10-27", datetime(2019, 10, 27, 23, 0, tzinfo=UTC)),  # 25-hour day: CEST until 03:00, then CET
    ],
)
def test_an_action_item_due_on_a_dst_day_is_overdue_from_the_next_local_day(
    make_engine: Callable[..., Engine], due: str, ends_utc: datetime
) -> None:
    """The overdue timer is due at the end of the due day in Geneva: not an hour early, not an hour late."""
    engine = make_engine()
    meeting = engine.start(
        "meeting_cycle", "sec.alice", {"number": 12, "start": "2019-02-01", "end": "2019-02-01", "venue": "Geneva"}
    )
    item = engine.start(
        "action_item",
        "sec.alice",
        {"meeting": meeting.id, "text": "SG report", "owner_kind": "secretariat", "due": due},
        now=at("2019-02-02"),
    )
    overdue = next(t for t in engine.timers(item.id) if t.key == "overdue")
    assert overdue.due_at == ends_utc
    next_day = date.fromisoformat(due) + timedelta(days=1)
    assert overdue.due_at.astimezone(GENEVA) == datetime.combine(next_day, time(0), tzinfo=GENEVA)
    last_second = ends_utc - timedelta(seconds=1)
    assert last_second.astimezone(GENEVA).date().isoformat() == due
    assert process_all_due(engine, last_second).fired == ()
    assert engine.get(item.id).state == "open"
    assert process_all_due(engine, ends_utc).fired == (overdue.id,)
    assert engine.get(item.id).state == "overdue"


def test_a_contribution_deadline_on_the_spring_dst_day_closes_at_local_midnight(
    make_engine: Callable[..., Engine],
) -> None:
    """A meeting on 2019-04-12 has D-12 on 2019-03-31: contributions close at 00:00 CEST on 1 April (22:00 UTC)."""
    engine = make_engine()
    meeting = engine.start(
        "meeting_cycle",
        "sec.alice",
        {"number": 13, "start": "2019-04-12", "end": "2019-04-12", "venue": "Geneva"},
        now=at("2019-02-01"),
    )
    engine.fire(meeting.id, "send_invitation", "sec.alice", {"letter_ref": "DM-19/1"}, now=at("2019-02-20"))
    engine.fire(meeting.id, "open_contributions", "sec.alice", now=at("2019-02-20"))
    process_all_due(engine, at("2019-03-22T23:00:00+00:00"))  # translation closed at the end of 2019-03-22
    assert engine.get(meeting.id).state == "translation_closed"
    close = next(t for t in engine.timers(meeting.id, ("pending",)) if t.key == "close_contributions")
    assert close.due_at == datetime(2019, 3, 31, 22, 0, tzinfo=UTC)
    assert engine.deadlines(engine.get(meeting.id))["contrib_untranslated"].isoformat() == "2019-03-31"
    process_all_due(engine, datetime(2019, 3, 31, 21, 59, 59, tzinfo=UTC))
    assert engine.get(meeting.id).state == "translation_closed"
    process_all_due(engine, datetime(2019, 3, 31, 22, 0, tzinfo=UTC))
    assert engine.get(meeting.id).state == "contributions_closed"
