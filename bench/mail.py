"""Mail end to end: the dispatcher delivering 2,000 outbox rows against bare aiosmtplib sends, in the same run.

The engine writes the outbox of a meeting's cycle into a real SQLite file (a directory of Member State focal
points in the six languages; the convocation N01 with its calendar invitation, the documents N05 and the
draft report N06, about 2,000 rows). Then, in alternating rounds:

- **dispatcher**: the rows are made pending again (outside the timing) and a real ``Dispatcher`` delivers
  them all (``flush``: claim, render, build, send over its reused connection, record each result);
- **bare send**: the same messages, rendered, built and flattened to bytes before the timing, sent with
  ``aiosmtplib.SMTP.sendmail`` over one connection (``BODY=8BITMIME``, as ``send_message`` would).

Both go to aiosmtpd in a child process that accepts and discards (no disk). The best round of each counts (a
burst of another process on this shared machine then cannot land on one side only). Prints both times per
message and, as its last line, their ratio against the target (<= 3x); exits non-zero when it is missed.
``--profile FILE`` also writes a cProfile of one more dispatcher round (``python -m pstats FILE``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import aiosmtplib
from aiosmtplib.email import flatten_message
from sqlalchemy import update

from consultflow.wiring import open_engine
from engine import Engine, FixedClock, Person
from notifications.context import LANGUAGES
from notifications.dispatcher import Dispatcher
from notifications.smtp import SmtpSettings
from storage.repository import OUTBOX, Store
from storage.unit import database_of

TARGET = 3.0
T = TypeVar("T")
DUE = datetime(2019, 2, 2, 10, tzinfo=UTC)  # after every notice the cycle below queues
NAMES = {
    "en": "Focal Point {i}",
    "fr": "Chloé Lefèvre {i}",
    "es": "José Núñez {i}",
    "ar": "عمر حداد {i}",
    "ru": "Иван Петров {i}",
    "zh": "王芳 {i}",
}


# -- the server (child process) ---------------------------------------------------------------------------


class _Sink:
    """Accepts every message and keeps nothing (the bench measures the client, not a disk)."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 2.0.0 Accepted"


def serve(port: int) -> None:
    """Run the sink on 127.0.0.1:port until stdin ends."""
    from aiosmtpd.controller import Controller

    controller = Controller(
        _Sink(), hostname="127.0.0.1", port=port, server_hostname="bench.smtp.local", ready_timeout=10.0
    )
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # the parent closes our stdin to stop us
    finally:
        controller.stop()


@contextmanager
def server_process() -> Iterator[int]:
    """A sink server in a child process; yields its port."""
    from notifications.maildir_server import free_port

    port = free_port()
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready", "the SMTP server did not start"
        yield port
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()


# -- the outbox, written by the engine --------------------------------------------------------------------


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00+00:00")


def write_outbox(url: str, members: int) -> Engine:
    """An engine on ``url`` whose outbox holds a meeting cycle's notices to ``members`` focal points and more."""
    engine = open_engine(url, clock=FixedClock(DUE))
    people = [
        Person("sec.alice", "Alice Martin", "alice.martin@itu.example", "en", ("secretariat",)),
        Person("chair", "Majed Al-Mazyed", "chair@cwg.example", "en", ("chair",)),
        Person("vc.amina", "Amina Diallo", "amina.diallo@cwg.example", "fr", ("vice_chair",)),
        Person("vc.li", "Li Wei", "li.wei@cwg.example", "zh", ("vice_chair",)),
    ]
    for i in range(members):
        language = LANGUAGES[i % len(LANGUAGES)]
        name = NAMES[language].format(i=i)
        people.append(Person(f"ms.{i:04}", name, f"fp{i}@state{i}.example", language, ("member_state",), f"State {i}"))
    engine.import_people(people)
    fields = {"number": 12, "start": "2019-02-01", "end": "2019-02-01", "venue": "ITU headquarters, Geneva"}
    meeting = engine.start("meeting_cycle", "sec.alice", fields, now=at("2018-12-01")).id
    steps: list[tuple[str, str, dict[str, object], str]] = [
        ("send_invitation", "sec.alice", {"letter_ref": "DM-18/1000", "council_session": "Council 2019"}, "2018-12-21"),
        ("open_contributions", "sec.alice", {}, "2018-12-21"),
        ("submit_contribution", "ms.0001", {"title": "Proposal for the next topic"}, "2019-01-08"),
        ("close_translation", "system", {}, "2019-01-12"),
        ("close_contributions", "system", {}, "2019-01-21"),
        ("publish_documents", "sec.alice", {"documents_link": "https://docs.example/12"}, "2019-01-25"),
        ("open_session", "chair", {}, "2019-02-01"),
        ("adjourn", "chair", {}, "2019-02-01"),
        ("circulate_draft_report", "sec.alice", {"draft_report_symbol": "WG-Internet 12/5"}, "2019-02-01"),
    ]
    for trigger, actor, values, day in steps:
        engine.fire(meeting, trigger, actor, values, now=at(day))
    return engine


