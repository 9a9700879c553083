"""Meetings move the way real ones do (issue 11, items 1, 4 and 6): postponed from any state before the
session, postponed again, postponed until further notice and reconvened to the state the new dates imply;
every step's reason is its own; the registration deadline moves with the meeting."""

from __future__ import annotations

from datetime import date

import pytest

from engine import Engine
from engine.errors import FieldError, GuardFailed, RoleNotAllowed, TriggerNotAllowed
from tests.conftest import at
from tests.scenario import MEETING_FIELDS, Twelfth, convene, escalate_to_council, hold_meeting
from tests.snapshot import snapshot


def _published(engine: Engine) -> Twelfth:
    """The 12th meeting with its contributions closed and its documents published (2019-01-25)."""
    s = convene(engine)
    s.fire("meeting", "close_translation", "system", when="2019-01-12")
    s.fire("meeting", "close_contributions", "system", when="2019-01-21")
    s.fire("meeting", "publish_documents", "sec.alice", {"documents_link": "https://docs.example"}, when="2019-01-25")
    return s


def _pending_timers(engine: Engine, instance_id: str) -> dict[str, str]:
    return {t.key: t.due_at.date().isoformat() for t in engine.timers(instance_id, ("pending",))}


def _notices(engine: Engine, instance_id: str, notice: str) -> list[str]:
    return [m.recipient_id for m in engine.outbox(instance_id=instance_id, limit=10_000) if m.notice == notice]


def test_postponed_with_new_dates_the_meeting_goes_on_from_the_state_they_imply(engine: Engine) -> None:
    s = convene(engine)
    moved = {"start": "2019-03-11", "end": "2019-03-12", "change_reason": "Room unavailable"}
    after = s.fire("meeting", "postpone", "sec.alice", moved, when="2019-01-05")
    assert after.state == "contributions_open"  # the contribution deadlines are still ahead
    days = engine.deadlines(after)
    assert days["contrib_translated"] == date(2019, 2, 18) and days["registration"] == date(2019, 2, 18)
    assert _pending_timers(engine, after.id)["close_translation"] == "2019-02-18"
    assert set(_notices(engine, after.id, "N02")) >= {p.id for p in engine.people() if "member_state" in p.roles}


def test_a_meeting_can_be_postponed_again_and_after_its_contributions_closed(engine: Engine) -> None:
    s = _published(engine)  # postponing was refused once translation had closed
    near = {"start": "2019-02-08", "end": "2019-02-08", "change_reason": "Snow in Geneva"}
    assert s.fire("meeting", "postpone", "sec.alice", near, when="2019-01-28").state == "contributions_closed"
    far = {"start": "2019-05-06", "end": "2019-05-07", "change_reason": "Still no room"}
    again = s.fire("meeting", "postpone", "sec.alice", far, when="2019-02-01")
    assert again.state == "contributions_open"  # two months later: contributions are open again
    assert again.fields["start"] == "2019-05-06"
    reasons = [e.changes.get("change_reason") for e in engine.history(again.id) if e.trigger == "postpone"]
    assert reasons == [[None, "Snow in Geneva"], ["Snow in Geneva", "Still no room"]]  # each its own, audited


def test_postponed_until_further_notice_then_reconvened(engine: Engine) -> None:
    s = convene(engine)
    before = snapshot(engine)
    with pytest.raises(FieldError, match="change_reason"):
        s.fire("meeting", "postpone_indefinitely", "sec.alice", when="2019-01-05")
    assert snapshot(engine) == before
    waiting = s.fire("meeting", "postpone_indefinitely", "sec.alice", {"change_reason": "Budget"}, when="2019-01-05")
    assert waiting.state == "postponed"
    assert _pending_timers(engine, waiting.id) == {}  # no reminder quotes dates that no longer hold
    assert _notices(engine, waiting.id, "N02")
    with pytest.raises(GuardFailed, match="must give start, end"):
        s.fire("meeting", "reconvene", "sec.alice", when="2019-03-01")
    new_dates = {"start": "2019-06-03", "end": "2019-06-04"}
    back = s.fire("meeting", "reconvene", "sec.alice", new_dates, when="2019-03-01")
    assert back.state == "contributions_open"
    assert "close_translation" in _pending_timers(engine, back.id) and "R02" in _pending_timers(engine, back.id)
    assert _notices(engine, back.id, "N01")  # invited again, with the new dates


def test_reconvened_at_short_notice_its_contributions_are_closed(engine: Engine) -> None:
    s = convene(engine)
    s.fire("meeting", "postpone_indefinitely", "sec.alice", {"change_reason": "Budget"}, when="2019-01-05")
    soon = {"start": "2019-01-25", "end": "2019-01-25"}  # D-12 already passed on 2019-01-20
    assert s.fire("meeting", "reconvene", "sec.alice", soon, when="2019-01-20").state == "contributions_closed"


