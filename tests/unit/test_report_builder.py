"""The report builder as a pure function of plain data: measures, guidance, languages and layouts."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import docx
import jinja2
import pytest

import reports
from engine import Instance
from reports import (
    BodySettings,
    Decision,
    Escalation,
    MandateParagraph,
    MandateReference,
    MeetingRecord,
    MeetingWording,
    Report,
    ReportError,
    Translations,
    TranslationsError,
    build_report,
    render_docx,
    render_html,
    render_markdown,
)
from reports.wording import Wording

BODY = BodySettings(
    code={"en": "CWG-Internet", "fr": "GTC-Internet"},
    name={"en": "Council Working Group on Internet", "fr": "Groupe de travail du Conseil sur l'Internet"},
    mandate={
        "plenipotentiary": (MandateReference("Resolution 102 (Rev. Dubai, 2018)"),),
        "council": (MandateReference("Resolution 1305 (2009)"), MandateReference("Resolution 1336 (Mod. 2015)")),
    },
)
MEETING = MeetingRecord(
    id="meeting_cycle-1",
    state="report_approved",
    number=14,
    start=date(2019, 9, 20),
    end=date(2019, 9, 20),
    venue="ITU headquarters, Geneva",
    council_session="Council 2020",
    report_symbol="WG-Internet 14/4",
    decisions=(
        Decision("d1", "approved", "Report approved"),
        Decision("d2", "requested", "Secretariat to compile the responses"),
        Decision("d3", "approved", "Terms of reference of the open consultation approved"),
    ),
)


def build(record: MeetingRecord = MEETING, language: str = "en", translations: Translations | None = None) -> Report:
    return build_report(record, BODY, language, issued_on=date(2020, 1, 10), symbol="C20/12", translations=translations)


def test_decisions_become_lettered_measures_in_recorded_order_after_the_approval() -> None:
    """The first approved decision is the report's approval sentence; every other decision is a measure."""
    report = build()
    approval = report.sections[1].paragraphs[1]
    assert approval.number == "2.2"
    assert approval.text.startswith("The report of the fourteenth meeting of CWG-Internet was approved by the Group.")
    assert [(i.letter, i.text) for i in approval.items] == [
        ("a", "Secretariat to compile the responses."),
        ("b", "Terms of reference of the open consultation approved."),
    ]


def test_consensus_means_no_guidance_anywhere() -> None:
    """Nothing escalated and no no_consensus decision: Council is only invited to take note, whatever the flag says."""
    report = build(replace(MEETING, action_required="note_and_guidance"))
    assert not report.guidance_requested
    assert report.action_required.paragraphs[0].text == "The Council is invited to take note of this report."
    assert [p.number for p in report.sections[2].paragraphs] == ["3.1", "3.2"]
    assert "guidance" not in render_markdown(report)


def test_each_no_consensus_measure_is_referred_to_by_its_letter() -> None:
    """Two items without consensus: guidance is asked on 2.2.a and 2.2.c, each with its meeting-report section."""
    decisions = (
        Decision("d1", "no_consensus", "No consensus on the topic", report_section="6.3"),
        Decision("d2", "noted", "The SG report was noted"),
        Decision("d3", "no_consensus", "No consensus on the dates", report_section="7"),
    )
    report = build(replace(MEETING, decisions=decisions), "fr")
    items = report.sections[1].paragraphs[1].items
    assert items[0].text == "No consensus on the topic (voir la Section 6.3 du rapport de la réunion)."
    assert items[2].text.endswith("(voir la Section 7 du rapport de la réunion).")
    assert report.sections[2].paragraphs[1].text == (
        "Le Conseil est invité à fournir des orientations (voir les Sections 2.2.a et 2.2.c)."
    )


def test_an_escalation_alone_asks_for_guidance_and_lends_its_report_section() -> None:
    """A linked escalation asks for guidance; a no_consensus decision without a section takes the escalation's."""
    escalation = Escalation("escalation-1", "submitted", report_section="5.2", agenda_item="ADM 1")
    only_escalated = build(replace(MEETING, escalations=(escalation,)))
    assert only_escalated.guidance_requested
    assert only_escalated.sections[2].paragraphs[1].text == "The Council is invited to provide guidance."
    assert only_escalated.header.agenda_item == "Agenda item: ADM 1"
    decisions = (*MEETING.decisions, Decision("d4", "no_consensus", "No consensus on the topic"))
    with_decision = build(replace(MEETING, decisions=decisions, escalations=(escalation,)))
    assert with_decision.sections[1].paragraphs[1].items[-1].text == (
        "No consensus on the topic (see Section 5.2 of the meeting report)."
    )


