"""The timer daemon with the real APScheduler and a clock the test moves: restarts, catch-up, wake-ups, hooks."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from consultflow.daemon import Daemon
from engine import Engine, FixedClock
from engine.timers import TickReport, scheduled
from storage.repository import AUDIT, OUTBOX
from storage.unit import database_of
from tests.scenario import convene

GENEVA = ZoneInfo("Europe/Zurich")
T = TypeVar("T")
WAIT = 60.0  # an upper bound against hangs, never a timing assertion


def geneva(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=GENEVA)


def run(body: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(asyncio.wait_for(body(), WAIT))


class ShiftedClock:
    """Real time, shifted to a chosen instant: it moves by itself, so the scheduler's own wake-ups matter."""

    def __init__(self, now: datetime) -> None:
        self.offset = now - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def started(daemon: Daemon) -> tuple[asyncio.Task[None], TickReport]:
    task = asyncio.create_task(daemon.run())
    return task, await daemon.ready()


async def stopped(daemon: Daemon, task: asyncio.Task[None]) -> None:
    daemon.stop()
    await task


def messages_for(engine: Engine, timer_id: int) -> int:
    with database_of(engine.storage).read() as conn:
        return int(conn.execute(select(func.count()).where(OUTBOX.c.timer_id == timer_id)).scalar_one())


def test_restart_processes_what_fell_due_once_and_skips_missed_reminders(
    make_engine: Callable[..., Engine], clock: FixedClock
) -> None:
    """Stop the daemon, move time past several timers, start it: each is processed once, late reminders skipped."""
    engine = make_engine()
    meeting = convene(engine).meeting.id
    seen: list[int] = []

    async def first_life() -> None:
        clock.set(geneva("2019-01-03T09:00"))
        daemon = Daemon(engine, clock, sweep_seconds=3600)
        task, catch_up = await started(daemon)
        assert catch_up.outcomes == ()
        clock.set(geneva("2019-01-04T08:00"))
        daemon.wake()
        report = await daemon.next_batch()
        assert [(o.key, o.outcome) for o in report.outcomes] == [("R01", "fired")]
        seen.extend(o.timer_id for o in report.outcomes)
        await stopped(daemon, task)

    run(first_life)
    clock.set(geneva("2019-01-21T09:00"))  # down for 17 days: R02, R03 and both contribution deadlines passed
    engine.close()
    engine = make_engine()  # a new process would open its own engine

    async def second_life() -> None:
        daemon = Daemon(engine, clock, sweep_seconds=3600)
        task, catch_up = await started(daemon)
        assert [(o.key, o.outcome) for o in catch_up.outcomes] == [
            ("R02", "skipped"),
            ("close_translation", "fired"),
            ("R03", "skipped"),
            ("close_contributions", "fired"),
        ]
        seen.extend(o.timer_id for o in catch_up.outcomes)
        clock.set(geneva("2019-01-24T08:30"))
        daemon.wake()
        report = await daemon.next_batch()
        assert [(o.key, o.outcome) for o in report.outcomes] == [("R04", "fired")]
        seen.extend(o.timer_id for o in report.outcomes)
        await stopped(daemon, task)

    run(second_life)
    assert len(seen) == len(set(seen)) == 6
    assert engine.get(meeting).state == "contributions_closed"
    timers = {t.key: t for t in engine.timers(meeting)}
    assert timers["R02"].status == timers["R03"].status == "skipped"
    assert timers["R02"].detail == "missed: due 2019-01-10 08:00 CET, processed 2019-01-21 09:00 CET"
    assert messages_for(engine, timers["R01"].id) == 6 and messages_for(engine, timers["R02"].id) == 0
    with database_of(engine.storage).read() as conn:
        fired = Counter(
            r[0]
            for r in conn.execute(
                select(AUDIT.c.trigger).where(AUDIT.c.instance_id == meeting, AUDIT.c.actor == "system")
            )
        )
    assert fired == Counter({"close_translation": 1, "close_contributions": 1})
    looking_back = {x.timer.key: x.timer for x in scheduled(engine, clock.now(), days=0, past_days=30)}
    assert looking_back["R03"].status == "skipped" and looking_back["R03"].detail is not None
    assert looking_back["R03"].detail.startswith("missed: due 2019-01-18 08:00 CET")


