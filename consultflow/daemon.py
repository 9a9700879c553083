"""``consultflow run``: an asyncio loop that processes timers as they fall due, and survives restarts.

The database is the source of truth: APScheduler (3.x, an in-memory job store that nobody else shares)
only decides when to wake up. Two jobs do that: a date job at the next due timer, re-planned after every
batch, and a periodic sweep as a safety net (timers added by another process, failed attempts, a clock
that jumped). On start the daemon first processes everything that fell due while it was down, with the
catch-up policy of ``engine.timers``. Processing is synchronous SQL, run in a worker thread so the loop
stays responsive; SIGTERM or SIGINT stops the loop after the current batch.

Other long-running work (the outbox dispatcher) plugs in through ``extra_tasks`` (coroutines started with
the daemon and given the stop event) and ``after_batch`` (called after each batch that did something).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from inspect import isawaitable
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from engine.clock import Clock
from engine.service import Engine
from engine.timers import DEFAULT_LIMIT, TickReport, local_text, next_due, process_due, queue_status

log = logging.getLogger("consultflow.daemon")

ExtraTask = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
AfterBatch = Callable[[TickReport], object]
NEXT_DUE_JOB = "next-due"
SWEEP_JOB = "sweep"
STOP_GRACE_SECONDS = 10.0
DETAIL_LINES = 50  # beyond this many timers in one batch, print the counts only


class Daemon:
    """Processes due timers of one engine until stopped; see the module docstring."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock | None = None,
        *,
        sweep_seconds: float = 30.0,
        limit: int = DEFAULT_LIMIT,
        say: Callable[[str], None] | None = None,
        extra_tasks: Sequence[ExtraTask] = (),
        after_batch: AfterBatch | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock or engine.clock
        self.sweep_seconds = sweep_seconds
        self.limit = limit
        self.say = say or log.info
        self.extra_tasks = tuple(extra_tasks)
        self.after_batch = after_batch
        self.catch_up: TickReport | None = None  # what the start-up pass did
        self.last_report: TickReport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._ready = asyncio.Event()
        self._batch_done = asyncio.Condition()
        self._wakes = 0  # wake() calls so far; a batch remembers the count it started after
        self._done_wakes = -1
        self._batches_done = 0
        self._stop_requested = False

    # -- control (safe from other threads and signal handlers) ------------------------------------------

    def wake(self) -> None:
        """Look at the database now: after moving a test clock, or after adding timers in this process."""
        self._wakes += 1
        self._call(self._wakeup.set)

    def stop(self) -> None:
        """Stop after the current batch (called before ``run()``, it makes ``run()`` return at once)."""
        self._stop_requested = True
        self._call(self._stop_now)

    def _call(self, callback: Callable[[], None]) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(callback)

    def _stop_now(self) -> None:
        self._stopping.set()
        self._wakeup.set()

    # -- waiting (for tests and embedding code, on the daemon's loop) ----------------------------------

    async def ready(self) -> TickReport:
        """Wait until the start-up catch-up is done and the scheduler runs; returns what the catch-up did."""
        await self._ready.wait()
        assert self.catch_up is not None
        return self.catch_up

    async def next_batch(self) -> TickReport:
        """Wait for a batch that ends after this call and started after the latest ``wake()``; returns its
        report (once stopped, the last report at once).

        "Ends after this call" matters to a caller that loops until a batch finds something: returning an
        earlier batch again would let it spin on the loop without ever yielding to the daemon."""
        wanted = self._wakes
        seen = self._batches_done
        async with self._batch_done:
            await self._batch_done.wait_for(
                lambda: (self._done_wakes >= wanted and self._batches_done > seen) or self._stopping.is_set()
            )
        return self.last_report or TickReport(self.clock.now())

    # -- the loop ---------------------------------------------------------------------------------------

    async def run(self, *, handle_signals: bool = False) -> None:
        """Run until ``stop()`` (or SIGTERM/SIGINT when ``handle_signals``)."""
        self._loop = asyncio.get_running_loop()
        if self._stop_requested:
            self._stop_now()
        # An in-memory store of our own: APScheduler must never share a job store between processes, and
        # with misfire_grace_time=None a wake-up that comes late still runs (the 1 s default drops it).
        scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
            timezone=UTC,
        )
        scheduler.add_listener(self._on_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        scheduler.start()  # inside the running loop, as AsyncIOScheduler requires
        signals = self._install_signals() if handle_signals else []
        extra: list[asyncio.Task[None]] = [asyncio.create_task(task(self._stopping)) for task in self.extra_tasks]
        for task in extra:
            task.add_done_callback(self._extra_done)
        try:
            self.catch_up = TickReport(self.clock.now())
            if self._stopping.is_set():
                return
            self.catch_up = await self._batch(-1)
            if self._stopping.is_set():
                return
            # "Next" means after the instant the batch processed at: a timer that fell due while it ran is
            # planned for now, rather than left to the sweep.
            pending, upcoming = await asyncio.to_thread(queue_status, self.engine, self.catch_up.now)
            when = local_text(upcoming, self.engine.catalogue.body.calendar) if upcoming else "none"
            self.say(f"ready: {pending} pending timers, next due at {when}")
            scheduler.add_job(self._on_job, "interval", seconds=self.sweep_seconds, id=SWEEP_JOB)
            self._plan(scheduler, upcoming)
            self._ready.set()
            while True:
                await self._wakeup.wait()
                self._wakeup.clear()
                if self._stopping.is_set():
                    break
                done = await self._batch(self._wakes)
                if self._stopping.is_set():
                    break
                try:
                    upcoming = await asyncio.to_thread(next_due, self.engine, done.now)
                except Exception as exc:  # the sweep will try again
                    self.say(f"error: cannot read the next due timer: {exc}")
                    continue
                self._plan(scheduler, upcoming)
        finally:
            self._stopping.set()
            self._ready.set()  # nobody waits forever for a daemon that stopped before it was ready
            for sig in signals:
                self._loop.remove_signal_handler(sig)
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a loop callback: let it run
            await self._stop_extra(extra)
            async with self._batch_done:
                self._batch_done.notify_all()
            self.say("stopped")

    async def _batch(self, started_after: int) -> TickReport:
        """Process everything due now, in passes of ``limit``, stopping early only when asked to."""
        report = TickReport(self.clock.now())
        while True:
            try:
                done = await asyncio.to_thread(
                    process_due, self.engine, self.clock.now(), self.limit, exclude=report.failed
                )
            except Exception as exc:  # the database is unusable right now; the sweep retries
                self.say(f"error: timers not processed: {exc}")
                break
            report = report.merged(done)
            if len(done) < self.limit or self._stopping.is_set():
                break
        self._tell(report)
        self.last_report = report
        self._done_wakes = started_after
        self._batches_done += 1
        async with self._batch_done:
            self._batch_done.notify_all()
        if report.outcomes and self.after_batch is not None:
            try:
                result = self.after_batch(report)
                if isawaitable(result):
                    await result
            except Exception as exc:  # a hook's failure is its own: timers go on
                self.say(f"error: after-batch hook failed: {exc!r}")
        return report

    def _plan(self, scheduler: Any, due: datetime | None) -> None:
        """Wake at the next due time: the wait is measured on the injected clock and slept on the real one
        (the same thing with the system clock; a test's fixed clock moves only with ``wake()``)."""
        if due is None:
            with contextlib.suppress(Exception):
                scheduler.remove_job(NEXT_DUE_JOB)
            return
        delay = max(0.0, (due - self.clock.now()).total_seconds())
        run_at = datetime.now(UTC) + timedelta(seconds=delay)
        scheduler.add_job(self._on_job, "date", run_date=run_at, id=NEXT_DUE_JOB, replace_existing=True)

    async def _on_job(self) -> None:
        # A coroutine, so APScheduler's asyncio executor runs it on the loop rather than in a thread.
        self.wake()

    def _tell(self, report: TickReport) -> None:
        if not report.outcomes:
            return
        for o in report.outcomes:
            if o.outcome != "fired" or len(report) <= DETAIL_LINES:
                self.say(f"{o.outcome} {o.key} on {o.instance_id}: {o.detail}")
        self.say(f"batch: {report.summary()}")

    def _install_signals(self) -> list[signal.Signals]:
        assert self._loop is not None
        installed = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._loop.add_signal_handler(sig, self.stop)
            installed.append(sig)
        return installed

    def _on_job_event(self, event: Any) -> None:
        # The jobs only set an event, so this means APScheduler itself misbehaved: say it, the sweep goes on.
        self.say(f"scheduler: job {event.job_id} {'missed' if event.code == EVENT_JOB_MISSED else 'failed'}")

    def _extra_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.say(f"error: background task stopped: {task.exception()!r}")

    async def _stop_extra(self, extra: list[asyncio.Task[None]]) -> None:
        if not extra:
            return
        _, still = await asyncio.wait(extra, timeout=STOP_GRACE_SECONDS)
        for task in still:
            task.cancel()
        await asyncio.gather(*extra, return_exceptions=True)
