"""Links that complete work and topics that follow the Group: cases the 12th-meeting script does not cover.

A topic carried over goes to the next meeting with its history and is escalated there; the Chair's
"report to Council" action is done with the report; an acting chair presents consultation results at
their meeting; Council's document deadline has its reminders; a late input to Council needs a reason.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine import Engine, Instance
from engine.errors import GuardFailed
from tests.conftest import at
from tests.scenario import DECISIONS, convene, draft_report, escalate_to_council, hold_meeting


def _day(value: date, shift: int = 0) -> str:
    return (value + timedelta(days=shift)).isoformat()


def _meeting_up_to_session(engine: Engine, number: int, start: str) -> Instance:
    """A meeting convened, its deadlines passed and its session open (steps dated from its own deadlines)."""
    fields = {"number": number, "start": start, "end": start, "venue": "Geneva", "council_session": "Council 2020",
              "council_opening": "2020-06-08"}  # fmt: skip
    meeting = engine.start("meeting_cycle", "sec.alice", fields, now=at("2019-08-01"))
    days = engine.deadlines(meeting)
    steps = [
        ("send_invitation", "sec.alice", {"letter_ref": f"DM-19/{number}"}, _day(days["invitation"])),
        ("open_contributions", "sec.alice", {}, _day(days["invitation"])),
        ("close_translation", "system", {}, _day(days["contrib_translated"], 1)),
        ("close_contributions", "system", {}, _day(days["contrib_untranslated"], 1)),
        ("publish_documents", "sec.alice", {"documents_link": "https://docs.example/13"}, _day(days["posting"])),
        ("open_session", "chair", {}, start),
    ]
    for trigger, actor, values, when in steps:
        meeting = engine.fire(meeting.id, trigger, actor, values, now=at(when))
    return meeting


def test_a_topic_carried_over_is_attached_to_the_next_meeting_and_escalated_there(engine: Engine) -> None:
    s = convene(engine)
    for trigger, actor, values, when in [
        ("close_translation", "system", {}, "2019-01-12"),
        ("close_contributions", "system", {}, "2019-01-21"),
        ("publish_documents", "sec.alice", {"documents_link": "https://docs.example/12"}, "2019-01-25"),
        ("open_session", "chair", {}, "2019-02-01"),
    ]:
        s.fire("meeting", trigger, actor, values, when=when)
    s.fire("topic", "table_topics", "chair")
    s.fire("topic", "carry_over", "chair")
    thirteenth = _meeting_up_to_session(engine, 13, "2019-10-01")
    topic = engine.fire(s.topic.id, "attach_to_meeting", "sec.alice", {"meeting": thirteenth.id}, now=at("2019-08-02"))
    assert (topic.state, topic.fields["meeting"]) == ("proposed", thirteenth.id)
    assert [t.id for t in engine.linked(thirteenth.id, "meeting", "topic")] == [s.topic.id]
    engine.fire(topic.id, "table_topics", "chair", now=at("2019-10-01"))
    engine.fire(topic.id, "record_no_consensus", "chair", {"reason": "objection"}, now=at("2019-10-01"))
    for decision in DECISIONS[:1]:
        engine.fire(thirteenth.id, "record_decision", "chair", decision, now=at("2019-10-01"))
    for trigger, actor, values in [
        ("adjourn", "chair", {}),
        ("circulate_draft_report", "sec.alice", {"draft_report_symbol": "WG-Internet 13/5"}),
        ("approve_report", "chair", {"report_symbol": "WG-Internet 13/5", "report_mode": "in_session",
                                     "report_approved_on": "2019-10-01"}),
    ]:  # fmt: skip
        engine.fire(thirteenth.id, trigger, actor, values, now=at("2019-10-01"))
    (escalation,) = engine.linked(thirteenth.id, "meeting", "escalation")
    assert escalation.fields["options"] == [{"topic": topic.id, "title": topic.fields["title"]}]
    assert engine.get(topic.id).state == "escalated" and engine.get(topic.id).fields["escalation"] == escalation.id
    triggers = [h.trigger for h in engine.history(topic.id)]
    assert triggers[:3] == ["propose_topic", "table_topics", "carry_over"] and triggers[-1] == "escalate"


def test_the_chairs_report_to_council_completes_the_chairs_action(engine: Engine) -> None:
    s = hold_meeting(convene(engine))
    items = {i.fields["decision"]: i for i in engine.linked(s.meeting.id, "meeting", "action_item")}
    assert items["d4"].fields["closed_by"] == "chair_report" and items["d4"].state == "open"
    report = {"chair_report_symbol": "C19/54", "action_required": "note_and_guidance"}
    s.fire("meeting", "submit_chair_report", "chair", report, when="2019-05-06")
    done = engine.get(items["d4"].id)
    assert (done.state, done.fields["deliverable"]) == ("done", "C19/54")
    assert engine.get(items["d3"].id).state == "open"  # the secretariat's own action waits for its own work
    assert all(t.status != "pending" for t in engine.timers(done.id))  # it can no longer go overdue


def test_the_chairs_report_submits_the_drafted_escalation_and_each_person_gets_it_once(engine: Engine) -> None:
    """One report, one event: the meeting's and the escalation's N08 for C19/54 reach each person once."""
    s = hold_meeting(convene(engine))
    (escalation,) = engine.linked(s.meeting.id, "meeting", "escalation")
    engine.fire(escalation.id, "draft_report", "chair", {"report_section": "6.3"}, now=at("2019-04-20"))
    report = {"chair_report_symbol": "C19/54", "action_required": "note_and_guidance"}
    s.fire("meeting", "submit_chair_report", "chair", report, when="2019-05-06")
    submitted = engine.get(escalation.id)
    assert (submitted.state, submitted.fields["chair_report_symbol"]) == ("submitted", "C19/54")
    n08 = [m for m in engine.outbox(limit=100_000) if m.notice == "N08"]
    recipients = [m.recipient_id for m in n08]
    assert len(recipients) == len(set(recipients)) > 0
    member_states = {p.id for p in engine.people() if "member_state" in p.roles}
    assert member_states <= set(recipients)
    assert {m.instance_id for m in n08} == {s.meeting.id}  # the first sender keeps the message
    chair = next(m for m in n08 if m.recipient_id == "chair")
    assert chair.for_information  # the Chair is in copy of both: still one copy


def test_an_acting_chair_presents_consultation_results_at_their_meeting(engine: Engine) -> None:
    s = hold_meeting(convene(engine))
    escalate_to_council(s, "decided")
    thirteenth = _meeting_up_to_session(engine, 13, "2019-10-01")
    engine.fire(
        thirteenth.id, "designate_acting_chair", "sec.alice", {"acting_chair": "vc.amina"}, now=at("2019-10-01")
    )
    fields = {"topic": s.topic.id, "title": "C", "meeting": thirteenth.id}
    consultation = engine.start("consultation", "sec.alice", fields, now=at("2019-06-20"))
    for trigger, actor, values, when in [
        ("announce", "sec.alice", {"form_link": "https://f.example", "opens_on": "2019-07-01",
                                   "online_deadline": "2019-08-31", "oc_date": "2019-09-20"}, "2019-06-21"),
        ("open_online", "sec.alice", {}, "2019-07-01"),
        ("close_online", "sec.alice", {}, "2019-09-01"),
        ("publish_compilation", "sec.alice", {"compilation_symbol": "OPCWGINT9/2"}, "2019-09-10"),
        ("hold_oc", "vc.amina", {}, "2019-09-20"),
    ]:  # fmt: skip
        consultation = engine.fire(consultation.id, trigger, actor, values, now=at(when))
    presented = engine.fire(consultation.id, "present_results", "vc.amina", now=at("2019-10-01"))
    assert presented.state == "presented"
    assert engine.history(consultation.id)[-1].role == "acting_chair"  # standing in for the chair, as the audit says


def test_councils_document_deadline_has_reminders_and_a_late_input_needs_a_reason(engine: Engine) -> None:
    s = draft_report(convene(engine))
    s.fire("meeting", "approve_report", "chair", {"report_symbol": "WG-Internet 12/5", "report_mode": "in_session",
                                                  "report_approved_on": "2019-02-01"})  # fmt: skip
    escalation = engine.linked(s.meeting.id, "meeting", "escalation")[0]
    reminders = {t.key: t.due_at.date().isoformat() for t in engine.timers(escalation.id, ("pending",))}
    assert reminders == {"R07a": "2019-04-29", "R07b": "2019-05-10", "R07c": "2019-05-14"}
    for trigger, actor, values, when in [
        ("draft_report", "chair", {"report_section": "6.3"}, "2019-04-20"),
        ("submit", "sec.alice", {"chair_report_symbol": "C19/54"}, "2019-05-10"),
        ("place_on_agenda", "council.rec", {"agenda_item": "ADM 8", "plenary_date": "2019-06-12"}, "2019-05-20"),
    ]:
        escalation = engine.fire(escalation.id, trigger, actor, values, now=at(when))
    # The report went in: no R07 left; the Member States are reminded of their own deadline (R13).
    assert [(t.key, t.due_at.date().isoformat()) for t in engine.timers(escalation.id, ("pending",))] == [
        ("R13", "2019-05-20")
    ]
    with pytest.raises(GuardFailed, match="council_ms_contrib deadline passed"):
        engine.fire(escalation.id, "receive_member_input", "ms.fr", {"symbol": "C19/70"}, now=at("2019-05-28"))
    with pytest.raises(GuardFailed, match="late_reason is not set"):
        engine.fire(escalation.id, "record_late_input", "sec.alice", {"symbol": "C19/70", "on_behalf_of": "France"},
                    now=at("2019-05-28"))  # fmt: skip
    late = {"symbol": "C19/70", "on_behalf_of": "France", "late_reason": "Transmitted before the deadline by fax"}
    escalation = engine.fire(escalation.id, "record_late_input", "sec.alice", late, now=at("2019-05-28"))
    item = escalation.fields["member_inputs"][-1]  # type: ignore[index]
    assert (item["member_state"], item["late_reason"]) == ("France", late["late_reason"])
    assert engine.history(escalation.id)[-1].changes["member_inputs"]["appended"]["late_reason"] == late["late_reason"]  # type: ignore[index]
