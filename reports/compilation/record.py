"""An open consultation as the compilation needs it: its title, topic, questions, dates and responses, as plain data.

Responses withdrawn by their authors or marked as spam by the secretariat are left out here, once
(``engine.responses.counted_responses``), so that nothing downstream can print them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from engine import Instance
from engine.responses import counted_responses

STAKEHOLDER_TYPES = (  # the order of the compilation's groups: workflows/consultation.yaml's enum, in that order
    "government",
    "private_sector",
    "civil_society",
    "academia",
    "technical_community",
    "international_organization",
    "individual",
)
OTHER = "other"  # the group of responses that give no (or an unknown) stakeholder type


@dataclass(frozen=True)
class Response:
    """One response as submitted: who sent it, for whom, and the answers (free text, possibly several lines)."""

    name: str
    answers: str
    organisation: str | None = None
    country: str | None = None
    job_title: str | None = None
    stakeholder_type: str = OTHER

    @classmethod
    def from_item(cls, item: Mapping[str, object]) -> Response:
        kind = _text(item, "stakeholder_type")
        return cls(
            name=_text(item, "name") or "",
            answers=str(item.get("answers") or ""),
            organisation=_text(item, "organisation"),
            country=_text(item, "country") or _text(item, "member_state"),  # a Member State's focal point
            job_title=_text(item, "job_title"),
            stakeholder_type=kind if kind in STAKEHOLDER_TYPES else OTHER,
        )


@dataclass(frozen=True)
class ConsultationRecord:
    """The consultation's facts the compilation prints, and its responses (spam already left out)."""

    id: str
    state: str
    title: str
    topic: str
    questions: tuple[str, ...]
    responses: tuple[Response, ...]
    symbol: str | None = None
    online_deadline: date | None = None
    oc_date: date | None = None
    oc_venue: str | None = None
    spam: int = 0  # how many responses were left out as spam

    @classmethod
    def from_instances(cls, consultation: Instance, topic: Instance | None) -> ConsultationRecord:
        f = consultation.fields
        counted = counted_responses(f)
        kept = list(counted.responses)
        return cls(
            id=consultation.id,
            state=consultation.state,
            title=_text(f, "title") or "",
            topic=_text(topic.fields, "title") or "" if topic is not None else "",
            questions=tuple(t for t in (_text(q, "text") for q in _items(f.get("questions"))) if t),
            responses=tuple(Response.from_item(item) for item in kept),
            symbol=_text(f, "compilation_symbol"),
            online_deadline=_date(f, "online_deadline"),
            oc_date=_date(f, "oc_date"),
            oc_venue=_text(f, "oc_venue"),
            spam=counted.spam,
        )


def _text(fields: Mapping[str, object], name: str) -> str | None:
    value = fields.get(name)
    return str(value).strip() or None if value is not None else None


def _date(fields: Mapping[str, object], name: str) -> date | None:
    value = _text(fields, name)
    return date.fromisoformat(value[:10]) if value else None


def _items(value: object) -> Sequence[Mapping[str, object]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list | tuple) else []
