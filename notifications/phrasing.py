"""Phrases a notice writes around a value: the days of a meeting with their preposition, a free text as a sentence.

``engine/formatting.py`` writes a span of days on its own ("23-24 September 2019"), as a heading or a
parenthesis does. In running text French needs the article to agree with the number of days, which the
span alone cannot carry: "qui se tiendra les 23 et 24 septembre 2019", "reportée aux 7 et 8 octobre",
"du 20 au 22 septembre 2017", never "le 23-24 septembre". So the phrase, preposition included, is built
here for the notices, from the ends that ``span_ends`` gives.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from engine.formatting import as_date, format_day, format_span, span_ends

Preposition = Literal["on", "to"]
"""Why the days are named: when something happens ("on"), or what it is moved to ("to")."""

_ENGLISH = {"on": "on", "to": "to"}
# French, by preposition: one day, two days, a longer span (which takes "du ... au ...").
_FRENCH = {"on": ("le", "les", ""), "to": ("au", "aux", "à la période ")}

# A sentence already ends: its punctuation, then closing quotes or brackets (French spaces them: « … »).
_SENTENCE_END = re.compile(r"[.!?…][\s\"'»”’)\]]*$")


def days_phrase(
    language: str, start: object, end: object, preposition: Preposition = "on", *, zone: dt.tzinfo | None = None
) -> str:
    """The days from ``start`` to ``end`` with their preposition, as running text writes them.

    English: "on 1 February 2019", "on 23 and 24 September 2019", "on 20-22 September 2017" ("to ..." alike).
    French: "le 1er février 2019", "les 23 et 24 septembre 2019", "du 20 au 22 septembre 2017"; moved to:
    "au ...", "aux 7 et 8 octobre 2019", "à la période du 20 au 22 septembre 2017". Other languages get the
    bare span (their translator writes the words around it).
    """
    first, last = as_date(start, zone), as_date(end, zone)
    head, tail = span_ends(language, first, last)
    days = (last - first).days + 1
    if language == "fr":
        one, two, longer = _FRENCH[preposition]
        if days == 1:
            return f"{one} {tail}"
        if days == 2:
            return f"{two} {head} et {tail}"
        return f"{longer}du {head} au {tail}"
    if language == "en":
        if days == 2:
            return f"{_ENGLISH[preposition]} {head} and {tail}"
        return f"{_ENGLISH[preposition]} {format_span(language, first, last)}"
    return format_span(language, first, last) if days > 1 else format_day(language, first)


def as_sentence(text: object) -> str:
    """A free text closed by one full stop: "to allow more time" -> "to allow more time."; "… ended." stays."""
    words = str(text).rstrip()
    return words if not words or _SENTENCE_END.search(words) else f"{words}."
