"""The page of an ITU document in Word (python-docx): A4, Times New Roman, the title block and the running header.

Shared by the Chair's report (``reports.wordfile``) and the compilation of consultation responses
(``reports.compilation_word``). ``ItuDocument`` sets the page and the styles (Title, Heading 1 and 2 in
black Times New Roman; the document's language, fr-CH or en-GB, declared on every style), writes the title
block (left: session or meeting; right: document symbol, date, original language), and from page 2 a
header with "- 2 -" and the symbol. Every text goes through ``reports.typography``: no-break spaces and
hyphens, superscript French ordinals.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Length, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph

from reports.model import Header
from reports.typography import language_tag, ordinal_pieces, typeset
from reports.wordxml import add_page_field, add_text, box_paragraph, set_default_language, set_style_language

FONT = "Times New Roman"
BLACK = RGBColor(0, 0, 0)


class ItuDocument:
    """One python-docx document laid out as an ITU document, every text typeset in ``language``."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.doc: DocxDocument = Document()

    def text(self, paragraph: DocxParagraph, text: str, *, bold: bool = False, italic: bool = False) -> None:
        """Add ``text`` typeset: no-break spaces and hyphens, superscript ordinal suffixes."""
        for piece, superscript in ordinal_pieces(typeset(text, self.language), self.language):
            run = add_text(paragraph, piece, superscript=superscript)
            run.bold, run.italic = bold or None, italic or None

    def heading(self, text: str, level: int, *, boxed: bool = False) -> DocxParagraph:
        paragraph: DocxParagraph = self.doc.add_heading("", level=level)
        self.text(paragraph, text)
        if boxed:
            box_paragraph(paragraph)
        return paragraph

    def paragraph(self, text: str = "", *, boxed: bool = False, italic: bool = False) -> DocxParagraph:
        paragraph = self.doc.add_paragraph()
        if text:
            self.text(paragraph, text, italic=italic)
        if boxed:
            box_paragraph(paragraph)
        return paragraph

    def hanging(self, label: str, text: str, *, left: Length, hang: Length) -> DocxParagraph:
        """ "label<TAB>text" with the label hanging in the margin, as ITU documents number paragraphs."""
        p = self.doc.add_paragraph()
        fmt = p.paragraph_format
        fmt.left_indent, fmt.first_line_indent = left, Length(-hang)
        fmt.tab_stops.add_tab_stop(left)
        p.add_run(f"{label}\t")
        self.text(p, text)
        return p

    def lines(self, paragraph: DocxParagraph, lines: list[str | None], *, bold_first: bool) -> None:
        """The texts given (None skipped) as lines of one paragraph, the first in bold if asked."""
        shown = [line for line in lines if line]
        for i, line in enumerate(shown):
            self.text(paragraph, line, bold=bold_first and i == 0)
            if i < len(shown) - 1:
                paragraph.runs[-1].add_break()

    def page_and_styles(self, *, title: str, symbol: str, issued_on: date, headings: int = 1) -> None:
        """A4 with 2 cm margins, the styles in Times New Roman and the document's language, its properties.

        ``headings`` is the deepest heading level styled (Heading 1, Heading 2 ...).
        """
        doc = self.doc
        tag = language_tag(self.language)
        page = doc.sections[0]
        page.page_width, page.page_height = Cm(21), Cm(29.7)
        page.left_margin = page.right_margin = Cm(2)
        page.top_margin = page.bottom_margin = Cm(2)
        page.header_distance = Cm(1)
        normal = doc.styles["Normal"]
        normal.font.name, normal.font.size = FONT, Pt(12)
        normal.paragraph_format.space_after = Pt(6)
        styled = [("Title", 14), *((f"Heading {level}", 12) for level in range(1, headings + 1))]
        for name, size in styled:
            style = doc.styles[name]
            style.font.name, style.font.size, style.font.bold = FONT, Pt(size), True
            style.font.color.rgb = BLACK
            _drop_theme_fonts(style.element)
            style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(12), Pt(6)
            style.paragraph_format.keep_with_next = True
        title_style = doc.styles["Title"]
        title_style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title_style.paragraph_format.space_before, title_style.paragraph_format.space_after = Pt(24), Pt(18)
        ppr = title_style.element.pPr
        borders = ppr.find(qn("w:pBdr")) if ppr is not None else None
        if ppr is not None and borders is not None:  # the default template underlines titles in blue; ITU's do not
            ppr.remove(borders)
        title_style.font.size = Pt(14)
        set_default_language(doc.styles.element, tag)
        for name in ("Normal", *(name for name, _ in styled), "Header"):
            set_style_language(doc.styles[name], tag)
        props = doc.core_properties
        props.title, props.subject, props.language = title, symbol, tag
        props.author = props.last_modified_by = "consultflow"
        issued = datetime.combine(issued_on, time(0), tzinfo=UTC)
        props.created = props.modified = issued
        props.revision = 1
        self.page_header(symbol)

    def page_header(self, symbol: str) -> None:
        """No header on page 1; from page 2, "- 2 -" centred and the symbol on the right, as ITU documents do."""
        page = self.doc.sections[0]
        page.different_first_page_header_footer = True
        header = page.header
        number = header.paragraphs[0]
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
        number.add_run("- ")
        add_page_field(number)
        number.add_run(" -")
        right = header.add_paragraph()
        right.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self.text(right, symbol)
        right.paragraph_format.space_after = Pt(12)

    def title_block(self, header: Header, *, fixed: bool = False) -> None:
        """Session and its place and days; then agenda item | symbol, date, original (no borders).

        ``fixed`` keeps the two columns half the page each: LibreOffice otherwise fits the table to its texts
        and wraps a left column longer than "Council 2019" early.
        """
        table = self.doc.add_table(rows=2, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        if fixed:
            table.autofit = False
        (session, _), (agenda, document) = (row.cells for row in table.rows)
        self.lines(session.paragraphs[0], [header.session, header.session_held], bold_first=True)
        session.paragraphs[0].paragraph_format.space_after = Pt(18)
        self.lines(agenda.paragraphs[0], [header.agenda_item], bold_first=False)
        document.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self.lines(document.paragraphs[0], [header.document, header.date, header.original], bold_first=True)

    def save(self) -> bytes:
        """The bytes of the .docx file."""
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def _drop_theme_fonts(style: BaseOxmlElement) -> None:
    """Remove the theme font attributes, which Word prefers over the font named on the style."""
    fonts = style.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    if fonts is not None:
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)
