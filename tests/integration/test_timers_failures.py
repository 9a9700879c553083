"""A timer whose processing breaks fails alone: its batch is redone one timer per transaction, nothing twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engine import Engine
from engine.execution import write_notices
from engine.timers import process_all_due, process_due
from storage.repository import OUTBOX
from storage.unit import database_of
from tests.scenario import convene

GENEVA = ZoneInfo("Europe/Zurich")


def geneva(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=GENEVA)


def messages_by_timer(engine: Engine) -> Counter[int]:
    with database_of(engine.storage).read() as conn:
        rows = conn.execute(select(OUTBOX.c.timer_id, func.count()).group_by(OUTBOX.c.timer_id))
        return Counter({int(t): int(n) for t, n in rows if t is not None})


def test_a_failing_reminder_stays_pending_and_the_others_go_out_once(
    make_engine: Callable[..., Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """R01 of one meeting raises: it is reported failed and left pending; the other meetings' R01 go out once."""
    engine = make_engine()
    meetings = [convene(engine).meeting.id for _ in range(3)]
    broken = next(t for t in engine.timers(meetings[1]) if t.key == "R01")

    def failing(*args: Any, **kwargs: Any) -> int:
        count = write_notices(*args, **kwargs)  # the rows are written first: the rollback must take them back
        if kwargs.get("timer_id") == broken.id:
            raise RuntimeError("template store unreachable")
        return count

    monkeypatch.setattr("engine.timers.write_notices", failing)
    report = process_due(engine, geneva("2019-01-04T09:00"))
    assert report.failed == (broken.id,)
    assert len(report.fired) == 2
    failed = next(o for o in report.outcomes if o.outcome == "failed")
    assert failed.detail.endswith("failed: RuntimeError: template store unreachable")
    after = next(t for t in engine.timers(meetings[1]) if t.key == "R01")
    assert after.status == "pending" and after.detail == failed.detail
    sent = messages_by_timer(engine)
    assert broken.id not in sent
    assert sorted(sent.values()) == [6, 6]  # the other two R01, once each, despite the batch being redone

    monkeypatch.setattr("engine.timers.write_notices", write_notices)
    retry = process_all_due(engine, geneva("2019-01-04T10:00"))
    assert retry.fired == (broken.id,)
    assert messages_by_timer(engine)[broken.id] == 6
    assert sorted(messages_by_timer(engine).values()) == [6, 6, 6]
