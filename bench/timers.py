"""Timer daemon start-up and due-timer throughput on SQLite WAL files, against a raw sqlite3 floor of the same run.

Prints the time and peak RSS for `consultflow run` (a subprocess, from exec to its "ready:" line) with no pending
timers and with 100k (targets <= 3 s, <= 150 MiB), then the time to process 10k due reminders (claim, state check,
one outbox row each, status) against a raw sqlite3 floor of one UPDATE + one INSERT per timer, one transaction each
(target <= 5x), on copies of the same database file. For information: the same floor batched like the engine (100
timers per transaction), and the engine with one transaction per timer (the design measured and not taken). Exits
non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from consultflow.wiring import open_engine
from engine import Engine, Person
from engine.timers import DEFAULT_BATCH, process_all_due
from storage.repository import INSTANCE, TIMER
from storage.unit import database_of

GENEVA = ZoneInfo("Europe/Zurich")
BIN = Path(sys.executable).parent / "consultflow"
CLI = [str(BIN)] if BIN.exists() else [sys.executable, "-c", "from consultflow.cli import main; main()"]
MEETING = {"number": 12, "start": "2019-02-01", "end": "2019-02-01", "venue": "Geneva"}
PROCESSED_AT = datetime(2019, 1, 24, 13, 0, tzinfo=GENEVA)  # R04's day: every reminder below is on time


def geneva(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=GENEVA)


def _meeting_in(engine: Engine, state: str) -> str:
    """A meeting driven through the public API (timers included) to ``state``."""
    engine.import_people([Person("sec", "Secretariat", "sec@itu.example", "en", ("secretariat",))])
    meeting = engine.start("meeting_cycle", "sec", MEETING, now=geneva("2018-12-01T10:00")).id
    engine.fire(meeting, "send_invitation", "sec", {"letter_ref": "DM-18/1000"}, now=geneva("2018-12-21T10:00"))
    engine.fire(meeting, "open_contributions", "sec", now=geneva("2018-12-21T11:00"))
    if state == "contributions_closed":
        process_all_due(engine, geneva("2019-01-21T00:00"))
    assert engine.get(meeting).state == state
    return meeting


def _clone(engine: Engine, meeting: str, count: int) -> list[str]:
    """``count`` more instances exactly like ``meeting`` (bulk rows, not ``count`` API calls)."""
    with database_of(engine.storage).write() as conn:
        row = conn.execute(select(INSTANCE).where(INSTANCE.c.id == meeting)).one()._asdict()
        ids = [f"meeting_cycle-{uuid.uuid4().hex[:10]}" for _ in range(count)]
        conn.execute(INSTANCE.insert(), [{**row, "id": i} for i in ids])
    return [meeting, *ids]


def _cancel_pending(engine: Engine) -> None:
    """Only the bench's own timers stay: the meeting's 2019 ones would be caught up (and replan the meeting)."""
    with database_of(engine.storage).write() as conn:
        conn.execute(TIMER.update().where(TIMER.c.status == "pending").values(status="cancelled"))


def _add_timers(engine: Engine, rows: list[dict[str, object]]) -> None:
    with database_of(engine.storage).write() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(TIMER.insert(), rows[i : i + 5000])


def _reminder(instance_id: str, due: datetime) -> dict[str, object]:
    return {
        "instance_id": instance_id,
        "key": "R04",
        "kind": "reminder",
        "due_at": due,
        "status": "pending",
        "rule": "start - 8 days",
        "notice": "R04",
        "created_at": due - timedelta(days=30),
    }


# -- start-up ---------------------------------------------------------------------------------------------


def build_pending(folder: Path, pending: int) -> str:
    url = f"sqlite:///{folder / f'ready-{pending}.db'}"
    engine = open_engine(url)
    meetings = _clone(engine, _meeting_in(engine, "contributions_open"), 99)
    _cancel_pending(engine)
    start = datetime(2030, 1, 1, 7, tzinfo=UTC)  # far ahead: pending, nothing due
    _add_timers(engine, [_reminder(meetings[i % 100], start + timedelta(minutes=i)) for i in range(pending)])
    engine.close()
    return url


def _peak_rss_mib(pid: int) -> float | None:
    """The process's own peak RSS since exec (VmHWM), or None where /proc is missing.

    ru_maxrss from wait4 would not do: a forked child starts as a copy of this bench, which holds 100k rows.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return kib / 1024


