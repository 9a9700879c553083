"""The outbox dispatcher against a real aiosmtpd server on loopback and the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import email
import mailbox
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest
from aiosmtplib.email import flatten_message
from sqlalchemy import select, update

from engine import Engine, FixedClock, OutboxMessage
from engine.errors import FieldError
from notifications.dispatcher import Dispatcher, DispatchReport
from notifications.maildir_server import EmbeddedSmtp, start_embedded_smtp
from notifications.meeting_calendar import meeting_uid
from notifications.message import Mailbox, build_message, message_id_for
from notifications.rendering import is_translated, render_notice
from notifications.retry import MAX_ATTEMPTS
from notifications.samples import sample_context, shipped_catalogue
from notifications.smtp import MailSender, SmtpSettings
from storage.outbox import OutboxQueue
from storage.repository import OUTBOX, Store
from storage.unit import database_of
from tests.conftest import at
from tests.scenario import convene


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedSmtp]:
    """A loopback SMTP server filing into a fresh Maildir, stopped after the test."""
    with start_embedded_smtp(tmp_path / "Maildir", keep=1000) as embedded:
        yield embedded


def dispatcher(engine: Engine, server: EmbeddedSmtp, clock: FixedClock, **options: object) -> Dispatcher:
    """A dispatcher sending to the test server with the body's identity (body.yaml), seeded jitter."""
    settings = SmtpSettings(host=server.host, port=server.port, timeout=5)
    return Dispatcher(engine, settings, clock=clock, **options)  # type: ignore[arg-type]


def flush(engine: Engine, server: EmbeddedSmtp, clock: FixedClock, **options: object) -> DispatchReport:
    """Send everything due as of the clock's time over one dispatcher, then close it."""

    async def go() -> DispatchReport:
        async with dispatcher(engine, server, clock, **options) as d:
            return await d.flush()

    return asyncio.run(go())


def delivered(server: EmbeddedSmtp) -> list[EmailMessage]:
    """Every message filed in the server's Maildir, parsed."""
    box = mailbox.Maildir(server.maildir, create=False)
    parsed = [email.message_from_bytes(box.get_bytes(key), policy=policy.default) for key in box.iterkeys()]
    return [m for m in parsed if isinstance(m, EmailMessage)]


def outbox(engine: Engine) -> list[OutboxMessage]:
    """Every outbox row, oldest first."""
    with database_of(engine.storage).read() as conn:
        return list(Store(conn).outbox(limit=100_000))


def rows(engine: Engine) -> dict[int, tuple[str, int, str | None]]:
    """Each outbox row's (status, attempts, last_error) by id."""
    with database_of(engine.storage).read() as conn:
        return {m.id: (m.status, m.attempts, m.last_error) for m in Store(conn).outbox(limit=100_000)}


