"""A dispatcher killed or cancelled mid-batch and restarted loses nothing (at least once, one duplicate at most)."""

from __future__ import annotations

import asyncio
import contextlib
import email
import mailbox
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select

from engine import Engine, FixedClock, Person
from notifications.dispatcher import Dispatcher
from notifications.maildir_server import EmbeddedSmtp, ServerBehaviour, start_embedded_smtp
from notifications.message import message_id_for
from notifications.smtp import DeliveryResult, SmtpSettings
from storage.repository import OUTBOX, Store
from storage.unit import database_of
from tests.conftest import at
from tests.scenario import convene

BIN = Path(sys.executable).parent / "consultflow"
CLI = str(BIN) if BIN.exists() else shutil.which("consultflow") or "consultflow"
BOUND = 120.0  # seconds: a guard against hangs, not a timing assertion
SLOW_RELAY = 0.03  # seconds the server takes per message, so that a batch is still running when it is stopped
EXTRA_FOCAL_POINTS = 40
DUE = "2019-01-09T10:00:00+00:00"  # after everything convene() queues


def add_focal_points(engine: Engine, count: int) -> None:
    """More Member State focal points, so that the convocation makes several batches."""
    engine.import_people(
        [
            Person(f"ms.x{i:03}", f"Focal Point {i}", f"fp{i}@state{i}.example", "en", ("member_state",), f"State {i}")
            for i in range(count)
        ]
    )


def due_rows(engine: Engine) -> dict[int, str]:
    """The status of each outbox row due at DUE, by id."""
    with database_of(engine.storage).read() as conn:
        return {m.id: m.status for m in Store(conn).outbox(limit=100_000) if m.next_attempt_at <= at(DUE)}


def message_ids(server: EmbeddedSmtp) -> Counter[str]:
    """How many times each Message-ID reached the server's Maildir."""
    box = mailbox.Maildir(server.maildir, create=False)
    return Counter(
        str(email.message_from_bytes(box.get_bytes(key), policy=policy.default)["Message-ID"]) for key in box.iterkeys()
    )


def assert_nothing_lost(engine: Engine, server: EmbeddedSmtp) -> None:
    """Every due row is sent and arrived; only the one message in flight at the crash may have arrived twice."""
    statuses = due_rows(engine)
    assert set(statuses.values()) == {"sent"}
    arrived = message_ids(server)
    assert set(arrived) == {message_id_for(i, "consultflow.invalid") for i in statuses}
    assert sum(count - 1 for count in arrived.values()) <= 1


