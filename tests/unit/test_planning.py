"""The planner with no database: steps planned in full (effects included) on the in-memory store.

Planning writes nothing; executing a plan writes exactly what it says, in order, with ``caused_by`` links;
a refusal anywhere in the tree leaves the store as it was.
"""

from __future__ import annotations

import pytest

from engine import Engine, FixedClock
from engine.catalogue import load_catalogue
from engine.directory import read_people_csv
from engine.errors import Conflict, GuardFailed, RoleNotAllowed
from engine.planning import StepPlan
from engine.records import AuditDraft
from engine.roles import SYSTEM_ACTOR
from storage.memory import MemoryStorage
from tests.conftest import FIXTURES, at
from tests.scenario import MEETING_FIELDS, Twelfth, convene, draft_report

CATALOGUE = load_catalogue()


@pytest.fixture
def memory() -> MemoryStorage:
    return MemoryStorage()


@pytest.fixture
def engine(memory: MemoryStorage) -> Engine:
    engine = Engine(memory, CATALOGUE, FixedClock(at("2018-12-01")))
    engine.import_people(read_people_csv((FIXTURES / "people.csv").read_text(encoding="utf-8"), "people.csv"))
    return engine


def _until_report(engine: Engine) -> Twelfth:
    """The 12th meeting up to the approval of its report (which is what the tests plan)."""
    return draft_report(convene(engine))


APPROVAL = {"report_symbol": "WG-Internet 12/5", "report_mode": "in_session", "report_approved_on": "2019-02-01"}


def _plan_approval(engine: Engine, memory: MemoryStorage, meeting_id: str) -> StepPlan:
    with memory.read() as unit:
        chair = unit.records.person("chair")
        assert chair is not None
        return engine.planner(unit.records, at("2019-02-01")).fire(meeting_id, "approve_report", chair, APPROVAL, None)


def _snapshot(memory: MemoryStorage) -> tuple[int, int, int, int]:
    data = memory.data
    return len(data.instances), len(data.audit), len(data.timers), len(data.outbox)


def test_a_start_plans_the_instance_its_audit_and_nothing_is_written(engine: Engine, memory: MemoryStorage) -> None:
    before = _snapshot(memory)
    with memory.write() as unit:
        alice = unit.records.person("sec.alice")
        assert alice is not None
        plan = engine.planner(unit.records, at("2018-12-01")).start("meeting_cycle", alice, MEETING_FIELDS, None)
    assert plan.is_start and plan.before is None
    assert (plan.after.state, plan.after.version, plan.after.fields["number"]) == ("planned", 1, 12)
    assert (plan.audit.trigger, plan.audit.from_state, plan.audit.to_state) == ("plan", None, "planned")
    assert _snapshot(memory) == before


def test_sending_the_invitation_plans_its_timers_and_one_message_per_reader(
    engine: Engine, memory: MemoryStorage
) -> None:
    meeting = engine.start("meeting_cycle", "sec.alice", MEETING_FIELDS, now=at("2018-12-01"))
    with memory.read() as unit:
        alice = unit.records.person("sec.alice")
        assert alice is not None
        plan = engine.planner(unit.records, at("2018-12-21")).fire(
            meeting.id, "send_invitation", alice, {"letter_ref": "DM-18/1000"}, None
        )
    assert sorted(t.key for t in plan.timers.add) == ["R01", "R05"]
    assert plan.timers.cancel == ()
    member_states = {p.id for p in engine.people() if "member_state" in p.roles}
    n01 = [d for d in plan.notices if d.notice == "N01"]
    assert {d.recipient.id for d in n01 if not d.for_information} == member_states
    assert {d.recipient.id for d in n01 if d.for_information} >= {"chair"}
    assert all(d.context["recipient"]["id"] == d.recipient.id for d in n01)
    assert engine.get(meeting.id).state == "planned"  # planned, not written


def test_approving_the_report_plans_action_items_and_the_escalation_with_its_own_effect(
    engine: Engine, memory: MemoryStorage
) -> None:
    """The escalation started by an effect fires `escalate` on the topic: planned on the world the plan leaves."""
    s = _until_report(engine)
    before = _snapshot(memory)
    plan = _plan_approval(engine, memory, s.meeting.id)
    assert _snapshot(memory) == before
    started = [(p.after.workflow, p.audit.trigger) for p in plan.effects]
    assert started.count(("action_item", "create")) == 3  # d2, d3, d4 carry an action owner
    escalation = next(p for p in plan.effects if p.after.workflow == "escalation")
    assert escalation.after.fields["options"] == [{"topic": s.topic.id, "title": s.topic.fields["title"]}]
    assert [(p.after.id, p.audit.trigger, p.audit.from_state) for p in escalation.effects] == [
        (s.topic.id, "escalate", "not_agreed")
    ]
    assert escalation.effects[0].audit.role == "system"  # authorised by its cause, not by the chair's roles
    assert len(plan.walk()) == 1 + 3 + 1 + 1


