"""The compilation of responses to an open consultation (issue 16, item 4), built from a consultation recorded
through the real engine on SQLite: grouping and order, text kept as typed and escaped, revisions, the CLI."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from engine import Engine, Instance
from engine.fields import list_items
from reports import NoCompilationSymbol, NotAConsultation, generate_compilation
from reports.compilation import paragraphs, read_consultation, render_compilation
from tests.conftest import at
from tests.scenario import convene, escalate_to_council, hold_meeting

_BIN = Path(sys.executable).parent / "consultflow"
CLI = str(_BIN) if _BIN.exists() else shutil.which("consultflow") or "consultflow"

QUESTIONS = [
    "What are the main obstacles to expanding Internet connectivity?",
    "Which policies have worked in your country?",
]
MULTILINE = "Q1: Cost of backhaul.\nQ2: Spectrum sharing.\n\nIn short: affordable access first."
TRICKY = 'Use <b>open</b> standards & "community" networks; don\'t <script>alert(1)</script>'
RESPONSES: list[tuple[str, dict[str, object]]] = [
    ("sh.isoc", {"name": "Grace Ocampo", "organisation": "Internet Society", "country": "United States",
                 "job_title": "Policy Advisor", "stakeholder_type": "technical_community", "answers": MULTILINE}),
    ("sh.uni", {"name": "Chloé Bernard", "organisation": "Université de Genève", "country": "Switzerland",
                "job_title": "Professeure", "stakeholder_type": "academia",
                "answers": "La connectivité dépend du coût.\n\nLes politiques d'accès universel fonctionnent."}),
    ("ms.fr", {"name": "Jeanne Dupont", "organisation": "Ministère de l'Économie", "country": "France",
               "stakeholder_type": "government", "answers": "Le plan France Très Haut Débit."}),
    ("ms.br", {"name": "Ana Souza", "organisation": "Anatel", "country": "Brazil", "stakeholder_type": "government",
               "answers": "Universal service funds."}),
    ("sh.isoc", {"name": "Émile Zola & <Co>", "organisation": 'AT&T "Labs" <R&D>', "country": "Canada",
                 "stakeholder_type": "private_sector", "answers": TRICKY}),
    ("sh.uni", {"name": "Bob Free", "country": "Brazil", "answers": "- not a list\n1. not a numbered list"}),
    ("ms.br", {"name": "Aline Costa", "organisation": "Anatel", "country": "Brazil", "stakeholder_type": "government",
               "answers": "Shared infrastructure."}),
]  # fmt: skip
GROUPS_EN = ["2 Governments", "3 Private sector", "4 Academia", "5 Technical community", "6 Other"]
GROUPS_FR = ["1 Questions", "2 Gouvernements", "3 Secteur privé", "4 Milieux universitaires", "5 Communauté technique",
             "6 Autres"]  # fmt: skip
NAMES_IN_ORDER = ["Aline Costa", "Ana Souza", "Jeanne Dupont", "Émile Zola & <Co>", "Chloé Bernard", "Grace Ocampo",
                  "Bob Free"]  # fmt: skip


def consultation(engine: Engine, *, symbol: str | None = "OPCWGINT6/2", responses: bool = True) -> Instance:
    """A consultation on the 12th meeting's topic with RESPONSES, closed online, and published under ``symbol``."""
    s = hold_meeting(convene(engine))
    escalate_to_council(s, "decided")
    fields = {"topic": s.topic.id, "title": "Open consultation on expanding Internet connectivity",
              "questions": [{"text": q} for q in QUESTIONS]}  # fmt: skip
    found = engine.start("consultation", "sec.alice", fields, now=at("2019-06-20"))
    dates = {"form_link": "https://f.example", "opens_on": "2019-07-01", "online_deadline": "2019-08-31",
             "oc_date": "2019-09-20"}  # fmt: skip
    engine.fire(found.id, "announce", "sec.alice", dates, now=at("2019-06-21"))
    engine.fire(found.id, "open_online", "sec.alice", now=at("2019-07-01"))
    for actor, response in RESPONSES if responses else []:
        engine.fire(found.id, "submit_response", actor, response, now=at("2019-08-01"))
    found = engine.fire(found.id, "close_online", "sec.alice", now=at("2019-09-01"))
    if symbol:
        found = engine.fire(found.id, "publish_compilation", "sec.alice", {"compilation_symbol": symbol},
                            now=at("2019-09-10"))  # fmt: skip
    return found


