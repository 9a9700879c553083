"""How topics, escalations and consultations name each other: read by the invariants and Council's order."""

from __future__ import annotations

from engine.errors import ConsultflowError
from engine.fields import list_items
from engine.ports import RecordReader
from engine.records import Instance

TOPIC, ESCALATION, CONSULTATION = "topic", "escalation", "consultation"


def named_topics(instance: Instance) -> list[str]:
    """The topics an escalation or consultation names: its topic, or an escalation's options and decisions."""
    fields = instance.fields
    named = [fields.get("topic")]
    for list_name in ("options", "council_decisions"):
        named.extend(item.get("topic") for item in list_items(fields.get(list_name)))
    return list(dict.fromkeys(str(t) for t in named if isinstance(t, str) and t))


def escalations_of(reader: RecordReader, topic: Instance) -> list[Instance]:
    """The escalations that name ``topic``: the one its ``escalation`` field names (an escalation holds its
    topics as options), and any that name it in their own ``topic`` field (definitions before options)."""
    found = dict.fromkeys(i for i, _ in reader.linked(topic.id, "topic", ESCALATION))
    current = topic.fields.get("escalation")
    if isinstance(current, str) and current:
        found[current] = None
    loaded = (load(reader, i) for i in found)
    return [e for e in loaded if topic.id in named_topics(e)]


def decided_order(escalation: Instance, topic_id: str) -> int | None:
    """The order Council gave ``topic_id`` in this escalation's guidance (None: not decided there)."""
    for item in list_items(escalation.fields.get("council_decisions")):
        if item.get("topic") == topic_id and item.get("outcome") == "decided":
            order = item.get("order")
            return order if isinstance(order, int) else None
    if escalation.fields.get("topic") == topic_id and escalation.fields.get("outcome") == "topic_decided":
        order = escalation.fields.get("order")  # an escalation of one topic, before options
        return order if isinstance(order, int) else None
    return None


def load(reader: RecordReader, instance_id: str) -> Instance:
    loaded = reader.instance(instance_id)
    if loaded is None:  # the ref index and the instances are written together
        raise ConsultflowError(f"the link index names {instance_id}, which does not exist")
    return loaded[0]
