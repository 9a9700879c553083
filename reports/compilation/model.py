"""The structure of a compilation of responses, in one language, ready to lay out (Markdown, HTML, Word).

Every renderer walks the same ``Compilation``: the headings of the Markdown, the HTML and the .docx are
the same strings at the same levels by construction (``Compilation.headings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reports.model import Header


@dataclass(frozen=True)
class Fact:
    """One line about the respondent: "Organisation: Internet Society"."""

    label: str
    value: str


@dataclass(frozen=True)
class Entry:
    """One response: its number in the compilation ("2.1": the first of section 2), the respondent and the answers.

    ``answers`` are the paragraphs of the text as submitted, each a tuple of its lines.
    """

    number: str
    name: str
    facts: tuple[Fact, ...]
    answers: tuple[tuple[str, ...], ...]

    @property
    def heading(self) -> str:
        return f"{self.number} {self.name}"


@dataclass(frozen=True)
class Group:
    """The responses of one stakeholder type ("government", ... or "other"), ordered by country then name."""

    key: str
    number: str
    title: str
    entries: tuple[Entry, ...]

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}"


@dataclass(frozen=True)
class Compilation:
    """A compilation in one language: title block, title, introduction, the questions, the responses by group."""

    consultation_id: str
    language: str
    symbol: str
    issued_on: date
    header: Header
    title: str
    subtitle: str
    introduction: tuple[str, ...]
    questions_heading: str  # "1 Questions": the groups are sections 2, 3 ...
    questions: tuple[tuple[str, str], ...]  # (label, text): ("Q1", "What ...?")
    groups: tuple[Group, ...]
    no_responses: str | None = None  # the sentence shown instead of groups when nothing was received
    spam: int = 0  # responses left out as spam (not printed)

    @property
    def count(self) -> int:
        return sum(len(g.entries) for g in self.groups)

    def headings(self) -> list[tuple[int, str]]:
        """(level, text) of every heading in reading order: the title at 0, the parts at 1, each response at 2."""
        found = [(0, self.title), (1, self.questions_heading)]
        for group in self.groups:
            found.append((1, group.heading))
            found.extend((2, entry.heading) for entry in group.entries)
        return found
