"""Build the Chair's report to Council from the meeting's record: a pure function of plain data.

The layout follows the Chair's reports to Council (C17/51; the report on the 12th meeting to Council
2019): title block, Summary, Action required, References, then 1 Introduction (the mandate), 2 Activities
(the meeting held; its report approved; each other recorded decision as a lettered measure, in recorded
order) and 3 Conclusion (take note; provide guidance when something was escalated, pointing at the
escalated measures; thanks). Every fact comes from the record or the body's settings; the words come from
``templates/<language>/wording.yaml``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from babel import Locale

from engine.formatting import format_day, join_words, span_ends, spelled_ordinal
from reports.model import Header, Item, Paragraph, Report, Section
from reports.record import BodySettings, Decision, MeetingRecord
from reports.references import ReferenceWording, cite, parse_reference
from reports.translations import Translations
from reports.wording import Wording, wording

MEASURES_PARAGRAPH = "2.2"
_LANGUAGE_SUFFIX = {"en": "E", "fr": "F", "es": "S", "ru": "R", "ar": "A", "zh": "C"}
_SUFFIXED = re.compile(r"-[EFSRAC]$")
_YEAR = re.compile(r"\b(\d{4})\b")


@dataclass(frozen=True)
class MandateGroup:
    """References of one body cited together, as the sentence needs them: the text and its number."""

    text: str
    plural: bool
    group: str


def symbol_in(language: str, symbol: str) -> str:
    """The Council document symbol with the language suffix: "C19/nn" -> "C19/nn-F"."""
    base = _SUFFIXED.sub("", symbol.strip())
    return f"{base}-{_LANGUAGE_SUFFIX.get(language, 'E')}"


def build_report(
    record: MeetingRecord,
    body: BodySettings,
    language: str,
    *,
    issued_on: date,
    symbol: str,
    translations: Translations | None = None,
    words: Wording | None = None,
) -> Report:
    """The report on ``record`` in ``language``, dated ``issued_on``, under the Council symbol ``symbol``."""
    w = words or wording(language)
    facts = _Facts(record, body, language, w, translations or Translations())
    measures = facts.measures()
    escalated = [item.letter for item, decision in measures if decision.type == "no_consensus"]
    guidance = bool(escalated or record.escalations)  # only what was escalated asks Council for guidance
    document = symbol_in(language, symbol)
    return Report(
        language=language,
        symbol=document,
        issued_on=issued_on,
        header=facts.header(document, issued_on),
        title=w.say("title", name=facts.name, code=facts.code),
        summary=Section(
            w.say("labels.summary"),
            (Paragraph(w.say("summary", mandate=facts.mandate, **facts.common())),),
        ),
        action_required=Section(
            w.say("labels.action_required"), (Paragraph(w.say("action_required", guidance=guidance)),)
        ),
        references_label=w.say("labels.references"),
        references=facts.references(),
        sections=(
            Section(w.say("labels.introduction"), facts.introduction(), number="1"),
            Section(w.say("labels.activities", code=facts.code), facts.activities(measures), number="2"),
            Section(w.say("labels.conclusion"), facts.conclusion(guidance, escalated), number="3"),
        ),
        guidance_requested=guidance,
        untranslated=tuple(facts.untranslated),
    )


class _Facts:
    """The record seen in one language: each method gives one part of the report."""

    def __init__(
        self, record: MeetingRecord, body: BodySettings, language: str, words: Wording, translations: Translations
    ) -> None:
        self.record, self.body, self.language, self.w, self.t = record, body, language, words, translations
        self.code, self.name = body.code_in(language), body.name_in(language)
        self.ordinal = spelled_ordinal(language, record.number)
        self.translated = language != body.record_language
        self.untranslated: list[str] = []
        self.mandate = self._mandate()

    def common(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "ordinal": self.ordinal, "held": self._held()}

    def _held(self) -> str:
        start, end = self.record.start, self.record.end
        if start == end:
            return self.w.say("held.day", day=format_day(self.language, start))
        first, last = span_ends(self.language, start, end)
        return self.w.say("held.span", first=first, last=last)

    def _venue(self) -> str:
        recorded = self.record.venue.strip()
        if self.translated and self.t.venue:
            return self.t.venue
        known = self.w.table("venue.known")
        if recorded in known:
            return str(known[recorded])
        if self.translated:
            self.untranslated.append("venue")
        return self.w.say("venue.default", venue=recorded)

    def _mandate(self) -> list[MandateGroup]:
        ref_words = ReferenceWording(
            kinds={k: (str(v[0]), str(v[1])) for k, v in self.w.table("references.kinds").items()},
            qualifiers={str(k): str(v) for k, v in self.w.table("references.qualifiers").items()},
            places={str(k): str(v) for k, v in self.w.table("references.places").items()},
            join=lambda items: join_words(self.language, items),
        )
        groups = []
        for group, refs in self.body.mandate.items():
            if not refs:
                continue
            text, plural = cite((parse_reference(r) for r in refs), ref_words)
            key = group if self.w.has(f"references.groups.{group}") else "other"
            groups.append(MandateGroup(self.w.say(f"references.groups.{key}", refs=text), plural, group))
        return groups

    def header(self, document: str, issued_on: date) -> Header:
        session = self.record.council_session
        year = self.record.council_opening.year if self.record.council_opening else None
        found = _YEAR.search(session or "")
        if year is None and found:
            year = int(found[1])
        original = Locale.parse(self.language).languages.get(self.body.record_language, self.body.record_language)
        agenda = next((e.agenda_item for e in self.record.escalations if e.agenda_item), None)
        return Header(
            session=self.w.say("header.session", year=year) if year else session,
            agenda_item=self.w.say("header.agenda_item", item=agenda) if agenda else None,
            document=self.w.say("header.document", symbol=document),
            date=format_day(self.language, issued_on),
            original=self.w.say("header.original", language=original),
        )

    def references(self) -> tuple[str, ...]:
        cited = [_capitalised(g.text) for g in self.mandate]
        if self.record.report_symbol:
            cited.append(
                self.w.say(
                    "references.meeting_report", ordinal=self.ordinal, code=self.code, symbol=self.record.report_symbol
                )
            )
        return tuple(cited)

    def introduction(self) -> tuple[Paragraph, ...]:
        configured = self.body.introduction.get(self.language)
        if configured:
            return tuple(_configured_paragraph(f"1.{i}", p) for i, p in enumerate(configured, start=1))
        paragraphs = []
        for i, group in enumerate(self.mandate, start=1):
            key = group.group if self.w.has(f"introduction.{group.group}") else "other"
            suffix = "_first" if i == 1 else ""
            context = {"code": self.code, "name": self.name}
            text = self.w.say(
                f"introduction.{key}",
                refs=group.text,
                plural=group.plural,
                subject=self.w.say(f"introduction.subject{suffix}", **context),
                of_subject=self.w.say(f"introduction.of_subject{suffix}", **context),
            )
            paragraphs.append(Paragraph(text, number=f"1.{i}"))
        return tuple(paragraphs)

    def measures(self) -> list[tuple[Item, Decision]]:
        """Every decision but the report's approval, lettered in recorded order."""
        decisions = list(self.record.decisions)
        approval = next((d for d in decisions if d.type == "approved"), None)
        others = [d for d in decisions if d is not approval]
        return [(Item(_letter(i), self._measure_text(d)), d) for i, d in enumerate(others)]

    def _measure_text(self, decision: Decision) -> str:
        text = decision.text
        if self.translated:
            given = self.t.decisions.get(decision.id)
            if given:
                text = given
            else:
                self.untranslated.append(decision.id)
        text = _capitalised(text.strip()).rstrip(" .")
        if decision.type == "no_consensus":
            section = decision.report_section or next(
                (e.report_section for e in self.record.escalations if e.report_section), None
            )
            if section:
                text += " " + self.w.say("activities.no_consensus_section", section=section)
        return text + "."

    def activities(self, measures: Sequence[tuple[Item, Decision]]) -> tuple[Paragraph, ...]:
        common = self.common()
        held = self.w.say("activities.held", venue=self._venue(), **common)
        approved_on = self.record.report_approved_on
        approved = self.w.say(
            "activities.approved",
            mode=self.record.report_mode,
            approved_on=format_day(self.language, approved_on) if approved_on else None,
            measures=bool(measures),
            **common,
        )
        return (
            Paragraph(held, number="2.1"),
            Paragraph(approved, number=MEASURES_PARAGRAPH, items=tuple(item for item, _ in measures)),
        )

    def conclusion(self, guidance: bool, escalated: Sequence[str]) -> tuple[Paragraph, ...]:
        texts = [self.w.say("conclusion.note", **self.common())]
        if guidance:
            texts.append(self.w.say("conclusion.guidance", refs=[f"{MEASURES_PARAGRAPH}.{x}" for x in escalated]))
        texts.append(self.w.say("conclusion.thanks", **self.common()))
        return tuple(Paragraph(text, number=f"3.{i}") for i, text in enumerate(texts, start=1))


def _letter(index: int) -> str:
    letters = string.ascii_lowercase
    return letters[index] if index < len(letters) else letters[index // 26 - 1] + letters[index % 26]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _configured_paragraph(number: str, value: object) -> Paragraph:
    """A paragraph of the mandate text given in body.yaml: a string, or {text, items: [...]}."""
    if isinstance(value, dict):
        items = tuple(Item(_letter(i), str(t)) for i, t in enumerate(value.get("items") or []))
        return Paragraph(str(value.get("text", "")), number=number, items=items)
    return Paragraph(str(value), number=number)
