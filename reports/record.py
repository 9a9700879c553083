"""What a Chair's report is made from, as plain data: the record of each meeting it reports on.

``MeetingRecord.from_instances`` reads engine instances (the meeting, its linked escalations and topics)
into typed values; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from engine.positions import Views, latest_positions
from engine.records import Instance

# The meeting states in which the meeting report is approved, so the Chair can report to Council.
REPORTABLE_STATES = ("report_approved", "reported_to_council", "council_considered", "closed")
# A topic on which the Group reached no consensus: in one of these states, or with the reason the chair gave
# (which stays in the record once Council has decided the topic and its consultation has started).
NO_CONSENSUS_STATES = ("not_agreed", "escalated")
NO_CONSENSUS_REASONS = ("objection", "time_ran_out")


@dataclass(frozen=True)
class Decision:
    """One decision recorded by the meeting, in recorded order."""

    id: str
    type: str  # approved | noted | invited | requested | no_consensus
    text: str
    report_section: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Escalation:
    """The Group's question to Council when the meeting reached no consensus: its candidate topics."""

    id: str
    state: str
    topics: tuple[str, ...] = ()  # the options' topic ids (one ``topic`` field before options existed)
    report_section: str | None = None
    agenda_item: str | None = None
    chair_report_symbol: str | None = None


@dataclass(frozen=True)
class Topic:
    """A proposed topic of the meeting and where it stands."""

    id: str
    title: str
    state: str
    reason: str | None = None  # why no consensus was reached: objection | time_ran_out
    views: Views = field(default_factory=Views)  # each Member State's latest position

    @property
    def without_consensus(self) -> bool:
        """Whether the Group recorded no consensus on the topic (the report then sets out the views expressed)."""
        return self.state in NO_CONSENSUS_STATES or self.reason in NO_CONSENSUS_REASONS


@dataclass(frozen=True)
class MeetingRecord:
    """The facts of one meeting the Chair reports on."""

    id: str
    state: str
    number: int
    start: date
    end: date
    venue: str
    council_session: str | None = None
    council_opening: date | None = None
    report_symbol: str | None = None
    report_mode: str | None = None
    report_approved_on: date | None = None
    chair_report_symbol: str | None = None
    action_required: str | None = None
    decisions: tuple[Decision, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    topics: tuple[Topic, ...] = ()

    @property
    def reported(self) -> bool:
        """Whether the meeting report is approved (the Chair's report can only follow it)."""
        return self.state in REPORTABLE_STATES

    @classmethod
    def from_instances(
        cls, meeting: Instance, escalations: Iterable[Instance] = (), topics: Iterable[Instance] = ()
    ) -> MeetingRecord:
        """Read a ``meeting_cycle`` instance and its linked escalations and topics."""
        f = meeting.fields
        return cls(
            id=meeting.id,
            state=meeting.state,
            number=int(str(f["number"])),
            start=date.fromisoformat(str(f["start"])),
            end=date.fromisoformat(str(f["end"])),
            venue=str(f["venue"]),
            council_session=_text(f, "council_session"),
            council_opening=_date(f, "council_opening"),
            report_symbol=_text(f, "report_symbol"),
            report_mode=_text(f, "report_mode"),
            report_approved_on=_date(f, "report_approved_on"),
            chair_report_symbol=_text(f, "chair_report_symbol"),
            action_required=_text(f, "action_required"),
            decisions=tuple(_decision(d) for d in _items(f.get("decisions"))),
            escalations=tuple(
                Escalation(
                    id=e.id,
                    state=e.state,
                    topics=tuple(str(o.get("topic")) for o in _items(e.fields.get("options")))
                    or tuple(t for t in (_text(e.fields, "topic"),) if t),
                    report_section=_text(e.fields, "report_section"),
                    agenda_item=_text(e.fields, "agenda_item"),
                    chair_report_symbol=_text(e.fields, "chair_report_symbol"),
                )
                for e in escalations
            ),
            topics=tuple(
                Topic(
                    id=t.id,
                    title=str(t.fields.get("title", "")),
                    state=t.state,
                    reason=_text(t.fields, "reason"),
                    views=latest_positions(t.fields.get("positions")),
                )
                for t in topics
            ),
        )


def _text(fields: Mapping[str, object], name: str) -> str | None:
    value = fields.get(name)
    return None if value is None or value == "" else str(value)


def _date(fields: Mapping[str, object], name: str) -> date | None:
    value = _text(fields, name)
    return date.fromisoformat(value[:10]) if value else None


def _items(value: object) -> Sequence[Mapping[str, object]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _decision(item: Mapping[str, object]) -> Decision:
    return Decision(
        id=str(item["id"]),
        type=str(item["type"]),
        text=str(item["text"]),
        report_section=_text(item, "report_section"),
        reason=_text(item, "reason"),
    )
