"""Generate the Chair's report to a Council session from the engine's record and store it as documents of a meeting.

Given a meeting, the report covers every meeting of its Council session (``council_session``) whose report
is approved: the meetings held since the previous session, in meeting order. It is stored on the meeting
given. One generation is one revision: every format asked for is stored under the same new revision number
(kind ``chair_report``, the Council symbol with the language suffix), so regenerating after a correction
of the record keeps the earlier revision and adds the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from engine import Engine, Instance
from engine.clock import aware_utc
from engine.roles import SYSTEM_ACTOR
from reports.builder import build_report
from reports.errors import NoSymbol, NotAMeeting, ReportError, ReportNotReady, UnknownFormat, UnknownLanguage
from reports.model import Report
from reports.pdf import docx_to_pdf
from reports.record import REPORTABLE_STATES, MeetingRecord
from reports.render import render_html, render_markdown
from reports.settings import BodySettings, session_key
from reports.translations import Translations
from reports.wordfile import render_docx
from reports.wording import languages

KIND = "chair_report"
_LISTED = 100_000  # meetings read per reportable state when looking for a session's other meetings
_RENDERERS: dict[str, Callable[[Report], bytes]] = {
    "md": lambda report: render_markdown(report).encode("utf-8"),
    "html": lambda report: render_html(report).encode("utf-8"),
    "docx": render_docx,
}
FORMATS: tuple[str, ...] = tuple(_RENDERERS)  # what a generation stores by default
PDF = "pdf"  # on request only: it needs LibreOffice
OUTPUT_FORMATS: tuple[str, ...] = (*FORMATS, PDF)


@dataclass(frozen=True)
class GeneratedReport:
    """A stored generation: its revision, document symbol and the bytes of each format."""

    meeting_id: str  # the meeting it is stored on
    language: str
    symbol: str
    revision: int
    files: Mapping[str, bytes]
    report: Report
    meeting_ids: tuple[str, ...] = ()  # every meeting it reports on, in order

    @property
    def untranslated(self) -> tuple[str, ...]:
        """Recorded texts left in the record's language (decision ids, ``venue``)."""
        return self.report.untranslated


def render(report: Report, fmt: str, *, soffice: str | None = None) -> bytes:
    """The report in one format: ``md``, ``html``, ``docx`` or ``pdf`` (the .docx through LibreOffice ``soffice``)."""
    if fmt == PDF:
        return docx_to_pdf(render_docx(report), soffice=soffice)
    if fmt not in _RENDERERS:
        raise UnknownFormat(fmt, OUTPUT_FORMATS)
    return _RENDERERS[fmt](report)


def _render_all(report: Report, formats: Sequence[str], soffice: str | None) -> dict[str, bytes]:
    """Every format asked for, in order; a PDF converts the .docx made for it (or alongside it)."""
    files = {fmt: render(report, fmt) for fmt in dict.fromkeys(formats) if fmt != PDF}
    if PDF in formats:
        files[PDF] = docx_to_pdf(files.get("docx") or render_docx(report), soffice=soffice)
    return files


def read_record(engine: Engine, meeting_id: str) -> MeetingRecord:
    """The meeting and its linked escalations and topics, as plain data."""
    meeting = engine.get(meeting_id)
    if meeting.workflow != "meeting_cycle":
        raise NotAMeeting(meeting_id, meeting.workflow)
    return _record(engine, meeting)


def read_session(engine: Engine, meeting_id: str) -> tuple[MeetingRecord, ...]:
    """The meeting and the other meetings of its Council session whose report is approved, in meeting order.

    A meeting without ``council_session`` is reported alone; sessions match whatever their case and spacing.
    """
    return _session_of(engine, read_record(engine, meeting_id))


def _session_of(engine: Engine, given: MeetingRecord) -> tuple[MeetingRecord, ...]:
    session = session_key(given.council_session)
    if not session:
        return (given,)
    others = [
        _record(engine, meeting)
        for state in REPORTABLE_STATES
        for meeting in engine.list("meeting_cycle", state, limit=_LISTED)
        if meeting.id != given.id and session_key(meeting.fields.get("council_session")) == session
    ]
    return tuple(sorted([given, *others], key=lambda m: (m.number, m.start, m.id)))


def _record(engine: Engine, meeting: Instance) -> MeetingRecord:
    return MeetingRecord.from_instances(
        meeting,
        escalations=engine.linked(meeting.id, "meeting", "escalation"),
        topics=engine.linked(meeting.id, "meeting", "topic"),
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
    soffice: str | None = None,
) -> GeneratedReport:
    """Build the report on ``meeting_id``'s Council session in ``language``, render ``formats``, store one revision.

    The report covers ``meeting_id`` and the other meetings of its session whose report is approved
    (``read_session``), and is stored on ``meeting_id``. ``now`` (aware; default the engine's clock) dates
    the report in the body's time zone. ``symbol`` overrides the meetings' ``chair_report_symbol`` (needed
    before the report is submitted to Council). ``pdf`` is made from the .docx by LibreOffice (``soffice``,
    default: found on the PATH) and refused with ``PdfUnavailable`` before anything is stored when missing.
    """
    if language not in languages():
        raise UnknownLanguage(language, languages())
    for fmt in formats:
        if fmt not in OUTPUT_FORMATS:
            raise UnknownFormat(fmt, OUTPUT_FORMATS)
    if translations and translations.language and translations.language != language:
        raise ReportError(f"the translations are in '{translations.language}', the report in '{language}'")
    given = read_record(engine, meeting_id)
    if not given.reported:
        raise ReportNotReady(meeting_id, given.state)
    meetings = _session_of(engine, given)
    chosen = symbol or next(  # the meeting's own symbol first, then another of the session's
        (
            found
            for m in (given, *meetings)
            for found in (m.chair_report_symbol, *(e.chair_report_symbol for e in m.escalations))
            if found
        ),
        None,
    )
    if not chosen:
        raise NoSymbol(meeting_id)
    at = aware_utc(now, "now") if now is not None else aware_utc(engine.clock.now())
    body = engine.catalogue.body
    settings = BodySettings.from_body(body)  # checked before anything is built or stored
    report = build_report(
        meetings,
        settings,
        language,
        issued_on=at.astimezone(body.calendar.zone()).date(),
        symbol=chosen,
        translations=translations,
    )
    files = _render_all(report, formats, soffice)
    revision = engine.save_documents(meeting_id, KIND, report.symbol, language, files, actor, now=at)
    return GeneratedReport(meeting_id, language, report.symbol, revision, files, report, tuple(m.id for m in meetings))