def calendar_of(message: EmailMessage) -> icalendar.Calendar:
    """The iCalendar invitation attached to ``message``, parsed back."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert parts, "no text/calendar part"
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return icalendar.Calendar.from_ical(payload)


def test_convocation_reaches_every_focal_point_in_their_language(
    engine: Engine, server: EmbeddedSmtp, clock: FixedClock
) -> None:
    """N01 reaches each Member State focal point once, in their language (or English), with a valid .ics."""
    meeting = convene(engine).meeting
    clock.set(at("2018-12-21"))
    report = flush(engine, server, clock)
    assert report.relay_error is None and not report.failed and not report.retried
    assert server.connections == 1  # one reused connection for the whole outbox

    focal_points = {p.email: p for p in engine.people() if "member_state" in p.roles}
    convocations = [m for m in delivered(server) if m["X-Consultflow-Notice"] == "N01"]
    by_reader = {m["To"].addresses[0].addr_spec: m for m in convocations}
    assert set(focal_points) <= set(by_reader)
    assert len(by_reader) == len(convocations)  # nobody got it twice
    for address, person in focal_points.items():
        message = by_reader[address]
        expected = person.language if is_translated("N01", person.language) else "en"
        assert message["Content-Language"] == expected
        assert message["To"].addresses[0].display_name == person.name
        assert message["From"].addresses[0].addr_spec == "cwg-internet@consultflow.invalid"
        assert message["Message-ID"].endswith("@consultflow.invalid>")
        assert message["Auto-Submitted"] == "auto-generated"
        invitation = calendar_of(message)
        assert invitation["METHOD"] == "REQUEST"
        event = next(c for c in invitation.walk() if c.name == "VEVENT")
        assert event.decoded("DTSTART") == date(2019, 2, 1)
        assert str(event["UID"]) == meeting_uid(meeting.id, "consultflow.invalid")
        assert str(event["ATTENDEE"]).lower() == f"mailto:{address}"
        assert event["ATTENDEE"].params["CN"] == person.name


def test_accents_and_non_latin_names_arrive_intact(engine: Engine, server: EmbeddedSmtp, clock: FixedClock) -> None:
    """French accents in subject and body, Cyrillic and Chinese display names survive SMTP and the Maildir."""
    convene(engine)
    clock.set(at("2018-12-21"))
    flush(engine, server, clock)
    by_reader = {m["To"].addresses[0].addr_spec: m for m in delivered(server) if m["X-Consultflow-Notice"] == "N01"}

    french = by_reader["jeanne.dupont@diplomatie.example"]
    assert french["Subject"] == "GTC-Internet\u00a0: invitation à la 12e réunion, 1er février 2019"
    text = french.get_body(("plain",))
    assert text is not None and "États Membres" in text.get_content()
    html = french.get_body(("html",))
    assert html is not None and "février" in html.get_content()

    assert by_reader["ivan.petrov@mid.example"]["To"].addresses[0].display_name == "Иван Петров"
    assert by_reader["wang.fang@miit.example"]["To"].addresses[0].display_name == "王芳"
    assert by_reader["li.wei@cwg.example"]["To"].addresses[0].display_name == "Li Wei"


def test_outage_then_recovery_delivers_every_notice_exactly_once(
    engine: Engine, server: EmbeddedSmtp, clock: FixedClock
) -> None:
    """While the server refuses connections nothing is sent and rows wait; once it accepts, each arrives once."""
    convene(engine)
    total = len(outbox(engine))
    server.refuse_connections()
    for minutes in (0, 1, 2):  # three batches while the relay is down
        clock.set(at("2019-01-09") + timedelta(minutes=minutes))
        report = flush(engine, server, clock)
        assert report.relay_error is not None and "cannot connect" in report.relay_error
        assert not report.sent and len(report.retried) == 1 and len(report.released) == report.claimed - 1
    assert all(status == "pending" for status, _, _ in rows(engine).values())
    assert sum(attempts for _, attempts, _ in rows(engine).values()) == 3

    server.accept_connections()
    clock.set(at("2019-01-09") + timedelta(hours=1))  # past every backoff
    report = flush(engine, server, clock)
    assert len(report.sent) == total and report.relay_error is None
    ids = Counter(m["Message-ID"] for m in delivered(server))
    assert len(ids) == total and set(ids.values()) == {1}
    assert all(status == "sent" for status, _, _ in rows(engine).values())


def test_a_550_fails_the_row_with_the_server_reason(engine: Engine, server: EmbeddedSmtp, clock: FixedClock) -> None:
    """A permanent refusal marks only that row failed, with the server's reply; the others are sent."""
    convene(engine)
    server.behaviour.rcpt_replies["ivan.petrov@mid.example"] = "550 5.1.1 Mailbox unavailable"
    clock.set(at("2019-01-09"))
    report = flush(engine, server, clock)
    assert [o.to for o in report.failed] == ["ivan.petrov@mid.example"]
    with database_of(engine.storage).read() as conn:
        failed = Store(conn).outbox(status="failed")
    assert len(failed) == 1 and failed[0].to_email == "ivan.petrov@mid.example"
    assert failed[0].last_error is not None and "550 5.1.1 Mailbox unavailable" in failed[0].last_error
    assert failed[0].attempts == 1
    assert "ivan.petrov@mid.example" not in {m["To"].addresses[0].addr_spec for m in delivered(server)}
    assert len(report.sent) == len(outbox(engine)) - 1