def test_a_meeting_never_invited_stays_planned_and_nobody_is_written_to(engine: Engine) -> None:
    meeting = engine.start("meeting_cycle", "sec.alice", MEETING_FIELDS, now=at("2018-11-01"))
    moved = {"start": "2019-03-01", "end": "2019-03-01", "change_reason": "Clash with another meeting"}
    assert engine.fire(meeting.id, "postpone", "sec.alice", moved, now=at("2018-11-05")).state == "planned"
    engine.fire(meeting.id, "postpone_indefinitely", "sec.alice", {"change_reason": "Budget"}, now=at("2018-11-06"))
    back = engine.fire(meeting.id, "reconvene", "sec.alice", {"start": "2019-04-01", "end": "2019-04-01"},
                       now=at("2018-11-20"))  # fmt: skip
    assert back.state == "planned"
    assert not _notices(engine, meeting.id, "N01")  # the invitation is still to be sent


def test_the_session_cannot_be_postponed_once_open(engine: Engine) -> None:
    s = _published(engine)
    s.fire("meeting", "open_session", "chair", when="2019-02-01")
    with pytest.raises(TriggerNotAllowed):
        s.fire("meeting", "postpone", "sec.alice", {"start": "2019-03-01", "end": "2019-03-01",
                                                    "change_reason": "x"}, when="2019-02-01")  # fmt: skip


def test_each_step_quotes_its_own_reason(engine: Engine) -> None:
    s = convene(engine)
    s.fire("meeting", "postpone_indefinitely", "sec.alice", {"change_reason": "Postponed until further notice"},
           when="2019-01-05")  # fmt: skip
    before = snapshot(engine)
    # The postponement's reason is not the cancellation's: a cancellation without its own is refused.
    with pytest.raises(FieldError, match="needs field\\(s\\): change_reason"):
        s.fire("meeting", "cancel", "sec.alice", when="2019-01-10")
    assert snapshot(engine) == before
    back = s.fire("meeting", "reconvene", "sec.alice", {"start": "2019-06-03", "end": "2019-06-03"}, when="2019-03-01")
    assert back.fields.get("change_reason") is None  # the reconvening gave none: the old one is not carried
    cancelled = s.fire("meeting", "cancel", "sec.alice", {"change_reason": "Council decided"}, when="2019-04-01")
    assert cancelled.fields["change_reason"] == "Council decided"


def _consultation_for_13th(engine: Engine) -> tuple[str, str]:
    """An open consultation whose results go to the 13th meeting (convened for 2019-09-23)."""
    s = hold_meeting(convene(engine))
    escalate_to_council(s, "decided")
    meeting = engine.start("meeting_cycle", "sec.alice",
                           {"number": 13, "start": "2019-09-23", "end": "2019-09-24", "venue": "Geneva"},
                           now=at("2019-06-01"))  # fmt: skip
    engine.fire(meeting.id, "send_invitation", "sec.alice", {"letter_ref": "DM-19/2000"}, now=at("2019-08-12"))
    consultation = engine.start("consultation", "sec.alice",
                                {"topic": s.topic.id, "title": "Public policy on OTTs", "meeting": meeting.id},
                                now=at("2019-06-20"))  # fmt: skip
    dates = {"form_link": "https://f.example", "opens_on": "2019-07-01", "online_deadline": "2019-08-20",
             "oc_date": "2019-09-20"}  # fmt: skip
    engine.fire(consultation.id, "announce", "sec.alice", dates, now=at("2019-06-21"))
    engine.fire(consultation.id, "open_online", "sec.alice", now=at("2019-07-01"))
    return meeting.id, consultation.id


def test_when_the_meeting_moves_the_secretariat_is_told_which_consultations_report_to_it(engine: Engine) -> None:
    meeting, consultation = _consultation_for_13th(engine)
    engine.fire(meeting, "postpone", "sec.alice",
                {"start": "2019-11-18", "end": "2019-11-19", "change_reason": "Clash with PP"},
                now=at("2019-08-13"))  # fmt: skip
    assert [e.trigger for e in engine.history(consultation)][-1] == "meeting_moved"
    told = [m for m in engine.outbox(instance_id=consultation, limit=10_000) if m.notice == "N20"]
    secretariat = {p.id for p in engine.people() if "secretariat" in p.roles}
    assert {m.recipient_id for m in told} >= secretariat
    # ...and the OC can follow it: moved, audited, everyone who got the announcement told, reminders moved.
    before = snapshot(engine)
    with pytest.raises(GuardFailed, match="must change oc_date or meeting"):
        engine.fire(consultation, "reschedule_oc", "sec.alice", {"oc_date": "2019-09-20", "change_reason": "x"},
                    now=at("2019-08-14"))  # fmt: skip
    assert snapshot(engine) == before
    moved = engine.fire(consultation, "reschedule_oc", "sec.alice",
                        {"oc_date": "2019-11-15", "change_reason": "The 13th meeting moved"},
                        now=at("2019-08-14"))  # fmt: skip
    assert engine.deadlines(moved)["latest_extension"] == date(2019, 11, 8)  # extensions may now go further
    assert _pending_timers(engine, consultation)["R08b"] == "2019-08-16"  # D - 3 a Saturday: the Friday before
    assert {m.notice for m in engine.outbox(instance_id=consultation, limit=10_000)} >= {"N11", "N13", "N20"}
    extended = engine.fire(consultation, "extend_deadline", "sec.alice",
                           {"online_deadline": "2019-10-01", "change_reason": "More time"},
                           now=at("2019-08-15"))  # fmt: skip
    assert extended.fields["online_deadline"] == "2019-10-01"  # refused against the old OC (latest 2019-09-13)


