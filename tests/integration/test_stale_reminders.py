"""Nothing stale is sent (issue 11, item 3): a reminder still queued when a later step moves the dates or the
state is marked superseded and never delivered; the step's own notice goes out. Notices of steps are kept:
they record what happened."""

from __future__ import annotations

from datetime import timedelta

from engine import Engine
from engine.timers import process_all_due
from storage.outbox import OutboxQueue
from storage.unit import database_of
from tests.conftest import at
from tests.scenario import convene


def test_a_queued_reminder_is_superseded_by_a_postponement_and_never_claimed(engine: Engine) -> None:
    """R02 ("translated contributions due tomorrow", for 1 February) is queued during a relay outage; the
    meeting is postponed to March before it goes out: R02 is superseded, the postponement notice is sent."""
    s = convene(engine)
    s.fire("meeting", "register", "ms.ru", {"head_of_delegation": "Иван Петров"}, when="2019-01-03")  # R02's reader
    process_all_due(engine, at("2019-01-10T12:00:00+00:00"))  # R01 and R02 queued, the relay is down
    queued = [m for m in engine.outbox(instance_id=s.meeting.id) if m.notice == "R02"]
    assert queued and {m.status for m in queued} == {"pending"}
    fields = {"start": "2019-03-11", "end": "2019-03-12", "change_reason": "The room is not available."}
    engine.fire(s.meeting.id, "postpone", "sec.alice", fields, now=at("2019-01-10T13:00:00+00:00"))
    by_notice: dict[str, set[str]] = {}
    for m in engine.outbox(instance_id=s.meeting.id, limit=10_000):
        by_notice.setdefault(m.notice, set()).add(m.status)
    assert by_notice["R02"] == {"superseded"}
    assert by_notice["N02"] == {"pending"}
    assert all("superseded by postpone" in (m.last_error or "") for m in engine.outbox(status="superseded"))
    with database_of(engine.storage).write() as conn:  # the relay is back: only what still fits is sent
        claimed = OutboxQueue(conn).claim("dispatcher", at("2019-01-10T14:00:00+00:00"), 10_000, timedelta(minutes=5))
    assert {m.notice for m in claimed if m.instance_id == s.meeting.id} == {"N02"}
    assert by_notice["N01"] == {"superseded"}  # the invitation for 1 February never went out: N02 states March


def test_a_second_change_during_an_outage_supersedes_the_first_notice(engine: Engine) -> None:
    """Postponed to March, then until further notice, the relay down all along: only the last notice goes out
    (quotes_dates); a receipt for a contribution is kept, since it records what happened."""
    s = convene(engine)
    engine.fire(s.meeting.id, "submit_contribution", "ms.fr", {"title": "Views"}, now=at("2019-01-05T09:00:00+00:00"))
    moved = {"start": "2019-03-11", "end": "2019-03-12", "change_reason": "The room is not available."}
    engine.fire(s.meeting.id, "postpone", "sec.alice", moved, now=at("2019-01-10T13:00:00+00:00"))
    engine.fire(s.meeting.id, "postpone_indefinitely", "sec.alice", {"change_reason": "Budget"},
                now=at("2019-01-11T13:00:00+00:00"))  # fmt: skip
    rows = engine.outbox(instance_id=s.meeting.id, limit=10_000)
    n02 = sorted((m.id, m.status, m.context["instance"]["state"]) for m in rows if m.notice == "N02")  # type: ignore[index]
    assert {status for _, status, state in n02 if state == "contributions_open"} == {"superseded"}
    assert {status for _, status, state in n02 if state == "postponed"} == {"pending"}
    assert {m.status for m in rows if m.notice == "N04"} == {"pending"}


def test_a_contribution_does_not_supersede_the_reminders_of_others(engine: Engine) -> None:
    """A step that neither moves dates nor the state (a contribution) leaves queued reminders alone."""
    s = convene(engine)
    s.fire("meeting", "register", "ms.ru", {"head_of_delegation": "Иван Петров"}, when="2019-01-03")
    process_all_due(engine, at("2019-01-10T12:00:00+00:00"))
    engine.fire(s.meeting.id, "submit_contribution", "ms.fr", {"title": "Views"}, now=at("2019-01-10T13:00:00+00:00"))
    assert {m.status for m in engine.outbox(instance_id=s.meeting.id) if m.notice == "R02"} == {"pending"}