def test_header_and_summary_come_from_the_record() -> None:
    """Session from the record's year, symbol with its suffix, the issue date, the original language, references."""
    report = build(language="fr")
    assert report.header.session == "Conseil 2020"
    assert report.header.document == "Document C20/12-F"
    assert (report.header.date, report.header.original) == ("10 janvier 2020", "Original: anglais")
    assert report.summary.paragraphs[0].text == (
        "Le présent rapport récapitule les principaux résultats de la quatorzième réunion du GTC-Internet, tenue le "
        "20 septembre 2019, conformément à la Résolution 102 (Rév. Dubaï, 2018) de la Conférence de plénipotentiaires, "
        "ainsi qu'aux Résolutions 1305 (2009) et 1336 (Mod. 2015) du Conseil."
    )
    assert report.references[-1] == "Rapport de la quatorzième réunion du GTC-Internet: document WG-Internet 14/4"


def test_a_meeting_of_several_days_is_a_span() -> None:
    """20-22 September 2017 reads "from 20 to 22 September 2017" and "du 20 au 22 septembre 2017"."""
    record = replace(MEETING, number=10, start=date(2017, 9, 20), end=date(2017, 9, 22))
    assert "held from 20 to 22 September 2017" in build(record).summary.paragraphs[0].text
    held = build(record, "fr").sections[1].paragraphs[0].text
    assert (
        held
        == "Le GTC-Internet a tenu sa dixième réunion du 20 au 22 septembre 2017 au siège de l'UIT à Genève (Suisse)."
    )


def test_untranslated_record_texts_are_listed_and_translations_used() -> None:
    """In French, decisions without a translation and an unknown venue stay as recorded and are listed."""
    record = replace(MEETING, venue="Busan Exhibition Centre")
    plain = build(record, "fr")
    assert plain.untranslated == ("d2", "d3", "venue")
    assert "à Busan Exhibition Centre." in plain.sections[1].paragraphs[0].text
    given = Translations(
        language="fr", venue="au BEXCO à Busan", decisions={"d2": "Le Secrétariat compilera les réponses"}
    )
    translated = build(record, "fr", translations=given)
    assert translated.untranslated == ("d3",)
    assert translated.sections[1].paragraphs[1].items[0].text == "Le Secrétariat compilera les réponses."
    assert translated.sections[1].paragraphs[0].text.endswith("au BEXCO à Busan.")
    assert build(record, "en").untranslated == ()


def test_configured_mandate_text_replaces_the_generic_introduction() -> None:
    """body.yaml's mandate.introduction.<lang> gives section 1 its numbered paragraphs and lettered items."""
    intro = (
        MandateParagraph(
            "Le GTC-Internet a été créé en tant que groupe distinct en vertu de la Résolution 1336 (Mod. 2015) du "
            "Conseil."
        ),
        MandateParagraph("Son mandat consiste, s'il y a lieu:", ("à faire connaître ses résultats;", "à consulter.")),
    )
    body = replace(BODY, introduction={"fr": intro})
    report = build_report(MEETING, body, "fr", issued_on=date(2020, 1, 10), symbol="C20/12")
    paragraphs = report.sections[0].paragraphs
    assert [p.number for p in paragraphs] == ["1.1", "1.2"]
    assert [(i.label, i.text) for i in paragraphs[1].items] == [
        ("a)", "à faire connaître ses résultats;"),
        ("b)", "à consulter."),
    ]
    generic = build(language="fr").sections[0].paragraphs
    assert generic[0].text.startswith("Le Groupe de travail du Conseil sur l'Internet (GTC-Internet) mène ses travaux")


def test_html_escapes_recorded_text_and_markdown_neutralises_it() -> None:
    """A recorded text with markup is shown literally in HTML (escaped) and in Markdown (backslashed)."""
    decisions = (Decision("d1", "noted", "<script>alert(1)</script> *noted*"),)
    report = build(replace(MEETING, decisions=decisions))
    html = render_html(report)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; *noted*." in html
    assert r"\<script\>alert(1)\</script\> \*noted\*." in render_markdown(report)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_docx_headings_are_the_markdown_headings(language: str) -> None:
    """Both layouts walk Report.headings: Title + Heading 1 in Word, # and ## in Markdown."""
    report = build(language=language)
    markdown = render_markdown(report)
    md = [(len(m[1]) - 1, m[2].replace("\\", "")) for m in re.finditer(r"^(#+) (.+)$", markdown, re.MULTILINE)]
    document = docx.Document(io.BytesIO(render_docx(report)))
    styles = {"Title": 0, "Heading 1": 1}
    word = [
        (styles[p.style.name], p.text) for p in document.paragraphs if p.style is not None and p.style.name in styles
    ]
    assert md == word == report.headings()


