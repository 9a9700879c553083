"""Field values and audit changes as a reader reads them: dates in the reader's locale (Geneva time for
instants), yes/no for booleans, enum values and people by their words and names, lists as tables.

Values are typed by the definition's field specs; a value whose field the definition no longer has (an
older version, a key the engine adds to list items) is shown by its Python type, never as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from engine.definition import Definition, FieldSpec
from engine.fields import as_date
from web.i18n import instant_text, translator
from web.labels import Words
from web.titles import Titles, long_day

# Keys the engine adds to every appended list item: who gave it, for which Member State, when.
ITEM_EXTRAS = ("by", "member_state", "at")
ADDED = {"en": "added", "fr": "ajout", "es": "añadido", "ru": "добавлено", "ar": "إضافة", "zh": "新增"}
HEADLINE = 100  # characters of an appended item's text the audit line shows (the table shows all of it)


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass
class ValueText:
    """Formats values of one definition's instances for one reader."""

    words: Words
    titles: Titles
    zone: ZoneInfo
    names: Mapping[str, str]  # person id -> name

    @property
    def language(self) -> str:
        return self.words.language

    def _yes_no(self, value: bool) -> str:
        return translator(self.language)("yes" if value else "no")

    @property
    def _arrow(self) -> str:
        """From the value before to the value after, pointing the way the reader reads (← in Arabic)."""
        return translator(self.language)("arrow")

    def _instant(self, text: str) -> str:
        try:
            return instant_text(datetime.fromisoformat(text), self.language, self.zone)
        except ValueError:
            return text

    def text(self, definition: Definition, spec: FieldSpec | None, value: object, key: str = "") -> str:
        """One value in words (lists are counted here; ``table`` shows them)."""
        if value is None or value == "":
            return "—"
        kind = spec.type if spec is not None else None
        if isinstance(value, bool):
            return self._yes_no(value)
        if kind == "date" and isinstance(value, str):
            day = as_date(value)
            return long_day(day, self.language) if day else value
        if (kind == "datetime" or key == "at") and isinstance(value, str):
            return self._instant(value)
        if kind == "enum":
            return self.words.value(definition.name, value)
        if kind == "person" or key == "by":
            return self.names.get(str(value), str(value))
        if kind == "ref":
            return self.titles.title_of(value)
        if isinstance(value, Mapping):
            return "; ".join(f"{self.words.field(definition.name, str(k))}: {v}" for k, v in value.items())
        if isinstance(value, list):
            return str(len(value))
        return str(value)

    def columns(self, definition: Definition, list_field: str, items: Sequence[object]) -> list[Column]:
        """The columns of a list field's table: the item's fields, then who/when, only those some item has."""
        spec = definition.fields.get(list_field)
        declared = list(spec.item) if spec is not None else []
        present = {k for item in items if isinstance(item, Mapping) for k in item}
        keys = [k for k in declared if k in present] + [k for k in ITEM_EXTRAS if k in present]
        keys += sorted(present - set(keys))
        return [Column(k, self.words.item(definition.name, list_field, k)) for k in keys]

    def cell(self, definition: Definition, list_field: str, item: object, key: str) -> str:
        spec = definition.fields.get(list_field)
        item_spec = spec.item.get(key) if spec is not None else None
        value = item.get(key) if isinstance(item, Mapping) else (item if key == "text" else None)
        return self.text(definition, item_spec, value, key)

    def change_lines(self, definition: Definition, changes: Mapping[str, object]) -> list[tuple[str, str]]:
        """An audit row's changes as (what, how) in words: ``Venue``, ``Geneva → Bern``."""
        lines: list[tuple[str, str]] = []
        for name, change in changes.items():
            spec = definition.fields.get(name)
            label = self.words.field(definition.name, name)
            if isinstance(change, Mapping) and "appended" in change:
                item = change["appended"]
                shown = item if isinstance(item, Mapping) else {}
                headline = self._headline(definition, name, shown)
                added = ADDED.get(self.language, ADDED["en"])
                lines.append((label, f"{added}: {headline}" if headline else added))
            elif name == "deadlines" and isinstance(change, Mapping):
                for deadline, pair in change.items():
                    if isinstance(pair, list) and len(pair) == 2:
                        before, after = (self._day(v) for v in pair)
                        lines.append(
                            (self.words.deadline(definition.name, str(deadline)), f"{before} {self._arrow} {after}")
                        )
            elif isinstance(change, list) and len(change) == 2:
                before, after = (self.text(definition, spec, v) for v in change)
                lines.append((label, f"{before} {self._arrow} {after}"))
            else:
                lines.append((label, self.text(definition, spec, change)))
        return lines

    def _headline(self, definition: Definition, list_field: str, item: Mapping[str, object]) -> str:
        """What an appended item is, in a few words: for whom (a Member State), its choice (a position) and its
        title or text: ``United States — supports``, ``France — Jeanne Dupont``."""
        parts = [str(item["member_state"])] if item.get("member_state") else []
        if item.get("position"):
            parts.append(self.cell(definition, list_field, item, "position"))
        keys = ("title", "text", "symbol", "name", "head_of_delegation", "objection")
        text = " ".join(next((str(item[k]) for k in keys if item.get(k)), "").split())
        parts.append(text if len(text) <= HEADLINE else text[: HEADLINE - 1].rstrip() + "…")
        return " — ".join(p for p in parts if p)

    def _day(self, value: object) -> str:
        day = as_date(value)
        return long_day(day, self.language) if day else "—"
