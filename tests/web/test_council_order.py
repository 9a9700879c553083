"""The desk shows Council's order on a decided topic's consultation: the queue, in the reader's language."""

from __future__ import annotations

import html
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import at
from tests.scenario import convene
from tests.web.conftest import Site

Clients = Callable[[str], TestClient]


def test_a_consultation_page_shows_councils_order(session_client: Clients, site: Site) -> None:
    """Two topics decided in one guidance, B before A: A's consultation page lists B first, then A."""
    engine = site.engine
    s = convene(engine)
    meeting = s.meeting.id
    other = engine.start(
        "topic", "ms.fr", {"title": "Second topic", "meeting": meeting, "proposed_by": "France"}, now=at("2019-01-09")
    )
    for trigger, actor, when in [
        ("close_translation", "system", "2019-01-12"),
        ("close_contributions", "system", "2019-01-21"),
        ("publish_documents", "sec.alice", "2019-01-25"),
        ("open_session", "chair", "2019-02-01"),
    ]:
        engine.fire(meeting, trigger, actor, now=at(when))
    for topic in (s.topic.id, other.id):
        engine.fire(topic, "table_topics", "chair", now=at("2019-02-01"))
        engine.fire(topic, "record_no_consensus", "chair", {"reason": "objection"}, now=at("2019-02-01"))
    engine.fire(meeting, "adjourn", "chair", now=at("2019-02-01"))
    engine.fire(meeting, "circulate_draft_report", "sec.alice", {"draft_report_symbol": "R"}, now=at("2019-02-01"))
    report = {"report_symbol": "R", "report_mode": "in_session", "report_approved_on": "2019-02-01"}
    engine.fire(meeting, "approve_report", "chair", report, now=at("2019-02-01"))
    (escalation,) = engine.linked(meeting, "meeting", "escalation")
    steps: list[tuple[str, str, dict[str, object]]] = [
        ("draft_report", "chair", {"report_section": "6.3"}),
        ("submit", "sec.alice", {"chair_report_symbol": "C19/54"}),
        ("place_on_agenda", "council.rec", {"agenda_item": "ADM 8"}),
        ("consider", "council.rec", {}),
        ("give_guidance", "council.rec", {"council_decisions": [
            {"topic": other.id, "outcome": "decided", "order": 1},
            {"topic": s.topic.id, "outcome": "decided", "order": 2},
        ]}),
    ]  # fmt: skip
    for trigger, actor, fields in steps:
        engine.fire(escalation.id, trigger, actor, fields, now=at("2019-06-12"))
    second = engine.start("consultation", "sec.alice", {"topic": s.topic.id, "title": "C"}, now=at("2019-06-20"))

    english = html.unescape(session_client("sec.alice").get(f"/instances/{second.id}").text)
    assert "Council's order" in english
    queue = english[english.index('<ol class="council-queue">') :]
    assert queue.index("Second topic") < queue.index(str(s.topic.fields["title"]))
    assert "no consultation yet" in queue and "Draft" in queue
    french = html.unescape(session_client("ms.fr").get(f"/instances/{second.id}").text)
    assert "Ordre fixé par le Conseil" in french and "pas encore de consultation" in french
