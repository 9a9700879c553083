"""Steps that must change something do, and stand-ins are Vice-Chairs (issue 11, items 2, 4 and 5): a
postponement moves the dates, an extension moves the deadline later and not into the past, an acting chair
is a Vice-Chair and can be designated after the session too, the secretariat records a consultation's
cancellation and Member States hear of it."""

from __future__ import annotations

import pytest

from engine import Engine, Instance
from engine.errors import FieldError, GuardFailed
from tests.conftest import at
from tests.scenario import convene, escalate_to_council, hold_meeting
from tests.snapshot import snapshot


def _online_consultation(engine: Engine) -> Instance:
    s = hold_meeting(convene(engine))
    escalate_to_council(s, "decided")
    consultation = engine.start("consultation", "sec.alice", {"topic": s.topic.id, "title": "C"}, now=at("2019-06-20"))
    dates = {"form_link": "https://f.example", "opens_on": "2019-07-01", "online_deadline": "2019-08-20",
             "oc_date": "2019-09-20"}  # fmt: skip
    engine.fire(consultation.id, "announce", "sec.alice", dates, now=at("2019-06-21"))
    return engine.fire(consultation.id, "open_online", "sec.alice", now=at("2019-07-01"))


def test_a_postponement_that_keeps_the_dates_is_refused(engine: Engine) -> None:
    s = convene(engine)
    before = snapshot(engine)
    same = {"start": "2019-02-01", "end": "2019-02-01", "change_reason": "Room change"}
    with pytest.raises(GuardFailed, match="the step must change start or end"):
        engine.fire(s.meeting.id, "postpone", "sec.alice", same, now=at("2019-01-05"))
    assert snapshot(engine) == before
    moved = {**same, "start": "2019-03-11", "end": "2019-03-11"}
    assert engine.fire(s.meeting.id, "postpone", "sec.alice", moved, now=at("2019-01-05")).state == (
        "contributions_open"  # the state the new dates imply (test_rescheduling_paths.py)
    )


@pytest.mark.parametrize(
    ("deadline", "problem"),
    [
        ("2019-08-20", "online_deadline 2019-08-20 is not later than 2019-08-20"),
        ("2019-08-10", "online_deadline 2019-08-10 is not later than 2019-08-20"),
    ],
)
def test_an_extension_moves_the_deadline_later(engine: Engine, deadline: str, problem: str) -> None:
    consultation = _online_consultation(engine)
    with pytest.raises(GuardFailed, match=problem):
        engine.fire(consultation.id, "extend_deadline", "sec.alice",
                    {"online_deadline": deadline, "change_reason": "More time"}, now=at("2019-08-01"))  # fmt: skip
    later = {"online_deadline": "2019-08-30", "change_reason": "More time"}
    extended = engine.fire(consultation.id, "extend_deadline", "sec.alice", later, now=at("2019-08-01"))
    assert extended.fields["online_deadline"] == "2019-08-30"


def test_an_acting_chair_is_a_vice_chair_and_may_be_designated_after_the_session(engine: Engine) -> None:
    s = hold_meeting(convene(engine))  # the report is approved: the Chair falls ill before reporting to Council
    with pytest.raises(GuardFailed, match=r"Jeanne Dupont \(ms.fr\) is not a vice-chair"):
        engine.fire(
            s.meeting.id, "designate_acting_chair", "sec.alice", {"acting_chair": "ms.fr"}, now=at("2019-03-01")
        )
    designated = engine.fire(
        s.meeting.id, "designate_acting_chair", "sec.alice", {"acting_chair": "vc.amina"}, now=at("2019-03-01")
    )
    assert designated.fields["acting_chair"] == "vc.amina"
    report = {"chair_report_symbol": "C19/54", "action_required": "note_and_guidance"}
    assert engine.fire(s.meeting.id, "submit_chair_report", "vc.amina", report, now=at("2019-05-06")).state == (
        "reported_to_council"
    )


def test_the_secretariat_records_a_cancellation_and_member_states_are_told(engine: Engine) -> None:
    consultation = _online_consultation(engine)
    cancelled = engine.fire(
        consultation.id, "cancel", "sec.alice", {"change_reason": "Decided by the Chair"}, now=at("2019-07-10")
    )
    assert cancelled.state == "cancelled"
    told = {m.recipient_id for m in engine.outbox(instance_id=consultation.id, limit=10_000) if m.notice == "N13"}
    member_states = {p.id for p in engine.people() if "member_state" in p.roles}
    assert member_states <= told


def test_an_action_item_carried_over_continues_at_the_named_meeting_and_its_owner_is_told(engine: Engine) -> None:
    """Issue 11, item 8: the item is carried over to the 13th meeting with a new due date; a new item of that
    meeting continues it, and the owner's copy of N18 says where and when."""
    s = hold_meeting(convene(engine))
    thirteenth = engine.start(
        "meeting_cycle", "sec.alice", {"number": 13, "start": "2019-10-01", "end": "2019-10-01", "venue": "Geneva"},
        now=at("2019-03-01"),
    )  # fmt: skip
    items = engine.linked(s.meeting.id, "meeting", "action_item")
    item = next(i for i in items if i.fields["owner_kind"] == "secretariat")
    with pytest.raises(FieldError, match="needs field"):
        engine.fire(item.id, "carry_over", "chair", now=at("2019-09-20"))
    moved = engine.fire(
        item.id, "carry_over", "chair", {"carried_to": thirteenth.id, "new_due": "2019-11-15"}, now=at("2019-09-20")
    )
    assert moved.state == "carried_over"
    (continued,) = engine.linked(thirteenth.id, "meeting", "action_item")
    assert (continued.fields["carried_from"], continued.fields["due"], continued.fields["text"]) == (
        item.id, "2019-11-15", item.fields["text"],
    )  # fmt: skip
    copies = [m for m in engine.outbox(instance_id=item.id, limit=1000) if m.notice == "N18"]
    assert copies and any(m.recipient_id == "sec.alice" for m in copies)
    from notifications.context import check_context
    from notifications.rendering import render_notice

    copy = next(m for m in copies if m.language == "en")
    text = render_notice("N18", "en", check_context(copy.context)).text
    assert "carried over to the 13th meeting, now due 15 November 2019" in text
