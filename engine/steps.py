"""One write transaction's worth of work: start or fire, then everything the step causes, on one Store.

The pure decision comes from ``engine.machine``; this module loads what it needs, persists the result
(state with version check, audit row, refs, timers, outbox rows) and runs linked-instance effects
recursively on the same transaction, so either all of it commits or none of it does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engine.body import Body
from engine.catalogue import Catalogue
from engine.deadlines import deadline_days, plan_timers
from engine.definition import Definition, EffectSpec
from engine.errors import Conflict, ConsultflowError, FieldError, InstanceNotFound
from engine.fields import list_items
from engine.machine import CompiledWorkflow, Step, decide
from engine.notices import notice_context, recipient_data, recipients
from engine.records import Instance, Person
from engine.roles import effective_roles
from storage.repository import Store

MAX_EFFECT_DEPTH = 8
WorkflowLookup = Callable[[Store, int], CompiledWorkflow]


@dataclass
class StepRunner:
    """Runs steps on one transaction; ``compiled`` finds the shared machine of a definition row."""

    store: Store
    catalogue: Catalogue
    compiled: WorkflowLookup
    register: Callable[[Store, Definition], int]
    now: datetime
    _people: list[Person] | None = field(default=None)

    @property
    def body(self) -> Body:
        return self.catalogue.body

    def people(self) -> list[Person]:
        if self._people is None:
            self._people = self.store.people()
        return self._people

    # -- public steps ---------------------------------------------------------------------------------

    def start(
        self,
        workflow: str,
        actor: Person,
        given: Mapping[str, object],
        note: str | None,
        caused_by: int | None = None,
        depth: int = 0,
    ) -> Instance:
        definition = self.catalogue.definition(workflow)
        definition_id = self.register(self.store, definition)
        compiled = self.compiled(self.store, definition_id)
        instance_id = f"{definition.name}-{uuid.uuid4().hex[:10]}"
        roles = effective_roles(actor, definition, {}, {})
        step = decide(
            compiled,
            instance_id=instance_id,
            state=None,
            fields={},
            trigger=definition.start.trigger,
            actor=actor,
            roles=roles,
            given=given,
            now=self.now,
            body=self.body,
            linked_states=self._linked_states(instance_id),
            authorised_by_cause=caused_by is not None,
        )
        self._check_references(definition, step.fields)
        self.store.insert_instance(instance_id, definition.name, definition_id, step.to_state, step.fields, self.now)
        before = Instance(
            instance_id, definition.name, definition.version, definition.content_hash, "", {}, 0, self.now, self.now
        )
        return self._persist(compiled, before, step, actor, note, caused_by, depth)

    def fire(
        self,
        instance_id: str,
        trigger: str,
        actor: Person,
        given: Mapping[str, object],
        note: str | None,
        expected_version: int | None = None,
        caused_by: int | None = None,
        depth: int = 0,
    ) -> Instance:
        loaded = self.store.instance(instance_id, lock=True)
        if loaded is None:
            raise InstanceNotFound(f"no instance '{instance_id}' (see `consultflow list`)")
        instance, definition_id = loaded
        if expected_version is not None and instance.version != expected_version:
            raise Conflict(instance_id, expected_version, instance.version)
        compiled = self.compiled(self.store, definition_id)
        definition = compiled.definition
        # Roles look at a referenced instance only for an acting chair named there (e.g. meeting.acting_chair).
        needs_related = definition.acting_chair is not None and "." in definition.acting_chair
        related = self.related(definition, instance.fields) if needs_related else {}
        related_fields = {name: inst.fields for name, inst in related.items()}
        days = deadline_days(definition, instance.fields, self.body)
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
            body=self.body,
            linked_states=self._linked_states(instance_id),
            authorised_by_cause=caused_by is not None,
        )
        self._check_references(definition, {k: step.fields.get(k) for k in step.changes})
        if not self.store.update_instance(instance_id, instance.version, step.to_state, step.fields, self.now):
            raise Conflict(instance_id, instance.version, None)
        return self._persist(compiled, instance, step, actor, note, caused_by, depth, days_before=days)

    # -- what a step writes ---------------------------------------------------------------------------

    def _persist(
        self,
        compiled: CompiledWorkflow,
        before: Instance,
        step: Step,
        actor: Person,
        note: str | None,
        caused_by: int | None,
        depth: int,
        days_before: Mapping[str, date] | None = None,
    ) -> Instance:
        definition = compiled.definition
        after = Instance(
            before.id,
            definition.name,
            definition.version,
            definition.content_hash,
            step.to_state,
            step.fields,
            before.version + 1,
            before.created_at,
            self.now,
        )
        days = deadline_days(definition, step.fields, self.body)
        changes: dict[str, Any] = dict(step.changes)
        if days_before is not None and days != days_before:
            changes["deadlines"] = {
                n: [_iso(days_before.get(n)), _iso(days.get(n))]
                for n in sorted(set(days) | set(days_before))
                if days.get(n) != days_before.get(n)
            }
        audit_id = self.store.insert_audit(
            before.id,
            self.now,
            actor,
            step.role,
            step.trigger,
            step.from_state,
            step.to_state,
            note,
            changes,
            caused_by,
            after.version,
        )
        refs = {
            f.name: step.fields.get(f.name)
            for f in definition.fields.values()
            if f.type == "ref" and (step.from_state is None or f.name in step.changes)
        }
        if refs:
            self.store.set_refs(before.id, {k: str(v) if v else None for k, v in refs.items()})
        if step.from_state is None or step.from_state != step.to_state or step.changes:
            self.replan_timers(definition, after, days, reason=f"{step.trigger} by {actor.id}")
        if step.notices:
            self.enqueue(step.notices, definition, after, days, actor, step.trigger, note, step.item, audit_id=audit_id)
        for effect in step.spec.effects:
            self._effect(effect, definition, after, actor, audit_id, depth)
        return after

    def replan_timers(self, definition: Definition, instance: Instance, days: Mapping[str, date], reason: str) -> None:
        """Make the pending timers match what the state and dates call for; fired ones are never redone."""
        if not definition.timers:
            return  # nothing could have been scheduled for an instance of this definition
        planned = {
            (t.key, t.due_at): t for t in plan_timers(definition, instance.state, instance.fields, self.body, days)
        }
        existing = self.store.timers_of(instance.id, ("pending", "fired", "skipped"))
        pending = {(t.key, t.due_at): t for t in existing if t.status == "pending"}
        done = {(t.key, t.due_at) for t in existing if t.status != "pending"}
        stale = [t.id for k, t in pending.items() if k not in planned]
        if stale:
            detail = f"no longer due after {reason} (state {instance.state})"
            self.store.close_timers(stale, "cancelled", self.now, detail)
        self.store.insert_timers(
            [
                {
                    "instance_id": instance.id,
                    "key": t.key,
                    "kind": t.kind,
                    "due_at": t.due_at,
                    "status": "pending",
                    "rule": t.rule,
                    "notice": t.notice,
                    "trigger": t.trigger,
                    "created_at": self.now,
                }
                for k, t in planned.items()
                if k not in pending and k not in done
            ]
        )

    def enqueue(
        self,
        notice_ids: Sequence[str],
        definition: Definition,
        instance: Instance,
        days: Mapping[str, date],
        actor: Person,
        trigger: str | None,
        note: str | None,
        item: Mapping[str, object] | None,
        audit_id: int | None = None,
        timer_id: int | None = None,
    ) -> int:
        """Write one outbox row per recipient of each notice; returns how many."""
        related = self.related(definition, instance.fields)
        related_fields = {name: inst.fields for name, inst in related.items()}
        rows: list[dict[str, object]] = []
        for notice_id in notice_ids:
            notice = self.catalogue.notices[notice_id]
            context = notice_context(notice, self.body, instance, related, days, actor, trigger, note, self.now, item)
            for person, for_information in recipients(
                notice, self.people(), actor, definition, instance.fields, related_fields
            ):
                rows.append(
                    {
                        "instance_id": instance.id,
                        "audit_id": audit_id,
                        "timer_id": timer_id,
                        "notice": notice_id,
                        "recipient_id": person.id,
                        "to_email": person.email,
                        "to_name": person.name,
                        "language": person.language,
                        "for_information": for_information,
                        "context": {**context, "recipient": recipient_data(person, for_information)},
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": self.now,
                        "created_at": self.now,
                    }
                )
        self.store.insert_outbox(rows)
        return len(rows)

    # -- linked instances -----------------------------------------------------------------------------

    def related(self, definition: Definition, fields: Mapping[str, object]) -> dict[str, Instance]:
        """The instances this one's ref fields point to, by field name."""
        found: dict[str, Instance] = {}
        for spec in definition.fields.values():
            target = fields.get(spec.name)
            if spec.type == "ref" and isinstance(target, str) and target:
                loaded = self.store.instance(target)
                if loaded is not None:
                    found[spec.name] = loaded[0]
        return found

    def _linked_states(self, instance_id: str) -> Callable[[str, str], Sequence[str]]:
        def states(workflow: str, via: str) -> list[str]:
            return [state for _, state in self.store.linked(instance_id, via, workflow)]

        return states

    def _check_references(self, definition: Definition, values: Mapping[str, object]) -> None:
        for name, value in values.items():
            spec = definition.fields.get(name)
            if spec is None or value in (None, ""):
                continue
            if spec.type == "ref":
                loaded = self.store.instance(str(value))
                if loaded is None or loaded[0].workflow != spec.workflow:
                    raise FieldError(f"{name}: '{value}' is not an instance of {spec.workflow}")
            elif spec.type == "person" and self.store.person(str(value)) is None:
                raise FieldError(f"{name}: no person '{value}' in the directory")

    def _effect(
        self, effect: EffectSpec, definition: Definition, instance: Instance, actor: Person, audit_id: int, depth: int
    ) -> None:
        if depth >= MAX_EFFECT_DEPTH:
            raise ConsultflowError(f"linked effects of {definition.name} go deeper than {MAX_EFFECT_DEPTH} steps")
        for item, target_id in self._effect_targets(effect, instance):
            values = {name: _evaluate(expr, instance, item) for name, expr in effect.fields.items()}
            values = {k: v for k, v in values.items() if v is not None}
            if effect.action == "start":
                self.start(effect.target, actor, values, None, caused_by=audit_id, depth=depth + 1)
            elif target_id:
                self.fire(target_id, effect.target, actor, values, None, caused_by=audit_id, depth=depth + 1)

    def _effect_targets(self, effect: EffectSpec, instance: Instance) -> list[tuple[Mapping[str, object], str | None]]:
        fields = instance.fields
        if effect.for_each is not None:
            items = list_items(fields.get(effect.for_each))
            return [(i, None) for i in items if _matches(effect.where, i)]
        if effect.linked is not None:
            state = effect.linked.get("state")
            linked = self.store.linked(
                instance.id, str(effect.linked["via"]), str(effect.linked["workflow"]), str(state) if state else None
            )
            targets: list[tuple[Mapping[str, object], str | None]] = []
            for linked_id, _ in linked:
                loaded = self.store.instance(linked_id)
                assert loaded is not None
                item = {"id": linked_id, **loaded[0].fields}
                if _matches(effect.where, item):
                    targets.append((item, linked_id))
            return targets
        if not _matches(effect.where, fields):
            return []
        target = fields.get(effect.on) if effect.on else None
        return [({}, str(target) if target else None)]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _matches(where: Mapping[str, object], values: Mapping[str, object]) -> bool:
    for name, wanted in where.items():
        if name == "has":
            if values.get(str(wanted)) in (None, "", []):
                return False
        elif isinstance(wanted, list):
            if values.get(name) not in wanted:
                return False
        elif values.get(name) != wanted:
            return False
    return True


def _evaluate(expr: object, instance: Instance, item: Mapping[str, object]) -> object:
    if not isinstance(expr, str) or not expr.startswith("$"):
        return expr
    scope, _, name = expr[1:].partition(".")
    if scope == "self":
        return instance.id if name == "id" else instance.fields.get(name)
    return item.get(name)
