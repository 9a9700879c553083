"""Build the Chair's report to a Council session from the meetings' record: a pure function of plain data.

The layout follows the Chair's reports to Council (C17/51; the report on the 12th meeting to Council
2019): title block, Summary, Action required, References, then 1 Introduction (the mandate in force on the
report's date), one numbered section per meeting reported (the meeting held; its report approved; each
other recorded decision as a lettered measure, in recorded order; the views expressed on the topics without
consensus, when Member States stated positions: ``reports.views``) and the Conclusion (take note; provide
guidance when something was escalated, pointing at the measures without consensus; thanks), then an annex
quoting the statements made with those positions, if any. A report on a single meeting calls its section
"2 Activities of ..."; on several, each section is named after its
meeting ("2 Twelfth meeting of ...", "3 Thirteenth meeting of ..."). Every fact comes from the record or
the body's settings; the words come from ``templates/<language>/wording.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from babel import Locale

from engine.formatting import format_day, format_span, join_words, span_ends, spelled_ordinal
from reports.errors import ReportError
from reports.model import Header, Item, Paragraph, Report, Section, letter
from reports.record import Decision, MeetingRecord, Topic
from reports.references import ReferenceWording, cite, parse_reference
from reports.settings import BodySettings, MandateParagraph
from reports.translations import MeetingWording, Translations
from reports.views import statements_annex, views_paragraph
from reports.wording import Wording, wording

_LANGUAGE_SUFFIX = {"en": "E", "fr": "F", "es": "S", "ru": "R", "ar": "A", "zh": "C"}
_SUFFIXED = re.compile(r"-[EFSRAC]$")
_YEAR = re.compile(r"\b(\d{4})\b")


@dataclass(frozen=True)
class MandateGroup:
    """References of one body cited together, as the sentence needs them: the text and its number."""

    text: str
    plural: bool
    group: str


@dataclass(frozen=True)
class GuidanceAsked:
    """A measure on which Council's guidance is asked: its paragraph ("2.2") and letter ("c")."""

    paragraph: str
    letter: str

    @property
    def in_conclusion(self) -> str:
        return f"{self.paragraph}.{self.letter}"  # "voir la Section 2.2.c", as the 2019 report writes it

    @property
    def in_action_required(self) -> str:
        return f"{self.paragraph} {self.letter})"  # "au sujet du point 2.2 c)"


def symbol_in(language: str, symbol: str) -> str:
    """The Council document symbol with the language suffix: "C19/nn" -> "C19/nn-F"."""
    base = _SUFFIXED.sub("", symbol.strip())
    return f"{base}-{_LANGUAGE_SUFFIX.get(language, 'E')}"


def build_report(
    records: MeetingRecord | Sequence[MeetingRecord],
    body: BodySettings,
    language: str,
    *,
    issued_on: date,
    symbol: str,
    translations: Translations | None = None,
    words: Wording | None = None,
) -> Report:
    """The report on the meeting(s) ``records`` in ``language``, dated ``issued_on``, under the symbol ``symbol``.

    Several records are the meetings held since the previous Council session, reported in the order given.
    """
    meetings = (records,) if isinstance(records, MeetingRecord) else tuple(records)
    if not meetings:
        raise ReportError("a Chair's report covers at least one meeting")
    w = words or wording(language)
    facts = _Facts(meetings, body, language, w, issued_on)
    given = (translations or Translations()).of_meetings([m.number for m in meetings])
    titles = {t.id: t.title for m in meetings for t in m.topics}  # the topics a Member State may prefer instead
    parts = [
        _MeetingPart(facts, record, str(i), given[record.number], titles) for i, record in enumerate(meetings, start=2)
    ]
    annex = statements_annex([t for part in parts for t in part.without_consensus], w, titles)
    asked = [ask for part in parts for ask in part.guidance_asked()]
    guidance = bool(asked or any(m.escalations for m in meetings))  # only what was escalated asks for guidance
    cited = [a.in_action_required for a in asked] if body.action_required_cites_paragraphs else []
    document = symbol_in(language, symbol)
    conclusion = str(len(parts) + 2)
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
            w.say("labels.action_required"),
            (Paragraph(w.say("action_required", guidance=guidance, refs=cited)),),
        ),
        references_label=w.say("labels.references"),
        references=facts.references(),
        sections=(
            Section(w.say("labels.introduction"), facts.introduction(), number="1"),
            *(part.section(single=len(parts) == 1) for part in parts),
            Section(w.say("labels.conclusion"), facts.conclusion(conclusion, guidance, asked), number=conclusion),
        ),
        guidance_requested=guidance,
        untranslated=tuple(facts.untranslated),
        meetings=tuple(m.number for m in meetings),
        guidance_paragraphs=tuple(a.in_action_required for a in asked),
        annexes=(annex,) if annex else (),
    )


