"""Random walks through the procedure across linked instances, on SQLite: the record never contradicts it.

A hypothesis state machine plays the Group, the secretariat and Council at once: it starts meetings and
topics, fires any step a person in the directory is allowed to fire from an instance's current state
(with values drawn for the fields the step asks for), creates consultations on selected topics, and lets
time pass so that timers fire. After every step, the cross-instance invariants hold (``check_all``), every
instance is in a state its definition declares, and every committed change has its audit row. Refusals
(a guard, a bad value, an invariant the step would break) are part of the game: they must write nothing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from consultflow.wiring import open_engine
from engine import Engine, FixedClock, Instance
from engine.definition import FieldSpec
from engine.directory import read_people_csv
from engine.errors import ConsultflowError
from engine.fields import list_items
from engine.invariants import check_all
from engine.timers import process_all_due
from tests.conftest import FIXTURES, at

PEOPLE = read_people_csv((FIXTURES / "people.csv").read_text(encoding="utf-8"), "people.csv")
MEMBER_STATES = [p for p in PEOPLE if p.member_state]
# Steps that end things, or go nowhere, are possible almost everywhere: most of the time, walks go on instead.
ENDINGS = {"cancel", "withdraw", "postpone", "designate_acting_chair"}
TEXTS = ["Proposal", "Views on OTTs", "C19/54", "WG-Internet 13/5", "https://docs.example/13", "6.3"]


class Procedure(RuleBasedStateMachine):
    """The Group's record, driven by whoever may act, in any order the definitions allow."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="cf-stateful-"))
        self.clock = FixedClock(at("2018-12-01"))
        self.engine: Engine = open_engine(f"sqlite:///{self.folder / 'cf.db'}", clock=self.clock)
        self.engine.import_people(PEOPLE)
        self.fired = 0

    reached: ClassVar[set[tuple[str, str]]] = set()  # (workflow, state) pairs seen at the end of walks
    steps_taken: ClassVar[set[tuple[str, str]]] = set()  # (workflow, trigger) pairs of the audit trails

    def teardown(self) -> None:
        instances = self.engine.list()
        Procedure.reached |= {(i.workflow, i.state) for i in instances}
        Procedure.steps_taken |= {(i.workflow, h.trigger) for i in instances for h in self.engine.history(i.id)}
        self.engine.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- values ------------------------------------------------------------------------------------------

    def _value(self, data: st.DataObject, spec: FieldSpec) -> object:
        today = self.clock.now().date()
        if spec.type == "enum":
            return data.draw(st.sampled_from(spec.values))
        if spec.type == "int":
            return data.draw(st.integers(1, 3))
        if spec.type == "bool":
            return data.draw(st.booleans())
        if spec.type in ("date", "datetime"):
            day: date = data.draw(st.dates(today - timedelta(days=20), today + timedelta(days=150)))
            return day.isoformat() if spec.type == "date" else f"{day.isoformat()}T10:00:00+00:00"
        if spec.type == "person":
            return data.draw(st.sampled_from([p.id for p in PEOPLE]))
        if spec.type == "ref":
            ids = [i.id for i in self.engine.list(spec.workflow)]
            return data.draw(st.sampled_from(ids)) if ids else None
        if spec.type == "text" and spec.name in ("member_state", "proposed_by", "owner", "country"):
            return data.draw(st.sampled_from([p.member_state for p in MEMBER_STATES]))
        return data.draw(st.sampled_from(TEXTS))

    def _fields(self, data: st.DataObject, instance: Instance, trigger: str) -> dict[str, object]:
        definition = self.engine.definition_of(instance)
        spec = definition.transition(trigger, instance.state)
        assert spec is not None
        if spec.append is not None:
            item = definition.fields[spec.append].item
            return {n: self._value(data, f) for n, f in item.items() if f.required or data.draw(st.booleans())}
        names = list(spec.requires) + [n for n in spec.sets if data.draw(st.booleans())]
        values = {n: self._value(data, definition.fields[n]) for n in names if definition.fields[n].type != "list"}
        return {k: v for k, v in values.items() if v is not None}

    def _instances(self) -> list[Instance]:
        """The instances in an order that does not depend on their random ids, so that a walk replays."""
        return sorted(
            self.engine.list(), key=lambda i: (i.created_at, i.workflow, json.dumps(i.fields, sort_keys=True))
        )

    def _attempt(self, action: Callable[..., object], *args: object, **kwargs: object) -> None:
        """Run a step; a refusal is fine as long as it wrote nothing (checked by the invariants below)."""
        try:
            action(*args, **kwargs)
            self.fired += 1
        except ConsultflowError:
            pass

    # -- the Group's life ---------------------------------------------------------------------------------

    @initialize()
    def a_meeting_with_topics(self) -> None:
        meeting = self.engine.start(
            "meeting_cycle",
            "sec.alice",
            {
                "number": 13,
                "start": "2019-02-20",
                "end": "2019-02-21",
                "venue": "Geneva",
                "council_session": "Council 2019",
                "council_opening": "2019-06-10",
            },
            now=self.clock.now(),
        )
        for proposer, title in ((MEMBER_STATES[0], "Topic A"), (MEMBER_STATES[2], "Topic B")):
            fields = {"title": title, "meeting": meeting.id, "proposed_by": proposer.member_state}
            self.engine.start("topic", proposer, fields, now=self.clock.now())
        # The walks start at the session, where topics are decided (each step dated by the meeting's deadlines);
        # earlier and later parts of a meeting's life are reached by the walks themselves and by later meetings.
        days = self.engine.deadlines(meeting)
        for trigger, actor, values, day in [
            ("send_invitation", "sec.alice", {"letter_ref": "DM-19/13"}, days["invitation"]),
            ("open_contributions", "sec.alice", {}, days["invitation"]),
            ("close_translation", "system", {}, days["contrib_translated"] + timedelta(days=1)),
            ("close_contributions", "system", {}, days["contrib_untranslated"] + timedelta(days=1)),
            ("publish_documents", "sec.alice", {"documents_link": "https://docs.example/13"}, days["posting"]),
            ("open_session", "chair", {}, date(2019, 2, 20)),
        ]:
            self.clock.set(at(day.isoformat()))
            self.engine.fire(meeting.id, trigger, actor, values, now=self.clock.now())
        # Both topics tabled; the first, as at the 12th meeting, without consensus: every walk can take a
        # question to Council (walks draw few rules, and those that lead there are a chain of them).
        first, second = sorted(self.engine.list("topic"), key=lambda t: str(t.fields["title"]))
        for topic in (first, second):
            self.engine.fire(topic.id, "table_topics", "chair", now=self.clock.now())
        self.engine.fire(first.id, "record_no_consensus", "chair", {"reason": "objection"}, now=self.clock.now())

    @rule(data=st.data(), steps=st.integers(1, 12))
    def people_fire_steps_they_may_fire(self, data: st.DataObject, steps: int) -> None:
        """A run of steps (hypothesis draws few rules per walk: each one goes some way)."""
        for _ in range(steps):
            moving = [i for i in self._instances() if i.state not in self.engine.definition_of(i).finals]
            if not moving:
                return
            instance = data.draw(st.sampled_from(moving))
            allowed = [
                (person, a.trigger)
                for person in PEOPLE
                for a in self.engine.allowed_triggers(instance, person)
                if a.permitted
            ]
            if not allowed:
                continue  # only timers and effects move it on
            going_on = [(p, t) for p, t in allowed if t not in ENDINGS]
            if going_on and data.draw(st.integers(0, 9)) > 0:
                allowed = going_on
            person, trigger = data.draw(st.sampled_from(allowed))
            fields = self._fields(data, instance, trigger)
            self._attempt(self.engine.fire, instance.id, trigger, person, fields, now=self.clock.now())
            self.the_record_agrees_with_the_procedure()  # after every step, not only after every rule
            if data.draw(st.booleans()):
                self.time_passes_and_timers_fire(data.draw(st.integers(1, 6)))

    @rule(data=st.data())
    def the_chair_tables_a_topic_and_the_group_may_agree(self, data: st.DataObject) -> None:
        """In session, topics are tabled and decided (so that consultations and escalations come up)."""
        now = self.clock.now()
        for topic in self._instances():
            if topic.workflow == "topic" and topic.state == "proposed":
                self._attempt(self.engine.fire, topic.id, "table_topics", "chair", now=now)
            elif topic.workflow == "topic" and topic.state == "under_consideration" and data.draw(st.booleans()):
                self._attempt(self.engine.fire, topic.id, "record_consensus", "chair", now=now)

    @rule(data=st.data())
    def the_group_cannot_agree_on_a_tabled_topic(self, data: st.DataObject) -> None:
        """As at the 12th meeting: so that escalations to Council come up in the walks, not only by chance."""
        tabled = [i for i in self._instances() if i.workflow == "topic" and i.state == "under_consideration"]
        if tabled:
            topic = data.draw(st.sampled_from(tabled))
            reason = {"reason": data.draw(st.sampled_from(["objection", "time_ran_out"]))}
            self._attempt(self.engine.fire, topic.id, "record_no_consensus", "chair", reason, now=self.clock.now())
            if data.draw(st.booleans()):  # and the session may end there: the question goes to Council
                self.the_session_ends_and_its_report_is_approved(data)

    @rule(data=st.data())
    def the_secretariat_opens_a_consultation_on_a_selected_topic(self, data: st.DataObject) -> None:
        selected = self.engine.list("topic", "selected")
        if not selected:
            return
        topic = data.draw(st.sampled_from(selected))
        fields = {"topic": topic.id, "title": f"Consultation on {topic.fields['title']}"}
        self._attempt(self.engine.start, "consultation", "sec.alice", fields, now=self.clock.now())

    @rule(data=st.data())
    def the_session_ends_and_its_report_is_approved(self, data: st.DataObject) -> None:
        """Adjourned, report circulated and approved: what is not agreed then goes to Council in one question."""
        in_session = [i for i in self._instances() if i.workflow == "meeting_cycle" and i.state == "in_session"]
        if not in_session:
            return
        meeting = data.draw(st.sampled_from(in_session))
        today = self.clock.now().date().isoformat()
        for trigger, actor, fields in [
            ("adjourn", "chair", {}),
            ("circulate_draft_report", "sec.alice", {"draft_report_symbol": "WG-Internet 13/5"}),
            ("approve_report", "chair",
             {"report_symbol": "WG-Internet 13/5", "report_mode": "in_session", "report_approved_on": today}),
        ]:  # fmt: skip
            self._attempt(self.engine.fire, meeting.id, trigger, actor, fields, now=self.clock.now())
            self.the_record_agrees_with_the_procedure()
        if data.draw(st.booleans()):
            self.an_escalation_goes_to_council_which_decides(data)

    @rule(data=st.data())
    def an_escalation_goes_to_council_which_decides(self, data: st.DataObject) -> None:
        """Drafted, submitted, on the agenda, considered, decided: so that Council's guidance comes up (a walk
        draws few rules, so this one goes the whole way, checking the record after each step)."""
        towards = {
            "recorded": ("draft_report", "chair", {"report_section": "6.3"}),
            "report_drafted": ("submit", "sec.alice", {"chair_report_symbol": "C19/54"}),
            "submitted": ("place_on_agenda", "council.rec", {"agenda_item": "ADM 8"}),
            "on_agenda": ("consider", "council.rec", {}),
        }
        waiting = [i for i in self._instances() if i.workflow == "escalation" and i.state in towards]
        if not waiting:
            return
        escalation = data.draw(st.sampled_from(waiting))
        while escalation.state in towards:
            trigger, actor, fields = towards[escalation.state]
            self._attempt(self.engine.fire, escalation.id, trigger, actor, fields, now=self.clock.now())
            self.the_record_agrees_with_the_procedure()
            moved = self.engine.get(escalation.id)
            if moved.version == escalation.version:
                return  # refused (a guard, or it moved on another way): the walk goes on elsewhere
            escalation = moved
        self._council_decides_on_each_option(data, escalation)

    def _council_decides_on_each_option(self, data: st.DataObject, escalation: Instance) -> None:
        """One guidance for every option of the question: decided (in an order), referred back or not taken.
        Now and then the orders are wrong or an option is forgotten: the step must then be refused whole."""
        options = [str(o["topic"]) for o in list_items(escalation.fields.get("options"))]
        outcomes = [data.draw(st.sampled_from(["decided", "decided", "referred_back", "not_taken"])) for _ in options]
        orders = iter(data.draw(st.permutations(range(1, outcomes.count("decided") + 1))))
        decisions: list[dict[str, object]] = [
            {"topic": t, "outcome": o, **({"order": next(orders)} if o == "decided" else {})}
            for t, o in zip(options, outcomes, strict=True)
        ]
        if decisions and data.draw(st.integers(0, 4)) == 0:
            decisions = decisions[1:] if data.draw(st.booleans()) else [{**d, "order": 2} for d in decisions]
        fields = {"council_decisions": decisions, "summary_record": "C19/120"}
        self._attempt(self.engine.fire, escalation.id, "give_guidance", "council.rec", fields, now=self.clock.now())

    @rule(data=st.data())
    def the_secretariat_plans_another_meeting(self, data: st.DataObject) -> None:
        """Later meetings, which start from their planning (topics can be attached to them)."""
        if len(self.engine.list("meeting_cycle")) >= 3:
            return
        start = self.clock.now().date() + timedelta(days=data.draw(st.integers(30, 120)))
        fields = {"number": 14, "start": start.isoformat(), "end": start.isoformat(), "venue": "Geneva"}
        self._attempt(self.engine.start, "meeting_cycle", "sec.alice", fields, now=self.clock.now())

    @rule(data=st.data())
    def a_member_state_proposes_a_topic(self, data: st.DataObject) -> None:
        meetings = self.engine.list("meeting_cycle")
        if len(self.engine.list("topic")) >= 4:
            return  # enough topics: let the walk spend its steps on moving them
        proposer = data.draw(st.sampled_from(MEMBER_STATES))
        meeting = data.draw(st.sampled_from(meetings))
        fields = {"title": "Another topic", "meeting": meeting.id, "proposed_by": proposer.member_state}
        self._attempt(self.engine.start, "topic", proposer, fields, now=self.clock.now())

    @rule(days=st.integers(1, 20))
    def time_passes(self, days: int) -> None:
        self.time_passes_and_timers_fire(days)

    def time_passes_and_timers_fire(self, days: int) -> None:
        self.clock.set(self.clock.now() + timedelta(days=days))
        process_all_due(self.engine, self.clock.now())

    # -- what must hold after every step ----------------------------------------------------------------

    @invariant()
    def the_record_agrees_with_the_procedure(self) -> None:
        with self.engine.storage.read() as unit:
            violations = check_all(unit.records)
        assert violations == [], "\n".join(str(v) for v in violations)

    @invariant()
    def every_instance_is_in_a_declared_state_with_one_audit_row_per_version(self) -> None:
        for instance in self.engine.list():
            definition = self.engine.definition_of(instance)
            assert instance.state in definition.states
            history = self.engine.history(instance.id)
            assert len(history) == instance.version, instance.id
            assert history[-1].to_state == instance.state