def test_wording_is_strict_about_variables_and_keys() -> None:
    """A misspelt variable fails at rendering (StrictUndefined); a missing key names the file and the key."""
    words = Wording("en", {"greeting": "Hello {{ nmae }}"}, "en/wording.yaml")
    with pytest.raises(jinja2.UndefinedError):
        words.say("greeting", name="Council")
    with pytest.raises(ReportError, match=r"en/wording\.yaml: missing key 'farewell'"):
        words.say("farewell")


def test_record_is_read_from_engine_instances() -> None:
    """MeetingRecord.from_instances reads dates, decisions and the linked escalations' fields."""
    now = datetime(2019, 3, 1, tzinfo=UTC)
    fields = {
        "number": 12,
        "start": "2019-02-01",
        "end": "2019-02-01",
        "venue": "Geneva",
        "council_opening": "2019-06-10",
    }
    fields |= {"decisions": [{"id": "d1", "type": "approved", "text": "ok", "reason": None}]}
    meeting = Instance("m", "meeting_cycle", 1, "h", "report_approved", fields, 9, now, now)
    escalation = Instance("e", "escalation", 1, "h", "recorded", {"meeting": "m", "report_section": "6.3"}, 1, now, now)
    record = MeetingRecord.from_instances(meeting, [escalation])
    assert record.reported and record.council_opening == date(2019, 6, 10)
    assert record.decisions == (Decision("d1", "approved", "ok"),)
    assert record.escalations[0].report_section == "6.3"