def test_responses_are_grouped_by_stakeholder_type_and_ordered_by_country_then_name(engine: Engine) -> None:
    """Groups in the fixed order (untyped last, as Other), within a group by country then name, numbered across."""
    found = consultation(engine)
    generated = generate_compilation(engine, found.id, "en", now=at("2019-09-05"))
    c = generated.compilation
    assert [g.heading for g in c.groups] == GROUPS_EN
    assert [e.name for g in c.groups for e in g.entries] == NAMES_IN_ORDER
    assert [e.number for g in c.groups for e in g.entries] == ["2.1", "2.2", "2.3", "3.1", "4.1", "5.1", "6.1"]
    assert (generated.symbol, generated.revision, c.count) == ("OPCWGINT6/2-E", 1, 7)
    assert c.header.document == "Document OPCWGINT6/2-E" and c.header.date == "5 September 2019"
    assert c.header.session_held == "Open consultation meeting: 20 September 2019"
    assert [q for _, q in c.questions] == QUESTIONS
    assert c.introduction[0] == (
        "This document compiles the 7 responses received to the open consultation of CWG-Internet on the topic "
        '"Next open consultation topic", which closed online on 31 August 2019.'
    )


def test_markdown_keeps_paragraphs_and_escapes_what_markdown_would_read(engine: Engine) -> None:
    """Each answer paragraph stays a paragraph, its lines hard line breaks; <, &, "- " and "1." stay text."""
    found = consultation(engine)
    md = generate_compilation(engine, found.id, "en", now=at("2019-09-05")).files["md"].decode("utf-8")
    assert md.startswith("| Open consultation of CWG-Internet | Document OPCWGINT6/2-E |\n")
    assert "\n# Compilation of responses\n\n**Open consultation on expanding Internet connectivity**\n" in md
    assert "\n## 1 Questions\n\nQ1 What are the main obstacles" in md
    assert "\n### 5.1 Grace Ocampo\n\n*Organisation:* Internet Society\\\n*Country:* United States\\\n" in md
    assert "\nQ1: Cost of backhaul.\\\nQ2: Spectrum sharing.\n\nIn short: affordable access first.\n" in md
    assert 'Use \\<b\\>open\\</b\\> standards & "community" networks' in md
    assert "\n\\- not a list\\\n1\\. not a numbered list\n" in md
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["## 1 Questions", *(f"## {g}" for g in GROUPS_EN)]


def test_html_escapes_what_respondents_typed(engine: Engine) -> None:
    """Names, organisations and answers are escaped; paragraphs are <p>, lines <br>; the page says its language."""
    found = consultation(engine)
    html = generate_compilation(engine, found.id, "fr", now=at("2019-09-05")).files["html"].decode("utf-8")
    assert html.startswith('<!DOCTYPE html>\n<html lang="fr-CH">')
    assert "<script>" not in html and "<b>open" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<h3>3.1 Émile Zola &amp; &lt;Co&gt;</h3>" in html
    assert "AT&amp;T &#34;Labs&#34; &lt;R&amp;D&gt;" in html
    assert "<p>Q1: Cost of backhaul.<br>Q2: Spectrum sharing.</p>\n<p>In short: affordable access first.</p>" in html
    assert re.findall(r"<h2>(.*?)</h2>", html) == GROUPS_FR
    assert "Compilation des réponses" in html and "close en ligne le 31&nbsp;août&nbsp;2019" in html


