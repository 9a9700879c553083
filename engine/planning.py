"""Planning a step: everything it will write, computed before anything is written.

``Planner.start`` / ``Planner.fire`` decide a step (``engine.machine.decide``) and return a ``StepPlan``:
the instance as it will be, its audit entry, its refs, the timers to cancel and to add, one outbox draft
per recipient of each notice, and the plans of the linked-instance effects the step causes (each one a
``StepPlan`` too, planned on the world as the steps before it leave it). ``Planner.reminder`` plans the
outbox drafts of a due reminder. Nothing here writes: the planner reads through a ``RecordReader`` with an
overlay of what the plan so far changes, and ``engine.execution.execute`` writes a plan on one unit of
work. A refusal anywhere in the tree raises before anything is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from engine.catalogue import Catalogue
from engine.deadlines import PlannedTimer, deadline_days, plan_timers
from engine.definition import Condition, Definition, EffectSpec
from engine.errors import (
    Conflict,
    ConsultflowError,
    DecidedElsewhere,
    FieldError,
    InstanceNotFound,
    PersonNotFound,
)
from engine.fields import check_characters, list_items
from engine.guards import LinkedStates
from engine.loader import deciding_steps, with_article
from engine.machine import CompiledWorkflow, Step, decide
from engine.notices import notice_context, recipient_data, recipients
from engine.overlay import Overlay
from engine.ports import RecordReader
from engine.records import AuditDraft, Instance, Person
from engine.registry import DefinitionRegistry
from engine.roles import SYSTEM_ACTOR, effective_roles

MAX_EFFECT_DEPTH = 8


@dataclass(frozen=True)
class OutboxDraft:
    """One notice to one recipient, with the plain-data context its template will get."""

    notice: str
    recipient: Person
    for_information: bool
    context: Mapping[str, Any]


@dataclass(frozen=True)
class TimerChanges:
    """Pending timers to cancel (by key and due time) and timers to add, so that they match the state."""

    cancel: tuple[tuple[str, datetime], ...] = ()
    add: tuple[PlannedTimer, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class StepPlan:
    """One step, complete: write it with ``engine.execution.execute``."""

    before: Instance | None  # None when the step starts the instance
    after: Instance
    definition: Definition
    audit: AuditDraft
    refs: Mapping[str, str | None]
    timers: TimerChanges
    notices: tuple[OutboxDraft, ...]
    effects: tuple[StepPlan, ...] = ()  # caused by this step, written after it, in this order
    # Notices of this instance still queued that the step makes wrong, never to be sent: its reminders when it
    # moves dates or the state; the notices stating its dates (``quotes_dates``: an invitation, a postponement)
    # when it moves them or sends such a notice anew. Other notices of steps stay: they record what happened.
    stale_reminders: tuple[str, ...] = ()

    @property
    def is_start(self) -> bool:
        return self.before is None

    def walk(self) -> list[StepPlan]:
        """This step and every step it causes, in the order they are written."""
        return [self, *(s for effect in self.effects for s in effect.walk())]


def resolve_actor(reader: RecordReader, actor: Person | str) -> Person:
    """The person acting: given, the system, or looked up in the directory by id (refused if unknown)."""
    if isinstance(actor, Person):
        return actor
    if actor == SYSTEM_ACTOR.id:
        return SYSTEM_ACTOR
    person = reader.person(actor)
    if person is None:
        raise PersonNotFound(
            f"no person '{actor}' in the directory (import people with `consultflow people import FILE.csv`)"
        )
    return person


@dataclass
class Planner:
    """Plans steps on one transaction's reads, as of ``now``; one planner per transaction (it caches reads)."""

    reader: RecordReader
    catalogue: Catalogue
    registry: DefinitionRegistry
    now: datetime
    overlay: Overlay = field(init=False)
    _people: list[Person] | None = field(default=None, init=False)
    _message: str | None = field(default=None, init=False)  # the message of the step being planned, to recipients

    def __post_init__(self) -> None:
        self.overlay = Overlay(self.reader)

    def forget(self) -> None:
        """Drop what earlier plans laid over the reads (after they were written, or refused)."""
        self.overlay = Overlay(self.reader)

    # -- steps ----------------------------------------------------------------------------------------

    def start(
        self,
        workflow: str,
        actor: Person,
        given: Mapping[str, object],
        note: str | None,
        *,
        caused: bool = False,
        message: str | None = None,
    ) -> StepPlan:
        """Plan starting an instance of ``workflow`` (``caused``: by an effect, which authorises it).
        ``message`` goes to the recipients of the step's own notices (the note stays in the audit)."""
        self._message = checked_message(message)
        try:
            plan = self._start(workflow, actor, given, note, caused=caused, depth=0)
        finally:
            self._message = None
        return once_per_document(plan, self.catalogue)

    def fire(
        self,
        instance_id: str,
        trigger: str,
        actor: Person | str,
        given: Mapping[str, object],
        note: str | None,
        *,
        expected_version: int | None = None,
        message: str | None = None,
    ) -> StepPlan:
        """Plan firing ``trigger`` on an instance; raises the precise refusal if it may not happen.
        ``message`` goes to the recipients of the step's own notices (the note stays in the audit).
        ``actor`` given by id is looked up after the instance is read: that read also tells whether the
        people kept in memory still hold (storage.directory_cache), so the lookup costs no statement."""
        self._message = checked_message(message)
        try:
            plan = self._fire(instance_id, trigger, actor, given, note, expected_version, caused=False, depth=0)
        finally:
            self._message = None
        return once_per_document(plan, self.catalogue)

    def reminder(self, instance: Instance, definition: Definition, notice_id: str) -> tuple[OutboxDraft, ...]:
        """The messages of a due reminder (no trigger and no note: a template's note stays empty)."""
        days = deadline_days(definition, instance.fields, self.catalogue.body)
        return self.notices([notice_id], definition, instance, days, SYSTEM_ACTOR, None, None, None)

    # -- planning -------------------------------------------------------------------------------------

    def _start(
        self, workflow: str, actor: Person, given: Mapping[str, object], note: str | None, *, caused: bool, depth: int
    ) -> StepPlan:
        compiled = self.registry.current(workflow)
        definition = compiled.definition
        instance_id = f"{definition.name}-{uuid.uuid4().hex[:10]}"
        step = decide(
            compiled,
            instance_id=instance_id,
            state=None,
            fields={},
            trigger=definition.start.trigger,
            actor=actor,
            roles=effective_roles(actor, definition, {}, {}),
            given=given,
            now=self.now,
            body=self.catalogue.body,
            linked_states=self._linked_states(instance_id),
            authorised_by_cause=caused,
        )
        self._check_references(definition, step.fields)
        after = self._after(definition, instance_id, step, version=1, created_at=self.now)
        return self._complete(compiled, None, after, step, actor, note, depth, days_before=None)

    def _fire(
        self,
        instance_id: str,
        trigger: str,
        actor_ref: Person | str,
        given: Mapping[str, object],
        note: str | None,
        expected_version: int | None,
        *,
        caused: bool,
        depth: int,
    ) -> StepPlan:
        loaded = self.overlay.instance(instance_id, lock=True)
        if loaded is None:
            raise InstanceNotFound(f"no instance '{instance_id}' (see `consultflow list`)")
        actor = resolve_actor(self.reader, actor_ref)
        instance, compiled = loaded[0], self._compiled(loaded)
        if expected_version is not None and instance.version != expected_version:
            raise Conflict(instance_id, expected_version, instance.version)
        definition = compiled.definition
        if not caused:
            self._refuse_decided_elsewhere(definition, instance, trigger)
        # A referenced instance is read only when a role or a guard looks at it (meeting.acting_chair,
        # not_before_day: meeting.start), not on every step.
        guards = [g for spec in definition.alternatives(trigger, instance.state) for g in spec.guards]
        needs_related = (definition.acting_chair is not None and "." in definition.acting_chair) or any(
            "." in str(g.args.get("field", "")) for g in guards
        )
        related = self.related(definition, instance.fields) if needs_related else {}
        related_fields = {name: {**inst.fields, "state": inst.state} for name, inst in related.items()}
        body = self.catalogue.body
        step = decide(
            compiled,
            instance_id=instance_id,
            state=instance.state,
            fields=instance.fields,
            trigger=trigger,
            actor=actor,
            roles=effective_roles(actor, definition, instance.fields, related_fields),
            given=given,
            now=self.now,
            body=body,
            linked_states=self._linked_states(instance_id),
            authorised_by_cause=caused,
            related=related_fields,
            person_of=self.reader.person,
        )
        self._check_references(definition, {k: step.fields.get(k) for k in step.changes})
        after = self._after(definition, instance_id, step, version=instance.version + 1, created_at=instance.created_at)
        days_before = deadline_days(definition, instance.fields, body)
        return self._complete(compiled, instance, after, step, actor, note, depth, days_before=days_before)

    def _after(
        self, definition: Definition, instance_id: str, step: Step, *, version: int, created_at: datetime
    ) -> Instance:
        """The instance as the step leaves it."""
        return Instance(
            instance_id,
            definition.name,
            definition.version,
            definition.content_hash,
            step.to_state,
            step.fields,
            version,
            created_at,
            self.now,
        )

    def _complete(
        self,
        compiled: CompiledWorkflow,
        before: Instance | None,
        after: Instance,
        step: Step,
        actor: Person,
        note: str | None,
        depth: int,
        days_before: Mapping[str, date] | None,
    ) -> StepPlan:
        """The rest of a decided step: audit, refs, timers, notices; then the effects, on the world after it."""
        definition = compiled.definition
        days = deadline_days(definition, step.fields, self.catalogue.body)
        changes: dict[str, Any] = dict(step.changes)
        if days_before is not None and days != days_before:
            changes["deadlines"] = {
                n: [_iso(days_before.get(n)), _iso(days.get(n))]
                for n in sorted(set(days) | set(days_before))
                if days.get(n) != days_before.get(n)
            }
        refs = {
            f.name: _ref(step.fields.get(f.name))
            for f in definition.fields.values()
            if f.type == "ref" and (before is None or f.name in step.changes)
        }
        moved = before is None or step.from_state != step.to_state or bool(step.changes)
        reason = f"{step.trigger} by {actor.id}"
        timers = self._timers(definition, after, days, reason, is_new=before is None) if moved else None
        self.overlay.put(
            after,
            compiled,
            refs,
            cancelled=timers.cancel if timers else (),
            added=[(t.key, t.due_at) for t in timers.add] if timers else (),
        )
        notices = (
            self.notices(
                step.notices,
                definition,
                after,
                days,
                actor,
                step.trigger,
                note,
                step.item,
                changes=changes,
                message=(self._message, step.role) if depth == 0 and self._message else None,
            )
            if step.notices
            else ()
        )
        effects = tuple(
            plan for effect in step.spec.effects for plan in self._effect(effect, definition, after, actor, depth)
        )
        dates_move = "deadlines" in changes or not definition.date_fields.isdisjoint(step.changes)
        moves = dates_move or step.from_state != step.to_state
        stale: tuple[str, ...] = ()
        if before is not None:
            dated = self.catalogue.dated_notices(definition.name)
            stale = definition.reminder_notices if moves else ()
            if dated and (dates_move or not set(dated).isdisjoint(step.notices)):
                stale = (*stale, *dated)  # the dates they state moved, or this step's notice states them anew
        return StepPlan(
            before=before,
            after=after,
            definition=definition,
            stale_reminders=stale,
            audit=AuditDraft(self.now, actor, step.role, step.trigger, step.from_state, step.to_state, note, changes),
            refs=refs,
            timers=timers or TimerChanges(),
            notices=notices,
            effects=effects,
        )

    def _timers(
        self, definition: Definition, instance: Instance, days: Mapping[str, date], reason: str, *, is_new: bool
    ) -> TimerChanges | None:
        """The pending timers to cancel and the ones to add; fired or skipped ones are never redone."""
        if not definition.timers:
            return None  # nothing could have been scheduled for an instance of this definition
        body = self.catalogue.body
        planned = {(t.key, t.due_at): t for t in plan_timers(definition, instance.state, instance.fields, body, days)}
        existing = {} if is_new else self.overlay.timers(instance.id)
        pending = [k for k, status in existing.items() if status == "pending"]
        done = {k for k, status in existing.items() if status != "pending"}
        return TimerChanges(
            cancel=tuple(k for k in pending if k not in planned),
            add=tuple(t for k, t in planned.items() if k not in pending and k not in done),
            reason=f"no longer due after {reason} (state {instance.state})",
        )

    def notices(
        self,
        notice_ids: Sequence[str],
        definition: Definition,
        instance: Instance,
        days: Mapping[str, date],
        actor: Person,
        trigger: str | None,
        note: str | None,
        item: Mapping[str, object] | None,
        *,
        changes: Mapping[str, Any] | None = None,
        message: tuple[str, str] | None = None,
    ) -> tuple[OutboxDraft, ...]:
        """One draft per recipient of each notice, with the context its template gets (``message``: the text
        for the recipients and the role its author acted in)."""
        related = self.related(definition, instance.fields)
        related_fields = {name: inst.fields for name, inst in related.items()}
        drafts: list[OutboxDraft] = []
        for notice_id in notice_ids:
            notice = self.catalogue.notices[notice_id]
            context = notice_context(
                notice, self.catalogue.body, instance, related, days, actor, trigger, note, self.now, item
            )
            context.update(
                changes=dict(changes) if changes else None,
                message=None,
                message_role=None,
                person_names=self._person_names(definition, instance.fields),
            )
            if message is not None:
                context.update(message=message[0], message_role=message[1])
            for person, for_information in recipients(
                notice, self.people(), actor, definition, instance.fields, related_fields, item
            ):
                drafts.append(
                    OutboxDraft(
                        notice_id,
                        person,
                        for_information,
                        {**context, "recipient": recipient_data(person, for_information)},
                    )
                )
        return tuple(drafts)

    def _person_names(self, definition: Definition, fields: Mapping[str, object]) -> dict[str, str]:
        """The names of the people the instance's person fields name (the acting chair), so a notice names
        them as people, not by directory id."""
        wanted = {str(fields[f.name]) for f in definition.fields.values() if f.type == "person" and fields.get(f.name)}
        return {p.id: p.name for p in self.people() if p.id in wanted} if wanted else {}

    # -- linked instances -----------------------------------------------------------------------------

    def _effect(
        self, effect: EffectSpec, definition: Definition, instance: Instance, actor: Person, depth: int
    ) -> list[StepPlan]:
        if depth >= MAX_EFFECT_DEPTH:
            raise ConsultflowError(f"linked effects of {definition.name} go deeper than {MAX_EFFECT_DEPTH} steps")
        plans: list[StepPlan] = []
        if effect.gather is not None:  # one start, holding every linked instance as an item
            items = [
                {name: _evaluate(expr, instance, item) for name, expr in effect.gather.fields.items()}
                for item, _ in self._effect_targets(effect, instance)
            ]
            if not items:
                return plans
            values = {name: _evaluate(expr, instance, {}) for name, expr in effect.fields.items()}
            values = {k: v for k, v in values.items() if v is not None}
            values[effect.gather.into] = items
            plans.append(self._start(effect.target, actor, values, None, caused=True, depth=depth + 1))
            return plans
        for item, target_id in self._effect_targets(effect, instance):
            values = {name: _evaluate(expr, instance, item) for name, expr in effect.fields.items()}
            values = {k: v for k, v in values.items() if v is not None}
            if effect.action == "start":
                plans.append(self._start(effect.target, actor, values, None, caused=True, depth=depth + 1))
            elif target_id:
                plans.append(
                    self._fire(target_id, effect.target, actor, values, None, None, caused=True, depth=depth + 1)
                )
        return plans

    def _effect_targets(self, effect: EffectSpec, instance: Instance) -> list[tuple[Mapping[str, object], str | None]]:
        fields = instance.fields
        where: Condition = effect.where
        if effect.for_each is not None:  # a fire effect targets the instance each item's `on` field names
            return [
                (i, _ref(i.get(effect.on)) if effect.on else None)
                for i in list_items(fields.get(effect.for_each))
                if where.holds(i)
            ]
        if effect.linked is not None:
            state = effect.linked.get("state")
            targets: list[tuple[Mapping[str, object], str | None]] = []
            for linked_id, _ in self.overlay.linked(
                instance.id, str(effect.linked["via"]), str(effect.linked["workflow"]), str(state) if state else None
            ):
                loaded = self.overlay.instance(linked_id)
                if loaded is None:  # the ref index and the instances are written together: cannot happen
                    raise InstanceNotFound(f"no instance '{linked_id}' (linked to {instance.id})")
                item = {"id": linked_id, "state": loaded[0].state, **loaded[0].fields}
                if where.holds(item):
                    targets.append((item, linked_id))
            return targets
        if not where.holds(fields):
            return []
        target = fields.get(effect.on) if effect.on else None
        return [({}, str(target) if target else None)]

    def related(self, definition: Definition, fields: Mapping[str, object]) -> dict[str, Instance]:
        """The instances this one's ref fields point to, by field name."""
        found: dict[str, Instance] = {}
        for spec in definition.fields.values():
            target = fields.get(spec.name)
            if spec.type == "ref" and isinstance(target, str) and target:
                loaded = self.overlay.instance(target)
                if loaded is not None:
                    found[spec.name] = loaded[0]
        return found

    def people(self) -> list[Person]:
        if self._people is None:
            self._people = self.reader.people()
        return self._people

    def _compiled(self, loaded: tuple[Instance, int | CompiledWorkflow]) -> CompiledWorkflow:
        source = loaded[1]
        return source if isinstance(source, CompiledWorkflow) else self.registry.compiled(self.reader, source)

    def _linked_states(self, instance_id: str) -> LinkedStates:
        def states(workflow: str, via: str) -> list[str]:
            return [state for _, state in self.overlay.linked(instance_id, via, workflow)]

        return states

    def _refuse_decided_elsewhere(self, definition: Definition, instance: Instance, trigger: str) -> None:
        """A step marked ``only_by`` fired by hand: say which instance's step records that decision."""
        spec = definition.transition(trigger, instance.state)
        if spec is None or spec.only_by is None:
            return  # not such a step (decide() says what is wrong, if anything)
        deciding = self.catalogue.definition(spec.only_by.workflow)
        steps = " or ".join(deciding_steps(definition, trigger, deciding, spec.only_by.via))
        via = spec.only_by.via
        if deciding.fields.get(via) is not None and deciding.fields[via].workflow == definition.name:
            linked = self.overlay.linked(instance.id, via, deciding.name)
        else:  # the deciding instance is the one this instance's own ref field names
            target = instance.fields.get(via)
            loaded = self.overlay.instance(str(target)) if target else None
            linked = [(loaded[0].id, loaded[0].state)] if loaded else []
        refused = f"'{trigger}' cannot be fired by hand on {instance.id}: it follows from {steps}"
        if not linked:
            raise DecidedElsewhere(f"{refused} on {with_article(deciding.name)} naming it, and there is none yet")
        named = ", ".join(f"{i} (now {s})" for i, s in linked)
        raise DecidedElsewhere(f"{refused} on its {deciding.name} {named}; fire that instead")

    def _check_references(self, definition: Definition, values: Mapping[str, object]) -> None:
        for name, value in values.items():
            spec = definition.fields.get(name)
            if spec is None or value in (None, ""):
                continue
            if spec.type == "ref":
                loaded = self.overlay.instance(str(value))
                if loaded is None or loaded[0].workflow != spec.workflow:
                    raise FieldError(f"{name}: '{value}' is not an instance of {spec.workflow}")
            elif spec.type == "person" and self.reader.person(str(value)) is None:
                raise FieldError(f"{name}: no person '{value}' in the directory")


