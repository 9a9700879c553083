"""The fields a step asks for, as form inputs, and form data read back into the values ``fire`` takes.

A transition accepts the fields it ``requires`` (required) and ``sets`` (optional); one that appends to a list
takes one item of that list; a start takes the fields it names, or all of the definition's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from engine.definition import Definition, FieldSpec
from engine.errors import FieldError

PREFIX = "f."  # form inputs of fields are named f.<field>, apart from note, csrf_token and the like
_INPUT_TYPES = {"int": "number", "date": "date", "datetime": "datetime-local"}


@dataclass(frozen=True)
class FormField:
    """One input of a step's form."""

    name: str
    type: str
    required: bool
    values: tuple[str, ...] = ()
    title: str = ""
    multiline: bool = False
    lines: bool = False  # a list of single-text items: one item per line
    default: str = ""  # what the input is filled with (a list field takes a JSON or line text)

    @property
    def input_name(self) -> str:
        return PREFIX + self.name

    @property
    def input_type(self) -> str:
        return _INPUT_TYPES.get(self.type, "text")

    @property
    def widget(self) -> str:
        """How to draw it: select (enum, bool), textarea (multiline text, lists) or input."""
        if self.type in ("enum", "bool"):
            return "select"
        if self.multiline or self.type == "list":
            return "textarea"
        return "input"

    @property
    def choices(self) -> tuple[str, ...]:
        return ("yes", "no") if self.type == "bool" else self.values


def _single_text_item(spec: FieldSpec) -> bool:
    return spec.type == "list" and [f.type for f in spec.item.values() if f.required] == ["text"]


def _field(spec: FieldSpec, required: bool) -> FormField:
    return FormField(
        spec.name,
        spec.type,
        required,
        spec.values,
        spec.title,
        spec.multiline,
        lines=_single_text_item(spec),
    )


def trigger_fields(definition: Definition, trigger: str, state: str) -> tuple[FormField, ...]:
    """The inputs for firing ``trigger`` from ``state``."""
    spec = definition.transition(trigger, state)
    if spec is None:
        return ()
    if spec.append is not None:
        return tuple(_field(f, f.required) for f in definition.fields[spec.append].item.values())
    return tuple(_field(definition.fields[name], name in spec.requires) for name in spec.accepted_fields)


def start_fields(definition: Definition) -> tuple[FormField, ...]:
    """The inputs for starting an instance: required ones first."""
    names = definition.start.accepted_fields or tuple(definition.fields)
    fields = [
        _field(definition.fields[n], definition.fields[n].required or n in definition.start.requires) for n in names
    ]
    return tuple(sorted(fields, key=lambda f: not f.required))


def read_fields(fields: tuple[FormField, ...], form: Mapping[str, object]) -> dict[str, object]:
    """The values given for ``fields`` (empty inputs left out; the engine says what is missing)."""
    values: dict[str, object] = {}
    for field in fields:
        raw = form.get(field.input_name)
        if not isinstance(raw, str) or not raw.strip():
            continue
        if field.type == "list":
            values[field.name] = _list_value(field, raw)
        elif field.type == "datetime":
            values[field.name] = raw.strip()  # datetime-local: wall-clock time, read in the body's zone
        else:
            values[field.name] = raw
    return values


def _list_value(field: FormField, raw: str) -> object:
    if field.lines and not raw.lstrip().startswith("["):
        return [line.strip() for line in raw.splitlines() if line.strip()]
    try:
        return json.loads(raw)
    except ValueError:
        raise FieldError(f"{field.name}: expected one item per line or a JSON list") from None
