"""Which choices a form offers a reader, from the directory and ``choices.yaml``: the Vice-Chairs for an
acting chair, the Member States for a field that names one, the enum values meant for the reader's roles.

The definitions say a field is a ``person`` or a ``text``; which people or Member States fit, and which
contribution kinds a Member State may give, is desk knowledge kept in the small table beside this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from engine import Person
from web.forms import FormField
from web.labels import Words
from web.views import InstanceDetail

FILE = Path(__file__).with_name("choices.yaml")


@dataclass(frozen=True)
class ChoiceTable:
    """The parsed ``choices.yaml``."""

    people: Mapping[str, Mapping[str, str]]  # workflow -> person field -> the role its people hold
    member_states: Mapping[str, frozenset[str]]  # workflow -> text fields naming a Member State
    values_by_role: Mapping[str, Mapping[str, Mapping[str, tuple[str, ...]]]]  # workflow -> field -> role -> values
    only_for_roles: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)  # workflow -> field

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> ChoiceTable:
        people = {w: {f: str(r) for f, r in (fields or {}).items()} for w, fields in (data.get("people") or {}).items()}
        states = {w: frozenset(map(str, names or ())) for w, names in (data.get("member_states") or {}).items()}
        by_role = {
            w: {
                f: {r: tuple(map(str, v or ())) for r, v in (roles or {}).items()}
                for f, roles in (fields or {}).items()
            }
            for w, fields in (data.get("values_by_role") or {}).items()
        }
        only = {
            w: {f: frozenset(map(str, roles or ())) for f, roles in (fields or {}).items()}
            for w, fields in (data.get("only_for_roles") or {}).items()
        }
        return cls(people, states, by_role, only)

    def shown_to(self, workflow: str, field: str, roles: Iterable[str]) -> bool:
        """Whether a reader holding ``roles`` is shown the input of ``field`` (an input not shown is not read)."""
        allowed = self.only_for_roles.get(workflow, {}).get(field)
        return allowed is None or bool(allowed & set(roles))

    def offered_values(self, workflow: str, field: str, values: Sequence[str], roles: Iterable[str]) -> tuple[str, ...]:
        """The enum ``values`` offered to someone holding ``roles``: all of them if one of the roles is not
        restricted for this field, else those the roles' lists name (in the definition's order)."""
        table = self.values_by_role.get(workflow, {}).get(field)
        held = list(roles)
        if not table or not held or any(r not in table for r in held):
            return tuple(values)
        allowed = {v for r in held for v in table[r]}
        return tuple(v for v in values if v in allowed)


@cache
def table() -> ChoiceTable:
    """The shipped table, read once per process."""
    data = yaml.safe_load(FILE.read_text(encoding="utf-8")) or {}
    return ChoiceTable.parse(data if isinstance(data, Mapping) else {})


def member_states_of(people: Iterable[Person]) -> tuple[str, ...]:
    """The Member States the directory has a focal point for, sorted."""
    return tuple(sorted({p.member_state for p in people if p.member_state and "member_state" in p.roles}))


def with_choices(
    fields: Sequence[FormField],
    workflow: str,
    reader: Person,
    people: Sequence[Person],
    words: Words,
    choices: ChoiceTable | None = None,
) -> tuple[FormField, ...]:
    """``fields`` with the options the reader is offered (people by name, Member States, enum values), less the
    inputs meant for other roles."""
    found = choices or table()
    states = member_states_of(people)
    result = []
    for f in fields:
        if not found.shown_to(workflow, f.name, reader.roles):
            continue
        role = found.people.get(workflow, {}).get(f.name)
        if f.type == "person" and role is not None:
            holders = sorted((p for p in people if role in p.roles), key=lambda p: p.name.casefold())
            f = replace(f, options=tuple((p.id, p.name) for p in holders))
        elif f.type == "text" and f.name in found.member_states.get(workflow, frozenset()) and states:
            f = replace(f, options=tuple((s, s) for s in states))
        elif f.type == "enum":
            offered = found.offered_values(workflow, f.name, f.values, reader.roles)
            f = replace(f, options=tuple((v, words.value(workflow, v)) for v in offered))
        result.append(f)
    return tuple(result)


def detail_with_choices(
    detail: InstanceDetail, reader: Person, people: Sequence[Person], words: Words
) -> InstanceDetail:
    """The instance page's steps with the choices the reader is offered in their inputs."""
    workflow = detail.instance.workflow
    triggers = tuple(
        replace(t, fields=with_choices(t.fields, workflow, reader, people, words)) for t in detail.triggers
    )
    return replace(detail, triggers=triggers)