def test_executing_a_plan_writes_it_in_order_with_caused_by_links(engine: Engine, memory: MemoryStorage) -> None:
    s = _until_report(engine)
    plan = _plan_approval(engine, memory, s.meeting.id)
    with memory.write() as unit:
        audit_id = engine.execute(plan, unit.records)
    assert engine.get(s.meeting.id).state == "report_approved"
    assert engine.get(s.topic.id).state == "escalated"
    escalation = engine.linked(s.meeting.id, "meeting", "escalation")[0]
    (started,) = engine.history(escalation.id)
    assert started.caused_by == audit_id
    topic_step = engine.history(s.topic.id)[-1]
    assert (topic_step.trigger, topic_step.caused_by) == ("escalate", started.id)
    assert len(engine.linked(s.meeting.id, "meeting", "action_item")) == 3


def test_a_plan_gone_stale_is_refused_whole_and_nothing_is_written(engine: Engine, memory: MemoryStorage) -> None:
    """The topic changes between planning and writing: the nested step conflicts, the whole approval rolls back."""
    s = _until_report(engine)
    plan = _plan_approval(engine, memory, s.meeting.id)
    topic = engine.get(s.topic.id)
    with memory.write() as unit:  # someone else moves the topic on
        actor = engine.person("sec.alice")
        step = AuditDraft(at("2019-02-01"), actor, "secretariat", "x", topic.state, topic.state, None, {})
        assert unit.records.advance_instance(topic.id, topic.version, topic.fields, step, None) is not None
    before = _snapshot(memory)
    with pytest.raises(Conflict, match=s.topic.id), memory.write() as unit:
        engine.execute(plan, unit.records)
    assert _snapshot(memory) == before
    assert engine.get(s.meeting.id).state == "report_draft"
    assert engine.get(s.topic.id).version == s.topic.version + 1  # only the other writer's change


def test_a_refusal_at_the_top_is_the_precise_error(engine: Engine, memory: MemoryStorage) -> None:
    meeting = engine.start("meeting_cycle", "sec.alice", MEETING_FIELDS, now=at("2018-12-01"))
    with memory.read() as unit:
        france = unit.records.person("ms.fr")
        assert france is not None
        planner = engine.planner(unit.records, at("2018-12-21"))
        with pytest.raises(RoleNotAllowed, match=r"ms\.fr may not fire 'send_invitation'"):
            planner.fire(meeting.id, "send_invitation", france, {"letter_ref": "X"}, None)


def test_a_reminder_is_planned_for_its_readers_without_trigger_or_note(engine: Engine, memory: MemoryStorage) -> None:
    s = convene(engine)
    with memory.read() as unit:
        definition = engine.definition_of(s.meeting)
        drafts = engine.planner(unit.records, at("2019-01-04")).reminder(s.meeting, definition, "R01")
    assert drafts and all(d.notice == "R01" for d in drafts)
    assert all(d.context["trigger"] is None and d.context["note"] is None for d in drafts)
    assert all(d.context["actor"]["id"] == SYSTEM_ACTOR.id for d in drafts)


def test_moving_the_meeting_cancels_and_replans_its_timers(engine: Engine, memory: MemoryStorage) -> None:
    s = convene(engine)
    pending = {(t.key, t.due_at) for t in engine.timers(s.meeting.id, ("pending",))}
    with memory.read() as unit:
        alice = unit.records.person("sec.alice")
        assert alice is not None
        plan: StepPlan = engine.planner(unit.records, at("2019-01-02")).fire(
            s.meeting.id,
            "postpone",
            alice,
            {"start": "2019-03-11", "end": "2019-03-11", "change_reason": "venue"},
            None,
        )
    assert plan.after.state == "contributions_open"  # the new dates' deadlines are ahead
    assert set(plan.timers.cancel) == pending  # every timer of the old dates goes
    added = {t.key: t.due_at.date().isoformat() for t in plan.timers.add}
    assert added["close_translation"] == "2019-02-18" and added["R05"] == "2019-03-08"  # D - 1 a Sunday: Friday
    assert plan.timers.reason.startswith("no longer due after postpone by sec.alice")
    assert "deadlines" in plan.audit.changes


def test_guards_judge_the_step_as_it_would_leave_the_instance(engine: Engine) -> None:
    s = convene(engine)
    s.fire("meeting", "close_translation", "system", when="2019-01-12")
    with pytest.raises(GuardFailed):
        engine.fire(s.meeting.id, "close_contributions", "system", now=at("2019-01-15"))
