"""Timers of the 12th meeting replayed with ticks, on SQLite and PostgreSQL.

The dates and checklist items 1, 5 and 7 are those of docs/procedure.md, "The 12th meeting as data".
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from engine import Engine, Timer
from engine.timers import TickReport, process_all_due, scheduled
from storage.repository import OUTBOX, Store
from storage.unit import database_of
from tests.scenario import convene, hold_meeting

GENEVA = ZoneInfo("Europe/Zurich")
MEMBER_STATES, SECRETARIAT, CHAIR, VICE_CHAIRS = 6, 2, 1, 2  # people with those roles in tests/fixtures/people.csv


def geneva(text: str) -> datetime:
    """An instant given as Geneva wall time."""
    return datetime.fromisoformat(text).replace(tzinfo=GENEVA)


def tick(engine: Engine, when: str) -> list[tuple[str, str]]:
    """Process what is due at that Geneva time; (key, outcome) of each timer handled."""
    report: TickReport = process_all_due(engine, geneva(when))
    assert not report.failed, report.outcomes
    return [(o.key, o.outcome) for o in report.outcomes]


def messages_by_timer(engine: Engine) -> Counter[int]:
    with database_of(engine.storage).read() as conn:
        rows = conn.execute(
            select(OUTBOX.c.timer_id, func.count()).where(OUTBOX.c.timer_id.is_not(None)).group_by(OUTBOX.c.timer_id)
        )
        return Counter({int(timer_id): int(count) for timer_id, count in rows})


def timer(engine: Engine, instance_id: str, key: str, status: str | None = None) -> Timer:
    found = [t for t in engine.timers(instance_id) if t.key == key and (status is None or t.status == status)]
    assert len(found) == 1, found
    return found[0]


def test_reminders_r01_to_r05_come_due_on_the_dates_of_domain_5(engine: Engine) -> None:
    """Checklist 1: R01-R05 are sent on 2019-01-04, -10, -18, -24 and -31, each once, to the right people."""
    s = convene(engine)
    meeting = s.meeting.id
    # Three delegations register (one recorded by the secretariat); France contributes before R02, which
    # goes to the registered Member States without a contribution, as its text says: Russia and Brazil.
    s.fire("meeting", "register", "ms.fr", {"head_of_delegation": "Jeanne Dupont"}, when="2018-12-28")
    s.fire("meeting", "register", "ms.ru", {"head_of_delegation": "Иван Петров", "delegates": 3}, when="2018-12-28")
    s.fire("meeting", "record_registration", "sec.alice",
           {"head_of_delegation": "Ana Souza", "on_behalf_of": "Brazil"}, when="2018-12-28")  # fmt: skip
    s.fire("meeting", "submit_contribution", "ms.fr", {"title": "Views of France"}, when="2019-01-08")
    expected = [
        ("2019-01-04", "R01", MEMBER_STATES),
        ("2019-01-10", "R02", 2),
        ("2019-01-18", "R03", MEMBER_STATES),
        ("2019-01-24", "R04", SECRETARIAT),
        ("2019-01-31", "R05", CHAIR + VICE_CHAIRS),
    ]
    for day, key, recipients in expected:
        assert tick(engine, f"{day}T07:59") == [], f"{key} came early"
        assert tick(engine, f"{day}T08:00") == [(key, "fired")]
        assert tick(engine, f"{day}T18:00") == [], f"{key} came twice"
        sent = timer(engine, meeting, key)
        assert sent.status == "fired" and sent.due_at == geneva(f"{day}T08:00")
        assert messages_by_timer(engine)[sent.id] == recipients
        if key == "R02":  # the translated-contribution deadline passes in between
            assert tick(engine, "2019-01-12T00:00") == [("close_translation", "fired")]
        if key == "R03":
            assert tick(engine, "2019-01-21T00:00") == [("close_contributions", "fired")]
            assert engine.get(meeting).state == "contributions_closed"  # R04 exists only from here on
        if key == "R04":
            engine.fire(
                meeting,
                "publish_documents",
                "sec.alice",
                {"documents_link": "https://docs.example/12"},
                now=geneva("2019-01-25T10:00"),
            )
    assert [t for t in engine.timers(meeting) if t.status == "pending"] == []


def test_the_contribution_deadlines_close_contributions_automatically(engine: Engine) -> None:
    """Checklist 1: at the end of 2019-01-11 and 2019-01-20 (Geneva) the system actor closes contributions."""
    s = convene(engine)
    assert tick(engine, "2019-01-11T23:59:59") == [("R01", "skipped"), ("R02", "skipped")]  # their days passed
    assert engine.get(s.meeting.id).state == "contributions_open"
    assert tick(engine, "2019-01-12T00:00") == [("close_translation", "fired")]
    assert engine.get(s.meeting.id).state == "translation_closed"
    assert tick(engine, "2019-01-20T23:59:59") == [("R03", "skipped")]
    assert tick(engine, "2019-01-21T00:00") == [("close_contributions", "fired")]
    assert engine.get(s.meeting.id).state == "contributions_closed"
    closing = [h for h in engine.history(s.meeting.id) if h.actor == "system"]
    assert [(h.trigger, h.role, h.at) for h in closing] == [
        ("close_translation", "system", geneva("2019-01-12T00:00")),
        ("close_contributions", "system", geneva("2019-01-21T00:00")),
    ]
    assert closing[1].note == "timer close_contributions: end of deadline contrib_untranslated"


def test_action_item_a2_becomes_overdue_on_14_september_and_a1_never(engine: Engine) -> None:
    """Checklist 7: the secretariat's a2 is overdue from 2019-09-14; the collective a1 is concluded, never overdue."""
    s = hold_meeting(convene(engine))
    items = {i.fields["decision"]: i for i in engine.linked(s.meeting.id, "meeting", "action_item")}
    a1, a2, a3 = items["d2"].id, items["d3"].id, items["d4"].id
    tick(engine, "2019-08-31T00:00")
    assert engine.get(a1).state == "done"  # concluded at the end of its due day
    assert engine.get(a3).state == "overdue"  # the chair's item was due 2019-05-13
    assert engine.get(a2).state == "open"
    tick(engine, "2019-09-13T23:59:59")
    assert engine.get(a2).state == "open"
    assert tick(engine, "2019-09-14T00:00") == [("overdue", "fired")]
    assert engine.get(a2).state == "overdue"
    assert tick(engine, "2019-09-14T08:00") == []  # due + 1 day is a Saturday: R12 goes out on Monday
    assert tick(engine, "2019-09-16T08:00") == [("R12", "fired")]  # to chair and secretariat
    assert messages_by_timer(engine)[timer(engine, a2, "R12").id] == CHAIR + SECRETARIAT
    tick(engine, "2019-12-31T00:00")
    assert "overdue" not in [h.to_state for h in engine.history(a1)]
    assert [h.trigger for h in engine.history(a1)][-1] == "conclude"
    assert [t.status for t in engine.timers(a1) if t.key == "overdue"] == []  # never even planned


