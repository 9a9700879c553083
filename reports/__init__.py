"""The Chair's report to Council, generated from the engine's record in each language, as md, html and docx.

``generate_report`` reads a meeting, the other meetings of its Council session whose report is approved
and their linked escalations (``read_session``), builds the report (``build_report``, a pure function of
plain data), renders it and stores the files as one new revision of the meeting's ``chair_report``
documents. ``generate_compilation`` does the same for the compilation of responses to an open consultation
(``reports.compilation``), stored as the consultation's ``compilation`` documents. A PDF (``docx_to_pdf``)
is the .docx converted by LibreOffice headless, when it is installed.
"""

from __future__ import annotations

from reports.builder import build_report, symbol_in
from reports.compilation import GeneratedCompilation, generate_compilation
from reports.errors import (
    NoCompilationSymbol,
    NoSymbol,
    NotAConsultation,
    NotAMeeting,
    ReportError,
    ReportNotReady,
    SettingsError,
    TranslationsError,
    UnknownFormat,
    UnknownLanguage,
)
from reports.generation import (
    FORMATS,
    KIND,
    OUTPUT_FORMATS,
    PDF,
    GeneratedReport,
    generate_report,
    read_record,
    read_session,
    render,
)
from reports.model import Header, Item, Paragraph, Report, Section
from reports.pdf import PdfUnavailable, docx_to_pdf, find_soffice
from reports.record import Decision, Escalation, MeetingRecord, Topic
from reports.render import render_html, render_markdown
from reports.settings import BodySettings, CouncilSession, MandateParagraph, MandateReference
from reports.translations import MeetingWording, Translations, load_translations
from reports.wordfile import render_docx
from reports.wording import heading_languages, headings, languages, needs_review

__all__ = [
    "FORMATS",
    "KIND",
    "OUTPUT_FORMATS",
    "PDF",
    "BodySettings",
    "CouncilSession",
    "Decision",
    "Escalation",
    "GeneratedCompilation",
    "GeneratedReport",
    "Header",
    "Item",
    "MandateParagraph",
    "MandateReference",
    "MeetingRecord",
    "MeetingWording",
    "NoCompilationSymbol",
    "NoSymbol",
    "NotAConsultation",
    "NotAMeeting",
    "Paragraph",
    "PdfUnavailable",
    "Report",
    "ReportError",
    "ReportNotReady",
    "Section",
    "SettingsError",
    "Topic",
    "Translations",
    "TranslationsError",
    "UnknownFormat",
    "UnknownLanguage",
    "build_report",
    "docx_to_pdf",
    "find_soffice",
    "generate_compilation",
    "generate_report",
    "heading_languages",
    "headings",
    "languages",
    "load_translations",
    "needs_review",
    "read_record",
    "read_session",
    "render",
    "render_docx",
    "render_html",
    "render_markdown",
    "symbol_in",
]
