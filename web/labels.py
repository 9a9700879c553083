"""Words for the identifiers of the workflow definitions (states, steps, fields, roles...) in the ITU's six languages.

They live in ``labels.yaml`` beside this module, not in the workflow files: the definitions are what runs
and what instances were started with, the words are what the desk shows and may be reworded at any time.
A key the catalogue lacks is shown humanised, never as a crash: other people add states and steps to the
workflows, and ``tests/web/test_labels.py`` is what tells them to add the words too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from engine.definition import Definition

FILE = Path(__file__).with_name("labels.yaml")
LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")  # the six languages of the ITU
OR = {"en": " or ", "fr": " ou ", "es": " o ", "ru": " или ", "ar": " أو ", "zh": "或"}
LIST_COMMA = {"ar": "، ", "zh": "、"}  # elsewhere ", "
KINDS = ("states", "triggers", "fields", "deadlines", "values")


def humanise(identifier: str) -> str:
    """``close_translation`` -> ``Close translation``: what a missing label falls back to."""
    text = identifier.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Catalogue:
    """The parsed ``labels.yaml``: plain nested mappings, read-only by convention."""

    data: Mapping[str, Any]

    def word_of(self, entry: object, language: str) -> str | None:
        if isinstance(entry, Mapping):
            word = entry.get(language) or entry.get("en")
            return str(word) if word else None
        return None

    def workflow_entry(self, workflow: str) -> Mapping[str, Any]:
        found = (self.data.get("workflows") or {}).get(workflow)
        return found if isinstance(found, Mapping) else {}

    def lookup(self, workflow: str, kind: str, name: str, language: str) -> str | None:
        return self.word_of((self.workflow_entry(workflow).get(kind) or {}).get(name), language)

    def word(self, workflow: str, kind: str, name: str, language: str) -> str:
        return self.lookup(workflow, kind, name, language) or humanise(name)

    def workflow_title(self, workflow: str, language: str) -> str:
        return self.word_of(self.workflow_entry(workflow).get("title"), language) or humanise(workflow)

    def item(self, workflow: str, list_field: str, name: str, language: str) -> str:
        items = (self.workflow_entry(workflow).get("items") or {}).get(list_field) or {}
        return self.word_of(items.get(name), language) or humanise(name)

    def role(self, name: str, language: str) -> str:
        return self.word_of((self.data.get("roles") or {}).get(name), language) or humanise(name)

    def top(self, section: str, name: str, language: str) -> str | None:
        """A word of a top-level section (``guards``, ``notices``)."""
        return self.word_of((self.data.get(section) or {}).get(name), language)

    def has(self, path: Iterable[str], language: str) -> bool:
        node: object = self.data
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        return isinstance(node, Mapping) and bool(node.get(language))


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, read once per process."""
    data = yaml.safe_load(FILE.read_text(encoding="utf-8")) or {}
    return Catalogue(data if isinstance(data, Mapping) else {})


def roles_of(definition: Definition) -> set[str]:
    """Every role a definition names: on its steps, and the instance roles it derives."""
    named = {r for t in (definition.start, *definition.transitions) for r in t.roles}
    return named | set(definition.instance_roles)


def missing(definitions: Mapping[str, Definition], directory_roles: Iterable[str], words: Catalogue) -> list[str]:
    """Every ``workflow/kind/name: language`` (and role, guard) the definitions use without a word in ``words``."""
    wanted: list[tuple[str, ...]] = [("roles", r) for r in sorted(directory_roles)]
    for name, d in sorted(definitions.items()):
        wanted.append(("workflows", name, "title"))
        wanted += [("workflows", name, "states", s) for s in d.states]
        wanted += [("workflows", name, "triggers", t) for t in (d.start.trigger, *d.triggers)]
        wanted += [("workflows", name, "fields", f) for f in d.fields]
        wanted += [("roles", r) for r in sorted(roles_of(d))]
        wanted += [("guards", g.name) for t in d.transitions for g in t.guards]
    paths = dict.fromkeys(wanted)
    return [f"{'/'.join(path)}: {lang}" for path in paths for lang in LANGUAGES if not words.has(path, lang)]


class _Blank(dict[str, object]):
    """Format values where a placeholder nobody filled reads as an ellipsis instead of raising KeyError."""

    def __missing__(self, key: str) -> str:
        return "…"


@dataclass(frozen=True)
class Words:
    """The catalogue in one reader's language, for templates: ``words.state("meeting_cycle", "planned")``."""

    language: str
    source: Catalogue

    def workflow(self, workflow: str) -> str:
        return self.source.workflow_title(workflow, self.language)

    def state(self, workflow: str, name: str | None) -> str:
        return self.source.word(workflow, "states", name, self.language) if name else "—"

    def states_or(self, workflow: str, names: Iterable[str]) -> str:
        """``Planned, Contributions open or Contributions closed``: the states one of which a step leads to."""
        words = [self.state(workflow, n) for n in names]
        comma = LIST_COMMA.get(self.language, ", ")
        last = OR.get(self.language, " or ")
        return words[0] if len(words) == 1 else comma.join(words[:-1]) + last + words[-1]

    def trigger(self, workflow: str, name: str) -> str:
        return self.source.word(workflow, "triggers", name, self.language)

    def field(self, workflow: str, name: str) -> str:
        return self.source.word(workflow, "fields", name, self.language)

    def input_label(self, workflow: str, name: str) -> str:
        """A form input's label: the field's, else the list item field's of that name (appending steps)."""
        found = self.source.lookup(workflow, "fields", name, self.language)
        if found:
            return found
        items = (self.source.workflow_entry(workflow).get("items") or {}).values()
        word = next(
            (self.source.word_of(i.get(name), self.language) for i in items if isinstance(i, Mapping) and i.get(name)),
            None,
        )
        return word or humanise(name)

    def item(self, workflow: str, list_field: str, name: str) -> str:
        return self.source.item(workflow, list_field, name, self.language)

    def deadline(self, workflow: str, name: str) -> str:
        return self.source.word(workflow, "deadlines", name, self.language)

    def value(self, workflow: str, value: object) -> str:
        """An enum value in words (other values are returned as they are)."""
        text = str(value)
        return self.source.lookup(workflow, "values", text, self.language) or text

    def role(self, name: str) -> str:
        return self.source.role(name, self.language)

    def roles(self, names: Iterable[str]) -> str:
        return LIST_COMMA.get(self.language, ", ").join(self.role(n) for n in names)

    def notice(self, notice_id: str) -> str:
        return self.source.top("notices", notice_id, self.language) or notice_id

    def guard(self, name: str, **values: object) -> str | None:
        """A guard's refusal sentence with its values filled in, or None when the catalogue has none."""
        template = self.source.top("guards", name, self.language)
        return template.format_map(_Blank(values)) if template else None


def words_for(language: str) -> Words:
    return Words(language if language in LANGUAGES else "en", catalogue())
