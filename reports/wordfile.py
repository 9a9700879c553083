"""Write a built report as a Word document (.docx, python-docx), laid out like an ITU Council document.

Page 1: the title block (Council session, its place and days, agenda item on the left; document symbol,
date and original language on the right), the title, then the box of an ITU Council document: Summary,
Action required, a short rule and the References. Then the numbered sections with hanging numbers ("1.1",
"a)"). From page 2 a header gives the page number and the symbol. Headings use Word's built-in Title and
Heading 1 styles with the same texts as the Markdown (``Report.headings``), so a secretariat's navigation
pane shows the report's outline; that is also why the box is drawn with paragraph borders (which Word and
LibreOffice join into one box) rather than a table cell, which would take its headings out of the outline.
Texts are typeset (``reports.typography``): no-break spaces and hyphens, superscript French ordinals, and
every style declares the document's language (fr-CH, en-GB) for spelling and hyphenation.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, time

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Length, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph

from reports.model import Paragraph, Report, Section
from reports.typography import language_tag, ordinal_pieces, typeset
from reports.wordxml import (
    add_page_field,
    add_text,
    box_paragraph,
    set_default_language,
    set_style_language,
)

FONT = "Times New Roman"
NUMBER_INDENT = Cm(1.27)  # hanging indent of "1.1" paragraphs
ITEM_INDENT = Cm(0.8)  # hanging indent of "a)" items, under the paragraph text
BLACK = RGBColor(0, 0, 0)
RULE = "____________"


class _Writer:
    """One report written into one python-docx document, every text typeset in the report's language."""

    def __init__(self, report: Report) -> None:
        self.report, self.language = report, report.language
        self.doc: DocxDocument = Document()

    def text(self, paragraph: DocxParagraph, text: str, *, bold: bool = False, italic: bool = False) -> None:
        """Add ``text`` typeset: no-break spaces and hyphens, superscript ordinal suffixes."""
        for piece, superscript in ordinal_pieces(typeset(text, self.language), self.language):
            run = add_text(paragraph, piece, superscript=superscript)
            run.bold, run.italic = bold or None, italic or None

    def heading(self, text: str, level: int, *, boxed: bool = False) -> None:
        paragraph = self.doc.add_heading("", level=level)
        self.text(paragraph, text)
        if boxed:
            box_paragraph(paragraph)

    def paragraph(self, text: str = "", *, boxed: bool = False, italic: bool = False) -> DocxParagraph:
        paragraph = self.doc.add_paragraph()
        if text:
            self.text(paragraph, text, italic=italic)
        if boxed:
            box_paragraph(paragraph)
        return paragraph

    def write(self) -> bytes:
        report = self.report
        self.page_and_styles()
        self.title_block()
        self.heading(report.title, 0)
        self.box()
        for section in report.sections:
            self.section(section)
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()

    def page_and_styles(self) -> None:
        doc, report = self.doc, self.report
        tag = language_tag(self.language)
        page = doc.sections[0]
        page.page_width, page.page_height = Cm(21), Cm(29.7)
        page.left_margin = page.right_margin = Cm(2)
        page.top_margin = page.bottom_margin = Cm(2)
        page.header_distance = Cm(1)
        normal = doc.styles["Normal"]
        normal.font.name, normal.font.size = FONT, Pt(12)
        normal.paragraph_format.space_after = Pt(6)
        for name, size in (("Title", 14), ("Heading 1", 12)):
            style = doc.styles[name]
            style.font.name, style.font.size, style.font.bold = FONT, Pt(size), True
            style.font.color.rgb = BLACK
            _drop_theme_fonts(style.element)
            style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(12), Pt(6)
            style.paragraph_format.keep_with_next = True
        title = doc.styles["Title"]
        title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_before, title.paragraph_format.space_after = Pt(24), Pt(18)
        borders = title.element.pPr.find(qn("w:pBdr")) if title.element.pPr is not None else None
        if borders is not None:  # the default template underlines titles in blue; ITU documents do not
            title.element.pPr.remove(borders)
        title.font.size = Pt(14)
        set_default_language(doc.styles.element, tag)
        for name in ("Normal", "Title", "Heading 1", "Header"):
            set_style_language(doc.styles[name], tag)
        props = doc.core_properties
        props.title, props.subject, props.language = report.title, report.symbol, tag
        props.author = props.last_modified_by = "consultflow"
        issued = datetime.combine(report.issued_on, time(0), tzinfo=UTC)
        props.created = props.modified = issued
        props.revision = 1
        self.page_header()

    def page_header(self) -> None:
        """No header on page 1; from page 2, "- 2 -" centred and the symbol on the right, as ITU documents do."""
        page = self.doc.sections[0]
        page.different_first_page_header_footer = True
        header = page.header
        number = header.paragraphs[0]
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
        number.add_run("- ")
        add_page_field(number)
        number.add_run(" -")
        symbol = header.add_paragraph()
        symbol.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self.text(symbol, self.report.symbol)
        symbol.paragraph_format.space_after = Pt(12)

    def title_block(self) -> None:
        """Session and its place and days; then agenda item | symbol, date, original (no borders)."""
        header = self.report.header
        table = self.doc.add_table(rows=2, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        (session, _), (agenda, document) = (row.cells for row in table.rows)
        self.lines(session.paragraphs[0], [header.session, header.session_held], bold_first=True)
        session.paragraphs[0].paragraph_format.space_after = Pt(18)
        self.lines(agenda.paragraphs[0], [header.agenda_item], bold_first=False)
        document.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self.lines(document.paragraphs[0], [header.document, header.date, header.original], bold_first=True)

    def lines(self, paragraph: DocxParagraph, lines: list[str | None], *, bold_first: bool) -> None:
        shown = [line for line in lines if line]
        for i, line in enumerate(shown):
            self.text(paragraph, line, bold=bold_first and i == 0)
            if i < len(shown) - 1:
                paragraph.runs[-1].add_break()

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

    def section(self, section: Section) -> None:
        self.heading(section.heading, 1)
        for paragraph in section.paragraphs:
            self.numbered(paragraph)

    def numbered(self, paragraph: Paragraph) -> None:
        if paragraph.number is None:
            self.paragraph(paragraph.text)
        else:
            self.hanging(paragraph.number, paragraph.text, left=NUMBER_INDENT, hang=NUMBER_INDENT)
        for item in paragraph.items:
            self.hanging(item.label, item.text, left=Length(NUMBER_INDENT + ITEM_INDENT), hang=ITEM_INDENT)

    def hanging(self, label: str, text: str, *, left: Length, hang: Length) -> None:
        """ "label<TAB>text" with the label hanging in the margin, as ITU documents number paragraphs."""
        p = self.doc.add_paragraph()
        fmt = p.paragraph_format
        fmt.left_indent, fmt.first_line_indent = left, Length(-hang)
        fmt.tab_stops.add_tab_stop(left)
        p.add_run(f"{label}\t")
        self.text(p, text)


def render_docx(report: Report) -> bytes:
    """The report as the bytes of a .docx file."""
    return _Writer(report).write()


def _drop_theme_fonts(style: BaseOxmlElement) -> None:
    """Remove the theme font attributes, which Word prefers over the font named on the style."""
    fonts = style.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    if fonts is not None:
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)
