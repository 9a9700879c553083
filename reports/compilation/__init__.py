"""The compilation of responses to an open consultation, from the engine's record, as md, html and docx.

``generate_compilation`` reads a consultation and its topic (``read_consultation``; responses marked as spam
are left out), builds the compilation (``build_compilation``, a pure function of plain data: responses
grouped by stakeholder type in a fixed order, ordered by country then name), renders it and stores the files
as one new revision of the consultation's ``compilation`` documents, as the Chair's report is stored.
"""

from __future__ import annotations

from reports.compilation.builder import GROUP_ORDER, build_compilation, compilation_wording, languages, paragraphs
from reports.compilation.generation import (
    KIND,
    GeneratedCompilation,
    generate_compilation,
    read_consultation,
    render_compilation,
)
from reports.compilation.model import Compilation, Entry, Fact, Group
from reports.compilation.record import OTHER, STAKEHOLDER_TYPES, ConsultationRecord, Response
from reports.compilation.render import render_compilation_html, render_compilation_markdown
from reports.compilation.word import render_compilation_docx

__all__ = [
    "GROUP_ORDER",
    "KIND",
    "OTHER",
    "STAKEHOLDER_TYPES",
    "Compilation",
    "ConsultationRecord",
    "Entry",
    "Fact",
    "GeneratedCompilation",
    "Group",
    "Response",
    "build_compilation",
    "compilation_wording",
    "generate_compilation",
    "languages",
    "paragraphs",
    "read_consultation",
    "render_compilation",
    "render_compilation_docx",
    "render_compilation_html",
    "render_compilation_markdown",
]
