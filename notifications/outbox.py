"""The outbox as the secretariat handles it, one function per action, called by the CLI and the desk alike."""

from __future__ import annotations

from datetime import datetime

from engine import Engine, OutboxMessage
from engine.clock import aware_utc
from engine.records import OUTBOX_STATUSES, OutboxStatus
from notifications.errors import NotRetryable, OutboxMessageNotFound, UnknownNotice


def outbox_counts(engine: Engine) -> dict[OutboxStatus, int]:
    """How many messages are pending, sent and failed."""
    with engine.storage.read() as unit:
        counts = unit.outbox.counts()
    return {status: counts.get(status, 0) for status in OUTBOX_STATUSES}


def retry_message(engine: Engine, message_id: int, now: datetime | None = None) -> OutboxMessage:
    """Queue a failed message again, due ``now`` (default: the engine's clock); returns it as queued.

    OutboxMessageNotFound if there is no such message, NotRetryable if it has not failed.
    """
    at = aware_utc(now, "now") if now is not None else aware_utc(engine.clock.now())
    with engine.storage.write() as unit:
        message = unit.outbox.get(message_id)
        if message is None:
            raise OutboxMessageNotFound(message_id)
        if not unit.outbox.retry(message_id, at):
            raise NotRetryable(message_id, message.status)
        retried = unit.outbox.get(message_id)
    assert retried is not None  # the same transaction just updated it
    return retried


RETRY_ALL_LIMIT = 100_000
"""The most failed messages one ``retry_failed`` reads (a relay misconfiguration rarely fails more)."""


def retry_failed(
    engine: Engine,
    now: datetime | None = None,
    *,
    notice: str | None = None,
    since: datetime | None = None,
) -> list[OutboxMessage]:
    """Queue again, in one transaction, every failed message (of ``notice``, written at or after ``since``).

    Returns the messages queued again, oldest first, each as it failed (with its ``last_error``): after a
    relay misconfiguration, one call instead of one per message. UnknownNotice if ``notice`` is not in the
    catalogue.
    """
    at = aware_utc(now, "now") if now is not None else aware_utc(engine.clock.now())
    after = aware_utc(since, "since") if since is not None else None
    if notice is not None and notice not in engine.catalogue.notices:
        raise UnknownNotice(notice)
    with engine.storage.write() as unit:
        failed = unit.records.outbox("failed", None, RETRY_ALL_LIMIT)
        chosen = [
            m for m in failed if (notice is None or m.notice == notice) and (after is None or m.created_at >= after)
        ]
        return [m for m in chosen if unit.outbox.retry(m.id, at)]
