"""The Chair's report on the 12th meeting, generated from the scenario's record, against the source document.

The source (``tests/fixtures/report_cwg12_source_fr.txt``, the French Chair's report to Council 2019) is
compared section by section with the French report generated from the record of ``tests/scenario.py``:
the same headings in the same order, and the same facts in each section. Wording may differ; facts may
neither be missing nor invented.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import docx
import pytest
import yaml

from engine import Engine
from reports import (
    BodySettings,
    GeneratedReport,
    build_report,
    generate_report,
    load_translations,
    read_record,
    render_markdown,
)
from tests.conftest import FIXTURES, at
from tests.scenario import DECISIONS, convene, hold_meeting

SOURCE = FIXTURES / "report_cwg12_source_fr.txt"
TRANSLATIONS = FIXTURES / "report_cwg12_fr.yaml"
MANDATE_TEXT = FIXTURES / "report_mandate_introduction.yaml"
RESOLUTIONS = ("102", "140", "1305", "1336", "1344")


@dataclass
class Para:
    """A paragraph of a parsed report: its number (1.1) or none, its text and its lettered items."""

    number: str | None
    text: str
    items: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Sect:
    """A heading of a parsed report and its paragraphs."""

    heading: str
    paragraphs: list[Para] = field(default_factory=list)

    def para(self, number: str) -> Para:
        return next(p for p in self.paragraphs if p.number == number)

    def text(self) -> str:
        return " ".join(" ".join([p.text, *(t for _, t in p.items)]) for p in self.paragraphs)


def normalise(text: str) -> str:
    """Typography aside (no-break hyphens and spaces, runs of spaces, Markdown escapes), the same text."""
    text = text.replace("\u2011", "-").replace("\u00a0", " ")
    text = re.sub(r"\\([\\`*_\[\]<>|#])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def parse(text: str) -> list[Sect]:
    """Sections of the source text or of the generated Markdown (the title, table and rules left out)."""
    sections: list[Sect] = []
    for raw in text.splitlines():
        line = normalise(raw)
        if not line or line.startswith(("|", "---", "____", "*")) or raw.startswith("# "):
            continue
        numbered = re.match(r"^(\d+\.\d+) (.+)$", line)
        item = re.match(r"^([a-z])\) (.+)$", line)
        heading = re.match(r"^(?:## )?(\d+ \D.*|[^\d.]{1,30})$", line)
        if raw.startswith("## ") or (heading and not line.endswith((".", ":")) and not item):
            sections.append(Sect(line.removeprefix("## ")))
        elif numbered:
            sections[-1].paragraphs.append(Para(numbered[1], numbered[2]))
        elif item:
            sections[-1].paragraphs[-1].items.append((item[1], item[2]))
        else:
            sections[-1].paragraphs.append(Para(None, line))
    return sections


def twelfth_reported(engine: Engine) -> str:
    """The 12th meeting of the scenario, its report approved and the Chair's report submitted as C19/nn."""
    s = hold_meeting(convene(engine))
    s.fire(
        "meeting",
        "submit_chair_report",
        "chair",
        {"chair_report_symbol": "C19/nn", "action_required": "note_and_guidance"},
        when="2019-03-29",
    )
    return s.meeting.id


def generate(engine: Engine, meeting_id: str, language: str, translations: Path | None = None) -> GeneratedReport:
    return generate_report(
        engine,
        meeting_id,
        language,
        actor="sec.alice",
        now=at("2019-03-29"),
        translations=load_translations(translations) if translations else None,
    )


@pytest.fixture
def french(engine: Engine) -> tuple[list[Sect], list[Sect], GeneratedReport]:
    meeting_id = twelfth_reported(engine)
    generated = generate(engine, meeting_id, "fr", TRANSLATIONS)
    source = parse(SOURCE.read_text(encoding="utf-8"))
    return source, parse(generated.files["md"].decode()), generated


def test_french_report_has_the_source_headings_in_order(french: tuple[list[Sect], list[Sect], GeneratedReport]) -> None:
    """Résumé, Suite à donner, 1 Introduction, 2 Activités du GTC-Internet, 3 Conclusion: as in the source."""
    source, generated, _ = french
    assert [s.heading for s in generated] == [s.heading for s in source]
    assert [s.heading for s in source] == [
        "Résumé",
        "Suite à donner",
        "1 Introduction",
        "2 Activités du GTC-Internet",
        "3 Conclusion",
    ]


