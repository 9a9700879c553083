"""The Chair's report to a Council session covers every meeting of that session whose report is approved.

The 12th meeting (``tests/scenario.py``) and a 13th meeting reported to the same session, both driven
through the engine's public API, give one report with a numbered section per meeting; meetings of another
session, or whose report is not approved yet, stay out.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from engine import Engine
from reports import (
    MeetingWording,
    Translations,
    TranslationsError,
    generate_report,
    load_translations,
    read_session,
)
from tests.conftest import FIXTURES, at
from tests.integration.test_report_cli import run
from tests.integration.test_report_golden import normalise, parse
from tests.scenario import convene, hold_meeting

THIRTEENTH: list[dict[str, object]] = [
    {"id": "d1", "type": "approved", "text": "Report of the 13th meeting approved by the Group"},
    {"id": "d2", "type": "requested", "text": "Secretariat to compile the responses to the open consultation"},
    {
        "id": "d3",
        "type": "no_consensus",
        "reason": "objection",
        "report_section": "4.2",
        "text": "No consensus on the dates of the next physical open consultation; Council's guidance is sought",
    },
]
FRENCH_13 = MeetingWording(
    decisions={
        "d2": "Il a été demandé au Secrétariat de compiler les réponses à la consultation ouverte",
        "d3": "Le Groupe n'est pas parvenu à un consensus sur les dates de la prochaine consultation ouverte physique",
    }
)


def meeting(
    engine: Engine,
    number: int,
    first_day: date,
    session: str | None,
    decisions: list[dict[str, object]],
    *,
    approve: bool = True,
) -> str:
    """A meeting driven from its planning to its approved report (or its draft report), as tests/scenario.py does."""

    def day(offset: int) -> str:
        return (first_day + timedelta(days=offset)).isoformat()

    fields = {"number": number, "start": day(0), "end": day(0), "venue": "ITU headquarters, Geneva"}
    instance = engine.start("meeting_cycle", "sec.alice", fields, now=at(day(-60)))

    def fire(trigger: str, actor: str, when: int, values: dict[str, object] | None = None) -> None:
        engine.fire(instance.id, trigger, actor, values or {}, now=at(day(when)))

    invitation: dict[str, object] = {"letter_ref": f"DM-{number}/1"}
    if session is not None:
        invitation |= {"council_session": session}
    fire("send_invitation", "sec.alice", -42, invitation)
    fire("open_contributions", "sec.alice", -42)
    fire("close_translation", "system", -20)
    fire("close_contributions", "system", -11)
    fire("publish_documents", "sec.alice", -7)
    fire("open_session", "chair", 0)
    for decision in decisions:
        fire("record_decision", "chair", 0, decision)
    fire("adjourn", "chair", 0)
    fire("circulate_draft_report", "sec.alice", 1, {"draft_report_symbol": f"WG-Internet {number}/4"})
    if approve:
        values: dict[str, object] = {
            "report_symbol": f"WG-Internet {number}/4",
            "report_mode": "in_session",
            "report_approved_on": day(1),
        }
        fire("approve_report", "chair", 1, values)
    return instance.id


def french_wording() -> Translations:
    """The golden test's French wording of the 12th meeting, and the 13th meeting's, each under its number."""
    twelfth = load_translations(FIXTURES / "report_cwg12_fr.yaml")
    return Translations(
        language="fr",
        meetings={12: MeetingWording(twelfth.venue, twelfth.decisions), 13: FRENCH_13},
    )


@pytest.fixture
def session(engine: Engine) -> tuple[str, str]:
    """The 12th meeting of the scenario and a 13th meeting, both reported to Council 2019."""
    twelfth = hold_meeting(convene(engine)).meeting.id
    thirteenth = meeting(engine, 13, date(2019, 4, 15), "Council 2019", THIRTEENTH)
    return twelfth, thirteenth


def test_a_session_report_has_a_numbered_section_per_meeting(engine: Engine, session: tuple[str, str]) -> None:
    """Generated from the 13th meeting: 2 Douzième réunion (2.2 a-d), 3 Treizième réunion (3.2 a-b), 4 Conclusion."""
    twelfth, thirteenth = session
    generated = generate_report(
        engine,
        thirteenth,
        "fr",
        actor="sec.alice",
        now=at("2019-05-06"),
        symbol="C19/54",
        translations=french_wording(),
    )
    assert generated.meeting_ids == (twelfth, thirteenth) and generated.report.meetings == (12, 13)
    assert generated.untranslated == ()
    sections = parse(generated.files["md"].decode())
    assert [s.heading for s in sections] == [
        "Résumé",
        "Suite à donner",
        "1 Introduction",
        "2 Douzième réunion du GTC-Internet",
        "3 Treizième réunion du GTC-Internet",
        "4 Conclusion",
    ]
    assert "des douzième et treizième réunions du GTC-Internet, tenues respectivement le 1er février 2019 et le 15 " \
        "avril 2019, conformément aux Résolutions 102 (Rév. Dubaï, 2018)" in sections[0].text()  # fmt: skip
    assert (
        sections[1].text() == "Le Conseil est invité à prendre note du présent rapport et à fournir des orientations."
    )
    twelfth_part, thirteenth_part = sections[3], sections[4]
    assert "a tenu sa douzième réunion le 1er février 2019" in twelfth_part.para("2.1").text
    assert [letter for letter, _ in twelfth_part.para("2.2").items] == ["a", "b", "c", "d"]
    assert twelfth_part.para("2.2").items[2][1].endswith("(voir la Section 6.3 du rapport de la réunion).")
    assert "a tenu sa treizième réunion le 15 avril 2019" in thirteenth_part.para("3.1").text
    assert thirteenth_part.para("3.2").items == [
        ("a", "Il a été demandé au Secrétariat de compiler les réponses à la consultation ouverte."),
        (
            "b",
            "Le Groupe n'est pas parvenu à un consensus sur les dates de la prochaine consultation ouverte physique "
            "(voir la Section 4.2 du rapport de la réunion).",
        ),
    ]
    conclusion = sections[5]
    assert [p.number for p in conclusion.paragraphs] == ["4.1", "4.2", "4.3"]
    assert conclusion.para("4.1").text == (
        "Le Conseil est invité à prendre note des rapports des douzième et treizième réunions du GTC-Internet."
    )
    assert (
        conclusion.para("4.2").text
        == "Le Conseil est invité à fournir des orientations (voir les Sections 2.2.c et 3.2.b)."
    )
    assert conclusion.para("4.3").text.endswith("pendant les douzième et treizième réunions du GTC-Internet.")
    references = normalise(generated.files["md"].decode())
    assert "document WG-Internet 12/5" in references and "document WG-Internet 13/4" in references


def test_the_session_is_the_same_from_either_meeting_and_stored_on_the_one_given(
    engine: Engine, session: tuple[str, str]
) -> None:
    """From the 12th or the 13th meeting, the English report reads the same; each is stored on its own meeting."""
    twelfth, thirteenth = session
    texts = []
    for meeting_id in (twelfth, thirteenth):
        generated = generate_report(engine, meeting_id, "en", now=at("2019-05-06"), symbol="C19/54")
        assert generated.meeting_id == meeting_id
        assert generated.untranslated == ()
        assert {d.revision for d in engine.documents(meeting_id)} == {1}
        texts.append(generated.files["md"])
    assert texts[0] == texts[1]
    english = parse(texts[0].decode())
    assert [s.heading for s in english][3:] == [
        "2 Twelfth meeting of CWG-Internet",
        "3 Thirteenth meeting of CWG-Internet",
        "4 Conclusion",
    ]
    assert "twelfth and thirteenth meetings of CWG-Internet, held on 1 February 2019 and on 15 April 2019 " \
        "respectively" in english[0].text()  # fmt: skip


def test_meetings_of_another_session_or_not_yet_approved_stay_out(engine: Engine, session: tuple[str, str]) -> None:
    """Council 2019: an 11th meeting written " council  2019" is in; a draft and Council 2020's 14th are out."""
    twelfth, thirteenth = session
    eleventh = meeting(engine, 11, date(2018, 10, 1), " council  2019", THIRTEENTH)
    meeting(engine, 99, date(2019, 4, 29), "Council 2019", THIRTEENTH, approve=False)
    later = meeting(engine, 14, date(2019, 9, 16), "Council 2020", THIRTEENTH)
    assert [m.id for m in read_session(engine, twelfth)] == [eleventh, twelfth, thirteenth]
    assert [m.id for m in read_session(engine, later)] == [later]
    alone = generate_report(engine, later, "en", now=at("2020-01-10"), symbol="C20/12")
    assert alone.report.meetings == (14,)
    headings = [s.heading for s in alone.report.sections]
    assert headings == ["1 Introduction", "2 Activities of CWG-Internet", "3 Conclusion"]


