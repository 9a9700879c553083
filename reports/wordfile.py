"""Write a built report as a Word document (.docx, python-docx), laid out like an ITU Council document.

Title block as a two-column table (session and agenda item left; symbol, date and original right), the
title, the Summary / Action required box, the references, a rule, then the numbered sections with hanging
numbers ("1.1", "a)"). Headings use Word's built-in Title and Heading 1 styles with the same texts as the
Markdown (``Report.headings``), so a secretariat's navigation pane shows the report's outline.
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

FONT = "Times New Roman"
NUMBER_INDENT = Cm(1.27)  # hanging indent of "1.1" paragraphs
ITEM_INDENT = Cm(0.8)  # hanging indent of "a)" items, under the paragraph text
BLACK = RGBColor(0, 0, 0)


def render_docx(report: Report) -> bytes:
    """The report as the bytes of a .docx file."""
    doc = Document()
    _page_and_styles(doc, report)
    _title_block(doc, report)
    doc.add_heading(report.title, level=0)
    for section in report.boxed():
        _section(doc, section)
    refs = doc.add_paragraph()
    refs.add_run(f"{report.references_label}: ").italic = True
    refs.add_run("; ".join(report.references))
    rule = doc.add_paragraph("____________")
    rule.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for section in report.sections:
        _section(doc, section)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page_and_styles(doc: DocxDocument, report: Report) -> None:
    page = doc.sections[0]
    page.page_width, page.page_height = Cm(21), Cm(29.7)
    page.left_margin = page.right_margin = Cm(2)
    page.top_margin = page.bottom_margin = Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(12)
    for name, size in (("Title", 14), ("Heading 1", 12)):
        style = doc.styles[name]
        style.font.name, style.font.size, style.font.bold = FONT, Pt(size), True
        style.font.color.rgb = BLACK
        _drop_theme_fonts(style.element)
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(12), Pt(6)
    title = doc.styles["Title"]
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    borders = title.element.pPr.find(qn("w:pBdr")) if title.element.pPr is not None else None
    if borders is not None:  # the default template underlines titles in blue; ITU documents do not
        title.element.pPr.remove(borders)
    props = doc.core_properties
    props.title, props.subject, props.language = report.title, report.symbol, report.language
    props.author = props.last_modified_by = "consultflow"
    issued = datetime.combine(report.issued_on, time(0), tzinfo=UTC)
    props.created = props.modified = issued
    props.revision = 1


def _drop_theme_fonts(style: BaseOxmlElement) -> None:
    """Remove the theme font attributes, which Word prefers over the font named on the style."""
    fonts = style.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    if fonts is not None:
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)


def _title_block(doc: DocxDocument, report: Report) -> None:
    header = report.header
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    _lines(left.paragraphs[0], [header.session or "", header.agenda_item or ""], bold_first=True)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _lines(right.paragraphs[0], [header.document, header.date, header.original], bold_first=True)


def _lines(paragraph: DocxParagraph, lines: list[str], *, bold_first: bool) -> None:
    shown = [line for line in lines if line]
    for i, line in enumerate(shown):
        run = paragraph.add_run(line)
        run.bold = bold_first and i == 0
        if i < len(shown) - 1:
            run.add_break()


def _section(doc: DocxDocument, section: Section) -> None:
    doc.add_heading(section.heading, level=1)
    for paragraph in section.paragraphs:
        _paragraph(doc, paragraph)


def _paragraph(doc: DocxDocument, paragraph: Paragraph) -> None:
    if paragraph.number is None:
        doc.add_paragraph(paragraph.text)
    else:
        _hanging(doc.add_paragraph(), paragraph.number, paragraph.text, left=NUMBER_INDENT, hang=NUMBER_INDENT)
    for item in paragraph.items:
        _hanging(doc.add_paragraph(), item.label, item.text, left=Length(NUMBER_INDENT + ITEM_INDENT), hang=ITEM_INDENT)


def _hanging(p: DocxParagraph, label: str, text: str, *, left: Length, hang: Length) -> None:
    """ "label<TAB>text" with the label hanging in the margin, as ITU documents number paragraphs."""
    fmt = p.paragraph_format
    fmt.left_indent, fmt.first_line_indent = left, Length(-hang)
    fmt.tab_stops.add_tab_stop(left)
    p.add_run(f"{label}\t{text}")
