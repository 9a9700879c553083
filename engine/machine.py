"""The pure core: given an instance, a trigger, an actor and ``now``, decide the step or refuse it.

This is the only module that imports ``transitions``. One machine is built per definition version and
shared by every instance: an instance's state is put on a throw-away token, the event is triggered on
the token, and the token is dropped (no per-instance machine, nothing kept between calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from transitions import Machine, MachineError

from engine.body import Body
from engine.deadlines import deadline_days, deadline_instants
from engine.definition import SAME_STATE, START, Definition, TransitionSpec
from engine.errors import FieldError, GuardFailed, RoleNotAllowed, TriggerNotAllowed, UnknownTrigger
from engine.fields import as_date, coerce_item, coerce_mapping, list_items
from engine.guards import GUARDS, GuardContext, LinkedStates, PersonOf, no_directory
from engine.records import Person
from engine.roles import ACTING_CHAIR, matching_role


class _Token:
    """What the shared machine moves: just a state (transitions decorates nothing on it)."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


@dataclass(frozen=True)
class Step:
    """A decided transition, not yet persisted: the new state and fields and what follows from them."""

    trigger: str
    from_state: str | None
    to_state: str
    role: str
    fields: Mapping[str, object]
    changes: Mapping[str, Any]  # field -> [old, new]; an appended item as {"appended": item}
    item: Mapping[str, object] | None
    spec: TransitionSpec
    notices: tuple[str, ...] = field(default=())