def test_postponing_the_meeting_recomputes_deadlines_and_cancels_stale_reminders(engine: Engine) -> None:
    """M16: postponing moves every deadline (said in the audit row) and replaces the pending timers by those
    of the new dates; until further notice nothing is pending; reconvening replans."""
    s = convene(engine)
    assert tick(engine, "2019-01-04T09:00") == [("R01", "fired")]
    engine.fire(
        s.meeting.id,
        "postpone",
        "sec.alice",
        {"start": "2019-03-01", "end": "2019-03-01", "change_reason": "Council asked for a later date"},
        now=geneva("2019-01-05T10:00"),
    )
    moved = engine.history(s.meeting.id)[-1].changes["deadlines"]
    assert moved["contrib_translated"] == ["2019-01-11", "2019-02-08"]  # type: ignore[index]
    assert moved["contrib_untranslated"] == ["2019-01-20", "2019-02-17"]  # type: ignore[index]
    assert moved["posting"] == ["2019-01-25", "2019-02-22"]  # type: ignore[index]
    timers = engine.timers(s.meeting.id)
    old_due = {t.key: t.due_at for t in timers if t.status == "cancelled"}
    assert set(old_due) == {"R02", "close_translation", "R03", "R05"}
    assert all("postpone by sec.alice" in (t.detail or "") for t in timers if t.status == "cancelled")
    r01 = {t.due_at: t.status for t in timers if t.key == "R01"}
    assert r01[geneva("2019-01-04T08:00")] == "fired"  # what was sent stays sent
    assert r01[geneva("2019-02-01T08:00")] == "pending"  # D - 28 of the new date
    assert tick(engine, "2019-01-21T00:00") == []  # the old deadlines no longer close anything
    assert engine.get(s.meeting.id).state == "contributions_open"  # the new deadlines are ahead

    engine.fire(s.meeting.id, "postpone_indefinitely", "sec.alice", {"change_reason": "Budget"},
                now=geneva("2019-01-06T10:00"))  # fmt: skip
    assert engine.timers(s.meeting.id, ("pending",)) == []  # nothing is due until new dates are known
    engine.fire(s.meeting.id, "reconvene", "sec.alice", {"start": "2019-03-01", "end": "2019-03-01"},
                now=geneva("2019-01-07T10:00"))  # fmt: skip
    pending = {t.key: t.due_at for t in engine.timers(s.meeting.id, ("pending",))}
    assert pending["R01"] == geneva("2019-02-01T08:00")  # D - 28 of the new date
    assert pending["close_translation"] == geneva("2019-02-09T00:00")  # end of 2019-02-08
    assert pending["R05"] == geneva("2019-02-28T08:00")
    assert tick(engine, "2019-02-09T00:00") == [("R01", "skipped"), ("R02", "skipped"), ("close_translation", "fired")]
    assert engine.get(s.meeting.id).state == "translation_closed"


