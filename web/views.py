"""What the pages and the API show, computed once for both: an instance as a person sees it, the dashboard,
the upcoming deadlines. Everything is read through the engine and filtered by what the person may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from engine import Document, Engine, Instance, Person, Timer
from engine.council_order import QueueEntry
from engine.deadlines import deadline_days
from engine.definition import Definition
from engine.timers import ScheduledTimer, scheduled
from web.access import Visibility
from web.deadline_status import status_of
from web.forms import FormField, trigger_fields

ACTIVE_LIMIT = 1000  # instances a dashboard or deadline list looks at


@dataclass(frozen=True)
class TriggerView:
    """A trigger of the current state: where it leads, who may fire it, whether this person may, its inputs."""

    trigger: str
    dest: str
    roles: tuple[str, ...]
    permitted: bool
    title: str
    fields: tuple[FormField, ...]
    dests: tuple[str, ...] = ()  # every state it may lead to, when its alternatives lead to several

    @property
    def destinations(self) -> tuple[str, ...]:
        return self.dests or (self.dest,)


@dataclass(frozen=True)
class InstanceDetail:
    """One instance as a person sees it."""

    instance: Instance
    definition: Definition
    triggers: tuple[TriggerView, ...]
    deadlines: dict[str, date]
    timers: tuple[Timer, ...]
    documents: tuple[Document, ...]
    council_queue: tuple[QueueEntry, ...] = ()  # Council's order around a topic, consultation or escalation

    @property
    def permitted(self) -> tuple[TriggerView, ...]:
        return tuple(t for t in self.triggers if t.permitted)


def visible_instance(
    engine: Engine, instance_id: str, person: Person, visibility: Visibility | None = None
) -> Instance:
    """The instance; InstanceNotFound, as for an unknown id, when its definition keeps it from this person."""
    return (visibility or Visibility(engine)).check(engine.get(instance_id), person)


def instance_detail(
    engine: Engine, instance_id: str, person: Person, visibility: Visibility | None = None
) -> InstanceDetail:
    instance = visible_instance(engine, instance_id, person, visibility)
    definition = engine.definition_of(instance)
    triggers = tuple(
        TriggerView(
            a.trigger,
            a.dest,
            a.roles,
            a.permitted,
            _title(definition, a.trigger, instance.state),
            trigger_fields(definition, a.trigger, instance.state, instance.fields),
            _destinations(definition, a.trigger, instance.state),
        )
        for a in engine.allowed_triggers(instance, person)
    )
    return InstanceDetail(
        instance,
        definition,
        triggers,
        deadline_days(definition, instance.fields, engine.catalogue.body),
        tuple(engine.timers(instance.id, ("pending",))),
        tuple(engine.documents(instance.id)),
        tuple(engine.council_queue(instance)),
    )


def _destinations(definition: Definition, trigger: str, state: str) -> tuple[str, ...]:
    """The states a step's guarded alternatives lead to (a postponement lands where its new dates put the
    meeting), when there are several; the page then names them all rather than only the first."""
    found = tuple(dict.fromkeys(state if s.dest == "=" else s.dest for s in definition.alternatives(trigger, state)))
    return found if len(found) > 1 else ()


def _title(definition: Definition, trigger: str, state: str) -> str:
    spec = definition.transition(trigger, state)
    return spec.title if spec is not None else ""


def visible_instances(
    engine: Engine,
    person: Person,
    workflow: str | None = None,
    state: str | None = None,
    limit: int = ACTIVE_LIMIT,
    visibility: Visibility | None = None,
) -> list[Instance]:
    seen = visibility or Visibility(engine)
    return [i for i in engine.list(workflow=workflow, state=state, limit=limit) if seen.sees(i, person)]


def desk_listing(
    engine: Engine, person: Person, workflow: str | None, state: str | None, visibility: Visibility | None = None
) -> list[Instance]:
    """The desk's instance list. With no state asked for, the active instances only (read state by state
    through the index): finished ones are years of records nobody looks for by default, and a list in
    creation order would show them first and crowd out the live ones. A state asked for is read per
    workflow, so the (workflow, state) index answers it too."""
    if state is None:
        return [
            i for i, _ in active_instances(engine, person, visibility) if workflow is None or i.workflow == workflow
        ]
    names = [workflow] if workflow else sorted(engine.catalogue.definitions)
    seen = visibility or Visibility(engine)
    listed = [i for name in names for i in engine.list(workflow=name, state=state, limit=ACTIVE_LIMIT)]
    return [i for i in listed if seen.sees(i, person)][:ACTIVE_LIMIT]


# -- deadlines and the dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineItem:
    """A named deadline of an active instance, on its calendar day."""

    day: date
    name: str
    instance: Instance


@dataclass(frozen=True)
class Upcoming:
    """Named deadlines and scheduled timers of the instances a person sees, in a window from now."""

    deadlines: tuple[DeadlineItem, ...]
    timers: tuple[ScheduledTimer, ...]  # pending, due in the window
    overdue: tuple[ScheduledTimer, ...]  # pending although due: nothing has processed them yet


def active_instances(
    engine: Engine, person: Person, visibility: Visibility | None = None
) -> list[tuple[Instance, Definition]]:
    """The instances not in a final state that the person sees, read state by state.

    One query per (workflow, non-final state) walks the (workflow, state) index, so the cost follows the
    active instances, not the years of closed ones; a single capped list in creation order would also
    have dropped the newest active instances once more than ACTIVE_LIMIT older ones were stored.
    """
    seen = visibility or Visibility(engine)
    found = []
    for name, latest in sorted(engine.catalogue.definitions.items()):
        for state in latest.states:
            if state in latest.finals:
                continue
            for instance in engine.list(workflow=name, state=state, limit=ACTIVE_LIMIT):
                definition = engine.definition_of(instance)
                if state not in definition.finals and seen.sees(instance, person):
                    found.append((instance, definition))
    return found


def upcoming(engine: Engine, person: Person, now: datetime, days: int) -> Upcoming:
    return upcoming_of(engine, active_instances(engine, person), now, days)


def upcoming_of(engine: Engine, active: list[tuple[Instance, Definition]], now: datetime, days: int) -> Upcoming:
    """Deadlines not yet met and timers of ``active`` in the window (deadlines already met are left out)."""
    body = engine.catalogue.body
    today = body.calendar.local_date(now)
    last = today + timedelta(days=days)
    deadlines = sorted(
        (
            DeadlineItem(day, name, instance)
            for instance, definition in active
            for name, day in deadline_days(definition, instance.fields, body).items()
            if today <= day <= last and status_of(definition, instance.state, name, day, today) == "upcoming"
        ),
        key=lambda d: (d.day, d.instance.id, d.name),
    )
    seen = {instance.id for instance, _ in active}
    timers = [t for t in scheduled(engine, now, days) if t.timer.instance_id in seen]
    return Upcoming(
        tuple(deadlines),
        tuple(t for t in timers if not t.overdue),
        tuple(t for t in timers if t.overdue),
    )
