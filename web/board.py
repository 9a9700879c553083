"""The dashboard of one person: what needs them and when.

- next actions: the steps they may take now (guards tried as a dry run, web/steps.py), each with the date
  of the nearest deadline of theirs on that instance;
- their deadlines ahead (a Member State's contribution deadline; every deadline for the secretariat),
  leaving out those already met;
- late items: deadlines past and not met, with whose they are, the day and how many days late;
- failed notices grouped by cause (secretariat only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from engine import Engine, Instance, Person
from engine.deadlines import deadline_days
from engine.definition import Definition
from engine.roles import effective_roles
from web.access import Visibility, may_run_outbox
from web.deadline_status import DeadlineState, deadline_states
from web.failures import FailedGroup, group_failures
from web.labels import Words
from web.steps import check_steps
from web.titles import long_day
from web.views import Upcoming, active_instances, upcoming_of

FAILED_LIMIT = 500  # failed notices grouped on the dashboard; the outbox pages through the rest


@dataclass(frozen=True)
class NextAction:
    """Steps the person can take now on one instance, and the nearest deadline of theirs on it."""

    instance: Instance
    triggers: tuple[str, ...]
    due: DeadlineState | None


@dataclass(frozen=True)
class Dated:
    """A deadline of an instance, upcoming or late."""

    instance: Instance
    deadline: DeadlineState
    owner: str  # who has to act by it, in words


@dataclass(frozen=True)
class Board:
    actions: tuple[NextAction, ...]
    deadlines: tuple[Dated, ...]
    late: tuple[Dated, ...]
    upcoming: Upcoming  # reminders and timed steps
    failed: tuple[FailedGroup, ...] | None  # None: the person does not run the outbox
    failed_count: int = 0


def _owner(instance: Instance, deadline: DeadlineState, words: Words) -> str:
    """An action item's owner (the Member State, or the kind of owner); else the roles acting by it."""
    fields = instance.fields
    if "owner" in deadline.by and instance.workflow == "action_item":
        owner = fields.get("owner")
        return str(owner) if owner else words.value(instance.workflow, fields.get("owner_kind") or "—")
    return words.roles(deadline.by)


def board(
    engine: Engine, person: Person, now: datetime, days: int, words: Words, visibility: Visibility | None = None
) -> Board:
    body = engine.catalogue.body
    today = body.calendar.local_date(now)
    last = today + timedelta(days=days)
    officer = may_run_outbox(person)  # the secretariat follows every deadline, not only its own
    actions: list[NextAction] = []
    ahead: list[Dated] = []
    late: list[Dated] = []
    active = active_instances(engine, person, visibility)
    for instance, definition in active:
        day_of = deadline_days(definition, instance.fields, body)
        states = deadline_states(definition, instance.state, day_of, today)
        roles = effective_roles(person, definition, instance.fields, {})  # instance roles read own fields only
        mine = [d for d in states if d.concerns(roles)]
        for d in states if officer else mine:
            dated = Dated(instance, d, _owner(instance, d, words))
            if d.status == "past":
                late.append(dated)
            elif d.status == "upcoming" and d.day <= last:
                ahead.append(dated)
        action = _next_action(engine, instance, definition, person, words, day_of, mine)
        if action is not None:
            actions.append(action)
    failed = None
    count = 0
    if officer:
        messages = engine.outbox(status="failed", limit=FAILED_LIMIT)
        failed, count = tuple(group_failures(messages)), len(messages)
    return Board(
        tuple(sorted(actions, key=lambda a: (a.due is None, a.due.day if a.due else date.max, a.instance.id))),
        tuple(sorted(ahead, key=lambda d: (d.deadline.day, d.instance.id))),
        tuple(sorted(late, key=lambda d: (-d.deadline.days_late, d.instance.id))),
        upcoming_of(engine, active, now, days),
        failed,
        count,
    )


def _next_action(
    engine: Engine,
    instance: Instance,
    definition: Definition,
    person: Person,
    words: Words,
    day_of: dict[str, date],
    mine: list[DeadlineState],
) -> NextAction | None:
    permitted = [a.trigger for a in engine.allowed_triggers(instance, person) if a.permitted]
    if not permitted:
        return None
    checks = check_steps(
        engine, instance, definition, person, permitted, words, day_of, lambda d: long_day(d, words.language)
    )
    possible = tuple(t for t, c in checks.items() if c.possible)
    if not possible:
        return None
    due = next((d for d in mine if d.status in ("past", "upcoming")), None)
    return NextAction(instance, possible, due)