MESSAGE_MAX = 4000  # characters: a few paragraphs to the recipients, not a document


def checked_message(message: str | None) -> str | None:
    """A step's message to its recipients, as it will be shown in every notice: paragraphs of text."""
    if message is None or not message.strip():
        return None
    if len(message) > MESSAGE_MAX:
        raise FieldError(f"message: {len(message)} characters; a message to recipients holds at most {MESSAGE_MAX}")
    return check_characters(message.strip(), "message", multiline=True)


def once_per_document(plan: StepPlan, catalogue: Catalogue) -> StepPlan:
    """The plan with each notice that names its document sent once per person and document: a Chair's report
    submitted for a meeting and, by its effect, for the meeting's escalation is one message, not two.

    The first draft in writing order is kept, except that a person who gets the notice for action (``to``)
    in a later step does not keep only an earlier copy for information (``cc``). The copy kept carries the
    other instances the document was sent for (``with_instances``: the escalation whose options the report
    puts to Council), so the one message says everything the others would have."""
    chosen: dict[tuple[str, str, str], OutboxDraft] = {}
    sent_for: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    counted: set[int] = set()  # the drafts that name a document (the others are all kept)
    for step in plan.walk():
        for draft in step.notices:
            document = catalogue.notices[draft.notice].document
            value = step.after.fields.get(document) if document else None
            if value in (None, ""):
                continue
            counted.add(id(draft))
            key = (draft.notice, draft.recipient.id, str(value))
            sent_for.setdefault(key, []).append(draft.context["instance"])
            if key not in chosen or (chosen[key].for_information and not draft.for_information):
                chosen[key] = draft
    if len(chosen) == len(counted):
        return plan  # no person gets the same document twice
    merged = {
        id(draft): replace(
            draft,
            context={
                **draft.context,
                "with_instances": [i for i in sent_for[key] if i["id"] != draft.context["instance"]["id"]],
            },
        )
        for key, draft in chosen.items()
    }

    def keep(step: StepPlan) -> StepPlan:
        notices = tuple(merged.get(id(d), d) for d in step.notices if id(d) not in counted or id(d) in merged)
        return replace(step, notices=notices, effects=tuple(keep(e) for e in step.effects))

    return keep(plan)


def _ref(value: object) -> str | None:
    return str(value) if value else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _evaluate(expr: object, instance: Instance, item: Mapping[str, object]) -> object:
    if not isinstance(expr, str) or not expr.startswith("$"):
        return expr
    scope, _, name = expr[1:].partition(".")
    if scope == "self":
        return instance.id if name == "id" else instance.fields.get(name)
    return item.get(name)
