"""Build the compilation of responses to an open consultation from its record: a pure function of plain data.

The layout follows the compilations the ITU secretariat publishes before an open consultation meeting
(documents OPCWGINT...): the title block (the consultation and its meeting on the left; document symbol,
date and original language on the right), the title, the consultation's title, an introduction (topic,
online deadline, how many responses), the questions, then the responses grouped by stakeholder type in a
fixed order (``STAKEHOLDER_TYPES``, then "Other"), ordered by country then name within a group. As in
ITU documents, the parts are numbered ("1 Questions", "2 Governments" ...) and so is each response ("2.1"),
so that it can be cited. The words come from
``templates/<language>/compilation.yaml``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date

import yaml
from babel import Locale

from engine.formatting import format_day
from reports.builder import symbol_in
from reports.compilation.model import Compilation, Entry, Fact, Group
from reports.compilation.record import OTHER, STAKEHOLDER_TYPES, ConsultationRecord, Response
from reports.errors import ReportError, UnknownLanguage
from reports.model import Header
from reports.settings import BodySettings
from reports.wording import TEMPLATES_DIR, Wording

WORDING_FILE = "compilation.yaml"
GROUP_ORDER = (*STAKEHOLDER_TYPES, OTHER)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def languages() -> tuple[str, ...]:
    """The languages that have compilation wording, sorted."""
    return tuple(sorted(p.name for p in TEMPLATES_DIR.iterdir() if (p / WORDING_FILE).is_file()))


@functools.cache
def compilation_wording(language: str) -> Wording:
    """The (cached) compilation wording of ``language``."""
    if language not in languages():
        raise UnknownLanguage(language, languages(), "compilation")
    data = yaml.safe_load((TEMPLATES_DIR / language / WORDING_FILE).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ReportError(f"{language}/{WORDING_FILE}: expected a mapping")
    return Wording(language, data, f"{language}/{WORDING_FILE}")


def build_compilation(
    record: ConsultationRecord,
    body: BodySettings,
    language: str,
    *,
    issued_on: date,
    symbol: str,
) -> Compilation:
    """The compilation of ``record``'s responses in ``language``, dated ``issued_on``, under ``symbol``."""
    w = compilation_wording(language)
    code = body.code_in(language)
    document = symbol_in(language, symbol)
    groups = _groups(record.responses, w)
    count = sum(len(g.entries) for g in groups)
    deadline = format_day(language, record.online_deadline) if record.online_deadline else None
    original = Locale.parse(language).languages.get(body.record_language, body.record_language)
    topic = record.topic or record.title
    day = format_day(language, record.oc_date) if record.oc_date else None
    return Compilation(
        consultation_id=record.id,
        language=language,
        symbol=document,
        issued_on=issued_on,
        header=Header(
            session=w.say("header.session", code=code),
            session_held=w.say("header.held", day=day, venue=record.oc_venue) if day else None,
            agenda_item=None,
            document=w.say("header.document", symbol=document),
            date=format_day(language, issued_on),
            original=w.say("header.original", language=original),
        ),
        title=w.say("title"),
        subtitle=w.say("subtitle", title=record.title),
        introduction=(
            w.say("introduction.compiled", count=count, code=code, topic=topic, deadline=deadline),
            w.say("introduction.as_received"),
        ),
        questions_heading=f"1 {w.say('labels.questions')}",
        questions=tuple((w.say("labels.question", number=i), q) for i, q in enumerate(record.questions, start=1)),
        groups=groups,
        no_responses=None if groups else w.say("introduction.none"),
        spam=record.spam,
    )


def _groups(responses: tuple[Response, ...], w: Wording) -> tuple[Group, ...]:
    """The non-empty groups in ``GROUP_ORDER``, numbered from 2 (1 is the questions); responses "2.1", "2.2" ..."""
    groups: list[Group] = []
    for key in GROUP_ORDER:
        members = sorted((r for r in responses if r.stakeholder_type == key), key=_order)
        if members:
            number = str(len(groups) + 2)
            entries = tuple(_entry(f"{number}.{i}", r, w) for i, r in enumerate(members, start=1))
            groups.append(Group(key, number, w.say(f"stakeholders.{key}"), entries))
    return tuple(groups)


def _order(response: Response) -> tuple[bool, str, str]:
    """By country (responses without one last), then name, ignoring case and accents ("Élise" with "Elise")."""
    return (response.country is None, _folded(response.country or ""), _folded(response.name))


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _entry(number: str, response: Response, w: Wording) -> Entry:
    facts = [
        Fact(w.say(f"labels.{name}"), value)
        for name, value in (
            ("organisation", response.organisation),
            ("country", response.country),
            ("job_title", response.job_title),
        )
        if value
    ]
    return Entry(number, response.name, tuple(facts), paragraphs(response.answers))


def paragraphs(text: str) -> tuple[tuple[str, ...], ...]:
    """The paragraphs of a text as typed (separated by blank lines), each as its non-blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = []
    for block in _BLANK_LINE.split(text):
        lines = tuple(line.strip() for line in block.split("\n") if line.strip())
        if lines:
            found.append(lines)
    return tuple(found)