def test_french_summary_and_action_required_state_the_source_facts(
    french: tuple[list[Sect], list[Sect], GeneratedReport],
) -> None:
    """The summary names the twelfth meeting, its date and every mandate reference; the action asks for guidance."""
    source, generated, _ = french
    facts = ["douzième réunion du GTC-Internet", "tenue le 1er février 2019", "102 (Rév. Dubaï, 2018)"]
    facts += ["140 (Rév. Dubaï, 2018)", "Conférence de plénipotentiaires", "1305 (2009)", "1336 (Mod. 2015)"]
    facts += ["1344 (Mod. 2015) du Conseil"]
    for fact in facts:
        assert fact in source[0].text(), fact
        assert fact in generated[0].text(), fact
    assert generated[1].text() == source[1].text()  # "prendre note du présent rapport et à fournir des orientations"


def test_french_introduction_cites_the_mandate_resolutions(
    french: tuple[list[Sect], list[Sect], GeneratedReport],
) -> None:
    """Section 1 cites Resolutions 102, 140, 1305, 1336 and 1344, numbered 1.1, 1.2..."""
    source, generated, _ = french
    for number in RESOLUTIONS:
        assert re.search(rf"\b{number}\b", source[2].text()), number
        assert re.search(rf"\b{number}\b", generated[2].text()), number
    assert [p.number for p in generated[2].paragraphs][:2] == ["1.1", "1.2"]


def test_french_activities_meeting_held_and_the_four_measures(
    french: tuple[list[Sect], list[Sect], GeneratedReport],
) -> None:
    """2.1 says douzième, 1er février 2019, siège de l'UIT, Genève; 2.2 approves the report and lists a)-d)."""
    source, generated, _ = french
    for fact in ("a tenu sa douzième réunion", "le 1er février 2019", "au siège de l'UIT", "Genève"):
        assert fact in source[3].para("2.1").text, fact
        assert fact in generated[3].para("2.1").text, fact
    ours, theirs = generated[3].para("2.2"), source[3].para("2.2")
    assert ours.text == theirs.text  # the report approved by the Group; the measures follow
    assert [letter for letter, _ in ours.items] == [letter for letter, _ in theirs.items] == ["a", "b", "c", "d"]
    assert ours.items == theirs.items
    assert ours.items[2][1].endswith("(voir la Section 6.3 du rapport de la réunion).")  # from the record's d4


def test_french_conclusion_invites_council_to_note_and_to_give_guidance_on_2_2_c(
    french: tuple[list[Sect], list[Sect], GeneratedReport],
) -> None:
    """3.1 take note of the twelfth meeting's report; 3.2 provide guidance (voir la Section 2.2.c); 3.3 thanks."""
    source, generated, report = french
    assert [p.number for p in generated[4].paragraphs] == [p.number for p in source[4].paragraphs]
    assert generated[4].para("3.1").text == source[4].para("3.1").text
    assert (
        generated[4].para("3.2").text
        == source[4].para("3.2").text
        == ("Le Conseil est invité à fournir des orientations (voir la Section 2.2.c).")
    )
    thanks = generated[4].para("3.3").text
    for who in ("États Membres", "Vice-Présidents", "Secrétaire général", "Vice-Secrétaire général", "TSB", "BDT"):
        assert who in thanks and who in source[4].para("3.3").text, who
    assert report.report.guidance_requested and report.untranslated == ()


def test_english_report_has_the_same_structure_and_facts(engine: Engine) -> None:
    """The English report: same sections, paragraph numbers and letters; measures as recorded; guidance on 2.2.c."""
    meeting_id = twelfth_reported(engine)
    french = parse(generate(engine, meeting_id, "fr", TRANSLATIONS).files["md"].decode())
    english = parse(generate(engine, meeting_id, "en").files["md"].decode())
    assert [s.heading for s in english] == [
        "Summary",
        "Action required",
        "1 Introduction",
        "2 Activities of CWG-Internet",
        "3 Conclusion",
    ]
    shape = [[(p.number, [letter for letter, _ in p.items]) for p in s.paragraphs] for s in english]
    assert shape == [[(p.number, [letter for letter, _ in p.items]) for p in s.paragraphs] for s in french]
    assert "twelfth meeting of CWG-Internet, held on 1 February 2019" in english[0].text()
    assert "at ITU headquarters in Geneva" in english[3].para("2.1").text
    recorded = [str(d["text"]) for d in DECISIONS[1:]]
    measures = [text for _, text in english[3].para("2.2").items]
    assert [m.removesuffix(".") for m in measures[:2]] == recorded[:2]
    assert measures[2] == f"{recorded[2]} (see Section 6.3 of the meeting report)."
    assert english[4].para("3.2").text == "The Council is invited to provide guidance (see Section 2.2.c)."
    for number in RESOLUTIONS:
        assert re.search(rf"\b{number}\b", english[0].text()) and re.search(rf"\b{number}\b", english[2].text())