def test_a_4xx_is_retried_with_backoff_then_given_up(engine: Engine, server: EmbeddedSmtp, clock: FixedClock) -> None:
    """A temporary refusal re-queues the row 15-30 s later; after MAX_ATTEMPTS attempts it is failed."""
    convene(engine)
    server.behaviour.rcpt_replies["wang.fang@miit.example"] = "451 4.3.0 Try again later"
    now = at("2019-01-09")
    clock.set(now)
    report = flush(engine, server, clock)
    assert [o.to for o in report.retried] == ["wang.fang@miit.example"]
    with database_of(engine.storage).read() as conn:
        waiting = Store(conn).outbox(status="pending")
    assert len(waiting) == 1 and waiting[0].attempts == 1
    assert now + timedelta(seconds=15) <= waiting[0].next_attempt_at <= now + timedelta(seconds=30)
    assert waiting[0].last_error is not None and "451 4.3.0 Try again later" in waiting[0].last_error

    with database_of(engine.storage).write() as conn:  # skip ahead to the last allowed attempt
        conn.execute(update(OUTBOX).where(OUTBOX.c.id == waiting[0].id).values(attempts=MAX_ATTEMPTS - 1))
    clock.set(now + timedelta(hours=1))
    report = flush(engine, server, clock)
    assert len(report.failed) == 1 and report.failed[0].detail.startswith(f"gave up after {MAX_ATTEMPTS} attempts")
    assert rows(engine)[waiting[0].id][0] == "failed"


def test_a_line_break_in_a_field_is_refused_before_anything_is_written(engine: Engine, clock: FixedClock) -> None:
    """A contribution title carrying CR/LF and a Bcc header is refused when the step fires: no state, no outbox row."""
    s = convene(engine)
    before, queued = engine.get(s.meeting.id), len(outbox(engine))
    with pytest.raises(FieldError, match="line break"):
        engine.fire(
            s.meeting.id,
            "submit_contribution",
            "ms.fr",
            {"title": "Views\r\nBcc: x@evil.example"},
            now=at("2019-01-08"),
        )
    assert engine.get(s.meeting.id).version == before.version
    assert len(outbox(engine)) == queued


def test_an_unsafe_header_in_a_stored_row_fails_it_and_sends_nothing(
    engine: Engine, server: EmbeddedSmtp, clock: FixedClock
) -> None:
    """A row whose context smuggles a line break into a header (written before validation existed) fails unsent."""
    convene(engine)
    with database_of(engine.storage).write() as conn:
        first = conn.execute(select(OUTBOX.c.id, OUTBOX.c.context).order_by(OUTBOX.c.id).limit(1)).one()
        context = dict(first.context)
        context["recipient"] = {**context["recipient"], "name": "Jeanne\r\nBcc: x@evil.example"}
        conn.execute(update(OUTBOX).where(OUTBOX.c.id == first.id).values(context=context))
    clock.set(at("2019-01-09"))
    report = flush(engine, server, clock)
    assert [o.message_id for o in report.failed] == [first.id]
    assert "not sent: Refused to put the recipient name" in report.failed[0].detail
    assert all(b"evil.example" not in r.content for r in server.received)
    assert all("evil" not in ",".join(r.rcpt_tos) for r in server.received)
    assert server.messages_received == len(outbox(engine)) - 1


