"""A meeting that reached consensus: the Chair's report asks Council to take note only, never for guidance."""

from __future__ import annotations

import pytest

from engine import Engine
from reports import generate_report
from tests.conftest import at
from tests.scenario import convene

DECISIONS: list[dict[str, object]] = [
    {"id": "d1", "type": "approved", "text": "Report of the 13th meeting approved by the Group"},
    {
        "id": "d2",
        "type": "invited",
        "text": "Member States invited to contribute to the open consultation on emerging technologies",
        "action_owner_kind": "all_member_states",
        "action_due": "2019-12-20",
    },
    {"id": "d3", "type": "noted", "text": "The Secretariat report on ITU Internet activities was noted"},
]


def consensus_meeting(engine: Engine) -> str:
    """A meeting that chose its consultation topic by consensus, its report approved and submitted for noting."""
    s = convene(engine)
    s.fire("meeting", "close_translation", "system", when="2019-01-12")
    s.fire("meeting", "close_contributions", "system", when="2019-01-21")
    s.fire("meeting", "publish_documents", "sec.alice", when="2019-01-25")
    s.fire("meeting", "open_session", "chair")
    s.fire("topic", "table_topics", "chair")
    s.fire("topic", "record_consensus", "chair")
    for decision in DECISIONS:
        s.fire("meeting", "record_decision", "chair", decision)
    s.fire("meeting", "adjourn", "chair")
    s.fire("meeting", "circulate_draft_report", "sec.alice", {"draft_report_symbol": "WG-Internet 12/5"})
    s.fire(
        "meeting",
        "approve_report",
        "chair",
        {"report_symbol": "WG-Internet 12/5", "report_mode": "correspondence", "report_approved_on": "2019-02-12"},
        when="2019-02-12",
    )
    s.fire("meeting", "submit_chair_report", "chair", {"chair_report_symbol": "C19/7", "action_required": "note"})
    assert engine.linked(s.meeting.id, "meeting", "escalation") == []
    return s.meeting.id


@pytest.mark.parametrize(("language", "guidance"), [("fr", "orientations"), ("en", "guidance")])
def test_consensus_meeting_report_has_no_guidance_request(engine: Engine, language: str, guidance: str) -> None:
    """Nothing escalated: no guidance in Action required nor in the Conclusion, whose paragraphs are 3.1 and 3.2."""
    meeting_id = consensus_meeting(engine)
    generated = generate_report(engine, meeting_id, language, now=at("2019-03-29"))
    report = generated.report
    assert not report.guidance_requested
    for fmt in ("md", "html"):
        assert guidance not in generated.files[fmt].decode()
    conclusion = report.sections[2]
    assert [p.number for p in conclusion.paragraphs] == ["3.1", "3.2"]  # take note; thanks
    measures = report.sections[1].paragraphs[1].items
    assert [item.letter for item in measures] == ["a", "b"]
    assert generated.symbol == f"C19/7-{'F' if language == 'fr' else 'E'}"


def test_consensus_report_says_how_the_meeting_report_was_approved(engine: Engine) -> None:
    """Approved by correspondence on a recorded date: the report says so; the meeting's symbol is referenced."""
    meeting_id = consensus_meeting(engine)
    generated = generate_report(engine, meeting_id, "en", now=at("2019-03-29"))
    approval = generated.report.sections[1].paragraphs[1].text
    assert "approved by the Group by correspondence on 12 February 2019" in approval
    assert any("WG-Internet 12/5" in ref for ref in generated.report.references)
