"""The views expressed on topics without consensus, as the Chair's report sets them out (issue 14, item 1):
grouped by position, each Member State's latest position counted once, French articles and agreement, the
fallback for names the report cannot article, and statements quoted safely in every format."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime

import docx
import pytest

from engine import Instance
from engine.positions import latest_positions
from reports import (
    Decision,
    MeetingRecord,
    Report,
    ReportError,
    Topic,
    build_report,
    render_docx,
    render_html,
    render_markdown,
)
from reports.views import member_state_names, read_member_state_names, topic_views
from reports.wording import wording
from tests.unit.test_report_builder import BODY, MEETING

A, B = "topic-a", "topic-b"
TITLES = {A: "Digital public infrastructure", B: "Artificial intelligence and the Internet"}


def _position(member_state: str, position: str, **more: str) -> dict[str, object]:
    return {"member_state": member_state, "position": position, **more}


def _topic(*positions: dict[str, object], state: str = "escalated", reason: str | None = "objection") -> Topic:
    return Topic(A, TITLES[A], state, reason=reason, views=latest_positions(list(positions)))


def _say(language: str, *positions: dict[str, object]) -> str:
    return topic_views(_topic(*positions), wording(language), TITLES)


THE_21ST = (  # the two-topics scenario's positions on topic A, in the order stated
    _position("France", "support", statement="We agree."),
    _position("Senegal", "support"),
    _position("Russian Federation", "prefer_other", other_option=B),
    _position("United States", "object"),
    _position("Brazil", "object", on_behalf_of="Brazil"),
    _position("United States", "reserve", statement="Pending instructions."),
)


def _build(*topics: Topic, language: str = "en") -> Report:
    decisions = (*MEETING.decisions, Decision("d4", "no_consensus", "No consensus on the topic"))
    record = replace(MEETING, decisions=decisions, topics=topics)
    return build_report(record, BODY, language, issued_on=date(2020, 1, 10), symbol="C20/12")


def test_positions_are_grouped_in_report_order_support_prefer_other_reserve_object() -> None:
    """One clause per position; supporters first, as the subject of the sentence; names sorted."""
    assert _say("en", *THE_21ST) == (
        "The topic “Digital public infrastructure” was supported by France and Senegal; the Russian Federation "
        "preferred the topic “Artificial intelligence and the Internet”; the United States reserved its position; "
        "Brazil objected."
    )


def test_a_change_of_mind_counts_once_as_the_latest_position() -> None:
    """The United States objected, then reserved its position: only the reservation is reported."""
    sentence = _say("en", *THE_21ST)
    assert sentence.count("United States") == 1 and "the United States reserved its position" in sentence
    assert "Brazil objected." in sentence and "United States objected" not in sentence


def test_preferences_are_grouped_by_the_topic_preferred() -> None:
    """Two Member States preferring B are one clause; one preferring a topic outside the report, another clause."""
    sentence = _say(
        "en",
        _position("China", "prefer_other", other_option=B),
        _position("India", "prefer_other", other_option=B),
        _position("Argentina", "prefer_other", other_option="topic-elsewhere"),
    )
    assert sentence == (
        "On the topic “Digital public infrastructure”, Argentina preferred another topic; China and India "
        "preferred the topic “Artificial intelligence and the Internet”."
    )


def test_french_names_take_their_article_and_the_verbs_agree() -> None:
    """La France, le Sénégal, l'Inde, les États-Unis; "s'y est opposé(e)", "s'y sont opposé(e)s", "ont réservé"."""
    assert _say("fr", *THE_21ST) == (
        "Le thème « Digital public infrastructure » a été appuyé par la France et le Sénégal; la Fédération de "
        "Russie a préféré le thème « Artificial intelligence and the Internet »; les États-Unis ont réservé leur "
        "position; le Brésil s'y est opposé."
    )
    assert _say("fr", _position("India", "support"), _position("Saudi Arabia", "support")) == (
        "Le thème « Digital public infrastructure » a été appuyé par l'Arabie saoudite et l'Inde."
    )
    cases = {
        ("Switzerland",): "la Suisse s'y est opposée.",
        ("Brazil",): "le Brésil s'y est opposé.",
        ("United States",): "les États-Unis s'y sont opposés.",
        ("China", "Switzerland"): "la Chine et la Suisse s'y sont opposées.",
        ("Argentina", "Brazil"): "l'Argentine et le Brésil s'y sont opposés.",
    }
    for states, ending in cases.items():
        said = _say("fr", *(_position(s, "object") for s in states))
        assert said == f"S'agissant du thème « Digital public infrastructure », {ending}", states
    assert _say("fr", _position("China", "reserve")).endswith("la Chine a réservé sa position.")
    assert _say("fr", _position("China", "reserve"), _position("India", "reserve")).endswith(
        "la Chine et l'Inde ont réservé leur position."
    )


