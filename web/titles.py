"""What an instance is called on the desk: "12th meeting — 1 February 2019", an action item's text, a topic's
title, the title of a consultation's topic; the id stays secondary text beside it.

Titles are computed from the workflow and the instance's fields; one that needs another instance (a
consultation without a title of its own reads its topic's) asks the engine once per request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date, format_interval

from engine import Engine, Instance
from engine.errors import NotFound
from engine.fields import as_date
from web.labels import words_for

LONGEST = 90  # characters of free text kept in a title (an action item's text can be a paragraph)


MEETING = {
    "en": "{ordinal} meeting",
    "fr": "{ordinal} réunion",
    "es": "{ordinal} reunión",
    "ru": "{ordinal} собрание",
    "ar": "الاجتماع {number}",
    "zh": "第{number}次会议",
}
"""A meeting's name by its number: Arabic and Chinese write the number, the others an ordinal."""


def ordinal(number: int, language: str) -> str:
    """``12th`` / ``12e`` / ``12.ª`` / ``12-е``; the first is ``1st`` / ``1re`` (réunion is feminine)."""
    if language == "fr":
        return "1re" if number == 1 else f"{number}e"
    if language == "es":
        return f"{number}.ª"  # reunión is feminine
    if language == "ru":
        return f"{number}-е"  # собрание is neuter
    if language in ("ar", "zh"):
        return str(number)
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def long_day(day: date, language: str) -> str:
    """``1 February 2019`` / ``1er février 2019`` / ``1 de febrero de 2019`` / ``2019年2月1日``."""
    text = format_date(day, "d MMMM y" if language in ("en", "fr") else "long", locale=language)
    return f"1er{text[1:]}" if language == "fr" and day.day == 1 else text


def day_span(first: date, last: date | None, language: str) -> str:
    """One day, or a span written once: ``23–24 September 2019``, ``30 September – 1 October 2019``."""
    if last is None or last == first:
        return long_day(first, language)
    if language not in ("en", "fr"):  # Babel knows how each of the other languages writes a span
        return format_interval(first, last, skeleton="yMMMMd", locale=language)
    if (first.year, first.month) == (last.year, last.month):
        dash = "–" if language == "en" else "-"  # French writes the span with a hyphen: 23-24 septembre
        return f"{first.day}{dash}{long_day(last, language)}"
    if first.year == last.year:
        head = format_date(first, "d MMMM", locale=language)
        head = f"1er{head[1:]}" if language == "fr" and first.day == 1 else head
        return f"{head} – {long_day(last, language)}"
    return f"{long_day(first, language)} – {long_day(last, language)}"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LONGEST else text[: LONGEST - 1].rstrip() + "…"


def meeting_title(fields: Mapping[str, object], language: str) -> str | None:
    number, first = fields.get("number"), as_date(fields.get("start"))
    if not isinstance(number, int):
        return None
    head = MEETING.get(language, MEETING["en"]).format(ordinal=ordinal(number, language), number=number)
    return f"{head} — {day_span(first, as_date(fields.get('end')), language)}" if first else head


@dataclass
class Titles:
    """Titles in one language; referenced instances are read once each (``lookup`` is ``engine.get``)."""

    language: str
    lookup: Callable[[str], Instance]
    _seen: dict[str, Instance | None] = field(default_factory=dict)

    @classmethod
    def of_engine(cls, engine: Engine, language: str) -> Titles:
        return cls(language, engine.get)

    def _get(self, instance_id: str) -> Instance | None:
        if instance_id not in self._seen:
            try:
                self._seen[instance_id] = self.lookup(instance_id)
            except NotFound:
                self._seen[instance_id] = None
        return self._seen[instance_id]

    def title(self, instance: Instance) -> str:
        """The instance's title; its workflow's name when its fields give nothing better."""
        found = self._own(instance)
        return found or words_for(self.language).workflow(instance.workflow)

    def title_of(self, instance_id: object) -> str:
        """The title of the instance with that id (the id itself when there is none)."""
        loaded = self._get(str(instance_id)) if instance_id else None
        return self.title(loaded) if loaded is not None else str(instance_id or "")

    def workflow_of(self, instance_id: str) -> str:
        loaded = self._get(instance_id)
        return loaded.workflow if loaded is not None else ""

    def _own(self, instance: Instance) -> str | None:
        fields = instance.fields
        if instance.workflow == "meeting_cycle":
            return meeting_title(fields, self.language)
        text = fields.get("text") if instance.workflow == "action_item" else fields.get("title")
        if isinstance(text, str) and text.strip():
            return _short(text)
        topic = fields.get("topic")
        if isinstance(topic, str) and topic:
            loaded = self._get(topic)
            if loaded is not None and loaded.workflow != instance.workflow:
                return self._own(loaded)
        return None