def test_the_scheduler_wakes_the_daemon_at_the_next_due_timer(make_engine: Callable[..., Engine]) -> None:
    """With a clock that moves by itself, the APScheduler date job (not wake()) processes the next timer."""
    engine = make_engine()
    meeting = convene(engine).meeting.id
    clock = ShiftedClock(geneva("2019-01-04T08:00") - timedelta(seconds=0.3))

    async def life() -> None:
        daemon = Daemon(engine, clock, sweep_seconds=3600)
        task, catch_up = await started(daemon)
        assert catch_up.outcomes == ()
        report = await daemon.next_batch()  # only the scheduler can start this batch
        assert [(o.key, o.outcome) for o in report.outcomes] == [("R01", "fired")]
        await stopped(daemon, task)

    run(life)
    assert {t.key: t.status for t in engine.timers(meeting)}["R01"] == "fired"


def test_the_periodic_sweep_finds_timers_another_process_added(
    make_engine: Callable[..., Engine], clock: FixedClock
) -> None:
    """Timers written by someone else after start-up are found by the safety-net sweep, without a wake()."""
    engine = make_engine()
    clock.set(geneva("2019-01-04T09:00"))

    async def life() -> list[tuple[str, str]]:
        # Outcomes are collected by the after-batch hook: a sweep may fire R01 while convene still runs, and a
        # later (empty) batch must not hide it.
        heard: list[tuple[str, str]] = []
        found = asyncio.Event()

        def after_batch(report: TickReport) -> None:
            heard.extend((o.key, o.outcome) for o in report.outcomes)
            found.set()

        daemon = Daemon(engine, clock, sweep_seconds=0.05, after_batch=after_batch)
        task, catch_up = await started(daemon)
        assert catch_up.outcomes == ()
        await asyncio.to_thread(convene, engine)  # creates R01, already due at the daemon's clock
        await found.wait()
        await stopped(daemon, task)
        return heard

    assert run(life) == [("R01", "fired")]


def test_extra_tasks_and_the_after_batch_hook(make_engine: Callable[..., Engine], clock: FixedClock) -> None:
    """A dispatcher plugs in as an extra task (stopped with the daemon) and hears about each batch."""
    engine = make_engine()
    convene(engine)
    clock.set(geneva("2019-01-04T09:00"))
    heard: list[str] = []
    lifecycle: list[str] = []

    async def dispatcher(stop: asyncio.Event) -> None:
        lifecycle.append("started")
        await stop.wait()
        lifecycle.append("stopped")

    async def life() -> None:
        daemon = Daemon(
            engine, clock, sweep_seconds=3600, extra_tasks=[dispatcher], after_batch=lambda r: heard.append(r.summary())
        )
        task, catch_up = await started(daemon)
        assert len(catch_up.fired) == 1
        await stopped(daemon, task)

    run(life)
    assert heard == ["1 fired, 0 skipped, 0 failed"]
    assert lifecycle == ["started", "stopped"]


def test_a_stop_before_the_daemon_is_ready_ends_it_cleanly(
    make_engine: Callable[..., Engine], clock: FixedClock
) -> None:
    """stop() called before run() makes run() return without processing; ready() does not hang."""
    engine = make_engine()
    meeting = convene(engine).meeting.id
    clock.set(geneva("2019-01-21T09:00"))

    async def life() -> TickReport:
        daemon = Daemon(engine, clock, sweep_seconds=3600)
        daemon.stop()
        await daemon.run()
        return await daemon.ready()

    assert run(life).outcomes == ()
    assert "pending" in {t.status for t in engine.timers(meeting)}