def make_pending(engine: Engine) -> int:
    """Put every outbox row back as the engine wrote it (pending, never attempted); returns how many."""
    with database_of(engine.storage).write() as conn:
        values = {"status": "pending", "attempts": 0, "sent_at": None, "last_error": None}
        conn.execute(update(OUTBOX).values(claimed_by=None, claimed_until=None, **values))
        return len(Store(conn).outbox(limit=100_000))


# -- the two sides ----------------------------------------------------------------------------------------


async def dispatch_all(engine: Engine, settings: SmtpSettings, expected: int) -> float:
    """Deliver the whole outbox with a real dispatcher; seconds per message."""
    started = time.perf_counter()
    async with Dispatcher(engine, settings, clock=FixedClock(DUE)) as dispatcher:
        report = await dispatcher.flush()
    elapsed = time.perf_counter() - started
    if len(report.sent) != expected:
        raise SystemExit(f"the dispatcher sent {len(report.sent)} of {expected}: {report.summary()}")
    return elapsed / expected


def prebuilt(engine: Engine, settings: SmtpSettings) -> list[tuple[str, bytes]]:
    """Each outbox row's envelope recipient and message bytes, as the dispatcher builds and aiosmtplib flattens them.

    Built by the dispatcher's own ``_prepare`` (render and build, with its sender and clock), so that both sides
    send the very same messages.
    """
    dispatcher = Dispatcher(engine, settings, clock=FixedClock(DUE))
    with database_of(engine.storage).read() as conn:
        rows = Store(conn).outbox(limit=100_000)
    built = []
    for row in rows:
        message, to = dispatcher._prepare(row)
        built.append((to, flatten_message(message, utf8=False, cte_type="8bit")))
    return built


async def bare_send(settings: SmtpSettings, messages: list[tuple[str, bytes]], sender: str) -> float:
    """Send the prebuilt bytes over one aiosmtplib connection; seconds per message."""
    started = time.perf_counter()
    client = aiosmtplib.SMTP(hostname=settings.host, port=settings.port, timeout=settings.timeout)
    await client.connect()
    for to, data in messages:
        refused, _ = await client.sendmail(sender, [to], data, mail_options=["BODY=8BITMIME"])
        if refused:
            raise SystemExit(f"bare send refused: {refused}")
    await client.quit()
    return (time.perf_counter() - started) / len(messages)


def profile_round(engine: Engine, settings: SmtpSettings, count: int, out: Path) -> None:
    """One dispatcher round under cProfile, its worker-thread calls run inline so that the profile sees them."""

    async def inline(function: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        return function(*args, **kwargs)

    threaded, asyncio.to_thread = asyncio.to_thread, inline
    try:
        profiler = cProfile.Profile()
        profiler.runcall(asyncio.run, dispatch_all(engine, settings, count))
        profiler.dump_stats(out)
    finally:
        asyncio.to_thread = threaded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=663, help="Member State focal points (about 3 rows each)")
    parser.add_argument("--rounds", type=int, default=4, help="timed rounds per side, alternating (best kept)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of one more dispatcher round here")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0

    with tempfile.TemporaryDirectory() as tmp, server_process() as port:
        engine = write_outbox(f"sqlite:///{Path(tmp) / 'outbox.db'}", args.members)
        try:
            settings = SmtpSettings(host="127.0.0.1", port=port, timeout=30)
            count = make_pending(engine)
            messages = prebuilt(engine, settings)
            sender = Dispatcher(engine, settings).sender.email
            size = sum(len(data) for _, data in messages) / count
            print(f"{count} outbox rows written by the engine, ~{size / 1024:.1f} KiB per message")
            asyncio.run(bare_send(settings, messages[:50], sender))  # warm-up: imports, server code paths
            dispatch, bare = float("inf"), float("inf")
            for _ in range(args.rounds):
                make_pending(engine)
                dispatch = min(dispatch, asyncio.run(dispatch_all(engine, settings, count)))
                bare = min(bare, asyncio.run(bare_send(settings, messages, sender)))
            if args.profile:
                make_pending(engine)
                profile_round(engine, settings, count, args.profile)
        finally:
            engine.close()
    ratio = dispatch / bare
    print(f"dispatcher (claim, render, build, send, record): {dispatch * 1000:6.3f} ms per message")
    print(f"bare aiosmtplib send of the prebuilt bytes     : {bare * 1000:6.3f} ms per message")
    print(f"dispatch_vs_bare_send = {ratio:.1f}x (target <= {TARGET:g}x)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
