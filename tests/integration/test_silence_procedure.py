"""Approval by silence (issue 14, item 2): the report of a meeting put under a silence procedure is approved by
the timer, as the system, when nobody breaks silence by the deadline (working days on the Geneva calendar);
a Member State that breaks silence sends it back to the chair with its objection."""

from __future__ import annotations

import pytest

from engine import Engine
from engine.errors import GuardFailed
from engine.timers import process_all_due
from tests.conftest import at
from tests.scenario import Twelfth, convene, draft_report
from tests.snapshot import snapshot


def _under_silence(engine: Engine, opened_on: str = "2019-02-11") -> Twelfth:
    s = draft_report(convene(engine))
    s.fire("meeting", "open_silence_procedure", "chair",
           {"report_symbol": "WG-Internet 12/5", "silence_opened_on": opened_on}, when=opened_on)  # fmt: skip
    return s


def _recipients(engine: Engine, instance_id: str, notice: str) -> set[str]:
    return {m.recipient_id for m in engine.outbox(instance_id=instance_id, limit=10_000) if m.notice == notice}


def test_without_an_objection_the_report_is_approved_by_silence(engine: Engine) -> None:
    s = _under_silence(engine)
    meeting = s.meeting.id
    assert engine.get(meeting).state == "silence_procedure"
    assert engine.deadlines(engine.get(meeting))["silence"].isoformat() == "2019-02-25"  # 10 working days
    assert _recipients(engine, meeting, "N21") >= {p.id for p in engine.people() if "member_state" in p.roles}
    process_all_due(engine, at("2019-02-25T20:00:00+00:00"))
    assert engine.get(meeting).state == "silence_procedure"  # the deadline is the end of its day in Geneva
    process_all_due(engine, at("2019-02-25T23:00:00+00:00"))
    approved = engine.get(meeting)
    assert approved.state == "report_approved"
    assert approved.fields["report_mode"] == "correspondence" and approved.fields["report_approved_on"] == "2019-02-25"
    last = engine.history(meeting)[-1]
    assert (last.trigger, last.actor, last.from_state) == ("approve_report", "system", "silence_procedure")
    assert engine.linked(meeting, "meeting", "action_item")  # the same effects as an approval by the chair
    assert _recipients(engine, meeting, "N07")


def test_a_member_state_breaks_silence_and_the_report_returns_to_the_chair(engine: Engine) -> None:
    s = _under_silence(engine)
    meeting = s.meeting.id
    objection = {"objection": "Paragraph 6.3 does not reflect our intervention.\n\nWe ask for it to be amended."}
    back = engine.fire(meeting, "break_silence", "ms.ru", objection, now=at("2019-02-20"))
    assert back.state == "report_draft"
    assert _recipients(engine, meeting, "N22") >= {"chair", "sec.alice"}
    assert [t.key for t in engine.timers(meeting, ("pending",)) if t.key == "silence"] == []
    process_all_due(engine, at("2019-02-26T00:00:00+00:00"))
    assert engine.get(meeting).state == "report_draft"  # nothing approves it behind the chair's back


def test_silence_cannot_be_broken_after_the_deadline(engine: Engine) -> None:
    s = _under_silence(engine)
    before = snapshot(engine)
    with pytest.raises(GuardFailed, match="silence"):
        engine.fire(s.meeting.id, "break_silence", "ms.ru", {"objection": "Too late"}, now=at("2019-02-26T08:00Z"))
    assert snapshot(engine) == before


def test_the_silence_deadline_counts_working_days_around_easter(engine: Engine) -> None:
    s = _under_silence(engine, opened_on="2019-04-15")  # Good Friday 19 April and Easter Monday 22 April
    assert engine.deadlines(engine.get(s.meeting.id))["silence"].isoformat() == "2019-05-01"