def test_public_names_are_sorted_and_stable() -> None:
    """The reports package re-exports its API with a sorted __all__."""
    assert reports.__all__ == sorted(reports.__all__, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert {"generate_report", "GeneratedReport", "build_report", "Report", "render_docx"} <= set(reports.__all__)


NO_CONSENSUS = (
    Decision("d1", "no_consensus", "No consensus on the topic", report_section="6.3"),
    Decision("d2", "noted", "The SG report was noted"),
    Decision("d3", "no_consensus", "No consensus on the dates", report_section="7"),
)


@pytest.mark.parametrize(
    ("language", "decisions", "expected"),
    [
        ("en", NO_CONSENSUS[:1], "this report and to provide guidance with respect to 2.2 a)."),
        ("en", NO_CONSENSUS, "this report and to provide guidance with respect to 2.2 a) and 2.2 c)."),
        ("fr", NO_CONSENSUS[:1], "présent rapport et à fournir des orientations au sujet du point 2.2 a)."),
        ("fr", NO_CONSENSUS, "présent rapport et à fournir des orientations au sujet des points 2.2 a) et 2.2 c)."),
    ],
)
def test_action_required_names_the_measures_guidance_is_asked_on(
    language: str, decisions: tuple[Decision, ...], expected: str
) -> None:
    """Each measure without consensus is named in Action required: "... provide guidance with respect to 2.2 a)"."""
    report = build(replace(MEETING, decisions=decisions), language)
    assert report.action_required.paragraphs[0].text.endswith(expected)
    assert all(ref in expected for ref in report.guidance_paragraphs) and report.guidance_paragraphs


def test_action_required_names_nothing_when_the_body_says_so_or_nothing_is_numbered() -> None:
    """The 2019 report's wording when body.yaml turns naming off; an escalation alone has no measure to name."""
    quiet = replace(BODY, action_required_cites_paragraphs=False)
    report = build_report(
        replace(MEETING, decisions=NO_CONSENSUS), quiet, "fr", issued_on=date(2020, 1, 10), symbol="C20/12"
    )
    assert report.action_required.paragraphs[0].text == (
        "Le Conseil est invité à prendre note du présent rapport et à fournir des orientations."
    )
    assert (
        report.sections[2].paragraphs[1].text.endswith("(voir les Sections 2.2.a et 2.2.c).")
    )  # the conclusion still does
    escalated = build(replace(MEETING, escalations=(Escalation("escalation-1", "submitted"),)))
    assert escalated.action_required.paragraphs[0].text == (
        "The Council is invited to take note of this report and to provide guidance."
    )


THIRTEENTH = replace(
    MEETING,
    id="meeting_cycle-2",
    number=15,
    start=date(2019, 11, 4),
    end=date(2019, 11, 5),
    venue="Virtual",
    report_symbol="WG-Internet 15/3",
    decisions=(Decision("d1", "approved", "Report approved"), Decision("d2", "no_consensus", "No consensus")),
)


def test_several_meetings_have_a_numbered_section_each_and_the_conclusion_last() -> None:
    """Meetings 14 and 15: 2 Fourteenth meeting (2.1, 2.2 a-b), 3 Fifteenth meeting (3.1, 3.2 a), 4 Conclusion."""
    report = build_report([MEETING, THIRTEENTH], BODY, "en", issued_on=date(2020, 1, 10), symbol="C20/12")
    assert report.meetings == (14, 15)
    assert [s.heading for s in report.sections] == [
        "1 Introduction",
        "2 Fourteenth meeting of CWG-Internet",
        "3 Fifteenth meeting of CWG-Internet",
        "4 Conclusion",
    ]
    assert [[(p.number, [i.letter for i in p.items]) for p in s.paragraphs] for s in report.sections[1:3]] == [
        [("2.1", []), ("2.2", ["a", "b"])],
        [("3.1", []), ("3.2", ["a"])],
    ]
    assert (
        report.sections[2].paragraphs[0].text
        == "CWG-Internet held its fifteenth meeting from 4 to 5 November 2019 virtually."
    )
    assert report.summary.paragraphs[0].text.startswith(
        "This report summarizes the main outcomes of the fourteenth and fifteenth meetings of CWG-Internet, held on "
        "20 September 2019 and from 4 to 5 November 2019 respectively, in accordance with"
    )
    assert report.action_required.paragraphs[0].text.endswith("with respect to 3.2 a).")
    assert [p.text for p in report.sections[3].paragraphs[:2]] == [
        "The Council is invited to take note of the reports of the fourteenth and fifteenth meetings of CWG-Internet.",
        "The Council is invited to provide guidance (see Section 3.2.a).",
    ]
    assert report.references[-2:] == (
        "Report of the fourteenth meeting of CWG-Internet: document WG-Internet 14/4",
        "Report of the fifteenth meeting of CWG-Internet: document WG-Internet 15/3",
    )


def test_each_meetings_translations_are_given_under_its_number() -> None:
    """Decision ids repeat across meetings: untranslated ones are named "15/d2"; top-level wording is refused."""
    plain = build_report([MEETING, THIRTEENTH], BODY, "fr", issued_on=date(2020, 1, 10), symbol="C20/12")
    assert plain.untranslated == ("14/d2", "14/d3", "15/d2")
    given = Translations(language="fr", meetings={15: MeetingWording(decisions={"d2": "Pas de consensus"})})
    translated = build_report(
        [MEETING, THIRTEENTH], BODY, "fr", issued_on=date(2020, 1, 10), symbol="C20/12", translations=given
    )
    assert translated.untranslated == ("14/d2", "14/d3")
    assert translated.sections[2].paragraphs[1].items[0].text == "Pas de consensus."
    with pytest.raises(TranslationsError, match=r"covers meetings 14, 15: give each one's venue and decisions under"):
        build_report(
            [MEETING, THIRTEENTH],
            BODY,
            "fr",
            issued_on=date(2020, 1, 10),
            symbol="C20/12",
            translations=Translations(language="fr", decisions={"d2": "Le Secrétariat compilera les réponses"}),
        )


def test_a_meeting_read_with_only_its_required_fields_is_reported_in_every_format() -> None:
    """An empty decisions list, no session, no symbols, an escalation with no fields: nothing crashes or is invented."""
    now = datetime(2020, 3, 1, tzinfo=UTC)
    fields = {"number": 15, "start": "2020-02-03", "end": "2020-02-03", "venue": "Geneva", "decisions": []}
    fields |= {"council_session": "", "council_opening": None, "contributions": []}
    meeting = Instance("m", "meeting_cycle", 1, "h", "report_approved", fields, 9, now, now)
    escalation = Instance("e", "escalation", 1, "h", "recorded", {"meeting": "m"}, 1, now, now)
    record = MeetingRecord.from_instances(meeting, [escalation], [])
    for language in ("en", "fr"):
        report = build_report(record, BODY, language, issued_on=date(2020, 3, 2), symbol="C20/40")
        assert report.header.session is None and report.guidance_requested
        assert report.sections[1].paragraphs[1].items == ()
        assert render_markdown(report) and render_html(report) and render_docx(report)
    empty = replace(BODY, mandate={})
    assert build_report(record, empty, "en", issued_on=date(2020, 3, 2), symbol="C20/40").summary.paragraphs[
        0
    ].text == (
        "This report summarizes the main outcomes of the fifteenth meeting of CWG-Internet, held on 3 February 2020."
    )


def test_a_report_covers_at_least_one_meeting() -> None:
    """No meeting at all is a ReportError, not an empty document."""
    with pytest.raises(ReportError, match="at least one meeting"):
        build_report([], BODY, "en", issued_on=date(2020, 1, 10), symbol="C20/12")
