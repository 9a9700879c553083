"""Every outbox row the engine writes for the 12th meeting renders, builds and reaches a real SMTP server."""

from __future__ import annotations

import asyncio
import datetime as dt
import mailbox
from pathlib import Path

import pytest

from engine import Engine
from notifications.context import check_context
from notifications.maildir_server import start_embedded_smtp
from notifications.message import Mailbox, build_message, message_id_for
from notifications.rendering import render_notice
from notifications.smtp import MailSender, SmtpSettings
from storage.repository import Store
from storage.unit import database_of
from tests.conftest import at
from tests.scenario import convene, escalate_to_council, hold_meeting

SENDER = Mailbox("noreply@consultflow.invalid", "CWG-Internet Secretariat")


def test_scenario_outbox_rows_render_and_deliver(engine: Engine, tmp_path: Path) -> None:
    """The rows of the 12th meeting (N01, N03, N04, N05, N06, N07, N08, N10, N16a, N16, N17) render and arrive."""
    s = convene(engine)
    hold_meeting(s)
    escalate_to_council(s)
    with database_of(engine.storage).read() as conn:
        rows = Store(conn).outbox(limit=100_000)
    notices = {row.notice for row in rows}
    assert {"N01", "N04", "N07", "N10", "N17"} <= notices

    built = []
    for row in rows:
        context = check_context(row.context)
        rendered = render_notice(row.notice, row.language, context)
        for text in (rendered.subject, rendered.text, rendered.html):
            assert "None" not in text, (row.notice, text)
        message = build_message(
            rendered,
            notice=engine.catalogue.notices[row.notice],
            sender=SENDER,
            recipient=context["recipient"],
            context=context,
            message_id=message_id_for(row.id, "consultflow.invalid"),
            date=at("2019-06-12"),
        )
        built.append((message, row.to_email))

    with start_embedded_smtp(tmp_path / "Maildir", keep=0) as server:
        settings = SmtpSettings(host=server.host, port=server.port, timeout=5)

        async def send_all() -> list[str]:
            async with MailSender(settings) as sender:
                return [(await sender.send(m, recipients=[to])).status for m, to in built]

        statuses = asyncio.run(send_all())
        assert set(statuses) == {"sent"}
        assert server.connections == 1
        assert len(mailbox.Maildir(server.maildir, create=False)) == len(built)


@pytest.mark.parametrize("trigger", ["postpone", "cancel"])
def test_meeting_change_rows_carry_the_calendar_update(engine: Engine, trigger: str) -> None:
    """N02 written by postpone or cancel builds with a REQUEST or CANCEL invitation for the same meeting."""
    s = convene(engine)
    fields: dict[str, object] = {"change_reason": "at the request of the Chair"}
    if trigger == "postpone":
        fields |= {"start": "2019-03-01", "end": "2019-03-01"}
    engine.fire(s.meeting.id, trigger, "sec.alice", fields, now=at("2018-12-28"))
    with database_of(engine.storage).read() as conn:
        rows = [r for r in Store(conn).outbox(instance_id=s.meeting.id) if r.notice == "N02"]
    assert rows
    row = rows[0]
    context = check_context(row.context)
    message = build_message(
        render_notice("N02", row.language, context),
        notice=engine.catalogue.notices["N02"],
        sender=SENDER,
        recipient=context["recipient"],
        context=context,
        message_id=message_id_for(row.id, "consultflow.invalid"),
        date=dt.datetime(2018, 12, 28, 10, tzinfo=dt.UTC),
    )
    methods = {part.get_param("method") for part in message.walk() if part.get_content_type() == "text/calendar"}
    assert methods == {"REQUEST" if trigger == "postpone" else "CANCEL"}
