"""What the record must never say, across linked instances: the invariants of topics, escalations and consultations.

Each step is checked on its own by the definitions (state, roles, guards); these are the facts that hold
*between* instances, which no single definition can see. The engine checks them in the transaction of
every step that touches a topic, its escalation or its consultation, and refuses the step (nothing is
written) if it would break one; ``consultflow check`` scans a whole database for records written before.

The invariants name the shipped workflows (``topic``, ``escalation``, ``consultation``); a catalogue
without them has nothing to check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.council_order import out_of_order
from engine.errors import InvariantBroken
from engine.links import CONSULTATION, ESCALATION, TOPIC, decided_order, escalations_of, load, named_topics
from engine.ports import RecordReader, RecordStore
from engine.records import Instance

# An escalation waits for Council in these states; after them Council has spoken (or the matter is closed).
ESCALATION_OPEN = frozenset(
    {"recorded", "report_drafted", "submitted", "on_agenda", "member_inputs", "under_consideration"}
)
# A consultation runs in these states (draft to results presented); closed and archived ones are done.
CONSULTATION_RUNNING = frozenset(
    {"draft", "announced", "online_open", "online_closed", "compiled", "oc_held", "presented"}
)
CONSULTATION_DONE = frozenset({"closed", "archived"})


@dataclass(frozen=True)
class Violation:
    """One fact the record states that the procedure forbids, about one topic."""

    topic_id: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.topic_id}: {self.rule}: {self.detail}"


def topics_touched(reader: RecordReader, instances: Iterable[Instance]) -> list[str]:
    """The topics whose invariants a step touching ``instances`` may change (the topic, or those named)."""
    found: dict[str, None] = {}
    for instance in instances:
        if instance.workflow == TOPIC:
            found[instance.id] = None
        elif instance.workflow in (ESCALATION, CONSULTATION):
            found.update(dict.fromkeys(named_topics(instance)))
    return list(found)


def check_topic(reader: RecordReader, topic_id: str) -> list[Violation]:
    """Every invariant about one topic and the escalations and consultations that name it."""
    loaded = reader.instance(topic_id)
    if loaded is None:
        return []
    topic = loaded[0]
    escalations = escalations_of(reader, topic)
    consultations = [load(reader, i) for i, _ in reader.linked(topic_id, "topic", CONSULTATION)]
    violations: list[Violation] = []

    def broken(rule: str, detail: str) -> None:
        violations.append(Violation(topic_id, rule, detail))

    waiting = [e for e in escalations if e.state in ESCALATION_OPEN]
    if topic.state == "escalated" and len(waiting) != 1:
        broken(
            "an escalated topic has exactly one open escalation naming it",
            f"it has {len(waiting)}" + (f" ({', '.join(e.id for e in waiting)})" if waiting else ""),
        )
    if topic.state != "escalated" and waiting:
        broken(
            "an open escalation names a topic that is escalated",
            f"the topic is {topic.state}, but {', '.join(e.id for e in waiting)} waits for Council",
        )
    order = topic.fields.get("order")
    if order is not None and not any(
        e.state not in ESCALATION_OPEN and decided_order(e, topic_id) == order for e in escalations
    ):
        broken(
            "a topic ordered by Council has the guidance that decided it",
            f"no escalation decided it with order {order}",
        )
    running = [c for c in consultations if c.state in CONSULTATION_RUNNING]
    if len(running) > 1:
        broken("a topic has at most one consultation running", ", ".join(c.id for c in running))
    if running and topic.state != "in_consultation":
        broken(
            "a consultation runs only on a topic in consultation", f"the topic is {topic.state}, {running[0].id} runs"
        )
    if topic.state == "in_consultation" and not running:
        broken("a topic in consultation has its consultation running", "none runs")
    if topic.state == "done" and not any(c.state in CONSULTATION_DONE for c in consultations):
        broken("a done topic has a consultation that closed", "none closed")
    for consultation in consultations:
        reason = out_of_order(reader, consultation)
        if reason is not None:
            broken("a consultation is announced after the one before it in Council's order presented", reason)
    return violations


def check_touched(reader: RecordReader, instances: Iterable[Instance]) -> None:
    """Refuse (InvariantBroken) a step that leaves one of the topics it touches contradicting the procedure."""
    violations = [v for topic_id in topics_touched(reader, instances) for v in check_topic(reader, topic_id)]
    if violations:
        raise InvariantBroken("; ".join(str(v) for v in violations) + " (nothing was written)")


def check_all(records: RecordStore) -> list[Violation]:
    """Every violation in the whole record (``consultflow check``)."""
    return [v for topic in records.instances(TOPIC, None, 1_000_000) for v in check_topic(records, topic.id)]