def cli_send(db_url: str, server: EmbeddedSmtp, cwd: Path, now: str) -> subprocess.Popen[str]:
    """Start `consultflow outbox send --now NOW` against the test server in a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULTFLOW_SMTP_")}
    env.pop("CONSULTFLOW_DATABASE_URL", None)
    env |= {"CONSULTFLOW_SMTP_HOST": server.host, "CONSULTFLOW_SMTP_PORT": str(server.port)}
    env["CONSULTFLOW_SMTP_TLS"] = "none"
    return subprocess.Popen(
        [CLI, "--db", db_url, "outbox", "send", "--now", now, "--batch", "10"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_sigkill_mid_batch_then_restart_past_the_lease_loses_nothing(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    """A `consultflow outbox send` killed with SIGKILL leaves its batch claimed; a later run sends it all."""
    add_focal_points(engine, EXTRA_FOCAL_POINTS)
    convene(engine)
    total = len(due_rows(engine))
    with start_embedded_smtp(tmp_path / "Maildir", behaviour=ServerBehaviour(data_delay=SLOW_RELAY)) as server:
        killed = cli_send(db_url, server, tmp_path, DUE)
        deadline = time.monotonic() + BOUND
        while server.messages_received < 12:  # into its second batch of 10
            assert killed.poll() is None, killed.communicate()[0]
            assert time.monotonic() < deadline, "the dispatcher did not start sending"
            time.sleep(0.005)
        killed.kill()
        killed.communicate(timeout=BOUND)
        after_kill = due_rows(engine)
        assert 0 < list(after_kill.values()).count("sent") < total

        # Before the lease runs out, another run leaves the killed process's batch alone...
        early = cli_send(db_url, server, tmp_path, "2019-01-09T10:01:00+00:00")
        output = early.communicate(timeout=BOUND)[0]
        assert early.returncode == 0, output
        assert "pending" in due_rows(engine).values()
        # ...and once it has run out, a run sends the rest.
        late = cli_send(db_url, server, tmp_path, "2019-01-09T10:10:00+00:00")
        output = late.communicate(timeout=BOUND)[0]
        assert late.returncode == 0, output
        assert_nothing_lost(engine, server)


def test_cancelled_mid_batch_gives_back_what_it_did_not_attempt(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    """Cancelling send_due releases the unattempted rows at once; the row in flight waits for its lease."""
    add_focal_points(engine, EXTRA_FOCAL_POINTS)
    convene(engine)
    clock.set(at(DUE))
    total = len(due_rows(engine))
    with start_embedded_smtp(tmp_path / "Maildir", behaviour=ServerBehaviour(data_delay=SLOW_RELAY)) as server:
        settings = SmtpSettings(host=server.host, port=server.port, timeout=5)

        async def cancel_after(messages: int) -> str:
            dispatcher = Dispatcher(engine, settings, clock=clock, batch=total)
            task = asyncio.create_task(dispatcher.send_due())
            deadline = asyncio.get_running_loop().time() + BOUND
            while server.messages_received < messages:
                assert not task.done() and asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.005)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            assert task.cancelled()
            await dispatcher.close()
            return dispatcher.token

        token = asyncio.run(cancel_after(5))
        with database_of(engine.storage).read() as conn:
            claims = conn.execute(select(OUTBOX.c.status, OUTBOX.c.claimed_by)).all()
        still_claimed = [status for status, by in claims if by == token and status == "pending"]
        assert len(still_claimed) <= 1  # only the message in flight
        assert [status for status, _ in claims].count("pending") > total // 2  # the rest went back to the queue

        clock.set(at(DUE) + timedelta(minutes=10))  # past the lease of the row in flight

        async def restart() -> None:
            async with Dispatcher(engine, settings, clock=clock) as dispatcher:
                await dispatcher.flush()

        asyncio.run(restart())
        assert_nothing_lost(engine, server)


class SwallowingTransport:
    """Accepts every message; the third one waits and, like Python 3.11's wait_for, drops a cancellation."""

    def __init__(self) -> None:
        self.sent = 0
        self.waiting = asyncio.Event()

    async def send(self, message: EmailMessage, *, recipients: Sequence[str]) -> DeliveryResult:
        self.sent += 1
        if self.sent == 3:
            self.waiting.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(BOUND)
        return DeliveryResult("sent", "250 2.0.0 OK")

    async def close(self) -> None:
        return None


def test_a_swallowed_cancellation_still_stops_the_batch(engine: Engine, clock: FixedClock) -> None:
    """A cancel lost inside the transport is still honoured after that message: the rest go back unsent."""
    convene(engine)
    clock.set(at(DUE))
    total = len(due_rows(engine))
    transport = SwallowingTransport()
    settings = SmtpSettings(host="127.0.0.1", port=2525)

    async def go() -> None:
        dispatcher = Dispatcher(engine, settings, clock=clock, transport_factory=lambda _: transport)
        task = asyncio.create_task(dispatcher.send_due())
        await asyncio.wait_for(transport.waiting.wait(), BOUND)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return
        raise AssertionError("send_due finished its batch despite the cancellation")

    asyncio.run(go())
    assert transport.sent == 3
    with database_of(engine.storage).read() as conn:
        claims = conn.execute(select(OUTBOX.c.status, OUTBOX.c.claimed_by)).all()
    assert Counter(status for status, _ in claims)["sent"] == 3
    assert [by for status, by in claims if status == "pending"] == [None] * (len(claims) - 3)
    assert total > 3
