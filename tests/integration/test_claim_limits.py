"""A claim takes at most the number asked for, on both backends: on PostgreSQL an UPDATE over a
`LIMIT ... FOR UPDATE SKIP LOCKED` subquery claimed far more (the planner re-ran the subquery per row)."""

from __future__ import annotations

from datetime import timedelta

from engine import Engine
from storage.claims import Claims
from storage.outbox import OutboxQueue
from storage.unit import database_of
from tests.conftest import at
from tests.scenario import convene


def test_an_outbox_claim_takes_no_more_than_its_limit(engine: Engine) -> None:
    convene(engine)
    now = at("2018-12-22")
    due = [m for m in engine.outbox(limit=10_000) if m.status == "pending" and m.next_attempt_at <= now]
    assert len(due) > 3
    with database_of(engine.storage).write() as conn:
        claimed = OutboxQueue(conn).claim("worker-1", now, 2, timedelta(minutes=5))
    assert len(claimed) == 2
    with database_of(engine.storage).write() as conn:
        others = OutboxQueue(conn).claim("worker-2", now, 1000, timedelta(minutes=5))
    assert len(others) == len(due) - 2 and not {m.id for m in claimed} & {m.id for m in others}


def test_a_timer_claim_takes_no_more_than_its_limit(engine: Engine) -> None:
    convene(engine)
    when = at("2019-03-01")
    pending = [t for t in engine.timers(convene_meeting(engine), ("pending",)) if t.due_at <= when]
    assert len(pending) > 2
    with database_of(engine.storage).write() as conn:
        claimed = Claims(conn).claim_batch(when, 1)
    assert len(claimed) == 1
    left = [t for t in engine.timers(convene_meeting(engine), ("pending",)) if t.due_at <= when]
    assert len(left) == len(pending) - 1


def convene_meeting(engine: Engine) -> str:
    return engine.list("meeting_cycle")[0].id
