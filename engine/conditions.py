"""The one condition language of definitions: ``when:`` of instance roles and timers, ``where:`` of effects.

A condition is a mapping; every entry must hold::

    outcome: topic_decided          # the field equals the value
    status: [open, extended]        # the field has one of the values
    has: council_order              # the field is set (not empty); ``has: [a, b]`` for several

It is parsed once, when the definition loads, against the fields it will be evaluated on: an unknown
field, a value that is not one of an enum's values, or a value of the wrong type is refused there, with
the file, line and place (a typo would otherwise load and silently never match).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from engine.definition import FieldSpec

PRESENCE = "has"
Operator = Literal["equals", "one_of", "has"]


class ConditionError(ValueError):
    """A condition names an unknown field or a value its field cannot hold (the loader adds where)."""


@dataclass(frozen=True)
class Clause:
    """One entry of a condition: a field, how it is compared, and the values it is compared with."""

    field: str
    operator: Operator
    values: tuple[object, ...] = ()

    def holds(self, values: Mapping[str, object]) -> bool:
        value = values.get(self.field)
        if self.operator == "has":
            return value not in (None, "", [])
        if self.operator == "one_of":
            return value in self.values
        return value == self.values[0]

    def describe(self) -> str:
        if self.operator == "has":
            return f"{self.field} is set"
        if self.operator == "one_of":
            return f"{self.field} in {list(self.values)}"
        return f"{self.field} = {self.values[0]!r}"


@dataclass(frozen=True)
class Condition:
    """Clauses that must all hold; the empty condition always holds."""

    clauses: tuple[Clause, ...] = ()

    def holds(self, values: Mapping[str, object]) -> bool:
        return all(clause.holds(values) for clause in self.clauses)

    def describe(self) -> str:
        return " and ".join(c.describe() for c in self.clauses) or "always"

    def __bool__(self) -> bool:
        return bool(self.clauses)


ALWAYS = Condition()


def parse_condition(raw: Mapping[str, object], schema: Mapping[str, FieldSpec]) -> Condition:
    """Check ``raw`` against the fields it will be evaluated on (``schema``) and compile it."""
    clauses: list[Clause] = []
    for name, wanted in raw.items():
        if name == PRESENCE:
            names = wanted if isinstance(wanted, list) else [wanted]
            for field_name in names:
                _field(str(field_name), schema)
                clauses.append(Clause(str(field_name), "has"))
            continue
        spec = _field(str(name), schema)
        if isinstance(wanted, list):
            if not wanted:
                raise ConditionError(f"'{name}' lists no values")
            for value in wanted:
                check_value(spec, value)
            clauses.append(Clause(str(name), "one_of", tuple(wanted)))
        else:
            check_value(spec, wanted)
            clauses.append(Clause(str(name), "equals", (wanted,)))
    return Condition(tuple(clauses))


def _field(name: str, schema: Mapping[str, FieldSpec]) -> FieldSpec:
    spec = schema.get(name)
    if spec is None:
        raise ConditionError(f"unknown field '{name}' (fields: {', '.join(sorted(schema)) or 'none'})")
    return spec


def check_value(spec: FieldSpec, value: object) -> None:
    """Refuse a value that a field of this type can never hold (``None`` matches an unset field)."""
    if value is None:
        return
    if spec.type == "enum":
        if value not in spec.values:
            raise ConditionError(f"'{value}' is not a value of {spec.name} (values: {', '.join(spec.values)})")
    elif spec.type == "bool":
        if not isinstance(value, bool):
            raise ConditionError(f"{spec.name} is yes/no (true or false), not {value!r}")
    elif spec.type == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConditionError(f"{spec.name} is a whole number, not {value!r}")
    elif spec.type in ("date", "datetime"):
        if not isinstance(value, date | datetime | str):
            raise ConditionError(f"{spec.name} is a {spec.type}, not {value!r}")
    elif spec.type == "list":
        raise ConditionError(f"{spec.name} is a list: only '{PRESENCE}: {spec.name}' can test it")
    elif not isinstance(value, str):
        raise ConditionError(f"{spec.name} is {spec.type}, not {value!r}")