@pytest.mark.parametrize("language", ["fr", "en"])
def test_docx_opens_and_its_headings_match_the_markdown(engine: Engine, language: str) -> None:
    """The stored .docx opens with python-docx; its Title and Heading 1 paragraphs are the Markdown's headings."""
    meeting_id = twelfth_reported(engine)
    generate(engine, meeting_id, language, TRANSLATIONS if language == "fr" else None)
    stored = {d.format: engine.document_content(d.id) for d in engine.documents(meeting_id) if d.language == language}
    markdown = stored["md"].decode()
    md_headings = [(len(m[1]) - 1, normalise(m[2])) for m in re.finditer(r"^(#+) (.+)$", markdown, flags=re.MULTILINE)]
    document = docx.Document(io.BytesIO(stored["docx"]))
    docx_headings = []
    for p in document.paragraphs:
        style = p.style.name if p.style is not None else ""
        if style == "Title":
            docx_headings.append((0, p.text))
        elif style.startswith("Heading "):
            docx_headings.append((int(style.removeprefix("Heading ")), p.text))
    assert docx_headings == md_headings
    assert len(md_headings) == 6
    body = "\n".join(p.text for p in document.paragraphs)
    assert "2.2\t" in body and "c)\t" in body and ("2.2.c" in body)


def test_regenerating_after_a_correction_makes_revision_2(engine: Engine, tmp_path: Path) -> None:
    """A corrected wording regenerated is revision 2 of the French documents; revision 1 keeps the old text."""
    meeting_id = twelfth_reported(engine)
    first = generate(engine, meeting_id, "fr", TRANSLATIONS)
    corrected = TRANSLATIONS.read_text(encoding="utf-8").replace("envoyer/actualiser", "envoyer ou actualiser")
    fixed = tmp_path / "fr-corrected.yaml"
    fixed.write_text(corrected, encoding="utf-8")
    second = generate(engine, meeting_id, "fr", fixed)
    english = generate(engine, meeting_id, "en")
    assert (first.revision, second.revision, english.revision) == (1, 2, 1)
    documents = engine.documents(meeting_id)
    french = {(d.revision, d.format): d for d in documents if d.language == "fr"}
    assert set(french) == {(r, f) for r in (1, 2) for f in ("md", "html", "docx")}
    assert all(d.symbol == "C19/nn-F" and d.kind == "chair_report" for d in french.values())
    assert "envoyer/actualiser" in engine.document_content(french[1, "md"].id).decode()
    assert "envoyer ou actualiser" in engine.document_content(french[2, "md"].id).decode()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_configured_mandate_text_gives_the_source_introduction(engine: Engine, language: str) -> None:
    """With the mandate text configured for the body, section 1 is the source's 1.1-1.4 with 1.2 a)-c)."""
    meeting_id = twelfth_reported(engine)
    body = engine.catalogue.body
    introduction = yaml.safe_load(MANDATE_TEXT.read_text(encoding="utf-8"))["introduction"]
    configured = replace(body, extra={**body.extra, "mandate": {**body.extra["mandate"], "introduction": introduction}})
    report = build_report(
        read_record(engine, meeting_id),
        BodySettings.from_body(configured),
        language,
        issued_on=date(2019, 3, 29),
        symbol="C19/nn",
        translations=load_translations(TRANSLATIONS) if language == "fr" else None,
    )
    ours = parse(render_markdown(report))[2]
    source = parse(SOURCE.read_text(encoding="utf-8"))[2]
    shape = [(p.number, [letter for letter, _ in p.items]) for p in ours.paragraphs]
    assert shape == [(p.number, [letter for letter, _ in p.items]) for p in source.paragraphs]
    if language == "fr":
        assert ours.paragraphs == source.paragraphs