class _Facts:
    """The meetings seen in one language: what the report says about them together."""

    def __init__(
        self,
        meetings: tuple[MeetingRecord, ...],
        body: BodySettings,
        language: str,
        words: Wording,
        issued_on: date,
    ) -> None:
        self.meetings, self.body, self.language, self.w = meetings, body, language, words
        self.issued_on = issued_on
        self.code, self.name = body.code_in(language), body.name_in(language)
        self.several = len(meetings) > 1
        self.translated = language != body.record_language
        self.untranslated: list[str] = []
        self.mandate = self._mandate()

    def ordinal(self, record: MeetingRecord) -> str:
        return spelled_ordinal(self.language, record.number)

    def held(self, record: MeetingRecord) -> str:
        start, end = record.start, record.end
        if start == end:
            return self.w.say("held.day", day=format_day(self.language, start))
        first, last = span_ends(self.language, start, end)
        return self.w.say("held.span", first=first, last=last)

    def common(self) -> dict[str, object]:
        """What the sentences about all the meetings reported need: "the twelfth and thirteenth meetings"."""
        return {
            "code": self.code,
            "name": self.name,
            "ordinal": join_words(self.language, [self.ordinal(m) for m in self.meetings]),
            "held": join_words(self.language, [self.held(m) for m in self.meetings]),
            "several": self.several,
        }

    def _mandate(self) -> list[MandateGroup]:
        ref_words = ReferenceWording(
            kinds={k: (str(v[0]), str(v[1])) for k, v in self.w.table("references.kinds").items()},
            qualifiers={str(k): str(v) for k, v in self.w.table("references.qualifiers").items()},
            places={str(k): str(v) for k, v in self.w.table("references.places").items()},
            join=lambda items: join_words(self.language, items),
        )
        groups = []
        for group, refs in self.body.mandate_on(self.issued_on).items():
            text, plural = cite((parse_reference(r) for r in refs), ref_words)
            key = group if self.w.has(f"references.groups.{group}") else "other"
            groups.append(MandateGroup(self.w.say(f"references.groups.{key}", refs=text), plural, group))
        return groups

    def header(self, document: str, issued_on: date) -> Header:
        session = next((m.council_session for m in self.meetings if m.council_session), None)
        year = next((m.council_opening.year for m in self.meetings if m.council_opening), None)
        found = _YEAR.search(session or "")
        if year is None and found:
            year = int(found[1])
        original = Locale.parse(self.language).languages.get(self.body.record_language, self.body.record_language)
        agenda = next((e.agenda_item for m in self.meetings for e in m.escalations if e.agenda_item), None)
        configured = self.body.council_session(session)
        held = None
        if configured:
            place = str(self.w.table("references.places").get(configured.place, configured.place))
            days = format_span(self.language, configured.start, configured.end)
            held = self.w.say("header.held", place=place, days=days)
        return Header(
            session=self.w.say("header.session", year=year) if year else session,
            agenda_item=self.w.say("header.agenda_item", item=agenda) if agenda else None,
            document=self.w.say("header.document", symbol=document),
            date=format_day(self.language, issued_on),
            original=self.w.say("header.original", language=original),
            session_held=held,
        )

    def references(self) -> tuple[str, ...]:
        cited = [_capitalised(g.text) for g in self.mandate]
        cited += [
            self.w.say("references.meeting_report", ordinal=self.ordinal(m), code=self.code, symbol=m.report_symbol)
            for m in self.meetings
            if m.report_symbol
        ]
        return tuple(cited)

    def introduction(self) -> tuple[Paragraph, ...]:
        configured = self.body.introduction_on(self.language, self.issued_on)
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

    def conclusion(self, number: str, guidance: bool, asked: Sequence[GuidanceAsked]) -> tuple[Paragraph, ...]:
        texts = [self.w.say("conclusion.note", **self.common())]
        if guidance:
            texts.append(self.w.say("conclusion.guidance", refs=[a.in_conclusion for a in asked]))
        texts.append(self.w.say("conclusion.thanks", **self.common()))
        return tuple(Paragraph(text, number=f"{number}.{i}") for i, text in enumerate(texts, start=1))


