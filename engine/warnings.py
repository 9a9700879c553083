"""Dates that are allowed but worth a second look: a meeting or a deadline on a weekend or a Geneva holiday,
or two dates a definition wants in order (``constraints`` with ``warn: true``) that are not. A step that
sets such dates is taken; the CLI prints the warnings after it and ``show`` and the desk list them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import holidays

from engine.body import Body
from engine.deadlines import deadline_days
from engine.definition import Definition
from engine.fields import as_date

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def closed_day_reason(day: date, body: Body) -> str | None:
    """Why the body is closed on ``day`` ("a Saturday", "a public holiday (Good Friday)"), or None."""
    calendar = body.calendar
    if not calendar.is_closed(day):
        return None
    if day.weekday() in calendar.weekend:
        return f"a {WEEKDAYS[day.weekday()]}"
    if day in calendar.closures:
        return "a day the secretariat is closed"
    name = holidays.country_holidays(calendar.country, subdiv=calendar.subdivision, years=day.year).get(day)
    return f"a public holiday ({name})" if name else "a public holiday"


def date_warnings(
    definition: Definition, fields: Mapping[str, object], body: Body, *, since: date | None = None
) -> list[str]:
    """The warnings the instance's dates give, for the dates on or after ``since`` (all when None)."""
    days = deadline_days(definition, fields, body)
    warnings: list[str] = []
    for name in sorted(definition.date_fields):
        day = as_date(fields.get(name))
        if day is not None and definition.fields[name].type == "date" and (since is None or day >= since):
            reason = closed_day_reason(day, body)
            if reason:
                warnings.append(f"{name} {day.isoformat()} falls on {reason}")
    for name, day in days.items():
        if since is None or day >= since:
            reason = closed_day_reason(day, body)
            if reason:
                warnings.append(f"deadline {name} {day.isoformat()} falls on {reason}")
    for constraint in definition.constraints:
        if not constraint.warn:
            continue
        later = days.get(constraint.field) or as_date(fields.get(constraint.field))
        earlier = days.get(constraint.not_before) or as_date(fields.get(constraint.not_before))
        if later is None or earlier is None or (since is not None and max(later, earlier) < since):
            continue
        if later < earlier or (constraint.strict and later == earlier):
            where = "not after" if constraint.strict else "before"
            warnings.append(
                f"{constraint.field} {later.isoformat()} is {where} {constraint.not_before} {earlier.isoformat()}"
            )
    return warnings
