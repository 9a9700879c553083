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
from datetime import date, datetime

from engine.definition import Clause, Condition, FieldSpec

PRESENCE = "has"


class ConditionError(ValueError):
    """A condition names an unknown field or a value its field cannot hold (the loader adds where)."""


def parse_condition(raw: Mapping[str, object], schema: Mapping[str, FieldSpec]) -> Condition:
    """Compile ``raw`` and check it against the fields it will be evaluated on (``schema``)."""
    condition = compile_condition(raw)
    check_condition(condition, schema)
    return condition


def compile_condition(raw: Mapping[str, object]) -> Condition:
    """The condition ``raw`` writes, checked for form only (``check_condition`` checks it against fields)."""
    clauses: list[Clause] = []
    for name, wanted in raw.items():
        if name == PRESENCE:
            names = wanted if isinstance(wanted, list) else [wanted]
            if not names or not all(isinstance(n, str) and n for n in names):
                raise ConditionError(f"'{PRESENCE}' names a field or a list of fields, not {wanted!r}")
            clauses.extend(Clause(str(n), "has") for n in names)
        elif isinstance(wanted, list):
            if not wanted:
                raise ConditionError(f"'{name}' lists no values")
            clauses.append(Clause(str(name), "one_of", tuple(wanted)))
        elif isinstance(wanted, dict):
            raise ConditionError(f"'{name}' must be a value or a list of values, not a mapping")
        else:
            clauses.append(Clause(str(name), "equals", (wanted,)))
    return Condition(tuple(clauses))


def check_condition(condition: Condition, schema: Mapping[str, FieldSpec]) -> None:
    """Refuse a clause on an unknown field, or comparing a field with a value it can never hold."""
    for clause in condition.clauses:
        spec = _field(clause.field, schema)
        if clause.operator != "has":
            for value in clause.values:
                check_value(spec, value)


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
