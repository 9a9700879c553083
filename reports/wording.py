"""The words of the report in each language: ``templates/<language>/wording.yaml``, one Jinja template a value.

A translator edits one file per language; the keys are the same in every language and a missing one is an
error naming the file and the key. Values are plain text (no markup, no escaping): the Markdown, HTML and
Word renderers escape or style them. Templates run with ``StrictUndefined``, so a misspelt variable fails
instead of printing nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template

from engine.formatting import join_words
from reports.errors import ReportError, UnknownLanguage

TEMPLATES_DIR = Path(__file__).parent / "templates"
WORDING_FILE = "wording.yaml"
HEADINGS_FILE = "headings.yaml"  # the headings alone, in a language the report is not written in yet
HEADING_KEYS = (
    "title",
    "header.session",
    "header.held",
    "header.agenda_item",
    "header.document",
    "header.original",
    "labels.summary",
    "labels.action_required",
    "labels.references",
    "labels.introduction",
    "labels.activities",
    "labels.meeting",
    "labels.conclusion",
)
_SPACES = re.compile(r"[ \t\r\n]+")  # not the no-break spaces of French typography


def languages() -> tuple[str, ...]:
    """The languages that have report wording, sorted."""
    return tuple(sorted(p.name for p in TEMPLATES_DIR.iterdir() if (p / WORDING_FILE).is_file()))


class Wording:
    """One language's report wording: ``say`` renders a sentence, ``table`` reads a glossary."""

    def __init__(self, language: str, data: Mapping[str, Any], source: str) -> None:
        self.language, self.data, self.source = language, data, source
        # Plain text on purpose: the Markdown, HTML and Word renderers escape what this produces.
        self._env = Environment(undefined=StrictUndefined, autoescape=False)  # noqa: S701
        self._env.filters["join_words"] = functools.partial(join_words, language)
        self._compiled: dict[str, Template] = {}

    def _value(self, key: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise ReportError(f"{self.source}: missing key '{key}'")
            node = node[part]
        return node

    def has(self, key: str) -> bool:
        try:
            self._value(key)
        except ReportError:
            return False
        return True

    def say(self, key: str, **context: object) -> str:
        """Render the sentence at ``key`` (dotted path) with ``context``, on one line."""
        if key not in self._compiled:
            value = self._value(key)
            if not isinstance(value, str):
                raise ReportError(f"{self.source}: '{key}' should be text")
            self._compiled[key] = self._env.from_string(value)
        return _SPACES.sub(" ", self._compiled[key].render(context)).strip()

    def table(self, key: str) -> dict[str, Any]:
        """The mapping at ``key`` (a glossary: record text -> wording)."""
        value = self._value(key)
        if not isinstance(value, Mapping):
            raise ReportError(f"{self.source}: '{key}' should be a mapping")
        return dict(value)


@functools.cache
def wording(language: str) -> Wording:
    """The (cached) wording of ``language``, read from the package's templates."""
    available = languages()
    if language not in available:
        raise UnknownLanguage(language, available)
    return _read(language, WORDING_FILE)


def heading_languages() -> tuple[str, ...]:
    """The languages that have the report's headings: the report languages and those with ``headings.yaml``."""
    found = {p.name for p in TEMPLATES_DIR.iterdir() if (p / HEADINGS_FILE).is_file()}
    return tuple(sorted(found | set(languages())))


@functools.cache
def headings(language: str) -> Wording:
    """The report's headings in ``language`` (``HEADING_KEYS``): its wording, else its ``headings.yaml``.

    Ar, es, ru and zh have headings only, translated in the UN's formal register and marked ``review:`` until
    a translator has checked them (``needs_review``); a missing key is an error naming the file and the key.
    """
    if language in languages():
        found = wording(language)
    elif language in heading_languages():
        found = _read(language, HEADINGS_FILE)
    else:
        raise UnknownLanguage(language, heading_languages(), "heading")
    for key in HEADING_KEYS:
        found.say(key, **_SAMPLE)  # every key there and renderable with the facts the builder gives
    return found


def needs_review(language: str) -> bool:
    """Whether the headings of ``language`` are still marked as needing a translator's review."""
    return headings(language).has("review")


_SAMPLE: dict[str, object] = {  # the facts the headings are rendered with (reports/builder.py)
    "name": "",
    "code": "",
    "year": 2019,
    "place": "",
    "days": "",
    "item": "",
    "symbol": "",
    "language": "",
    "ordinal": "",
}


def _read(language: str, name: str) -> Wording:
    data = yaml.safe_load((TEMPLATES_DIR / language / name).read_text(encoding="utf-8"))
    if not isinstance(data, Mapping):
        raise ReportError(f"{language}/{name}: expected a mapping")
    return Wording(language, data, f"{language}/{name}")
