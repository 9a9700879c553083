"""The dispatcher's kept parts (headers, calendars, dates) and its message prepared ahead, through the real
outbox and a real SMTP server: every reader gets their own language, name, address and invitation, and nobody
else's; a row that cannot be built still fails alone wherever it sits in a batch."""

from __future__ import annotations

import asyncio
import email
import mailbox
from email import policy
from email.message import EmailMessage
from pathlib import Path

import icalendar
from sqlalchemy import select, update

from engine import Engine, FixedClock, Person
from notifications.dispatcher import Dispatcher, DispatchReport
from notifications.maildir_server import EmbeddedSmtp, start_embedded_smtp
from notifications.message import message_id_for
from notifications.smtp import SmtpSettings
from storage.repository import OUTBOX
from storage.unit import database_of
from tests.conftest import at
from tests.scenario import convene

NAMES = {
    "en": "Harriet Vane",
    "fr": "Héloïse Fabre",
    "es": "Íñigo Peña",
    "ar": "ليلى منصور",
    "ru": "Ёлка Зимина",
    "zh": "周晓梅",
}


def readers(count: int) -> list[Person]:
    """``count`` focal points in the six languages, each name and address unique and easy to look for."""
    people = []
    for i in range(count):
        language = list(NAMES)[i % len(NAMES)]
        name = f"{NAMES[language]} {i:02}"
        people.append(
            Person(
                f"ms.k{i:02}", name, f"reader{i:02}@state{i:02}.example", language, ("member_state",), f"State {i:02}"
            )
        )
    return people


def flush(engine: Engine, server: EmbeddedSmtp, clock: FixedClock, batch: int = 100) -> DispatchReport:
    async def go() -> DispatchReport:
        settings = SmtpSettings(host=server.host, port=server.port, timeout=5)
        async with Dispatcher(engine, settings, clock=clock, batch=batch) as dispatcher:
            return await dispatcher.flush()

    return asyncio.run(go())


def delivered(server: EmbeddedSmtp) -> list[EmailMessage]:
    box = mailbox.Maildir(server.maildir, create=False)
    parsed = [email.message_from_bytes(box.get_bytes(key), policy=policy.default) for key in box.iterkeys()]
    return [m for m in parsed if isinstance(m, EmailMessage)]


def everything_readable(message: EmailMessage) -> str:
    """The message as its reader sees it: every header decoded, every part's text decoded."""
    seen = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        seen.append(payload.decode(part.get_content_charset() or "utf-8"))
    return "\n".join(seen)


def test_every_reader_gets_their_own_language_name_address_and_invitation(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    """Thirty readers of one convocation in six languages, sent back to back (what is kept is shared between
    them): each message is in its reader's language, to them, names them, invites them, and names nobody else."""
    people = readers(30)
    engine.import_people(people)
    convene(engine)
    clock.set(at("2018-12-21"))
    with start_embedded_smtp(tmp_path / "Maildir", keep=1000) as server:
        report = flush(engine, server, clock, batch=7)  # several batches: a message prepared ahead at each turn
        assert not report.failed and not report.retried and report.relay_error is None
        messages = [m for m in delivered(server) if m["X-Consultflow-Notice"] == "N01"]

    by_reader = {m["To"].addresses[0].addr_spec: m for m in messages}
    for person in people:
        message = by_reader[person.email]
        assert message["Content-Language"] == person.language
        assert message["To"].addresses[0].display_name == person.name
        text = message.get_body(("plain",))
        assert text is not None and person.name in text.get_content()  # the salutation, or "À l'attention de"
        readable = everything_readable(message)
        for other in people:
            if other is not person:
                assert other.email not in readable and other.name not in readable, (person.id, other.id)
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        event = next(c for c in icalendar.Calendar.from_ical(payload).walk() if c.name == "VEVENT")
        assert str(event["ATTENDEE"]) == f"mailto:{person.email}"
        assert event["ATTENDEE"].params["CN"] == person.name

    subjects = {person.language: str(by_reader[person.email]["Subject"]) for person in people}
    assert len(set(subjects.values())) == len(NAMES)  # one subject per language, none borrowed from another


def test_a_row_that_cannot_be_built_fails_alone_in_the_middle_of_a_batch(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    """The third row of a batch (its message prepared while the second is recorded) holds a line break in a
    header value: it fails unsent; the rows before and after it are sent, each once."""
    engine.import_people(readers(6))
    convene(engine)
    with database_of(engine.storage).write() as conn:
        ids = [row.id for row in conn.execute(select(OUTBOX.c.id).order_by(OUTBOX.c.id))]
        broken = ids[2]
        context = dict(conn.execute(select(OUTBOX.c.context).where(OUTBOX.c.id == broken)).scalar_one())
        context["recipient"] = {**context["recipient"], "name": "Mallory\r\nBcc: x@evil.example"}
        conn.execute(update(OUTBOX).where(OUTBOX.c.id == broken).values(context=context))
    clock.set(at("2019-01-09"))
    with start_embedded_smtp(tmp_path / "Maildir", keep=1000) as server:
        report = flush(engine, server, clock)
        arrived = [m["Message-ID"] for m in delivered(server)]
    assert [o.message_id for o in report.failed] == [broken]
    assert "not sent: Refused to put the recipient name" in report.failed[0].detail
    assert sorted(o.message_id for o in report.sent) == [i for i in ids if i != broken]
    assert sorted(arrived) == sorted(message_id_for(i, "consultflow.invalid") for i in ids if i != broken)
