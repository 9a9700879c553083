"""The outbox as the secretariat sees it: counts by status, the messages, and putting a failed one back."""

from __future__ import annotations

from engine import Engine, OutboxMessage
from engine.clock import aware_utc
from notifications.errors import NotRetryable, OutboxMessageNotFound
from storage.outbox import OutboxQueue
from storage.repository import Store


def outbox_listing(
    engine: Engine, status: str | None, instance_id: str | None, limit: int
) -> tuple[dict[str, int], list[OutboxMessage]]:
    with engine.db.read() as conn:
        counts = OutboxQueue(conn).counts()
        messages = Store(conn).outbox(status=status, instance_id=instance_id, limit=limit)
    return {s: counts.get(s, 0) for s in ("pending", "sent", "failed")}, messages


def retry_notice(engine: Engine, message_id: int) -> OutboxMessage:
    """Queue a failed message again, due now (the engine's clock), as `consultflow outbox retry` does."""
    now = aware_utc(engine.clock.now())
    with engine.db.write() as conn:
        queue = OutboxQueue(conn)
        message = queue.get(message_id)
        if message is None:
            raise OutboxMessageNotFound(message_id)
        if not queue.retry(message_id, now):
            raise NotRetryable(message_id, message.status)
        retried = queue.get(message_id)
    assert retried is not None
    return retried
