"""The 12th meeting (docs/procedure.md, "The 12th meeting as data") through the Python API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from engine import Engine
from engine.errors import GuardFailed, RoleNotAllowed, TriggerNotAllowed
from storage.repository import Store
from storage.unit import database_of
from tests.conftest import at
from tests.scenario import convene, escalate_to_council, hold_meeting


def test_stakeholder_cannot_contribute_to_a_meeting(engine: Engine) -> None:
    """Checklist 2: the Group is Member States only, so a stakeholder's contribution is refused by role."""
    s = convene(engine)
    with pytest.raises(RoleNotAllowed) as refused:
        engine.fire(s.meeting.id, "submit_contribution", "sh.isoc", {"title": "Views"}, now=at("2019-01-05"))
    message = str(refused.value)
    assert "submit_contribution" in message and "contributions_open" in message
    assert "stakeholder" in message and "member_state" in message


def test_late_contributions_are_untranslated_then_refused_unless_admitted(engine: Engine) -> None:
    """Checklist 3: after D-21 a contribution is accepted untranslated (N03); after D-12 only the chair admits one."""
    s = convene(engine)
    s.fire("meeting", "close_translation", "system", when="2019-01-12")
    with pytest.raises(GuardFailed, match="needs_translation"):
        engine.fire(
            s.meeting.id,
            "submit_contribution",
            "ms.fr",
            {"title": "t", "needs_translation": "yes"},
            now=at("2019-01-15"),
        )
    s.fire("meeting", "submit_contribution", "ms.fr", {"title": "On OTTs"}, when="2019-01-15")
    with database_of(engine.storage).read() as conn:
        notices = {m.notice for m in Store(conn).outbox(instance_id=s.meeting.id)}
    assert {"N03", "N04"} <= notices
    s.fire("meeting", "close_contributions", "system", when="2019-01-21")
    with pytest.raises(TriggerNotAllowed):
        engine.fire(s.meeting.id, "submit_contribution", "ms.fr", {"title": "late"}, now=at("2019-01-22"))
    with pytest.raises(GuardFailed, match="kind is 'contribution'"):  # only what the meeting asked for
        engine.fire(
            s.meeting.id,
            "admit_contribution",
            "chair",
            {"title": "Late", "kind": "contribution", "on_behalf_of": "Brazil"},
            now=at("2019-01-22"),
        )
    with pytest.raises(GuardFailed, match="on_behalf_of is not set"):  # and for whom
        engine.fire(
            s.meeting.id,
            "admit_contribution",
            "chair",
            {"title": "Late", "kind": "requested_by_meeting"},
            now=at("2019-01-22"),
        )
    admitted = s.fire(
        "meeting",
        "admit_contribution",
        "chair",
        {"title": "Requested by the meeting", "kind": "requested_by_meeting", "on_behalf_of": "Brazil"},
        when="2019-01-22",
    )
    item = admitted.fields["contributions"][-1]  # type: ignore[index]
    assert (item["kind"], item["member_state"], item["by"]) == ("requested_by_meeting", "Brazil", "chair")
    receipts = [m for m in engine.outbox(instance_id=s.meeting.id) if m.notice == "N04"]
    assert {m.recipient_id for m in receipts if not m.for_information} >= {"ms.br"}  # Brazil gets its receipt


def test_contribution_deadline_guard_holds_even_if_no_timer_ran(engine: Engine) -> None:
    """A contribution after the end of 2019-01-20 (Geneva) is refused even while the state still says open."""
    s = convene(engine)
    s.fire("meeting", "close_translation", "system", when="2019-01-12")
    with pytest.raises(GuardFailed, match="contrib_untranslated"):
        engine.fire(s.meeting.id, "submit_contribution", "ms.fr", {"title": "t"}, now=at("2019-01-20T23:30:00+00:00"))


def test_approving_the_report_creates_action_items_and_the_escalation(engine: Engine) -> None:
    """Checklist 4: record_no_consensus puts the topic in not_agreed; approve_report creates a1-a3 and E1."""
    s = hold_meeting(convene(engine))
    assert s.meeting.state == "report_approved"
    items = engine.linked(s.meeting.id, "meeting", "action_item")
    assert sorted((i.fields["decision"], i.fields["owner_kind"], i.fields["due"]) for i in items) == [
        ("d2", "all_member_states", "2019-08-30"),
        ("d3", "secretariat", "2019-09-13"),
        ("d4", "chair", "2019-05-13"),
    ]
    assert all(i.state == "open" for i in items)
    escalations = engine.linked(s.meeting.id, "meeting", "escalation")
    assert [(e.state, e.fields["options"]) for e in escalations] == [
        ("recorded", [{"topic": s.topic.id, "title": s.topic.fields["title"]}])
    ]
    topic = engine.get(s.topic.id)
    assert topic.state == "escalated" and topic.fields["escalation"] == escalations[0].id
    with database_of(engine.storage).read() as conn:
        n17 = [m for m in Store(conn).outbox() if m.notice == "N17"]
    assert {m.instance_id for m in n17} == {i.id for i in items}