def test_a_name_without_a_known_article_is_listed_after_a_phrase_that_needs_none() -> None:
    """Tuvalu is not in the table: "l'État Membre suivant: Tuvalu"; its group too, known names without article."""
    assert _say("fr", _position("Tuvalu", "object")) == (
        "S'agissant du thème « Digital public infrastructure », l'État Membre suivant s'y est opposé: Tuvalu."
    )
    assert _say("fr", _position("Tuvalu", "support"), _position("France", "support")) == (
        "Le thème « Digital public infrastructure » a été appuyé par les États Membres suivants: France et Tuvalu."
    )
    assert _say("fr", _position("Tuvalu", "reserve"), _position("Nauru", "reserve")).endswith(
        "les États Membres suivants ont réservé leur position: Nauru et Tuvalu."
    )
    assert _say("en", _position("Tuvalu", "prefer_other", other_option=B)) == (
        "On the topic “Digital public infrastructure”, the following Member State preferred the topic “Artificial "
        "intelligence and the Internet”: Tuvalu."
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_tables_name_the_same_member_states_and_every_french_name_has_its_article(language: str) -> None:
    """Both tables are read and checked; every Member State of the shipped directory can be named."""
    names = member_state_names(language)
    assert set(names) == set(member_state_names("en" if language == "fr" else "fr"))
    people = {"France", "Switzerland", "Russian Federation", "China", "Saudi Arabia", "Argentina", "Brazil",
              "India", "United States", "Senegal"}  # fmt: skip
    assert people <= set(names)
    if language == "fr":
        assert all(n.article in ("le", "la", "l'", "les") for n in names.values())
        assert names["United States"].plural and not names["United States"].feminine
        assert names["India"].with_article == "l'Inde" and names["India"].feminine


def test_a_table_entry_that_hides_its_gender_is_refused() -> None:
    """After l' or les the gender cannot be seen, so the table must give it; unknown keys are refused."""
    with pytest.raises(ReportError, match=r"Iran.*gender"):
        read_member_state_names({"Iran": {"name": "Iran", "article": "l'"}}, "fr/member_states.yaml")
    with pytest.raises(ReportError, match="unknown key"):
        read_member_state_names({"Peru": {"name": "Pérou", "article": "le", "genre": "m"}}, "fr/member_states.yaml")
    with pytest.raises(ReportError, match="gender is f or m"):
        read_member_state_names({"Peru": {"name": "Pérou", "article": "le", "gender": "x"}}, "fr/member_states.yaml")


def test_the_views_follow_the_measures_and_the_statements_go_to_an_annex() -> None:
    """2.3 after 2.2, one item per topic; the annex after the Conclusion quotes the latest statement of each."""
    report = _build(_topic(*THE_21ST))
    activities = report.sections[1]
    assert [p.number for p in activities.paragraphs] == ["2.1", "2.2", "2.3"]
    views = activities.paragraphs[2]
    assert views.text == (
        "The following views were expressed on the topic on which no consensus was reached (the statements made "
        "are reproduced in the Annex):"
    )
    assert [i.letter for i in views.items] == ["a"]
    (annex,) = report.annexes
    assert report.sections[-1].title == "Conclusion" and report.headings()[-1] == (1, annex.heading)
    assert [i.text for i in annex.paragraphs[0].items] == [
        "France (support): “We agree.”",
        "United States (reservation): “Pending instructions.”",
    ]


def test_without_positions_or_with_consensus_the_report_is_unchanged() -> None:
    """No positions recorded, or a topic the Group agreed on: no paragraph, no annex, the same bytes."""
    plain = _build()
    for topic in (_topic(), _topic(*THE_21ST, state="selected", reason=None)):
        report = _build(topic)
        assert report.sections == plain.sections and not report.annexes
        assert render_markdown(report) == render_markdown(plain)
    without_statements = _build(_topic(_position("France", "support")))
    assert not without_statements.annexes
    assert "Annex" not in without_statements.sections[1].paragraphs[2].text


def test_statements_are_escaped_in_html_and_markdown_and_kept_on_one_line() -> None:
    """A statement with markup and line breaks is quoted literally: escaped in HTML, backslashed in Markdown."""
    statement = "<b>No</b> *never*\n\n- [link](http://x) | # heading"
    report = _build(_topic(_position("France", "object", statement=statement)), language="fr")
    html, markdown = render_html(report), render_markdown(report)
    assert "<b>No</b>" not in html and "&lt;b&gt;No&lt;/b&gt; *never* - [link](http://x) | # heading" in html
    assert r"France (objection): « \<b\>No\</b\> \*never\* - \[link\](http://x) \| \# heading »" in markdown
    document = docx.Document(io.BytesIO(render_docx(report)))
    annex = next(p for p in document.paragraphs if p.text.startswith("Annexe"))
    assert annex.paragraph_format.page_break_before


def test_the_record_reads_each_topics_latest_positions_and_reason() -> None:
    """MeetingRecord.from_instances keeps the topic's reason and each Member State's latest position."""
    now = datetime(2027, 2, 5, tzinfo=UTC)
    fields = {"number": 21, "start": "2027-02-04", "end": "2027-02-05", "venue": "Geneva"}
    meeting = Instance("m", "meeting_cycle", 1, "h", "report_approved", fields, 9, now, now)
    topic_fields = {"title": TITLES[A], "reason": "objection", "positions": list(THE_21ST)}
    topic = Instance(A, "topic", 4, "h", "in_consultation", topic_fields, 12, now, now)
    (read,) = MeetingRecord.from_instances(meeting, topics=[topic]).topics
    assert read.without_consensus and read.reason == "objection"
    assert read.views.by_position["reserve"] == ("United States",)
