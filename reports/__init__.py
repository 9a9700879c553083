"""The Chair's report to Council, generated from the engine's record in each language, as md, html and docx.

``generate_report`` reads a meeting and its linked escalations, builds the report (``build_report``, a
pure function of plain data), renders it and stores the files as one new revision of the meeting's
``chair_report`` documents.
"""

from __future__ import annotations

from reports.builder import build_report, symbol_in
from reports.errors import (
    NoSymbol,
    NotAMeeting,
    ReportError,
    ReportNotReady,
    TranslationsError,
    UnknownFormat,
    UnknownLanguage,
)
from reports.generation import FORMATS, KIND, GeneratedReport, generate_report, read_record, render
from reports.model import Header, Item, Paragraph, Report, Section
from reports.record import BodySettings, Decision, Escalation, MeetingRecord, Topic
from reports.render import render_html, render_markdown
from reports.translations import Translations, load_translations
from reports.wordfile import render_docx
from reports.wording import languages

__all__ = [
    "FORMATS",
    "KIND",
    "BodySettings",
    "Decision",
    "Escalation",
    "GeneratedReport",
    "Header",
    "Item",
    "MeetingRecord",
    "NoSymbol",
    "NotAMeeting",
    "Paragraph",
    "Report",
    "ReportError",
    "ReportNotReady",
    "Section",
    "Topic",
    "Translations",
    "TranslationsError",
    "UnknownFormat",
    "UnknownLanguage",
    "build_report",
    "generate_report",
    "languages",
    "load_translations",
    "read_record",
    "render",
    "render_docx",
    "render_html",
    "render_markdown",
    "symbol_in",
]
