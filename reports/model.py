"""The structure of a Chair's report to Council, in one language, ready to lay out (Markdown, HTML, Word).

Every renderer walks the same ``Report``: the headings of the Markdown and of the .docx are the same
strings at the same levels by construction (``Report.headings``).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date


def letter(index: int) -> str:
    """The letter of the ``index``-th item (from 0): a, b, ... z, aa, ab ..."""
    letters = string.ascii_lowercase
    return letters[index] if index < len(letters) else letters[index // 26 - 1] + letters[index % 26]


@dataclass(frozen=True)
class Item:
    """A lettered item of a paragraph: "a) The Group invited the Member States ..."."""

    letter: str
    text: str

    @property
    def label(self) -> str:
        return f"{self.letter})"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph, numbered ("2.2") in the numbered sections, with its lettered items."""

    text: str
    number: str | None = None
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Section:
    """A heading and its paragraphs; ``number`` is set for the numbered sections (1 Introduction ...)."""

    title: str
    paragraphs: tuple[Paragraph, ...]
    number: str | None = None

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title


@dataclass(frozen=True)
class Header:
    """The title block: Council session, its place and days, agenda item on the left; symbol, date, original right."""

    session: str | None
    agenda_item: str | None
    document: str
    date: str
    original: str
    session_held: str | None = None  # "Genève, 10-20 juin 2019", when body.yaml gives the session's place and days


@dataclass(frozen=True)
class Report:
    """A Chair's report in one language: title block, summary box, references and numbered sections.

    ``sections`` are 1 Introduction, one section per meeting reported, then the Conclusion.
    """

    language: str
    symbol: str
    issued_on: date
    header: Header
    title: str
    summary: Section
    action_required: Section
    references_label: str
    references: tuple[str, ...]
    sections: tuple[Section, ...]
    guidance_requested: bool
    untranslated: tuple[str, ...] = ()  # record texts kept in the record's language (decision ids, "venue")
    meetings: tuple[int, ...] = ()  # the numbers of the meetings reported, in order
    guidance_paragraphs: tuple[str, ...] = ()  # the measures Council's guidance is asked on: "2.2 c)"
    annexes: tuple[Section, ...] = ()  # after the Conclusion: the statements made with the views expressed

    def boxed(self) -> tuple[Section, ...]:
        """The unnumbered sections of the summary box: Summary and Action required."""
        return (self.summary, self.action_required)

    def headings(self) -> list[tuple[int, str]]:
        """(level, text) of every heading in reading order: the title at level 0, sections at level 1."""
        return [(0, self.title), *((1, s.heading) for s in (*self.boxed(), *self.sections, *self.annexes))]
