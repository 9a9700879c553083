"""The fields a step asks for, as form inputs, and form data read back into the values ``fire`` takes.

A transition accepts the fields it ``requires`` (required) and ``sets`` (optional); one that appends to a list
takes one item of that list; a start takes the fields it names, or all of the definition's. An input of a
field the instance already has is filled with its value (a postponement shows the current dates), and a
value sent back unchanged is left out: it is no change, and the audit trail should not say it was.
Which people, Member States and enum values a reader is offered comes from ``web/choices.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace

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
    default: str = ""  # what the input is filled with: the instance's value (sent back unchanged: left out)
    options: tuple[tuple[str, str], ...] = ()  # (value, words) offered instead of free text or every value

    @property
    def input_name(self) -> str:
        return PREFIX + self.name

    @property
    def input_type(self) -> str:
        return _INPUT_TYPES.get(self.type, "text")

    @property
    def widget(self) -> str:
        """How to draw it: a checkbox (an optional yes/no not set yet: unticked sends nothing, which reads as
        no), a select (enum, other yes/no, people and Member States), a textarea (paragraphs, lists), an input.
        A yes/no already set stays a select: an unticked box could not turn it back to no."""
        if self.type == "bool" and not self.required and not self.default:
            return "checkbox"
        if self.type in ("enum", "bool") or self.options:
            return "select"
        if self.multiline or self.type == "list":
            return "textarea"
        return "input"

    @property
    def choices(self) -> tuple[str, ...]:
        if self.options:
            return tuple(value for value, _ in self.options)
        return ("yes", "no") if self.type == "bool" else self.values


class NotOffered(FieldError):
    """A value was sent that the form did not offer (a hand-made post): refused, nothing written."""

    def __init__(self, field: str, value: str) -> None:
        super().__init__(f"{field}: '{value}' is not one of the choices offered")
        self.field = field
        self.value = value


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


def current_text(spec: FieldSpec, value: object) -> str:
    """What an input of ``spec`` shows for the instance's ``value`` ("" for what is not pre-filled: lists, and
    paragraphs and a step's own values, whose old wording a step replaces, e.g. the reason of an earlier
    postponement). ``per_step`` is read with getattr: definitions loaded before it existed lack it."""
    per_step = bool(getattr(spec, "per_step", False))
    if value is None or value == "" or spec.type in ("list", "datetime") or spec.multiline or per_step:
        return ""
    if spec.type == "bool":
        return "yes" if value is True else ""
    return str(value)


def trigger_fields(
    definition: Definition, trigger: str, state: str, current: Mapping[str, object] | None = None
) -> tuple[FormField, ...]:
    """The inputs for firing ``trigger`` from ``state``; ``current``: the instance's fields, to pre-fill from."""
    spec = definition.transition(trigger, state)
    if spec is None:
        return ()
    if spec.append is not None:
        return tuple(_field(f, f.required) for f in definition.fields[spec.append].item.values())
    now = current or {}
    return tuple(
        replace(
            _field(definition.fields[name], name in spec.requires),
            default=current_text(definition.fields[name], now.get(name)),
        )
        for name in spec.accepted_fields
    )


def start_fields(definition: Definition) -> tuple[FormField, ...]:
    """The inputs for starting an instance: required ones first."""
    names = definition.start.accepted_fields or tuple(definition.fields)
    fields = [
        _field(definition.fields[n], definition.fields[n].required or n in definition.start.requires) for n in names
    ]
    return tuple(sorted(fields, key=lambda f: not f.required))


def read_fields(fields: tuple[FormField, ...], form: Mapping[str, object]) -> dict[str, object]:
    """The values given for ``fields`` (empty inputs and pre-filled ones sent back unchanged left out; the
    engine says what is missing); NotOffered for a value outside a field's offered choices."""
    values: dict[str, object] = {}
    for field in fields:
        raw = form.get(field.input_name)
        if not isinstance(raw, str) or not raw.strip() or (field.default and raw.strip() == field.default):
            continue
        if field.options and raw not in field.choices:
            raise NotOffered(field.name, raw)
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
