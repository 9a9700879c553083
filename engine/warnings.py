"""Dates that are allowed but worth a second look: a meeting or a deadline on a weekend or a Geneva holiday,
or two dates a definition wants in order (``constraints`` with ``warn: true``) that are not. A step that
sets such dates is taken; the CLI prints the warnings after it, and ``show`` and the desk list them.

``date_facts`` finds them as data (the desk says them in the reader's words); ``date_warnings`` says them in
English for the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from engine.body import Body
from engine.calendar import region_holidays
from engine.deadlines import deadline_days
from engine.definition import Definition
from engine.fields import as_date

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
Closure = Literal["weekend", "holiday", "closure"]


@dataclass(frozen=True)
class ClosedDate:
    """A date field (``kind`` field) or a named deadline on a day the body is closed, and why."""

    kind: Literal["field", "deadline"]
    name: str
    day: date
    closure: Closure
    holiday: str | None = None  # the public holiday's name, in English


@dataclass(frozen=True)
class OutOfOrder:
    """Two dates a definition wants in order (``later`` not before ``earlier``, or after it when strict)."""

    later: str
    later_day: date
    earlier: str
    earlier_day: date
    strict: bool


DateFact = ClosedDate | OutOfOrder


def closure_of(day: date, body: Body) -> tuple[Closure, str | None] | None:
    """Why the body is closed on ``day`` (and the holiday's English name), or None when it is open."""
    calendar = body.calendar
    if not calendar.is_closed(day):
        return None
    if day.weekday() in calendar.weekend:
        return "weekend", None
    if day in calendar.closures:
        return "closure", None
    name = region_holidays(calendar.country, calendar.subdivision, day.year).get(day)
    return "holiday", (str(name) if name else None)


def date_facts(
    definition: Definition, fields: Mapping[str, object], body: Body, *, since: date | None = None
) -> list[DateFact]:
    """The warnings the instance's dates give, for the dates on or after ``since`` (all when None)."""
    days = deadline_days(definition, fields, body)
    facts: list[DateFact] = []
    for name in sorted(definition.date_fields):
        day = as_date(fields.get(name))
        if day is not None and definition.fields[name].type == "date" and (since is None or day >= since):
            closed = closure_of(day, body)
            if closed:
                facts.append(ClosedDate("field", name, day, *closed))
    for name, day in days.items():
        if since is None or day >= since:
            closed = closure_of(day, body)
            if closed:
                facts.append(ClosedDate("deadline", name, day, *closed))
    for constraint in definition.constraints:
        if not constraint.warn:
            continue
        later = days.get(constraint.field) or as_date(fields.get(constraint.field))
        earlier = days.get(constraint.not_before) or as_date(fields.get(constraint.not_before))
        if later is None or earlier is None or (since is not None and max(later, earlier) < since):
            continue
        if later < earlier or (constraint.strict and later == earlier):
            facts.append(OutOfOrder(constraint.field, later, constraint.not_before, earlier, constraint.strict))
    return facts


def describe(fact: DateFact) -> str:
    """A fact in English, naming identifiers (the CLI's words)."""
    if isinstance(fact, OutOfOrder):
        where = "not after" if fact.strict else "before"
        return f"{fact.later} {fact.later_day.isoformat()} is {where} {fact.earlier} {fact.earlier_day.isoformat()}"
    if fact.closure == "weekend":
        reason = f"a {WEEKDAYS[fact.day.weekday()]}"
    elif fact.closure == "closure":
        reason = "a day the secretariat is closed"
    else:
        reason = f"a public holiday ({fact.holiday})" if fact.holiday else "a public holiday"
    what = fact.name if fact.kind == "field" else f"deadline {fact.name}"
    return f"{what} {fact.day.isoformat()} falls on {reason}"


def date_warnings(
    definition: Definition, fields: Mapping[str, object], body: Body, *, since: date | None = None
) -> list[str]:
    """The warnings, in English, for the CLI."""
    return [describe(fact) for fact in date_facts(definition, fields, body, since=since)]
