"""Write a built report as a Word document (.docx, python-docx), laid out like an ITU Council document.

Page 1: the title block (Council session, its place and days, agenda item on the left; document symbol,
date and original language on the right), the title, then the box of an ITU Council document: Summary,
Action required, a short rule and the References. Then the numbered sections with hanging numbers ("1.1",
"a)"). From page 2 a header gives the page number and the symbol. Headings use Word's built-in Title and
Heading 1 styles with the same texts as the Markdown (``Report.headings``), so a secretariat's navigation
pane shows the report's outline; that is also why the box is drawn with paragraph borders (which Word and
LibreOffice join into one box) rather than a table cell, which would take its headings out of the outline.
Texts are typeset (``reports.typography``): no-break spaces and hyphens, superscript French ordinals, and
every style declares the document's language (fr-CH, en-GB) for spelling and hyphenation. The page, the
styles, the title block and the running header are ``reports.wordpage``'s, shared with the compilation.
"""

from __future__ import annotations

from docx.shared import Cm, Length, Pt

from reports.model import Paragraph, Report, Section
from reports.wordpage import ItuDocument

NUMBER_INDENT = Cm(1.27)  # hanging indent of "1.1" paragraphs
ITEM_INDENT = Cm(0.8)  # hanging indent of "a)" items, under the paragraph text
RULE = "____________"


class _Writer(ItuDocument):
    """One report written into one python-docx document, every text typeset in the report's language."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.language)
        self.report = report

    def write(self) -> bytes:
        report = self.report
        self.page_and_styles(title=report.title, symbol=report.symbol, issued_on=report.issued_on)
        self.title_block(report.header)
        self.heading(report.title, 0)
        self.box()
        for section in report.sections:
            self.section(section)
        for annex in report.annexes:
            self.section(annex, new_page=True)
        return self.save()

    def box(self) -> None:
        """Summary, Action required, a short rule and the References, in one bordered box."""
        report = self.report
        for section in report.boxed():
            self.heading(section.heading, 1, boxed=True)
            for paragraph in section.paragraphs:
                self.paragraph(paragraph.text, boxed=True)
        self.paragraph(RULE, boxed=True)
        label = self.paragraph(boxed=True)
        self.text(label, report.references_label, bold=True)
        label.paragraph_format.keep_with_next = True
        for i, reference in enumerate(report.references):
            last = i == len(report.references) - 1
            self.paragraph(reference + ("" if last else ";"), boxed=True, italic=True).paragraph_format.space_after = (
                Pt(6) if last else Pt(0)
            )

    def section(self, section: Section, *, new_page: bool = False) -> None:
        heading = self.heading(section.heading, 1)
        if new_page:
            heading.paragraph_format.page_break_before = True
        for paragraph in section.paragraphs:
            self.numbered(paragraph)

    def numbered(self, paragraph: Paragraph) -> None:
        if paragraph.number is None:
            self.paragraph(paragraph.text)
        else:
            self.hanging(paragraph.number, paragraph.text, left=NUMBER_INDENT, hang=NUMBER_INDENT)
        for item in paragraph.items:
            self.hanging(item.label, item.text, left=Length(NUMBER_INDENT + ITEM_INDENT), hang=ITEM_INDENT)


def render_docx(report: Report) -> bytes:
    """The report as the bytes of a .docx file."""
    return _Writer(report).write()