def test_an_encoded_word_in_a_title_cannot_smuggle_a_header(
    engine: Engine, server: EmbeddedSmtp, clock: FixedClock
) -> None:
    """An RFC 2047 title that decodes to a line break reaches the subject as text, never as a Bcc header."""
    s = convene(engine)
    trick = "=?utf-8?q?Hi=0ABcc=3A_x=40evil=2Eexample?="
    engine.fire(s.meeting.id, "submit_contribution", "ms.fr", {"title": trick}, now=at("2019-01-08"))
    clock.set(at("2019-01-08"))
    report = flush(engine, server, clock)
    assert not report.failed
    receipts = [m for m in delivered(server) if "Hi" in m["Subject"]]
    assert {m["X-Consultflow-Notice"] for m in receipts} == {"N04"}
    for message in receipts:  # the title is shown as typed, with its "=?" broken by a zero-width space
        assert "=\u200b?utf-8?q?Hi=0ABcc=3A_x=40evil=2Eexample?=" in message["Subject"]
        assert message["Bcc"] is None
    assert all("x@evil.example" not in r.rcpt_tos for r in server.received)


def test_results_are_recorded_only_while_the_lease_is_held(
    engine: Engine, server: EmbeddedSmtp, clock: FixedClock
) -> None:
    """A dispatcher whose claim was taken over by another records nothing: the newer claimer's result stands."""
    convene(engine)
    clock.set(at("2019-01-09"))
    with database_of(engine.storage).write() as conn:
        stale = OutboxQueue(conn).claim("old-dispatcher", clock.now(), 1, timedelta(minutes=5))
    clock.set(at("2019-01-09") + timedelta(minutes=10))  # the old lease ran out
    report = flush(engine, server, clock)
    assert stale[0].id in {o.message_id for o in report.sent}
    with database_of(engine.storage).write() as conn:
        assert not OutboxQueue(conn).mark_failed(stale[0].id, "old-dispatcher", "late")
    assert rows(engine)[stale[0].id][0] == "sent"


def test_the_loop_sends_new_rows_when_woken_and_stops_cleanly(
    engine: Engine, server: EmbeddedSmtp, clock: FixedClock
) -> None:
    """run() sends what is due, waits, sends rows queued later once woken, and returns when stop is set."""
    s = convene(engine)
    clock.set(at("2019-01-08"))
    first = len(outbox(engine))

    async def go() -> tuple[int, int]:
        stop = asyncio.Event()
        d = dispatcher(engine, server, clock, poll_seconds=30.0)
        task = asyncio.create_task(d.run(stop))
        await _until(lambda: server.messages_received >= first)
        engine.fire(s.meeting.id, "submit_contribution", "ms.fr", {"title": "Views"}, now=at("2019-01-08"))
        total = len(outbox(engine))
        d.wake()
        await _until(lambda: server.messages_received >= total)
        stop.set()
        await asyncio.wait_for(task, 30)
        return total, server.messages_received

    total, received = asyncio.run(go())
    assert received == total > first
    assert all(status == "sent" for status, _, _ in rows(engine).values())


async def _until(condition: object, bound: float = 60.0) -> None:
    """Wait until ``condition()`` holds; the bound only guards against a hang (no timing is asserted)."""
    assert callable(condition)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound
    while not condition():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def test_a_message_flattened_beforehand_arrives_byte_for_byte(server: EmbeddedSmtp) -> None:
    """MailSender.send also takes CRLF bytes (the benchmark's SMTP-only timing); the server files them unchanged."""
    context = sample_context("N01", "ru")
    message = build_message(
        render_notice("N01", "ru", context),
        notice=shipped_catalogue().notices["N01"],
        sender=Mailbox("cwg-internet@consultflow.invalid", "CWG-Internet"),
        recipient=context["recipient"],
        context=context,
        message_id=message_id_for(7, "consultflow.invalid"),
        date=at("2018-12-21"),
    )
    data = flatten_message(message)

    async def go() -> str:
        async with MailSender(SmtpSettings(host=server.host, port=server.port, timeout=5)) as sender:
            return (await sender.send(data, recipients=[context["recipient"]["email"]])).status

    assert asyncio.run(go()) == "sent"
    assert server.received[0].content == data