class CompiledWorkflow:
    """A definition together with the one ``transitions`` machine every instance of it shares."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self._machine = Machine(
            model=None,
            states=list(definition.states),
            transitions=[
                {"trigger": t.trigger, "source": list(t.sources), "dest": None if t.dest == SAME_STATE else t.dest}
                for t in definition.transitions
            ],
            initial=definition.initial,
            auto_transitions=False,
            send_event=True,
        )
        self._answers: dict[tuple[str, str], str | None] = {}

    def next_state(self, instance_id: str, state: str, trigger: str) -> str:
        """Where ``trigger`` leads from ``state``; TriggerNotAllowed if it cannot be fired there."""
        if trigger not in self._machine.events:
            raise UnknownTrigger(self.definition.name, trigger, self.definition.triggers)
        # The machine's answer depends on the state and the trigger only: asked once per pair (triggering an
        # event on a token costs more than the rest of deciding a step), then remembered. None: not allowed.
        key = (state, trigger)
        if key not in self._answers:
            token = _Token(state)
            try:
                self._machine.events[trigger].trigger(token)
                self._answers[key] = token.state
            except MachineError:
                self._answers[key] = None
        answer = self._answers[key]
        if answer is None:
            allowed = [t.trigger for t in self.definition.triggers_from(state)]
            raise TriggerNotAllowed(instance_id, trigger, state, dict.fromkeys(allowed))
        return answer

    def allowed_triggers(self, state: str) -> list[str]:
        return list(dict.fromkeys(t.trigger for t in self.definition.triggers_from(state)))


def _changes(old: Mapping[str, object], new: Mapping[str, object]) -> dict[str, Any]:
    return {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}


def _check_constraints(definition: Definition, values: Mapping[str, object], changed: set[str]) -> None:
    """Dates that must stay in order, checked whenever a step changes one of them."""
    for constraint in definition.constraints:
        if constraint.warn or not changed & {constraint.field, constraint.not_before}:
            continue  # a warning, not a refusal (engine/warnings.py)
        later, earlier = as_date(values.get(constraint.field)), as_date(values.get(constraint.not_before))
        if later is not None and earlier is not None and (later <= earlier if constraint.strict else later < earlier):
            where = "not after" if constraint.strict else "before"
            raise FieldError(
                f"{constraint.field} {later.isoformat()} is {where} {constraint.not_before} {earlier.isoformat()}"
            )


def decide(
    workflow: CompiledWorkflow,
    *,
    instance_id: str,
    state: str | None,
    fields: Mapping[str, object],
    trigger: str,
    actor: Person,
    roles: tuple[str, ...],
    given: Mapping[str, object],
    now: datetime,
    body: Body,
    linked_states: LinkedStates,
    authorised_by_cause: bool = False,
    related: Mapping[str, Mapping[str, object]] | None = None,
    person_of: PersonOf | None = None,
) -> Step:
    """Check and compute one step; raise the precise refusal otherwise. ``state=None`` means the start."""
    definition = workflow.definition
    if state is None:
        spec = definition.start
        if trigger != spec.trigger:
            raise UnknownTrigger(definition.name, trigger, [spec.trigger])
        alternatives: tuple[TransitionSpec, ...] = (spec,)
    else:
        workflow.next_state(instance_id, state, trigger)  # refuses a trigger the state does not allow
        alternatives = definition.alternatives(trigger, state)
        assert alternatives  # the machine accepted it, so the definition declares it
    refusal: GuardFailed | None = None
    for spec in alternatives:  # guarded alternatives: the first whose guards all hold is taken
        try:
            return _decide_one(
                definition, spec, instance_id=instance_id, state=state, fields=fields, trigger=trigger,
                actor=actor, roles=roles, given=given, now=now, body=body, linked_states=linked_states,
                authorised_by_cause=authorised_by_cause, related=related, person_of=person_of,
            )  # fmt: skip
        except GuardFailed as exc:
            refusal = exc
    assert refusal is not None
    raise refusal  # none holds: the last alternative's refusal, the general case


def _check_guards(spec: TransitionSpec, trigger: str, ctx: GuardContext) -> None:
    for guard in spec.guards:
        reason = GUARDS[guard.name].fn(guard.args, ctx)
        if reason is not None:
            raise GuardFailed(trigger, guard.describe(), reason)


def _decide_one(
    definition: Definition,
    spec: TransitionSpec,
    *,
    instance_id: str,
    state: str | None,
    fields: Mapping[str, object],
    trigger: str,
    actor: Person,
    roles: tuple[str, ...],
    given: Mapping[str, object],
    now: datetime,
    body: Body,
    linked_states: LinkedStates,
    authorised_by_cause: bool,
    related: Mapping[str, Mapping[str, object]] | None,
    person_of: PersonOf | None,
) -> Step:
    zone = body.calendar.zone()
    if state is None:
        to_state = definition.initial
    elif spec.dest == SAME_STATE:
        to_state = state
    else:
        to_state = spec.dest
    shown_state = state or START
    role = "system" if authorised_by_cause else matching_role(roles, spec.roles)
    if role is None:
        raise RoleNotAllowed(actor.id, trigger, shown_state, roles, spec.roles)
    if role == "chair" and "chair" not in actor.roles:
        role = ACTING_CHAIR  # a Vice-Chair standing in: the audit says so, not "chair"

    item: dict[str, object] | None = None
    if state is None:
        accepted = spec.accepted_fields  # a start accepts what it declares, like any transition
        values = coerce_mapping(
            definition.fields, given, where="", local_zone=zone, check_required=True, allowed=accepted
        )
        missing = [f.name for f in definition.fields.values() if f.required and values.get(f.name) is None]
        if missing:
            raise FieldError(f"starting {definition.name} needs field(s): {', '.join(missing)}")
        new_fields = {**fields, **values}
    elif spec.append is not None:
        list_spec = definition.fields[spec.append]
        item = coerce_item(list_spec.item, dict(given), where=f"{spec.append} item: ", local_zone=zone)
        values = {}
        new_fields = dict(fields)
    else:
        values = coerce_mapping(
            definition.fields, given, where="", local_zone=zone, check_required=False, allowed=spec.accepted_fields
        )
        # A per-step field (a reason) counts only when this step gives it.
        missing = [
            n
            for n in spec.requires
            if values.get(n) is None and (definition.fields[n].per_step or fields.get(n) in (None, ""))
        ]
        if missing:
            raise FieldError(f"'{trigger}' needs field(s): {', '.join(missing)} (give them with --set NAME=VALUE)")
        new_fields = {**fields, **{k: v for k, v in values.items() if v is not None}}
    for name in definition.per_step_fields:  # an earlier step's reason is not this step's
        if name not in values and new_fields.get(name) is not None:
            new_fields[name] = None

    _check_constraints(definition, new_fields, changed={k for k in new_fields if new_fields.get(k) != fields.get(k)})
    if spec.guards:
        # Deadlines as they will be after the step: a step that sets the dates is judged by the new dates.
        days = deadline_days(definition, new_fields, body)
        ctx = GuardContext(
            values={**new_fields, **(item or {})},
            input=item if item is not None else values,
            now=now,
            deadlines=deadline_instants(days, body),
            deadline_days=days,
            linked_states=linked_states,
            actor=actor,
            today=body.calendar.local_date(now),
            related=related or {},
            before=fields,
            person_of=person_of or no_directory,
        )
        _check_guards(spec, trigger, ctx)

    for name in spec.clears:  # what the step withdraws (the acting chair), after the guards looked at it
        new_fields[name] = None
    changes = _changes(fields, new_fields)
    if item is not None and spec.append is not None:
        # The Member State an item is given for: the actor's, or the one a chair admits it on behalf of.
        on_behalf_of = item.get("on_behalf_of")
        member_state = on_behalf_of if isinstance(on_behalf_of, str) and on_behalf_of else actor.member_state
        item = {**item, "by": actor.id, "member_state": member_state, "at": now.isoformat()}
        new_fields[spec.append] = [*list_items(fields.get(spec.append)), item]
        changes[spec.append] = {"appended": item}
    return Step(
        trigger=trigger,
        from_state=state,
        to_state=to_state,
        role=role,
        fields=new_fields,
        changes=changes,
        item=item,
        spec=spec,
        notices=spec.notices,
    )