def test_docx_has_the_itu_layout_groups_in_order_and_the_answers_as_typed(engine: Engine) -> None:
    """Headings (Title, Heading 1 per group, Heading 2 per response), the header, language, escaping-safe text."""
    found = consultation(engine)
    content = generate_compilation(engine, found.id, "fr", now=at("2019-09-05")).files["docx"]
    document = docx.Document(io.BytesIO(content))
    styled = [(p.style.name, p.text) for p in document.paragraphs if p.style is not None]
    assert [t for s, t in styled if s == "Title"] == ["Compilation des réponses"]
    assert [t for s, t in styled if s == "Heading 1"] == GROUPS_FR
    assert [t.split(" ", 1)[1] for s, t in styled if s == "Heading 2"] == NAMES_IN_ORDER
    texts = [t for _, t in styled]
    assert "Q1: Cost of backhaul.\nQ2: Spectrum sharing." in texts and "In short: affordable access first." in texts
    assert TRICKY in texts
    assert 'Organisation: AT&T "Labs" <R&D>\nPays: Canada' in texts
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert "Document OPCWGINT6/2-F\n5\u00a0septembre\u00a02019\nOriginal: anglais" in cells  # no-break spaces
    assert re.search(r"<w:noBreakHyphen/>\s*<w:t>F</w:t>", document.tables[0]._tbl.xml)  # "-F" stays on the line
    assert document.core_properties.language == "fr-CH" and document.core_properties.subject == "OPCWGINT6/2-F"
    header = [p.text for p in document.sections[0].header.paragraphs]
    assert header[-1] == "OPCWGINT6/2-F"


def test_building_again_stores_the_next_revision_of_every_format(engine: Engine) -> None:
    """One build is one revision of md, html and docx (kind compilation, per language); the next adds the next."""
    found = consultation(engine)
    first = generate_compilation(engine, found.id, "en", actor="sec.alice", now=at("2019-09-05"))
    second = generate_compilation(engine, found.id, "en", now=at("2019-09-06"))
    french = generate_compilation(engine, found.id, "fr", now=at("2019-09-06"))
    assert (first.revision, second.revision, french.revision) == (1, 2, 1)
    stored = {(d.kind, d.symbol, d.language, d.revision, d.format, d.created_by) for d in engine.documents(found.id)}
    assert stored == {
        *(("compilation", "OPCWGINT6/2-E", "en", 1, f, "sec.alice") for f in ("md", "html", "docx")),
        *(("compilation", "OPCWGINT6/2-E", "en", 2, f, "system") for f in ("md", "html", "docx")),
        *(("compilation", "OPCWGINT6/2-F", "fr", 1, f, "system") for f in ("md", "html", "docx")),
    }
    latest = next(d for d in engine.documents(found.id) if (d.revision, d.format, d.language) == (2, "md", "en"))
    assert engine.document_content(latest.id) == second.files["md"]


def test_responses_marked_as_spam_or_withdrawn_are_left_out(engine: Engine) -> None:
    """A response the secretariat marks as spam, and one its author withdraws, leave every group and the count
    (both stay in the record: mark_spam and withdraw_response only append)."""
    found = consultation(engine, symbol=None)
    names = [r["name"] for r in list_items(found.fields["responses"])]
    mark = {"response": names.index("Émile Zola & <Co>") + 1, "reason": "Advertising"}
    engine.fire(found.id, "mark_spam", "sec.alice", mark, now=at("2019-09-02"))
    record = read_consultation(engine, found.id)
    assert (len(record.responses), record.spam) == (6, 1)
    assert "Émile Zola & <Co>" not in [r.name for r in record.responses]
    assert len(engine.get(found.id).fields["responses"]) == 7  # type: ignore[arg-type]  # kept in the record
    assert record.topic != ""


def test_a_withdrawn_response_is_left_out_and_a_new_one_counts(engine: Engine) -> None:
    s = hold_meeting(convene(engine))
    escalate_to_council(s, "decided")
    found = engine.start("consultation", "sec.alice", {"topic": s.topic.id, "title": "C"}, now=at("2019-06-20"))
    dates = {"form_link": "https://f.example", "opens_on": "2019-07-01", "online_deadline": "2019-08-31",
             "oc_date": "2019-09-20"}  # fmt: skip
    engine.fire(found.id, "announce", "sec.alice", dates, now=at("2019-06-21"))
    engine.fire(found.id, "open_online", "sec.alice", now=at("2019-07-01"))
    engine.fire(found.id, "submit_response", "sh.uni", {"name": "Chloé", "answers": "First"}, now=at("2019-07-10"))
    engine.fire(found.id, "withdraw_response", "sh.uni", {}, now=at("2019-07-11"))
    engine.fire(found.id, "submit_response", "sh.uni", {"name": "Chloé", "answers": "Second"}, now=at("2019-07-12"))
    engine.fire(found.id, "close_online", "sec.alice", now=at("2019-09-01"))
    record = read_consultation(engine, found.id)
    assert [(r.name, r.answers) for r in record.responses] == [("Chloé", "Second")]


