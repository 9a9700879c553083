"""The WordprocessingML python-docx has no API for: borders, fields, languages, no-break hyphens, superscripts.

Each function edits one element of a python-docx object in place, the way Word itself writes it.
"""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from reports.typography import NB_HYPHEN

BORDER_SIDES = ("top", "left", "bottom", "right")


def _child(parent: BaseOxmlElement, tag: str, *, first: bool = False) -> BaseOxmlElement:
    """The child ``tag`` of ``parent``, created (last, or first) if missing."""
    found: BaseOxmlElement | None = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        if first:
            parent.insert(0, found)
        else:
            parent.append(found)
    return found


def set_language(rpr_parent: BaseOxmlElement, tag: str) -> None:
    """Declare ``tag`` ("fr-CH") as the language of a style's or the defaults' run properties (``w:lang``)."""
    rpr = _child(rpr_parent, "w:rPr")
    lang = _child(rpr, "w:lang")
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attribute), tag)


def set_style_language(style: BaseStyle, tag: str) -> None:
    set_language(style.element, tag)


def set_default_language(styles_element: BaseOxmlElement, tag: str) -> None:
    """``w:docDefaults/w:rPrDefault/w:rPr/w:lang``: the language of every run that does not say otherwise."""
    defaults = _child(styles_element, "w:docDefaults", first=True)
    set_language(_child(defaults, "w:rPrDefault", first=True), tag)


def box_paragraph(paragraph: Paragraph, *, size_eighths: int = 6, space_pt: int = 4) -> None:
    """A single border around the paragraph; consecutive boxed paragraphs are drawn as one box.

    Word and LibreOffice join the borders of adjacent paragraphs that have the same borders and indents.
    """
    ppr = paragraph._p.get_or_add_pPr()
    borders = _child(ppr, "w:pBdr")
    for side in BORDER_SIDES:
        edge = _child(borders, f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), str(size_eighths))
        edge.set(qn("w:space"), str(space_pt))
        edge.set(qn("w:color"), "000000")
    _order_ppr(ppr)


def _order_ppr(ppr: BaseOxmlElement) -> None:
    """Move ``w:pBdr`` where the schema wants it: after ``w:pStyle``, ``w:keepNext``... and before ``w:spacing``."""
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        return
    ppr.remove(borders)
    before = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc", "w:rPr", "w:sectPr")
    for i, child in enumerate(ppr):
        if child.tag in {qn(t) for t in before}:
            ppr.insert(i, borders)
            return
    ppr.append(borders)


def add_text(paragraph: Paragraph, text: str, *, superscript: bool = False) -> Run:
    """A run of ``text`` whose no-break hyphens (U+2011) are Word's ``w:noBreakHyphen``."""
    run = paragraph.add_run()
    for i, part in enumerate(text.split(NB_HYPHEN)):
        if i:
            run._r.append(OxmlElement("w:noBreakHyphen"))
        if part:
            run._r.add_t(part)
    if superscript:
        run.font.superscript = True
    return run


def add_page_field(paragraph: Paragraph) -> None:
    """A ``PAGE`` field: the number of the page it is printed on."""
    run = paragraph.add_run()
    for kind in ("begin", None, "separate", "end"):
        if kind is None:
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = " PAGE "
            run._r.append(instruction)
            continue
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run._r.append(char)
        if kind == "separate":
            run._r.add_t("2")  # the cached result shown before fields are updated