def ready_in_subprocess(url: str, cwd: Path) -> tuple[float, float, str]:
    """Seconds from exec to the "ready:" line, peak RSS in MiB at that moment, and that line."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [*CLI, "--db", url, "run"], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    ready, seconds, peak, output = "", 0.0, None, []
    for line in process.stdout:
        output.append(line)
        if line.startswith("ready:"):
            seconds, ready = time.perf_counter() - started, line.strip()
            peak = _peak_rss_mib(process.pid)
            process.send_signal(signal.SIGTERM)
    process.stdout.close()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if not ready or process.returncode != 0:
        raise SystemExit(f"consultflow run did not get ready:\n{''.join(output)}")
    return seconds, peak if peak is not None else usage.ru_maxrss / 1024, ready  # ru_maxrss: KiB on Linux


# -- processing -------------------------------------------------------------------------------------------


def build_due(folder: Path, due: int, instances: int) -> Path:
    path = folder / "due.db"
    engine = open_engine(f"sqlite:///{path}")
    meetings = _clone(engine, _meeting_in(engine, "contributions_closed"), instances - 1)
    _cancel_pending(engine)
    first = geneva("2019-01-24T08:00")
    # Consecutive timers belong to different meetings, so a batch cannot lean on one cached instance.
    _add_timers(engine, [_reminder(meetings[i % instances], first + timedelta(seconds=i)) for i in range(due)])
    engine.close()  # the last connection checkpoints the WAL: the file alone is the database
    return path


def engine_seconds(path: Path, due: int, batch: int = DEFAULT_BATCH) -> float:
    engine = open_engine(f"sqlite:///{path}")
    started = time.perf_counter()
    report = process_all_due(engine, PROCESSED_AT, batch=batch)
    elapsed = time.perf_counter() - started
    engine.close()
    if len(report.fired) != due:
        raise SystemExit(f"the engine processed {report.summary()}, expected {due} fired")
    return elapsed


def floor_seconds(path: Path, per_transaction: int) -> tuple[float, int]:
    """One UPDATE (claim) + one INSERT (outbox row) per timer in raw sqlite3, WAL, synchronous=NORMAL."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    due = conn.execute("SELECT id, instance_id FROM timer WHERE status = 'pending' ORDER BY due_at, id").fetchall()
    stamp = PROCESSED_AT.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    started = time.perf_counter()
    for n, (timer_id, instance_id) in enumerate(due):
        if n % per_transaction == 0:
            conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "UPDATE timer SET status = 'fired', fired_at = ? WHERE id = ? AND status = 'pending'", (stamp, timer_id)
        )
        conn.execute(
            "INSERT INTO outbox (instance_id, timer_id, notice, recipient_id, to_email, to_name, language, "
            "for_information, context, status, attempts, next_attempt_at, created_at) "
            "VALUES (?, ?, 'R04', 'sec', 'sec@itu.example', 'Secretariat', 'en', 0, '{}', 'pending', 0, ?, ?)",
            (instance_id, timer_id, stamp, stamp),
        )
        if n % per_transaction == per_transaction - 1 or n == len(due) - 1:
            conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, len(due)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--instances", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        empty = ready_in_subprocess(build_pending(folder, 0), folder)
        full = ready_in_subprocess(build_pending(folder, args.pending), folder)
        source = build_due(folder, args.due, args.instances)
        copies = [folder / f"copy-{i}.db" for i in range(4)]
        for copy in copies:
            shutil.copy(source, copy)
        floor, counted = floor_seconds(copies[0], 1)
        batched, _ = floor_seconds(copies[1], DEFAULT_BATCH)
        engine = engine_seconds(copies[2], args.due)
        single = engine_seconds(copies[3], args.due, batch=1)  # the design not taken, measured for the record
    assert counted == args.due
    ratio = engine / floor
    per = 1e6 / args.due
    rows = [
        (f"ready, {0:>3}k pending timers", f"{empty[0]:6.2f} s, peak RSS {empty[1]:6.1f} MiB  ({empty[2]})"),
        (
            f"ready, {args.pending // 1000:>3}k pending timers",
            f"{full[0]:6.2f} s, peak RSS {full[1]:6.1f} MiB  ({full[2]})",
        ),
        ("raw floor, 1 timer per tx", f"{floor * per:6.1f} us per timer ({floor:.2f} s for {args.due})"),
        (f"raw floor, {DEFAULT_BATCH} timers per tx", f"{batched * per:6.1f} us per timer (information)"),
        ("engine, 1 timer per tx", f"{single * per:6.1f} us per timer (information: {single / floor:.1f}x floor)"),
        (f"engine, {DEFAULT_BATCH} timers per tx", f"{engine * per:6.1f} us per timer ({engine:.2f} s for {args.due})"),
    ]
    for label, value in rows:
        print(f"{label:<30}: {value}")
    print(f"engine_vs_batched_floor = {engine / batched:.1f}x (information)")
    print(f"ready_seconds = {full[0]:.2f} (target <= 3)")
    print(f"ready_peak_rss_mib = {full[1]:.1f} (target <= 150)")
    print(f"process_vs_floor = {ratio:.1f}x (target <= 5x)")
    return 0 if full[0] <= 3 and full[1] <= 150 and ratio <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