def test_dates_on_closed_days_and_out_of_order_are_warned_not_refused(engine: Engine) -> None:
    """A meeting moved to Good Friday is taken, with a warning; so is one moved past its Chair's report."""
    s = convene(engine)
    easter = {"start": "2019-04-19", "end": "2019-04-19", "change_reason": "Room found"}
    moved = s.fire("meeting", "postpone", "sec.alice", easter, when="2019-01-05")
    warnings = engine.warnings(moved, now=at("2019-01-05"))
    assert "start 2019-04-19 falls on a public holiday (Good Friday)" in warnings
    assert "deadline contrib_untranslated 2019-04-07 falls on a Sunday" in warnings  # calendar days, warned
    assert not [w for w in warnings if "contrib_translated" in w]  # Friday 29 March: an open day
    late = {"start": "2019-06-03", "end": "2019-06-04", "change_reason": "Later still"}
    moved = s.fire("meeting", "postpone", "sec.alice", late, when="2019-01-06")  # Council opens on 2019-06-10
    assert "council_doc 2019-05-13 is not after end 2019-06-04" in engine.warnings(moved, now=at("2019-01-06"))


def test_a_reminder_due_on_a_weekend_goes_out_the_open_day_before(engine: Engine) -> None:
    s = convene(engine)
    moved = {"start": "2019-03-25", "end": "2019-03-25", "change_reason": "Room"}  # R01 (D - 28) a Monday
    s.fire("meeting", "postpone", "sec.alice", moved, when="2019-01-05")
    timers = _pending_timers(engine, s.meeting.id)
    assert timers["R01"] == "2019-02-25"
    assert timers["R02"] == "2019-03-01"  # D - 22 is Sunday 3 March: Friday 1 March
    assert timers["R03"] == "2019-03-11"  # D - 14, a Monday: unchanged


def test_an_acting_chair_is_replaced_and_withdrawn(engine: Engine) -> None:
    """Stand-ins at any time until the record is closed: designated, replaced by another Vice-Chair, withdrawn
    when the Chair is back (and the Vice-Chair then acts as a Vice-Chair again)."""
    s = convene(engine)
    meeting = s.meeting.id
    before = snapshot(engine)
    with pytest.raises(GuardFailed, match="acting_chair is not set"):
        engine.fire(meeting, "withdraw_acting_chair", "sec.alice", now=at("2019-01-10"))
    assert snapshot(engine) == before
    engine.fire(meeting, "designate_acting_chair", "sec.alice", {"acting_chair": "vc.amina"}, now=at("2019-01-10"))
    replaced = engine.fire(meeting, "designate_acting_chair", "sec.alice", {"acting_chair": "vc.li"},
                           now=at("2019-01-11"))  # fmt: skip
    assert replaced.fields["acting_chair"] == "vc.li"
    back = engine.fire(meeting, "withdraw_acting_chair", "chair", now=at("2019-01-12"))
    assert back.fields.get("acting_chair") is None
    assert engine.history(meeting)[-1].changes["acting_chair"] == ["vc.li", None]
    s.fire("meeting", "close_translation", "system", when="2019-01-12")
    s.fire("meeting", "close_contributions", "system", when="2019-01-21")
    s.fire("meeting", "publish_documents", "sec.alice", {"documents_link": "https://docs.example"}, when="2019-01-25")
    with pytest.raises(RoleNotAllowed):
        engine.fire(meeting, "open_session", "vc.li", now=at("2019-02-01"))


def test_the_day_before_the_meeting_the_acting_chair_is_named_not_given_by_id(engine: Engine) -> None:
    from engine.timers import process_all_due
    from notifications import check_context, render_notice

    s = convene(engine)
    engine.fire(s.meeting.id, "designate_acting_chair", "sec.alice", {"acting_chair": "vc.amina"}, now=at("2019-01-10"))
    process_all_due(engine, at("2019-01-31T07:30:00+00:00"))  # R05, 08:00 in Geneva the day before
    (r05, *_) = [m for m in engine.outbox(instance_id=s.meeting.id, limit=10_000) if m.notice == "R05"]
    text = render_notice("R05", "en", check_context(dict(r05.context))).text
    assert "Acting chair: Amina Diallo." in text and "vc.amina" not in text
