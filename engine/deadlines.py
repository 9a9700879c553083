"""Deadlines and timers an instance should have, computed from its fields and state: pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from engine.body import Body
from engine.calendar import ClosedDayPolicy, DeadlineRule, apply_rule
from engine.definition import Definition, TimerSpec
from engine.fields import as_date


@dataclass(frozen=True)
class PlannedTimer:
    """A timer the instance should hold now: its key, when it is due and the rule that put it there."""

    key: str
    kind: str
    due_at: datetime
    rule: str
    notice: str | None
    trigger: str | None


def deadline_days(definition: Definition, fields: Mapping[str, object], body: Body) -> dict[str, date]:
    """Each named deadline's calendar day, for the deadlines whose anchor field is set."""
    days: dict[str, date] = {}
    for spec in definition.deadlines.values():
        anchor = as_date(fields.get(spec.anchor))
        if anchor is not None:
            rule = DeadlineRule(anchor=spec.anchor, offset=spec.offset, unit=spec.unit, text=spec.rule)
            days[spec.name] = apply_rule(rule, anchor, body.calendar, spec.on_closed_day)
    return days


def deadline_instants(days: Mapping[str, date], body: Body) -> dict[str, datetime]:
    """When each deadline passes: the end of its day in the body's time zone, as UTC."""
    return {name: body.calendar.end_of_day(day) for name, day in days.items()}


def _timer_due(
    spec: TimerSpec, fields: Mapping[str, object], days: Mapping[str, date], body: Body
) -> tuple[datetime, str] | None:
    if spec.deadline is not None:
        day = days.get(spec.deadline)
        if day is None:
            return None
        return body.calendar.end_of_day(day), f"end of deadline {spec.deadline}"
    rule = DeadlineRule.parse(str(spec.rule))
    anchor = as_date(fields.get(rule.anchor))
    if anchor is None:
        return None
    # Document deadlines stay calendar days; a reminder due on a closed day may move to an open one (a body
    # setting): the day before when it comes ahead of its date, the day after when it follows it (an overdue
    # reminder never goes out before the item is overdue).
    policy: ClosedDayPolicy = "keep"
    if spec.notice is not None and body.reminders_on_closed_day != "keep":
        policy = "earlier" if rule.offset < 0 else "later"
    day = apply_rule(rule, anchor, body.calendar, policy)
    return body.calendar.at_local_time(day, body.reminder_time), rule.text


def plan_timers(
    definition: Definition, state: str, fields: Mapping[str, object], body: Body, days: Mapping[str, date] | None = None
) -> list[PlannedTimer]:
    """The timers an instance in ``state`` with ``fields`` should hold (reminders and timed triggers)."""
    days = deadline_days(definition, fields, body) if days is None else days
    planned: list[PlannedTimer] = []
    for spec in definition.timers:
        if state not in spec.active_in or not spec.when.holds(fields):
            continue
        due = _timer_due(spec, fields, days, body)
        if due is not None:
            planned.append(PlannedTimer(spec.key, spec.kind, due[0], due[1], spec.notice, spec.fire))
    return planned
