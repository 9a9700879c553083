"""The Chair's report in the ITU Council layout: title block, boxed summary, page header, typography, language.

The report on the 12th meeting is built from plain data and written as .docx and HTML; the tests read the
WordprocessingML python-docx wrote, as Word and LibreOffice will.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.text.paragraph import Paragraph as DocxParagraph

from engine.body import load_body
from reports import (
    BodySettings,
    CouncilSession,
    Decision,
    Escalation,
    MeetingRecord,
    Report,
    SettingsError,
    build_report,
    render_docx,
    render_html,
    render_markdown,
)
from reports.typography import NB_HYPHEN, NBSP, language_tag, ordinal_pieces, typeset
from tests.unit.test_report_builder import BODY as BUILDER_BODY

# The builder tests' body, with the place and dates of Council 2019 for the title block.
BODY = replace(
    BUILDER_BODY, council_sessions=(CouncilSession("Council 2019", "Geneva", date(2019, 6, 10), date(2019, 6, 20)),)
)
TWELFTH = MeetingRecord(
    id="meeting_cycle-12",
    state="report_approved",
    number=12,
    start=date(2019, 2, 1),
    end=date(2019, 2, 1),
    venue="ITU headquarters, Geneva",
    council_session="council  2019",  # matched whatever its case and spacing
    report_symbol="WG-Internet 12/5",
    decisions=(
        Decision("d1", "approved", "Report approved"),
        Decision("d2", "no_consensus", "No consensus on the topic of the next open consultation", "6.3"),
    ),
    escalations=(Escalation("escalation-1", "on_agenda", agenda_item="ADM 8"),),
)


def build(language: str, body: BodySettings = BODY) -> Report:
    return build_report(TWELFTH, body, language, issued_on=date(2019, 4, 12), symbol="C19/54")


def word(language: str) -> docx.document.Document:
    return docx.Document(io.BytesIO(render_docx(build(language))))


def xml_text(element: BaseOxmlElement) -> str:
    """The text of an element as Word shows it: w:t, no-break hyphens as U+2011, tabs, breaks as new lines."""
    parts = []
    for node in element.iter(qn("w:t"), qn("w:noBreakHyphen"), qn("w:tab"), qn("w:br")):
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        else:
            parts.append({qn("w:noBreakHyphen"): NB_HYPHEN, qn("w:tab"): "\t", qn("w:br"): "\n"}[node.tag])
    return "".join(parts)


def boxed(paragraph: DocxParagraph) -> bool:
    borders = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}")
    return borders is not None and all(
        (edge := borders.find(qn(f"w:{side}"))) is not None and edge.get(qn("w:val")) == "single"
        for side in ("top", "left", "bottom", "right")
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tenue le 1er février 2019", f"tenue le 1er{NBSP}février{NBSP}2019"),
        ("held on 1 February 2019", f"held on 1{NBSP}February{NBSP}2019"),
        ("102 (Rév. Dubaï, 2018)", f"102 (Rév.{NBSP}Dubaï, 2018)"),
        ("1336 (Mod. 2015)", f"1336 (Mod.{NBSP}2015)"),
        ("les Résolutions 1305 (2009)", f"les Résolutions{NBSP}1305 (2009)"),
        ("du GTC-Internet.", f"du GTC{NB_HYPHEN}Internet."),
        ("Document C19/54-F", f"Document{NBSP}C19/54{NB_HYPHEN}F"),
        ("Genève, 10-20 juin 2019", f"Genève, 10{NB_HYPHEN}20{NBSP}juin{NBSP}2019"),
        ("document WG-Internet 12/5", f"document WG{NB_HYPHEN}Internet{NBSP}12/5"),
        ("au sujet du point 2.2 c)", f"au sujet du point{NBSP}2.2{NBSP}c)"),
        ("voir la Section 2.2.c", f"voir la Section{NBSP}2.2.c"),
        ("les Vice-Présidents, Internet-related", "les Vice-Présidents, Internet-related"),  # ordinary words break
        ("1 Introduction", "1 Introduction"),
        ("Original: anglais", "Original: anglais"),  # ITU French writes no space before a colon
    ],
)
def test_typeset_keeps_together_what_french_and_english_typography_keep_together(text: str, expected: str) -> None:
    """Day, month and year; abbreviations; references and numbers; codes and symbols; nothing else."""
    assert typeset(text, "fr") == expected


def test_french_ordinal_suffixes_are_superscript_and_english_ones_are_not() -> None:
    """ "1er", "12e" raise their suffix in French; "12th" stays on the line (UN/ITU English style)."""
    assert ordinal_pieces("le 1er février, la 12e réunion, C19e", "fr") == [
        ("le 1", False),
        ("er", True),
        (" février, la 12", False),
        ("e", True),
        (" réunion, C19e", False),
    ]
    assert ordinal_pieces("the 12th meeting", "en") == [("the 12th meeting", False)]
    assert (language_tag("fr"), language_tag("en")) == ("fr-CH", "en-GB")


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        ("fr", ["Conseil 2019\nGenève, 10‑20 juin 2019", "", "Point de l'ordre du jour: ADM 8", "Document C19/54‑F"]),
        ("en", ["Council 2019\nGeneva, 10‑20 June 2019", "", "Agenda item: ADM 8", "Document C19/54‑E"]),
    ],
)
def test_title_block_gives_session_place_and_days_agenda_item_symbol_date_and_original(
    language: str, lines: list[str]
) -> None:
    """Session, "Genève, 10-20 juin 2019" (from body.yaml's council_sessions), agenda item; symbol, date, original."""
    table = word(language).tables[0]
    cells = [xml_text(cell._tc).replace(NBSP, " ") for row in table.rows for cell in row.cells]
    assert cells[:3] == lines[:3]
    date_line = {"fr": "12 avril 2019\nOriginal: anglais", "en": "12 April 2019\nOriginal: English"}[language]
    assert cells[3] == f"{lines[3]}\n{date_line}"
    session_run = table.rows[0].cells[0].paragraphs[0].runs[0]
    assert session_run.bold and session_run.text.startswith(("Conseil", "Council"))


def test_without_configured_session_the_title_block_names_the_session_only() -> None:
    """A session missing from council_sessions keeps "Conseil 2019" and invents neither place nor days."""
    report = build("fr", BodySettings(code=BODY.code, name=BODY.name, mandate=BODY.mandate))
    assert report.header.session == "Conseil 2019" and report.header.session_held is None
    assert "Genève, 10" not in render_markdown(report)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_summary_action_required_and_references_are_one_bordered_box(language: str) -> None:
    """Every paragraph from Résumé to the last reference is bordered (one box); the sections are not."""
    document = word(language)
    texts = [p.text for p in document.paragraphs]
    first = texts.index({"fr": "Résumé", "en": "Summary"}[language])
    intro = texts.index("1 Introduction")
    assert all(boxed(p) for p in document.paragraphs[first:intro])
    assert not any(boxed(p) for p in document.paragraphs[:first] + document.paragraphs[intro:])
    inside = texts[first:intro]
    label = {"fr": "Références", "en": "References"}[language]
    assert inside.index("____________") < inside.index(label) == len(inside) - 4  # three references follow
    assert {"fr": "Suite à donner", "en": "Action required"}[language] in inside
    references = document.paragraphs[first + inside.index(label) + 1 : intro]
    assert all(run.italic for p in references for run in p.runs if run.text.strip())


@pytest.mark.parametrize("language", ["fr", "en"])
def test_page_header_with_page_number_and_symbol_from_page_2(language: str) -> None:
    """Page 1 has no header (w:titlePg); later pages show "- PAGE -" centred and the symbol on the right."""
    document = word(language)
    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert all(not p.text.strip() for p in section.first_page_header.paragraphs)
    header = section.header._element
    instructions = [i.text.strip() for i in header.iter(qn("w:instrText"))]
    assert instructions == ["PAGE"]
    assert [c.get(qn("w:fldCharType")) for c in header.iter(qn("w:fldChar"))] == ["begin", "separate", "end"]
    lines = [xml_text(p) for p in header.iter(qn("w:p"))]
    assert lines == ["- 2 -", f"C19/54{NB_HYPHEN}{'F' if language == 'fr' else 'E'}"]


@pytest.mark.parametrize(("language", "tag"), [("fr", "fr-CH"), ("en", "en-GB")])
def test_document_and_its_styles_declare_the_language(language: str, tag: str) -> None:
    """w:lang on the document defaults and on Normal, Title and Heading 1; the core properties say it too."""
    document = word(language)
    styles = document.styles.element
    defaults = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert defaults is not None and defaults.get(qn("w:val")) == tag
    for name in ("Normal", "Title", "Heading 1"):
        lang = document.styles[name].element.find(f"{qn('w:rPr')}/{qn('w:lang')}")
        assert lang is not None and lang.get(qn("w:val")) == tag, name
    assert document.core_properties.language == tag
    assert "en-US" not in styles.xml


def test_docx_text_does_not_break_inside_codes_dates_and_abbreviations() -> None:
    """ "GTC-Internet" is only ever written with Word's no-break hyphen; "1er février", "(Rév. Dubaï" hold."""
    document = word("fr")
    body = "\n".join(xml_text(p) for p in document.element.body.iter(qn("w:p")))
    assert "GTC-Internet" not in body and f"GTC{NB_HYPHEN}Internet" in body
    assert f"1er{NBSP}février{NBSP}2019" in body
    assert f"(Rév.{NBSP}Dubaï, 2018)" in body and f"(Mod.{NBSP}2015)" in body
    assert "Section\u00a06.3" in body  # "(voir la Section 6.3 du rapport de la réunion)"


def test_docx_raises_the_suffix_of_1er() -> None:
    """ "1er février 2019": the run "er" is superscript, the day and the month are not."""
    document = word("fr")
    runs = [r for p in document.paragraphs for r in p.runs]
    raised = [r for r in runs if r.font.superscript]
    assert raised and {r.text for r in raised} == {"er"}
    after = runs[runs.index(raised[0]) + 1]
    assert after.text.startswith(f"{NBSP}février") and not after.font.superscript


def test_english_docx_has_no_superscript() -> None:
    """English ordinals and dates stay on the line."""
    assert not any(r.font.superscript for p in word("en").paragraphs for r in p.runs)


def test_html_declares_the_language_and_boxes_summary_action_and_references() -> None:
    """<html lang="fr-CH">; place and days in the title block; one .box holding the references; typography."""
    html = render_html(build("fr"))
    assert '<html lang="fr-CH">' in html
    assert "Genève, 10-20&nbsp;juin&nbsp;2019" in html.replace('<span class="nobr">', "").replace("</span>", "")
    box = html[html.index('<div class="box">') : html.index("</div>")]
    assert "Résumé" in box and "Suite à donner" in box and "Références" in box and "WG-Internet" in box
    assert '<span class="nobr">GTC-Internet</span>' in html and "GTC\u2011Internet" not in html  # still searchable
    assert "1<sup>er</sup>&nbsp;février" in html
    assert '<html lang="en-GB">' in render_html(build("en"))


def test_markdown_title_block_adds_the_place_and_days_and_stays_plain_text() -> None:
    """The Markdown gains the session's place and days; no no-break characters (it stays greppable)."""
    markdown = render_markdown(build("fr"))
    assert markdown.splitlines()[:4] == [
        "| Conseil 2019 | Document C19/54-F |",
        "|:--|--:|",
        "| Genève, 10-20 juin 2019 | 12 avril 2019 |",
        "| Point de l'ordre du jour: ADM 8 | Original: anglais |",
    ]
    assert NBSP not in markdown and NB_HYPHEN not in markdown


def body_with(tmp_path: Path, text: str) -> BodySettings:
    path = tmp_path / "body.yaml"
    path.write_text("code: CWG-Internet\ncode_fr: GTC-Internet\n" + text, encoding="utf-8")
    return BodySettings.from_body(load_body(path))


def test_council_sessions_are_read_from_body_yaml(tmp_path: Path) -> None:
    """council_sessions: {"Council 2019": {place, from, until}} gives the place and both days."""
    settings = body_with(
        tmp_path, 'council_sessions:\n  "Council 2019": {place: Geneva, from: 2019-06-10, until: 2019-06-20}\n'
    )
    assert settings.council_session("COUNCIL 2019") == CouncilSession(
        "Council 2019", "Geneva", date(2019, 6, 10), date(2019, 6, 20)
    )
    assert settings.council_session("Council 2020") is None and settings.council_session(None) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('council_sessions:\n  "Council 2019": {place: Geneva, from: 2019-06-10}\n', "expected both from and until"),
        ('council_sessions:\n  "Council 2019": {from: 2019-06-10, until: 2019-06-20}\n', ".place: expected text"),
        ('council_sessions:\n  "Council 2019": {place: Geneva, from: 2019-06-20, until: 2019-06-10}\n', "is before"),
        ('council_sessions:\n  "Council 2019": {place: Geneva, days: 10}\n', "unknown key(s) days"),
        ("council_sessions: [Council 2019]\n", "council_sessions: expected a mapping"),
    ],
)
def test_a_bad_council_session_is_one_line_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    """Missing or reversed days, a missing place, an unknown key: a SettingsError naming body.yaml and the key."""
    with pytest.raises(SettingsError) as raised:
        body_with(tmp_path, text)
    assert str(raised.value).startswith("body.yaml") and message in str(raised.value)
    assert "\n" not in str(raised.value)