def test_a_refused_deadline_expiry_is_recorded_as_skipped(engine: Engine) -> None:
    """A timed trigger the state does not allow is no error: the timer is skipped with the refusal as its detail."""
    s = convene(engine)
    # A timer row is data: one written by hand, for a trigger out of turn.
    with database_of(engine.storage).write() as conn:
        Store(conn).insert_timers(
            [
                {
                    "instance_id": s.meeting.id,
                    "key": "close_contributions",
                    "kind": "transition",
                    "due_at": geneva("2019-01-03T12:00"),
                    "status": "pending",
                    "rule": "by hand",
                    "trigger": "close_contributions",
                    "created_at": geneva("2019-01-01T00:00"),
                }
            ]
        )
    assert tick(engine, "2019-01-03T12:00") == [("close_contributions", "skipped")]
    refused = timer(engine, s.meeting.id, "close_contributions", "skipped")
    assert refused.detail is not None
    assert refused.detail.startswith("trigger 'close_contributions' cannot be fired on ")
    assert "in state 'contributions_open'" in refused.detail
    assert engine.get(s.meeting.id).state == "contributions_open"
    assert [h.trigger for h in engine.history(s.meeting.id)].count("close_contributions") == 0


def test_upcoming_lists_pending_timers_with_their_rule_and_past_outcomes(engine: Engine) -> None:
    """The dry run shows what is due soon, what is overdue and, looking back, what was skipped and why."""
    convene(engine)
    tick(engine, "2019-01-04T09:00")
    ahead = scheduled(engine, geneva("2019-01-05T00:00"), days=7)
    assert [(x.timer.key, x.timer.rule, x.workflow, x.state) for x in ahead] == [
        ("R02", "start - 22 days", "meeting_cycle", "contributions_open"),
        ("close_translation", "end of deadline contrib_translated", "meeting_cycle", "contributions_open"),
    ]
    late = scheduled(engine, geneva("2019-01-11T09:00"), days=0, past_days=10)
    by_key = {x.timer.key: x for x in late}
    assert by_key["R01"].timer.status == "fired"
    assert by_key["R02"].overdue and "skips it" in by_key["R02"].outlook
    assert all(x.timer.due_at <= geneva("2019-01-11T09:00") for x in late)
    assert datetime(2019, 1, 4, 7, tzinfo=UTC) == by_key["R01"].timer.due_at
