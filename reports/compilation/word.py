"""Write a built compilation as a Word document (.docx), laid out like an ITU document (``reports.wordpage``).

Page 1: the title block, the title ("Compilation of responses", Word's Title style), the consultation's
title centred in bold, the introduction; then "Questions" and one Heading 1 per stakeholder group, one
Heading 2 per response (so that a secretariat's navigation pane lists every respondent), the respondent's
organisation, country and job title on one paragraph of lines, and the answers paragraph by paragraph as
typed (a line break where the respondent broke the line). Every text is typeset in the document's language.
"""

from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from reports.compilation.model import Compilation, Entry
from reports.wordpage import ItuDocument

QUESTION_INDENT = Cm(1.27)  # hanging indent of "Q1" questions, as the report's numbered paragraphs


class _Writer(ItuDocument):
    def __init__(self, compilation: Compilation) -> None:
        super().__init__(compilation.language)
        self.compilation = compilation

    def write(self) -> bytes:
        c = self.compilation
        self.page_and_styles(title=c.title, symbol=c.symbol, issued_on=c.issued_on, headings=2)
        self.title_block(c.header, fixed=True)
        self.heading(c.title, 0)
        subtitle = self.doc.add_paragraph()
        subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
        subtitle.paragraph_format.space_after = Pt(18)
        self.text(subtitle, c.subtitle, bold=True)
        for text in c.introduction:
            self.paragraph(text)
        self.heading(c.questions_heading, 1)
        for label, text in c.questions:
            self.hanging(label, text, left=QUESTION_INDENT, hang=QUESTION_INDENT)
        if c.no_responses:
            self.paragraph(c.no_responses)
        for group in c.groups:
            self.heading(group.heading, 1)
            for entry in group.entries:
                self.entry(entry)
        return self.save()

    def entry(self, entry: Entry) -> None:
        self.heading(entry.heading, 2)
        if entry.facts:
            facts = self.doc.add_paragraph()
            facts.paragraph_format.keep_with_next = True
            for i, fact in enumerate(entry.facts):
                self.text(facts, f"{fact.label}: ", italic=True)
                self.text(facts, fact.value)
                if i < len(entry.facts) - 1:
                    facts.runs[-1].add_break()
        for lines in entry.answers:
            paragraph = self.doc.add_paragraph()
            for i, line in enumerate(lines):
                self.text(paragraph, line)
                if i < len(lines) - 1:
                    paragraph.runs[-1].add_break()


def render_compilation_docx(compilation: Compilation) -> bytes:
    """The compilation as the bytes of a .docx file."""
    return _Writer(compilation).write()