def test_paragraphs_follow_blank_lines_and_lines_follow_line_breaks() -> None:
    """Windows line ends, blank lines with spaces and trailing spaces do not make empty paragraphs or lines."""
    assert paragraphs("a\r\nb  \r\n \r\n\r\nc\n") == (("a", "b"), ("c",))
    assert paragraphs("  \n") == ()


def test_a_consultation_without_responses_says_so(engine: Engine) -> None:
    """No group, one sentence instead."""
    found = consultation(engine, responses=False)
    c = generate_compilation(engine, found.id, "en", now=at("2019-09-05")).compilation
    assert c.groups == () and c.no_responses == "No response was received."
    assert "This document compiles the 0 responses received" in c.introduction[0]


def test_refusals(engine: Engine) -> None:
    """No symbol yet (unless given), not a consultation: refused before anything is stored."""
    found = consultation(engine, symbol=None)
    with pytest.raises(NoCompilationSymbol, match="it is recorded by publish_compilation"):
        generate_compilation(engine, found.id, "en")
    with pytest.raises(NotAConsultation):
        generate_compilation(engine, str(found.fields["topic"]), "en")
    assert engine.documents(found.id) == []
    given = generate_compilation(engine, found.id, "en", symbol="OPCWGINT6/2", now=at("2019-09-05"))
    assert given.symbol == "OPCWGINT6/2-E"


def run(db_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("CONSULTFLOW_DATABASE_URL", None)
    return subprocess.run(
        [CLI, "--db", db_url, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120, check=False
    )


def test_cli_writes_the_compilation_and_refuses_in_one_line(engine: Engine, db_url: str, tmp_path: Path) -> None:
    """md to stdout with the status on stderr, docx to --output; unknown id (4), no symbol or a meeting (1)."""
    found = consultation(engine)
    first = run(db_url, tmp_path, "compilation", found.id, "--lang", "en", "--now", "2019-09-05")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("| Open consultation of CWG-Internet | Document OPCWGINT6/2-E |")
    assert first.stderr.strip() == (
        "OPCWGINT6/2-E (en) revision 1, 7 responses: md written to stdout; docx, html, md stored"
    )
    second = run(db_url, tmp_path, "compilation", found.id, "--lang", "fr", "--format", "docx", "--output", "c.docx")
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().startswith("OPCWGINT6/2-F (fr) revision 1, 7 responses: docx written to c.docx")
    assert docx.Document(io.BytesIO((tmp_path / "c.docx").read_bytes())).paragraphs
    unpublished = consultation(engine, symbol=None)
    meeting = str(engine.get(str(engine.get(found.id).fields["topic"])).fields["meeting"])
    cases = [
        (("compilation", "consultation-0000000000", "--lang", "en"), 4, "no instance 'consultation-0000000000'"),
        (("compilation", unpublished.id, "--lang", "en"), 1, "has no compilation symbol yet: it is recorded by "
                                                             "publish_compilation"),
        (("compilation", meeting, "--lang", "en"), 1, "is a meeting_cycle, not a consultation"),
        (("compilation", found.id, "--lang", "es"), 1, "no compilation wording in 'es' (available: en, fr)"),
    ]  # fmt: skip
    for args, code, message in cases:
        result = run(db_url, tmp_path, *args)
        assert result.returncode == code, (args, result.stderr)
        assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


@pytest.mark.skipif(shutil.which("soffice") is None, reason="soffice (LibreOffice) is not installed")
def test_the_docx_converts_to_a_pdf_with_every_response(engine: Engine, tmp_path: Path) -> None:
    """LibreOffice reads the .docx: the PDF has the symbol, the groups, the accented names, the escaped text."""
    found = consultation(engine)
    c = generate_compilation(engine, found.id, "fr", now=at("2019-09-05")).compilation
    pdf = render_compilation(c, "pdf")
    (tmp_path / "c.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    flat = " ".join(text.split())
    for expected in ("Document OPCWGINT6/2-F", "Compilation des réponses", "Gouvernements", "Autres",
                     "Chloé Bernard", "Émile Zola & <Co>", "<script>alert(1)</script>"):  # fmt: skip
        assert expected in flat, expected
