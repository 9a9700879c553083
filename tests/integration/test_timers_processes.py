"""Real `consultflow run` processes: two daemons on one database never process a timer twice; SIGTERM stops cleanly."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from engine import Engine
from engine.timers import process_all_due
from storage.repository import OUTBOX, TIMER, Store
from storage.unit import database_of
from tests.scenario import convene

BIN = Path(sys.executable).parent / "consultflow"
CLI = str(BIN) if BIN.exists() else shutil.which("consultflow") or "consultflow"
MEETINGS, PER_MEETING = 20, 100  # 2,000 due timers
R05_RECIPIENTS = 3  # the chair and two vice-chairs of tests/fixtures/people.csv
BOUND = 180.0  # seconds: a guard against hangs, not a timing assertion


class Daemon:
    """One `consultflow run` subprocess whose output is read as it comes (so its pipe never fills up)."""

    def __init__(self, db_url: str, cwd: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k != "CONSULTFLOW_DATABASE_URL"}
        self.process = subprocess.Popen(
            [CLI, "--db", db_url, "run", "--sweep", "0.2", "--limit", "200"],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("ready:"):
                self.ready.set()
        self.ready.set()  # ended: whoever waits finds out from the output

    def wait_ready(self) -> None:
        assert self.ready.wait(BOUND) and self.process.poll() is None, "\n".join(self.lines)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(BOUND)
        self._reader.join(BOUND)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return code

    def fired(self) -> int:
        counts = [re.match(r"batch: (\d+) fired", line) for line in self.lines]
        return sum(int(m.group(1)) for m in counts if m)


@contextmanager
def daemons(db_url: str, cwd: Path, count: int) -> Iterator[list[Daemon]]:
    started = [Daemon(db_url, cwd) for _ in range(count)]
    try:
        yield started
    finally:
        for d in started:
            if d.process.poll() is None:
                d.process.kill()
                d.stop()


def test_two_daemons_fire_every_one_of_2000_timers_exactly_once(
    make_engine: Callable[..., Engine], db_url: str, tmp_path: Path
) -> None:
    """Two `consultflow run` processes share the work of 2,000 due reminders: each is sent once, none twice."""
    engine = make_engine()
    meetings = [convene(engine).meeting.id for _ in range(MEETINGS)]
    process_all_due(engine, datetime.now(UTC))  # the 2019 deadlines pass now: the meetings settle first
    with daemons(db_url, tmp_path, 2) as running:
        for d in running:
            d.wait_ready()
        now = datetime.now(UTC)
        with database_of(engine.storage).write() as conn:  # all at once, while both daemons are running
            Store(conn).insert_timers(
                [
                    {
                        "instance_id": meeting,
                        "key": "R05",
                        "kind": "reminder",
                        "due_at": now - timedelta(seconds=1),
                        "status": "pending",
                        "rule": "load test",
                        "notice": "R05",
                        "created_at": now,
                    }
                    for meeting in meetings
                    for _ in range(PER_MEETING)
                ]
            )
        ours = TIMER.c.rule == "load test"
        deadline = time.monotonic() + BOUND
        while True:
            with database_of(engine.storage).read() as conn:
                left = conn.execute(select(func.count()).where(ours, TIMER.c.status == "pending")).scalar_one()
            if left == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        codes = [d.stop() for d in running]
    output = "\n".join(line for d in running for line in d.lines)
    assert left == 0, output
    assert codes == [0, 0], output
    assert all(d.lines[-1] == "stopped" for d in running), output
    with database_of(engine.storage).read() as conn:
        by_status = select(TIMER.c.status, func.count()).where(ours).group_by(TIMER.c.status)
        statuses: dict[str, int] = {str(status): int(n) for status, n in conn.execute(by_status)}
        per_timer: dict[int, int] = dict(
            conn.execute(
                select(OUTBOX.c.timer_id, func.count())
                .select_from(OUTBOX.join(TIMER, OUTBOX.c.timer_id == TIMER.c.id))
                .where(ours)
                .group_by(OUTBOX.c.timer_id)
            ).all()
        )
    calendar = engine.catalogue.body.calendar
    if calendar.local_date(datetime.now(UTC)) == calendar.local_date(now):
        assert statuses == {"fired": MEETINGS * PER_MEETING}, statuses
    else:  # the run crossed midnight in Geneva: reminders left for the next day are skipped, still once each
        assert sum(statuses.values()) == MEETINGS * PER_MEETING and "pending" not in statuses
    assert len(per_timer) == statuses.get("fired", 0)
    assert set(per_timer.values()) <= {R05_RECIPIENTS}, "a reminder was sent more than once"
    assert sum(d.fired() for d in running) == statuses.get("fired", 0)


def test_sigterm_stops_the_daemon_cleanly(db_url: str, tmp_path: Path, make_engine: Callable[..., Engine]) -> None:
    """`consultflow run` says where it is and when it is ready, and exits 0 on SIGTERM."""
    make_engine()
    with daemons(db_url, tmp_path, 1) as (daemon,):
        daemon.wait_ready()
        assert daemon.stop() == 0
    assert daemon.lines[0].startswith("consultflow run (pid ")
    assert "database " in daemon.lines[0] and "sweep every 0.2 s" in daemon.lines[0]
    assert "ready: 0 pending timers, next due at none" in daemon.lines
    assert daemon.lines[-1] == "stopped"
