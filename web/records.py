"""The records a meeting or a topic keeps in lists, shown as the reader needs them rather than as raw lists:
the Member States' positions on a topic (each one's latest, with how often it changed), a meeting's
registrations and the objections that broke a silence procedure. Cells are formatted by ``ValueText`` (the
same words, dates and names as every other list on the desk), only the columns are chosen here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from engine import Engine, Instance
from engine.definition import Definition
from engine.fields import list_items
from engine.positions import latest_positions
from web.forms import FormField
from web.titles import Titles
from web.values import Column, ValueText

# The lists that get a section of their own, and the columns they show there, in order.
SECTIONS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "meeting_cycle": {
        "registrations": ("member_state", "head_of_delegation", "delegates", "at"),
        "silence_breaks": ("member_state", "objection", "at"),
    },
    "topic": {"positions": ()},  # a table of its own (PositionRow), not plain columns
}

CHANGES = {
    "en": {1: "changed once", 2: "changed twice"},
    "fr": {1: "modifiée une fois", 2: "modifiée deux fois"},
    "es": {1: "modificada una vez", 2: "modificada dos veces"},
    "ru": {1: "изменена один раз", 2: "изменена дважды"},
    "ar": {1: "عُدِّل مرة واحدة", 2: "عُدِّل مرتين"},
    "zh": {1: "修改过一次", 2: "修改过两次"},
}
CHANGES_MANY = {
    "en": "changed {count} times",
    "fr": "modifiée {count} fois",
    "es": "modificada {count} veces",
    "ru": "изменена {count} раз",
    "ar": "عدد مرات التعديل: {count}",
    "zh": "修改过{count}次",
}


def own_sections(workflow: str, instance: Instance) -> frozenset[str]:
    """The list fields shown in a section of their own, left out of the fields table: the positions always
    (their section says when there is none), the others once they have an item (until then the fields table
    says "0 items")."""
    names = SECTIONS.get(workflow, {})
    return frozenset(n for n in names if n == "positions" or list_items(instance.fields.get(n)))


@dataclass(frozen=True)
class Table:
    """A list field as a table: its columns and one row of texts per item."""

    field: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]


def table(values: ValueText, definition: Definition, instance: Instance, list_field: str) -> Table | None:
    """A list field of the instance with the columns chosen for it; None when it has no item."""
    items = list_items(instance.fields.get(list_field))
    if not items:
        return None
    wanted = SECTIONS.get(definition.name, {}).get(list_field, ())
    shown = values.columns(definition, list_field, items)
    columns = tuple(c for key in wanted for c in shown if c.key == key) if wanted else tuple(shown)
    rows = tuple(tuple(values.cell(definition, list_field, item, c.key) for c in columns) for item in items)
    return Table(list_field, columns, rows)


@dataclass(frozen=True)
class PositionRow:
    """A Member State's latest position on a topic, in words."""

    member_state: str
    position: str  # the words: "supports", "préfère un autre thème"
    code: str  # support, object, reserve, prefer_other (for styling, never shown)
    other_id: str | None  # the topic preferred, linked by its title
    other_title: str
    statement: str
    at: str
    changes: str  # "changed twice", or empty when it never changed


def changes_text(count: int, language: str) -> str:
    if count <= 0:
        return ""
    fixed = CHANGES.get(language, CHANGES["en"]).get(count)
    return fixed or CHANGES_MANY.get(language, CHANGES_MANY["en"]).format(count=count)


def positions(values: ValueText, definition: Definition, instance: Instance) -> tuple[PositionRow, ...]:
    """Each Member State's latest position (``engine.positions.latest_positions``), with its earlier changes."""
    items = list_items(instance.fields.get("positions"))
    stated = Counter(str(i.get("member_state")) for i in items if i.get("member_state"))
    wf = definition.name
    return tuple(
        PositionRow(
            p.member_state,
            values.words.value(wf, p.position),
            p.position,
            p.other_option,
            values.titles.title_of(p.other_option) if p.other_option else "",
            p.statement or "",
            values.text(definition, None, p.at, "at") if p.at else "—",
            changes_text(stated[p.member_state] - 1, values.language),
        )
        for p in latest_positions(items).positions
    )


def with_other_topics(
    fields: Sequence[FormField], engine: Engine, instance: Instance, titles: Titles
) -> tuple[FormField, ...]:
    """A position's "topic preferred" offered as a list of the other topics of the same meeting, by title
    (never an instance id to type); the field as it is when the meeting has no other topic."""
    if instance.workflow != "topic" or not any(f.name == "other_option" for f in fields):
        return tuple(fields)
    meeting = instance.fields.get("meeting")
    others = [t for t in engine.linked(str(meeting), "meeting", "topic") if t.id != instance.id] if meeting else []
    options = tuple((t.id, titles.title(t)) for t in sorted(others, key=lambda t: titles.title(t).casefold()))
    return tuple(replace(f, options=options) if f.name == "other_option" and options else f for f in fields)
