"""What the pages and the API show, computed once for both: an instance as a person sees it, the dashboard,
the upcoming deadlines. Everything is read through the engine and filtered by what the person may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from engine import Document, Engine, Instance, OutboxMessage, Person, Timer
from engine.deadlines import deadline_days
from engine.definition import Definition
from engine.timers import ScheduledTimer, scheduled
from web.access import Visibility, may_run_outbox
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


@dataclass(frozen=True)
class InstanceDetail:
    """One instance as a person sees it."""

    instance: Instance
    definition: Definition
    triggers: tuple[TriggerView, ...]
    deadlines: dict[str, date]
    timers: tuple[Timer, ...]
    documents: tuple[Document, ...]

    @property
    def permitted(self) -> tuple[TriggerView, ...]:
        return tuple(t for t in self.triggers if t.permitted)


def visible_instance(
    engine: Engine, instance_id: str, person: Person, visibility: Visibility | None = None
) -> Instance:
    """The instance, or NotVisible when its definition keeps it from this person."""
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
            trigger_fields(definition, a.trigger, instance.state),
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
    )


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


def _active(engine: Engine, person: Person) -> list[tuple[Instance, Definition]]:
    found = []
    for instance in visible_instances(engine, person):
        definition = engine.definition_of(instance)
        if instance.state not in definition.finals:
            found.append((instance, definition))
    return found


def upcoming(engine: Engine, person: Person, now: datetime, days: int) -> Upcoming:
    active = _active(engine, person)
    return _upcoming(engine, active, person, now, days)


def _upcoming(
    engine: Engine, active: list[tuple[Instance, Definition]], person: Person, now: datetime, days: int
) -> Upcoming:
    body = engine.catalogue.body
    today = body.calendar.local_date(now)
    last = today + timedelta(days=days)
    deadlines = sorted(
        (
            DeadlineItem(day, name, instance)
            for instance, definition in active
            for name, day in deadline_days(definition, instance.fields, body).items()
            if today <= day <= last
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


@dataclass(frozen=True)
class Waiting:
    """An instance on which the person may take a step now."""

    instance: Instance
    triggers: tuple[str, ...]


@dataclass(frozen=True)
class Dashboard:
    """What needs the person's attention."""

    upcoming: Upcoming
    overdue_items: tuple[Instance, ...]  # instances in an 'overdue' state (action items)
    waiting: tuple[Waiting, ...]
    failed: tuple[OutboxMessage, ...] | None  # None: the person does not run the outbox


def dashboard(engine: Engine, person: Person, now: datetime, days: int) -> Dashboard:
    active = _active(engine, person)
    waiting = []
    for instance, _definition in active:
        mine = tuple(a.trigger for a in engine.allowed_triggers(instance, person) if a.permitted)
        if mine:
            waiting.append(Waiting(instance, tuple(dict.fromkeys(mine))))
    failed: tuple[OutboxMessage, ...] | None = None
    if may_run_outbox(person):
        failed = tuple(engine.outbox(status="failed", limit=100))
    return Dashboard(
        _upcoming(engine, active, person, now, days),
        tuple(i for i, _ in active if i.state == "overdue"),
        tuple(waiting),
        failed,
    )
