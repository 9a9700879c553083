"""The 12th-meeting scenario (docs/procedure.md, "The 12th meeting as data") through the public Python API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine import Engine, Instance
from tests.conftest import at

MEETING_FIELDS = {"number": 12, "start": "2019-02-01", "end": "2019-02-01", "venue": "ITU headquarters, Geneva"}
DECISIONS: list[dict[str, object]] = [
    {"id": "d1", "type": "approved", "text": "Report of the 12th meeting approved by the Group"},
    {
        "id": "d2",
        "type": "invited",
        "report_section": "2.2 a)",
        "action_owner_kind": "all_member_states",
        "action_due": "2019-08-30",
        "action_target": "13th meeting",
        "text": "Member States invited to send/update contributions on previous topics, including OTTs",
    },
    {
        "id": "d3",
        "type": "requested",
        "report_section": "2.2 b)",
        "action_owner_kind": "secretariat",
        "action_due": "2019-09-13",
        "action_target": "SG report to the 13th meeting",
        "text": "Secretariat to integrate OTT activities of the Sectors into the SG report on Internet activities",
    },
    {
        "id": "d4",
        "type": "no_consensus",
        "reason": "time_ran_out",
        "report_section": "6.3",
        "action_owner_kind": "chair",
        "action_due": "2019-05-13",
        "action_target": "Chair's report to Council 2019",
        "action_closed_by": "chair_report",
        "text": "No consensus on the topic of the next open consultation; Chair to inform Council and ask for guidance",
    },
    {
        "id": "d5",
        "type": "noted",
        "text": "CWG-Internet needs more time to fulfil its mandate and deliberate adequately",
    },
]


@dataclass
class Twelfth:
    """Handles on the instances of the scenario, refreshed as it advances."""

    engine: Engine
    meeting: Instance
    topic: Instance
    done: list[str] = field(default_factory=list)

    def fire(
        self, which: str, trigger: str, actor: str, fields: Mapping[str, object] | None = None, when: str = "2019-02-01"
    ) -> Instance:
        target = getattr(self, which)
        result = self.engine.fire(target.id, trigger, actor, fields or {}, now=at(when))
        setattr(self, which, result)
        self.done.append(trigger)
        return result


def convene(engine: Engine) -> Twelfth:
    """Plan meeting 12, send the invitation on 2018-12-21 (D-42), open contributions, propose a topic."""
    meeting = engine.start("meeting_cycle", "sec.alice", MEETING_FIELDS, now=at("2018-12-01"))
    s = Twelfth(engine, meeting, meeting)
    s.fire(
        "meeting",
        "send_invitation",
        "sec.alice",
        {"letter_ref": "DM-18/1000", "council_session": "Council 2019", "council_opening": "2019-06-10"},
        when="2018-12-21",
    )
    s.fire("meeting", "open_contributions", "sec.alice", when="2018-12-21")
    s.topic = engine.start(
        "topic",
        "ms.fr",
        {"title": "Next open consultation topic", "meeting": meeting.id, "proposed_by": "France"},
        now=at("2019-01-08"),
    )
    return s


def hold_meeting(s: Twelfth) -> Twelfth:
    """Contributions, deadlines closing, the session of 2019-02-01 with no consensus, the approved report."""
    draft_report(s)
    s.fire(
        "meeting",
        "approve_report",
        "chair",
        {"report_symbol": "WG-Internet 12/5", "report_mode": "in_session", "report_approved_on": "2019-02-01"},
    )
    return s


def draft_report(s: Twelfth) -> Twelfth:
    """Contributions, deadlines closing, the session of 2019-02-01 with no consensus, the draft report out."""
    s.fire(
        "meeting",
        "submit_contribution",
        "ms.fr",
        {"title": "Proposal for the next topic", "symbol": "CWG-Internet-12/3", "needs_translation": "yes"},
        when="2019-01-08",
    )
    s.fire("meeting", "close_translation", "system", when="2019-01-12")
    s.fire("meeting", "submit_contribution", "ms.ru", {"title": "Views on OTTs"}, when="2019-01-15")
    s.fire("meeting", "close_contributions", "system", when="2019-01-21")
    s.fire(
        "meeting", "publish_documents", "sec.alice", {"documents_link": "https://docs.example/12"}, when="2019-01-25"
    )
    s.fire("meeting", "open_session", "chair")
    s.fire("topic", "table_topics", "chair")
    s.fire("topic", "record_no_consensus", "chair", {"reason": "time_ran_out"})
    for decision in DECISIONS:
        s.fire("meeting", "record_decision", "chair", decision)
    s.fire("meeting", "adjourn", "chair")
    s.fire(
        "meeting",
        "circulate_draft_report",
        "sec.alice",
        {"draft_report_symbol": "WG-Internet 12/5", "draft_circulated_on": "2019-02-01"},
    )
    return s


def escalate_to_council(s: Twelfth, outcome: str = "referred_back") -> Instance:
    """The escalation goes through Council 2019, which gives its guidance on the topic (its one option):
    ``decided`` (order 1), ``referred_back`` or ``not_taken``."""
    escalation = s.engine.linked(s.meeting.id, "meeting", "escalation")[0]
    decision: dict[str, object] = {"topic": s.topic.id, "outcome": outcome}
    if outcome == "decided":
        decision["order"] = 1
    steps: list[tuple[str, str, dict[str, object], str]] = [
        ("draft_report", "chair", {"report_section": "6.3"}, "2019-04-20"),
        ("submit", "sec.alice", {"chair_report_symbol": "C19/nn"}, "2019-05-10"),
        ("place_on_agenda", "council.rec", {"agenda_item": "ADM 1", "plenary_date": "2019-06-12"}, "2019-05-20"),
        ("consider", "council.rec", {}, "2019-06-12"),
        ("give_guidance", "council.rec", {"council_decisions": [decision], "summary_record": "C19/xx"}, "2019-06-12"),
    ]
    for trigger, actor, fields, when in steps:
        escalation = s.engine.fire(escalation.id, trigger, actor, fields, now=at(when))
    return escalation