class _MeetingPart:
    """One meeting's numbered section: the meeting held (N.1), its report approved and its measures (N.2), the
    views expressed on its topics without consensus (N.3, only when Member States stated positions)."""

    def __init__(
        self, facts: _Facts, record: MeetingRecord, number: str, given: MeetingWording, titles: Mapping[str, str]
    ) -> None:
        self.facts, self.record, self.number, self.given, self.titles = facts, record, number, given, titles
        self.w = facts.w
        # The topics without consensus on which Member States stated positions: their views follow the measures.
        self.without_consensus: list[Topic] = [t for t in record.topics if t.without_consensus and t.views]
        self.prefix = f"{record.number}/" if facts.several else ""  # "13/d2" when decision ids repeat
        self.measures = self._measures()
        self.venue = self._venue()  # after the measures: untranslated texts are listed in reading order

    @property
    def measures_paragraph(self) -> str:
        return f"{self.number}.2"

    def guidance_asked(self) -> list[GuidanceAsked]:
        paragraph = self.measures_paragraph
        return [GuidanceAsked(paragraph, item.letter) for item, d in self.measures if d.type == "no_consensus"]

    def _context(self) -> dict[str, object]:
        facts = self.facts
        ordinal = facts.ordinal(self.record)
        return {"code": facts.code, "name": facts.name, "ordinal": ordinal, "held": facts.held(self.record)}

    def section(self, *, single: bool) -> Section:
        context = self._context()
        if single:
            title = self.w.say("labels.activities", code=self.facts.code)
        else:
            title = self.w.say("labels.meeting", code=self.facts.code, ordinal=_capitalised(str(context["ordinal"])))
        return Section(title, self._paragraphs(context), number=self.number)

    def _venue(self) -> str:
        recorded = self.record.venue.strip()
        if self.facts.translated and self.given.venue:
            return self.given.venue
        known = self.w.table("venue.known")
        if recorded in known:
            return str(known[recorded])
        if self.facts.translated:
            self.facts.untranslated.append(f"{self.prefix}venue")
        return self.w.say("venue.default", venue=recorded)

    def _measures(self) -> list[tuple[Item, Decision]]:
        """Every decision but the report's approval, lettered in recorded order."""
        decisions = list(self.record.decisions)
        approval = next((d for d in decisions if d.type == "approved"), None)
        others = [d for d in decisions if d is not approval]
        return [(Item(letter(i), self._measure_text(d)), d) for i, d in enumerate(others)]

    def _measure_text(self, decision: Decision) -> str:
        text = decision.text
        if self.facts.translated:
            given = self.given.decisions.get(decision.id)
            if given:
                text = given
            else:
                self.facts.untranslated.append(f"{self.prefix}{decision.id}")
        text = _capitalised(text.strip()).rstrip(" .")
        if decision.type == "no_consensus":
            section = decision.report_section or next(
                (e.report_section for e in self.record.escalations if e.report_section), None
            )
            if section:
                text += " " + self.w.say("activities.no_consensus_section", section=section)
        return text + "."

    def _paragraphs(self, context: dict[str, object]) -> tuple[Paragraph, ...]:
        held = self.w.say("activities.held", venue=self.venue, **context)
        approved_on = self.record.report_approved_on
        approved = self.w.say(
            "activities.approved",
            mode=self.record.report_mode,
            approved_on=format_day(self.facts.language, approved_on) if approved_on else None,
            measures=bool(self.measures),
            **context,
        )
        paragraphs = [
            Paragraph(held, number=f"{self.number}.1"),
            Paragraph(approved, number=self.measures_paragraph, items=tuple(item for item, _ in self.measures)),
        ]
        if self.without_consensus:
            paragraphs.append(views_paragraph(f"{self.number}.3", self.without_consensus, self.w, self.titles))
        return tuple(paragraphs)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _configured_paragraph(number: str, paragraph: MandateParagraph) -> Paragraph:
    """A paragraph of the mandate text given in body.yaml, with its lettered items."""
    items = tuple(Item(letter(i), text) for i, text in enumerate(paragraph.items))
    return Paragraph(paragraph.text, number=number, items=items)
