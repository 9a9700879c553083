"""Generate the Chair's report of a meeting from the engine's record and store it as documents of the meeting.

One generation is one revision: every format asked for is stored under the same new revision number
(kind ``chair_report``, the Council symbol with the language suffix), so regenerating after a correction
of the record keeps the earlier revision and adds the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from engine import Engine
from engine.clock import aware_utc
from engine.roles import SYSTEM_ACTOR
from reports.builder import build_report
from reports.errors import NoSymbol, NotAMeeting, ReportError, ReportNotReady, UnknownFormat, UnknownLanguage
from reports.model import Report
from reports.record import BodySettings, MeetingRecord
from reports.render import render_html, render_markdown
from reports.translations import Translations
from reports.wordfile import render_docx
from reports.wording import languages

KIND = "chair_report"
_RENDERERS: dict[str, Callable[[Report], bytes]] = {
    "md": lambda report: render_markdown(report).encode("utf-8"),
    "html": lambda report: render_html(report).encode("utf-8"),
    "docx": render_docx,
}
FORMATS: tuple[str, ...] = tuple(_RENDERERS)


@dataclass(frozen=True)
class GeneratedReport:
    """A stored generation: its revision, document symbol and the bytes of each format."""

    meeting_id: str
    language: str
    symbol: str
    revision: int
    files: Mapping[str, bytes]
    report: Report

    @property
    def untranslated(self) -> tuple[str, ...]:
        """Recorded texts left in the record's language (decision ids, ``venue``)."""
        return self.report.untranslated


def render(report: Report, fmt: str) -> bytes:
    """The report in one format: ``md``, ``html`` or ``docx``."""
    if fmt not in _RENDERERS:
        raise UnknownFormat(fmt, FORMATS)
    return _RENDERERS[fmt](report)


def read_record(engine: Engine, meeting_id: str) -> MeetingRecord:
    """The meeting and its linked escalations and topics, as plain data."""
    meeting = engine.get(meeting_id)
    if meeting.workflow != "meeting_cycle":
        raise NotAMeeting(meeting_id, meeting.workflow)
    return MeetingRecord.from_instances(
        meeting,
        escalations=engine.linked(meeting_id, "meeting", "escalation"),
        topics=engine.linked(meeting_id, "meeting", "topic"),
    )


def generate_report(
    engine: Engine,
    meeting_id: str,
    language: str,
    formats: Sequence[str] = FORMATS,
    *,
    actor: str = SYSTEM_ACTOR.id,
    now: datetime | None = None,
    symbol: str | None = None,
    translations: Translations | None = None,
) -> GeneratedReport:
    """Build the report on ``meeting_id`` in ``language``, render ``formats`` and store them as one revision.

    ``now`` (aware; default the engine's clock) dates the report in the body's time zone. ``symbol``
    overrides the meeting's ``chair_report_symbol`` (needed before the report is submitted to Council).
    """
    if language not in languages():
        raise UnknownLanguage(language, languages())
    for fmt in formats:
        if fmt not in _RENDERERS:
            raise UnknownFormat(fmt, FORMATS)
    if translations and translations.language and translations.language != language:
        raise ReportError(f"the translations are in '{translations.language}', the report in '{language}'")
    record = read_record(engine, meeting_id)
    if not record.reported:
        raise ReportNotReady(meeting_id, record.state)
    chosen = (
        symbol
        or record.chair_report_symbol
        or next((e.chair_report_symbol for e in record.escalations if e.chair_report_symbol), None)
    )
    if not chosen:
        raise NoSymbol(meeting_id)
    at = aware_utc(now, "now") if now is not None else aware_utc(engine.clock.now())
    body = engine.catalogue.body
    report = build_report(
        record,
        BodySettings.from_body(body),
        language,
        issued_on=at.astimezone(body.calendar.zone()).date(),
        symbol=chosen,
        translations=translations,
    )
    files = {fmt: render(report, fmt) for fmt in dict.fromkeys(formats)}
    revision = engine.save_documents(meeting_id, KIND, report.symbol, language, files, actor, now=at)
    return GeneratedReport(meeting_id, language, report.symbol, revision, files, report)