def test_one_meetings_translations_are_refused_for_a_session_of_several(
    engine: Engine, session: tuple[str, str]
) -> None:
    """The 12th meeting's file gives decisions by id at the top: ambiguous for two meetings, so one line says so."""
    _, thirteenth = session
    twelfth_only = load_translations(FIXTURES / "report_cwg12_fr.yaml")
    with pytest.raises(TranslationsError, match=r"covers meetings 12, 13: give each one's venue and decisions under"):
        generate_report(engine, thirteenth, "fr", now=at("2019-05-06"), symbol="C19/54", translations=twelfth_only)
    assert engine.documents(thirteenth) == []


def test_a_meeting_with_no_session_and_no_decisions_is_reported_alone(engine: Engine) -> None:
    """No council_session, no council_opening, an empty decisions list: every format is written, nothing invented."""
    meeting_id = meeting(engine, 15, date(2020, 2, 3), None, [])
    assert engine.get(meeting_id).fields.get("decisions") in (None, [])
    for language in ("en", "fr"):
        generated = generate_report(engine, meeting_id, language, now=at("2020-03-02"), symbol="C20/40")
        report = generated.report
        assert set(generated.files) == {"md", "html", "docx"} and all(generated.files.values())
        assert report.meetings == (15,) and not report.guidance_requested
        assert report.header.session is None and report.header.agenda_item is None
        assert report.sections[1].paragraphs[1].items == ()
    english = generate_report(engine, meeting_id, "en", now=at("2020-03-02"), symbol="C20/40").report
    assert (
        english.sections[1].paragraphs[1].text
        == "The report of the fifteenth meeting of CWG-Internet was approved by the Group."
    )


def test_the_command_says_which_meetings_the_report_covers(
    engine: Engine, db_url: str, session: tuple[str, str], tmp_path: Path
) -> None:
    """``consultflow report`` names the meetings covered: in its status line, and as ids with --json."""
    twelfth, thirteenth = session
    result = run(db_url, tmp_path, "report", thirteenth, "--lang", "en", "--symbol", "C19/54", "--out", "r.html")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip()
        == "C19/54-E (en) revision 1 on meetings 12, 13: html written to r.html; docx, html, md stored"
    )
    listed = run(
        db_url, tmp_path, "--json", "report", thirteenth, "--lang", "en", "--symbol", "C19/54", "--out", "r.md"
    )
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["meetings"] == [twelfth, thirteenth]
