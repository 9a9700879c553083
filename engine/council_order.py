"""Council's order: when Council decides several topics in one guidance, their consultations run one after
the other. The consultation of order k+1 is announced only once the one of order k has presented its results.

The order is read from the record, never copied: the topic's ``order`` and the guidance that decided it
(the escalation's ``council_decisions``), and the consultations that name each decided topic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.errors import OutOfOrder
from engine.fields import list_items
from engine.links import CONSULTATION, decided_order, escalations_of
from engine.ports import RecordReader
from engine.records import Instance

# A consultation in these states has been announced (or gone further); cancelled and draft ones have not.
ANNOUNCED = frozenset({"announced", "online_open", "online_closed", "compiled", "oc_held", "presented", "closed",
                       "archived"})  # fmt: skip
# The results are presented: the next consultation in Council's order may be announced.
PRESENTED = frozenset({"presented", "closed", "archived"})


@dataclass(frozen=True)
class QueueEntry:
    """One topic Council decided, at its place in the order, and its latest consultation (if any)."""

    order: int
    topic_id: str
    title: str
    consultation_id: str | None
    consultation_state: str | None

    @property
    def presented(self) -> bool:
        return self.consultation_state in PRESENTED

    def describe(self) -> str:
        """``2. "Title" (topic-…): consultation-… presented`` / ``… no consultation yet``."""
        where = (
            f"{self.consultation_id} {self.consultation_state}" if self.consultation_id else "no consultation yet"
        )
        return f'{self.order}. "{self.title}" ({self.topic_id}): {where}'


def council_queue(reader: RecordReader, topic: Instance) -> list[QueueEntry]:
    """The topics decided by the guidance that decided ``topic``, in Council's order (empty: not decided so)."""
    order = topic.fields.get("order")
    deciding = next(
        (e for e in escalations_of(reader, topic) if order is not None and decided_order(e, topic.id) == order), None
    )
    if deciding is None:
        return []
    entries: list[QueueEntry] = []
    for item in list_items(deciding.fields.get("council_decisions")):
        rank, topic_id = item.get("order"), item.get("topic")
        if item.get("outcome") != "decided" or not isinstance(rank, int) or not isinstance(topic_id, str):
            continue
        loaded = reader.instance(topic_id)
        title = str(loaded[0].fields.get("title", "")) if loaded else ""
        latest = _latest_consultation(reader, topic_id)
        entries.append(
            QueueEntry(rank, topic_id, title, latest.id if latest else None, latest.state if latest else None)
        )
    return sorted(entries, key=lambda e: e.order)


def queue_around(reader: RecordReader, instance: Instance) -> list[QueueEntry]:
    """The queue a topic, a consultation (its topic's) or an escalation (its decided topics') belongs to."""
    topic_id: object = instance.id if instance.workflow == "topic" else instance.fields.get("topic")
    if instance.workflow == "escalation":
        decided = [d for d in list_items(instance.fields.get("council_decisions")) if d.get("outcome") == "decided"]
        topic_id = decided[0].get("topic") if decided else None
    loaded = reader.instance(str(topic_id)) if isinstance(topic_id, str) and topic_id else None
    return council_queue(reader, loaded[0]) if loaded else []


def out_of_order(reader: RecordReader, consultation: Instance) -> str | None:
    """Why ``consultation`` may not be announced yet in Council's order (None: it may, or it has no order)."""
    if consultation.workflow != CONSULTATION or consultation.state not in ANNOUNCED:
        return None
    topic_id = consultation.fields.get("topic")
    loaded = reader.instance(str(topic_id)) if topic_id else None
    if loaded is None:
        return None
    queue = council_queue(reader, loaded[0])
    place = next((e for e in queue if e.topic_id == loaded[0].id), None)
    previous = next((e for e in queue if place is not None and e.order == place.order - 1), None)
    if place is None or previous is None or previous.presented:
        return None
    first = (
        f"consultation {previous.consultation_id} (now {previous.consultation_state})"
        if previous.consultation_id
        else f'the consultation of topic "{previous.title}" ({previous.topic_id}), not created yet'
    )
    return f"{consultation.id} is number {place.order} in Council's order: {first} must present its results first"


def refuse_out_of_order(reader: RecordReader, instances: Iterable[Instance]) -> None:
    """Refuse (OutOfOrder) a step that announces a consultation before the one before it in Council's order
    has presented its results; the sentence names that consultation (or its topic, when none exists yet)."""
    for consultation in instances:
        reason = out_of_order(reader, consultation)
        if reason is not None:
            raise OutOfOrder(f"{reason} (nothing was written)")


def _latest_consultation(reader: RecordReader, topic_id: str) -> Instance | None:
    found = [reader.instance(i) for i, _ in reader.linked(topic_id, "topic", CONSULTATION)]
    alive = [f[0] for f in found if f is not None and f[0].state != "cancelled"]
    return alive[-1] if alive else None
