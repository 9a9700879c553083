"""The outbox as the secretariat sees it on the desk: counts by status and the messages."""

from __future__ import annotations

from engine import Engine, OutboxMessage
from engine.records import OutboxStatus
from notifications.outbox import outbox_counts


def outbox_listing(
    engine: Engine, status: OutboxStatus | None, instance_id: str | None, limit: int
) -> tuple[dict[OutboxStatus, int], list[OutboxMessage]]:
    return outbox_counts(engine), engine.outbox(status=status, instance_id=instance_id, limit=limit)
