"""Whether each deadline of an instance is met, past (late) or upcoming, and whose it is, after
``deadlines.yaml`` beside this module: the workflow files say when a deadline falls, not what it waits for.

A deadline the file does not know is judged by its day alone (past or upcoming), and as no longer applying
once the instance is in a final state: the desk then says less, never something false.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

from engine.definition import Definition

FILE = Path(__file__).with_name("deadlines.yaml")
Status = Literal["met", "past", "upcoming", "void"]


@dataclass(frozen=True)
class DeadlineRule:
    """Who acts by the deadline (directory or instance roles), the states in which it counts as met and, when
    given, the only states in which it applies at all (the silence deadline, while a silence procedure is
    open: once silence is broken the report is back with the chair and nobody acts by it any more)."""

    by: tuple[str, ...] = ()
    met_in: frozenset[str] = frozenset()
    only_in: frozenset[str] | None = None


@cache
def rules() -> Mapping[str, Mapping[str, DeadlineRule]]:
    """The shipped file, read once per process: workflow -> deadline -> rule."""
    data: Any = yaml.safe_load(FILE.read_text(encoding="utf-8")) or {}
    return {
        workflow: {
            name: DeadlineRule(
                tuple(entry.get("by") or ()),
                frozenset(entry.get("met_in") or ()),
                frozenset(entry["only_in"]) if entry.get("only_in") else None,
            )
            for name, entry in (deadlines or {}).items()
        }
        for workflow, deadlines in data.items()
    }


def rule_of(workflow: str, name: str) -> DeadlineRule | None:
    return rules().get(workflow, {}).get(name)


@dataclass(frozen=True)
class DeadlineState:
    """One deadline of one instance as of a day."""

    name: str
    day: date
    status: Status
    by: tuple[str, ...]
    days_late: int  # 0 unless past

    def concerns(self, roles: Iterable[str]) -> bool:
        return bool(set(self.by) & set(roles))


def status_of(definition: Definition, state: str, name: str, day: date, today: date) -> Status:
    rule = rule_of(definition.name, name)
    if rule is not None and state in rule.met_in:
        return "met"
    if state in definition.finals or (rule is not None and rule.only_in is not None and state not in rule.only_in):
        return "void"
    return "past" if day < today else "upcoming"


def deadline_states(definition: Definition, state: str, days: Mapping[str, date], today: date) -> list[DeadlineState]:
    """Every deadline of the instance with its status, in day order."""
    found = []
    for name, day in days.items():
        status = status_of(definition, state, name, day, today)
        rule = rule_of(definition.name, name) or DeadlineRule()
        late = (today - day).days if status == "past" else 0
        found.append(DeadlineState(name, day, status, rule.by, late))
    return sorted(found, key=lambda d: (d.day, d.name))