WALKS = settings(
    max_examples=10,
    stateful_step_count=60,
    deadline=None,
    derandomize=True,  # the same walks on every run: CI stays reproducible, a failure can be replayed
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_random_walks_never_leave_the_record_contradicting_the_procedure() -> None:
    """The walks check the invariants after every step; then, so that this test cannot pass by doing
    nothing, they must have moved meetings and topics well past where they start."""
    Procedure.reached, Procedure.steps_taken = set(), set()
    run_state_machine_as_test(Procedure, settings=WALKS)
    meeting_states = {s for w, s in Procedure.reached if w == "meeting_cycle"}
    topic_states = {s for w, s in Procedure.reached if w == "topic"}
    assert meeting_states - {"planned", "convened", "cancelled", "postponed", "in_session"}, sorted(Procedure.reached)
    assert topic_states - {"proposed", "withdrawn"}, sorted(Procedure.reached)
    # Council's guidance moved topics on: decided (selected, then in consultation) or not taken.
    assert topic_states & {"selected", "in_consultation", "not_taken"}, sorted(Procedure.reached)
    assert ("escalation", "give_guidance") in Procedure.steps_taken, sorted(Procedure.steps_taken)
    council_moved = {("topic", "council_decides_topic"), ("topic", "council_not_taken")} & Procedure.steps_taken
    assert council_moved, sorted(Procedure.steps_taken)
