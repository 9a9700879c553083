"""The outbox queue: claim messages to send with a lease, then record what the SMTP server said.

A claim sets ``claimed_by`` (the dispatcher's token) and ``claimed_until`` (a lease). Two dispatchers never
hold the same row: on PostgreSQL the candidates are taken ``FOR UPDATE SKIP LOCKED``, on SQLite the claim
runs in a ``BEGIN IMMEDIATE`` transaction. A dispatcher that dies leaves its rows claimed until the lease
runs out; then they are claimed again, so nothing is lost (delivery is at least once, see README).
Results are recorded only by the claimer (``claimed_by`` must match), so a slow dispatcher whose lease ran
out cannot overwrite what a newer claimer recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    ScalarSelect,
    Select,
    Update,
    and_,
    bindparam,
    func,
    or_,
    select,
    update,
)

from engine.records import OutboxMessage, OutboxStatus
from storage.repository import OUTBOX, outbox_from_row

PENDING, SENT, FAILED = "pending", "sent", "failed"

# The statements that record an attempt, built once: one runs for every message sent, and building an
# update() per call cost twice what running it does (bench/mail.py).
_MINE = and_(
    OUTBOX.c.id == bindparam("message_id"), OUTBOX.c.claimed_by == bindparam("token"), OUTBOX.c.status == PENDING
)
_ATTEMPTED = {"attempts": OUTBOX.c.attempts + 1, "claimed_until": None}
_MARK_SENT = update(OUTBOX).where(_MINE).values(status=SENT, sent_at=bindparam("now"), last_error=None, **_ATTEMPTED)
_MARK_RETRY = (
    update(OUTBOX)
    .where(_MINE)
    .values(next_attempt_at=bindparam("next_attempt_at"), claimed_by=None, last_error=bindparam("error"), **_ATTEMPTED)
)
_MARK_FAILED = update(OUTBOX).where(_MINE).values(status=FAILED, last_error=bindparam("error"), **_ATTEMPTED)


class OutboxQueue:
    """Outbox queries for one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.is_postgres = conn.dialect.name == "postgresql"

    def claim(self, token: str, now: datetime, limit: int, lease: timedelta) -> list[OutboxMessage]:
        """Take up to ``limit`` due messages, oldest first, for ``lease``."""
        candidates = (
            select(OUTBOX.c.id)
            .where(
                OUTBOX.c.status == PENDING,
                OUTBOX.c.next_attempt_at <= now,
                or_(OUTBOX.c.claimed_until.is_(None), OUTBOX.c.claimed_until < now),
            )
            .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id)
            .limit(limit)
        )
        chosen = self._chosen(candidates)
        if chosen is None:
            return []
        rows = self.conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(chosen), OUTBOX.c.status == PENDING)
            .values(claimed_by=token, claimed_until=now + lease)
            .returning(*OUTBOX.c)
        )
        return sorted((outbox_from_row(r) for r in rows), key=lambda m: m.id)

    def _chosen(self, candidates: Select[Any]) -> list[int] | ScalarSelect[Any] | None:
        """The ids to claim. PostgreSQL: locked and read first, in a statement of their own (None: none due).
        Inside ``UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)`` the planner may run the
        subquery once per row, each run skipping the rows the previous ones locked: far more than ``n`` rows
        were claimed, longer than a dispatcher can send them within its lease. SQLite: one statement (the
        write lock is already held)."""
        if not self.is_postgres:
            return candidates.scalar_subquery()
        ids = [int(row[0]) for row in self.conn.execute(candidates.with_for_update(skip_locked=True))]
        return ids or None

    def mark_sent(self, message_id: int, token: str, now: datetime) -> bool:
        return self._record(_MARK_SENT, message_id, token, now=now)

    def mark_retry(self, message_id: int, token: str, next_attempt_at: datetime, error: str) -> bool:
        return self._record(_MARK_RETRY, message_id, token, next_attempt_at=next_attempt_at, error=error[:2000])

    def mark_failed(self, message_id: int, token: str, error: str) -> bool:
        return self._record(_MARK_FAILED, message_id, token, error=error[:2000])

    def _record(self, statement: Update, message_id: int, token: str, **values: object) -> bool:
        """Record an attempt on a message this claim still holds; False when the claim was lost."""
        return self.conn.execute(statement, {"message_id": message_id, "token": token, **values}).rowcount == 1

    def release(self, message_ids: Sequence[int], token: str) -> None:
        """Give back claimed messages that were not attempted (e.g. on shutdown)."""
        if message_ids:
            self.conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id.in_(message_ids), OUTBOX.c.claimed_by == token, OUTBOX.c.status == PENDING)
                .values(claimed_until=None, claimed_by=None)
            )

    def retry(self, message_id: int, now: datetime) -> bool:
        """Put a failed message back in the queue (the secretariat's `outbox retry`)."""
        result = self.conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == message_id, OUTBOX.c.status == FAILED)
            .values(status=PENDING, next_attempt_at=now, claimed_until=None, claimed_by=None)
        )
        return result.rowcount == 1

    def get(self, message_id: int) -> OutboxMessage | None:
        row = self.conn.execute(select(OUTBOX).where(OUTBOX.c.id == message_id)).first()
        return outbox_from_row(row) if row else None

    def next_due(self) -> datetime | None:
        """When the earliest pending message may be attempted (for the daemon's wake-up)."""
        value: datetime | None = self.conn.execute(  # min() keeps the column type, so this is aware UTC
            select(func.min(OUTBOX.c.next_attempt_at)).where(OUTBOX.c.status == PENDING)
        ).scalar_one()
        return value

    def counts(self) -> dict[str, int]:
        rows = self.conn.execute(select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status))
        return {status: int(count) for status, count in rows}

    def page(
        self,
        *,
        status: OutboxStatus | None = None,
        notice: str | None = None,
        recipients: Sequence[str] | None = None,
        written_from: datetime | None = None,
        written_before: datetime | None = None,
        before_id: int | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> list[OutboxMessage]:
        """Messages matching every filter given, newest first (see ``engine.ports.OutboxQueue.page``).

        Each filter has an index that leads with its column and ends with ``id`` (migration 0004), so
        the newest-first walk over one filter reads only the rows it returns.
        """
        query = select(OUTBOX)
        if status is not None:
            query = query.where(OUTBOX.c.status == status)
        if notice is not None:
            query = query.where(OUTBOX.c.notice == notice)
        if recipients is not None:
            if not recipients:
                return []
            query = query.where(OUTBOX.c.recipient_id.in_(list(recipients)))
        if written_from is not None:
            query = query.where(OUTBOX.c.created_at >= written_from)
        if written_before is not None:
            query = query.where(OUTBOX.c.created_at < written_before)
        if before_id is not None:
            query = query.where(OUTBOX.c.id < before_id)
        query = query.order_by(OUTBOX.c.id.desc()).offset(max(offset, 0)).limit(max(limit, 0))
        return [outbox_from_row(r) for r in self.conn.execute(query)]
