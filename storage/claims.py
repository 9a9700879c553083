"""The SQL that claims due timers, settles them and lists what is scheduled, bound to one transaction.

Claiming is what keeps two processes from handling the same timer: on PostgreSQL the row is taken with
``FOR UPDATE SKIP LOCKED`` (a second worker skips it instead of waiting), on SQLite a conditional
``UPDATE ... WHERE status = 'pending'`` inside the ``BEGIN IMMEDIATE`` transaction (one writer at a time,
and whoever comes second finds the row no longer pending).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, ScalarSelect, bindparam, func, select, update

from engine.records import Instance, Timer, TimerStatus
from storage.repository import INSTANCE, INSTANCE_COLUMNS, INSTANCE_FROM, TIMER, instance_from_row, timer_from_row

PENDING = "pending"
CLAIMED = "fired"  # a claimed timer is written as fired; a refusal in the same transaction turns it into skipped


class Claims:
    """Due-timer queries for one transaction (the counterpart of ``Store`` for the timer queue)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.is_postgres = conn.dialect.name == "postgresql"

    # -- claiming ---------------------------------------------------------------------------------------

    def claim(self, timer_id: int, now: datetime) -> Timer | None:
        """Take one pending timer (conditional update); None if someone else already did or it was cancelled."""
        row = self.conn.execute(
            update(TIMER)
            .where(TIMER.c.id == timer_id, TIMER.c.status == PENDING, TIMER.c.due_at <= now)
            .values(status=CLAIMED, fired_at=now)
            .returning(*TIMER.c)
        ).first()
        return timer_from_row(row) if row else None

    def claim_batch(self, now: datetime, limit: int, exclude: Sequence[int] = ()) -> list[Timer]:
        """Take up to ``limit`` of the oldest due timers in one statement, oldest first.

        PostgreSQL: rows another worker holds are skipped (``FOR UPDATE SKIP LOCKED``), so concurrent
        workers take disjoint batches. SQLite: the ``BEGIN IMMEDIATE`` transaction already excludes other
        writers; the ``status = 'pending'`` condition is what makes a second claim a no-op.
        """
        oldest = (
            select(TIMER.c.id)
            .where(TIMER.c.status == PENDING, TIMER.c.due_at <= now)
            .order_by(TIMER.c.due_at, TIMER.c.id)
            .limit(limit)
        )
        if exclude:
            oldest = oldest.where(TIMER.c.id.not_in(exclude))
        if self.is_postgres:
            # Locked and read in a statement of their own: as a subquery of the UPDATE, the planner may run
            # it once per row, each run skipping the rows the previous ones locked, and claim far more than
            # ``limit`` (storage/outbox.py says the same of the outbox).
            ids = list(self.conn.execute(oldest.with_for_update(skip_locked=True)).scalars())
            if not ids:
                return []
            chosen: list[int] | ScalarSelect[Any] = ids
        else:
            chosen = oldest.scalar_subquery()
        rows = self.conn.execute(
            update(TIMER)
            .where(TIMER.c.id.in_(chosen), TIMER.c.status == PENDING)
            .values(status=CLAIMED, fired_at=now)
            .returning(*TIMER.c)
        )
        return sorted((timer_from_row(r) for r in rows), key=lambda t: (t.due_at, t.id))  # RETURNING has no order

    def settle(self, results: Sequence[tuple[int, TimerStatus, str]]) -> None:
        """Record how claimed timers ended: (id, fired or skipped, why), in one round trip."""
        if results:
            self.conn.execute(
                update(TIMER)
                .where(TIMER.c.id == bindparam("timer_id"))
                .values(status=bindparam("outcome"), detail=bindparam("why")),
                [{"timer_id": i, "outcome": status, "why": detail} for i, status, detail in results],
            )

    def note_failure(self, timer_id: int, detail: str) -> None:
        """Say on a still-pending timer why its last attempt failed (it stays pending and is retried)."""
        self.conn.execute(
            update(TIMER).where(TIMER.c.id == timer_id, TIMER.c.status == PENDING).values(detail=detail[:2000])
        )

    # -- reading the queue ------------------------------------------------------------------------------

    def timer(self, timer_id: int) -> Timer | None:
        row = self.conn.execute(select(TIMER).where(TIMER.c.id == timer_id)).first()
        return timer_from_row(row) if row else None

    def instances(self, ids: Sequence[str]) -> dict[str, tuple[Instance, int]]:
        """Several instances (with their definition row id) in one query: a batch's reminders read them all."""
        query = select(*INSTANCE_COLUMNS).select_from(INSTANCE_FROM).where(INSTANCE.c.id.in_(sorted(set(ids))))
        return {row.id: (instance_from_row(row), row.definition_id) for row in self.conn.execute(query)}

    def pending_count(self) -> int:
        return int(self.conn.execute(select(func.count()).where(TIMER.c.status == PENDING)).scalar_one())

    def next_due(self, after: datetime | None = None) -> datetime | None:
        """The earliest due time of a pending timer (strictly after ``after`` when given)."""
        query = select(func.min(TIMER.c.due_at)).where(TIMER.c.status == PENDING)
        if after is not None:
            query = query.where(TIMER.c.due_at > after)
        due: datetime | None = self.conn.execute(query).scalar_one()  # min() keeps the UTC column type
        return due

    def listing(
        self, since: datetime | None, until: datetime, statuses: Sequence[TimerStatus], limit: int = 10_000
    ) -> list[tuple[Timer, str, str]]:
        """(timer, workflow, instance state) for timers due up to ``until`` (from ``since``), by due time."""
        query = (
            select(*TIMER.c, INSTANCE.c.workflow.label("workflow"), INSTANCE.c.state.label("instance_state"))
            .select_from(TIMER.join(INSTANCE, TIMER.c.instance_id == INSTANCE.c.id))
            .where(TIMER.c.status.in_(statuses), TIMER.c.due_at <= until)
            .order_by(TIMER.c.due_at, TIMER.c.id)
            .limit(limit)
        )
        if since is not None:
            query = query.where(TIMER.c.due_at >= since)
        return [(timer_from_row(r), r.workflow, r.instance_state) for r in self.conn.execute(query)]