def test_council_referring_back_returns_the_topic_to_the_group(engine: Engine) -> None:
    """Checklist 6: outcome referred_back moves the topic to under_consideration and no consultation exists."""
    s = hold_meeting(convene(engine))
    escalation = escalate_to_council(s, "referred_back")
    assert escalation.state == "guidance_given"
    topic = engine.get(s.topic.id)
    assert topic.state == "under_consideration"
    assert engine.list(workflow="consultation") == []
    last = engine.history(topic.id)[-1]
    assert (last.trigger, last.role, last.actor) == ("refer_back", "system", "council.rec")
    assert last.caused_by == engine.history(escalation.id)[-1].id


def test_council_deciding_the_topic_selects_it_and_a_consultation_can_start(engine: Engine) -> None:
    """Outcome topic_decided selects the topic with its order; creating the consultation moves it on."""
    s = hold_meeting(convene(engine))
    escalation = engine.linked(s.meeting.id, "meeting", "escalation")[0]
    escalate_to_council(s, "decided")
    topic = engine.get(s.topic.id)
    assert topic.state == "selected"
    consultation = engine.start(
        "consultation",
        "sec.alice",
        {"topic": topic.id, "title": "Next topic", "questions": '["Q1?", "Q2?"]'},
        now=at("2019-06-20"),
    )
    assert consultation.state == "draft" and engine.get(topic.id).state == "in_consultation"
    assert escalation.id != consultation.id


def test_acting_chair_may_open_the_session(engine: Engine) -> None:
    """A vice-chair designated acting chair for the meeting may fire chair triggers; another vice-chair may not."""
    s = convene(engine)
    s.fire("meeting", "close_translation", "system", when="2019-01-12")
    s.fire("meeting", "close_contributions", "system", when="2019-01-21")
    s.fire("meeting", "publish_documents", "sec.alice", when="2019-01-25")
    with pytest.raises(RoleNotAllowed):
        engine.fire(s.meeting.id, "open_session", "vc.amina", now=at("2019-02-01"))
    s.fire("meeting", "designate_acting_chair", "chair", {"acting_chair": "vc.amina"}, when="2019-01-30")
    with pytest.raises(RoleNotAllowed):
        engine.fire(s.meeting.id, "open_session", "vc.li", now=at("2019-02-01"))
    opened = s.fire("meeting", "open_session", "vc.amina")
    assert opened.state == "in_session"
    assert engine.history(s.meeting.id)[-1].role == "acting_chair"  # the audit says who stood in, not "chair"


def test_only_the_proposing_member_state_may_withdraw_its_topic(engine: Engine) -> None:
    """The instance role `proposer` holds for the focal point of the Member State that proposed the topic."""
    s = convene(engine)
    with pytest.raises(RoleNotAllowed, match="proposer"):
        engine.fire(s.topic.id, "withdraw", "ms.ru", now=at("2019-01-09"))
    assert engine.fire(s.topic.id, "withdraw", "ms.fr", now=at("2019-01-09")).state == "withdrawn"


def test_audit_row_records_who_as_what_and_what_changed(engine: Engine) -> None:
    """Each committed change has one audit row with actor, role, Member State, trigger, states, note and fields."""
    s = convene(engine)
    engine.fire(
        s.meeting.id,
        "submit_contribution",
        "ms.fr",
        {"title": "Proposal"},
        note="on behalf of France",
        now=at("2019-01-05"),
    )
    entry = engine.history(s.meeting.id)[-1]
    assert (entry.actor, entry.role, entry.member_state) == ("ms.fr", "member_state", "France")
    assert (entry.trigger, entry.from_state, entry.to_state) == (
        "submit_contribution",
        "contributions_open",
        "contributions_open",
    )
    assert entry.note == "on behalf of France"
    assert entry.changes["contributions"]["appended"]["title"] == "Proposal"  # type: ignore[index]
    first = engine.history(s.meeting.id)[0]
    assert (first.trigger, first.from_state, first.to_state) == ("plan", None, "planned")


def test_meeting_records_are_for_the_group_only(engine: Engine) -> None:
    """Stakeholders cannot see meeting instances (Member States only); open consultations are public."""
    s = convene(engine)
    assert engine.can_see(s.meeting, "ms.ru") and engine.can_see(s.meeting, "sec.alice")
    assert not engine.can_see(s.meeting, "sh.isoc") and not engine.can_see(s.topic, "sh.isoc")
    s.fire("meeting", "close_translation", "system", when="2019-01-12")
    s.fire("meeting", "close_contributions", "system", when="2019-01-21")
    s.fire(
        "meeting", "publish_documents", "sec.alice", {"documents_link": "https://docs.example/12"}, when="2019-01-25"
    )
    s.fire("meeting", "open_session", "chair")
    engine.fire(s.topic.id, "table_topics", "chair", now=at("2019-02-01"))
    engine.fire(s.topic.id, "record_consensus", "chair", now=at("2019-02-01"))
    consultation = engine.start(
        "consultation", "sec.alice", {"topic": s.topic.id, "title": "Open"}, now=at("2019-02-10")
    )
    assert engine.can_see(consultation, "sh.isoc")
