"""Two dispatchers on one database (each with its own connection pool) never send the same row."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from engine import Engine, FixedClock
from notifications.dispatcher import Dispatcher, DispatchReport
from notifications.maildir_server import start_embedded_smtp
from notifications.message import message_id_for
from notifications.smtp import SmtpSettings
from storage.repository import Store
from storage.unit import database_of
from tests.conftest import at
from tests.integration.test_dispatch_crash import DUE, add_focal_points, message_ids
from tests.scenario import convene


def test_two_dispatchers_share_the_outbox_without_sending_a_row_twice(
    make_engine: Callable[..., Engine], clock: FixedClock, tmp_path: Path
) -> None:
    """Claims are exclusive (SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite): each row arrives once."""
    first, second = make_engine(), make_engine()
    add_focal_points(first, 150)
    convene(first)
    clock.set(at(DUE))
    with database_of(first.storage).read() as conn:
        due = {m.id for m in Store(conn).outbox(limit=100_000) if m.next_attempt_at <= at(DUE)}

    with start_embedded_smtp(tmp_path / "Maildir", keep=0) as server:
        settings = SmtpSettings(host=server.host, port=server.port, timeout=5)

        async def both() -> tuple[DispatchReport, DispatchReport]:
            async with (
                Dispatcher(first, settings, clock=clock, batch=10, token="a") as a,
                Dispatcher(second, settings, clock=clock, batch=10, token="b") as b,
            ):
                return await asyncio.gather(a.flush(), b.flush())

        report_a, report_b = asyncio.run(both())
        arrived = message_ids(server)

    sent_a = {o.message_id for o in report_a.sent}
    sent_b = {o.message_id for o in report_b.sent}
    assert sent_a and sent_b  # both took part
    assert not sent_a & sent_b
    assert sent_a | sent_b == due
    assert arrived == {message_id_for(i, "consultflow.invalid"): 1 for i in due}
    with database_of(second.storage).read() as conn:
        assert {m.status for m in Store(conn).outbox(limit=100_000) if m.id in due} == {"sent"}
