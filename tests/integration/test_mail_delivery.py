"""Delivery through a real aiosmtpd server on loopback: contents, classification and connection reuse."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import mailbox
from collections.abc import Iterator, Sequence
from email import policy
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest

from notifications.errors import InvalidMessageInput, UnsafeHeaderValue
from notifications.maildir_server import EmbeddedSmtp, ServerBehaviour, start_embedded_smtp
from notifications.meeting_calendar import meeting_uid
from notifications.message import Mailbox, build_message, message_id_for
from notifications.rendering import render_notice
from notifications.samples import MEETING, RECIPIENTS, sample_context, shipped_catalogue
from notifications.smtp import DeliveryResult, MailSender, SendMode, SmtpSettings

SENDER = Mailbox("noreply@consultflow.invalid", "CWG-Internet Secretariat")
NOW = dt.datetime(2018, 12, 21, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedSmtp]:
    """A loopback SMTP server filing into a fresh Maildir, stopped after the test."""
    with start_embedded_smtp(tmp_path / "Maildir", keep=1000) as embedded:
        yield embedded


def settings_for(server: EmbeddedSmtp) -> SmtpSettings:
    """Plain SMTP settings pointing at the test server."""
    return SmtpSettings(
        host=server.host, port=server.port, tls="none", timeout=5, sender=f"{SENDER.name} <{SENDER.email}>"
    )


def notice(notice_id: str, language: str, outbox_id: int = 1, **fields: object) -> EmailMessage:
    """Render and build ``notice_id`` for the sample reader of ``language``."""
    context = sample_context(notice_id, language)
    context["instance"]["fields"].update(fields)
    rendered = render_notice(notice_id, language, context)
    return build_message(
        rendered,
        notice=shipped_catalogue().notices[notice_id],
        sender=SENDER,
        recipient=context["recipient"],
        context=context,
        message_id=message_id_for(outbox_id, "consultflow.invalid"),
        date=NOW,
    )


def send_all(
    server: EmbeddedSmtp, batch: Sequence[tuple[EmailMessage, Sequence[str]]], **options: object
) -> tuple[list[DeliveryResult], int]:
    """Send each (message, envelope recipients) over one MailSender; return the results and connections opened."""

    async def run() -> tuple[list[DeliveryResult], int]:
        async with MailSender(settings_for(server), **options) as sender:  # type: ignore[arg-type]
            results = [await sender.send(message, recipients=list(rcpts)) for message, rcpts in batch]
            return results, sender.connections_opened

    return asyncio.run(run())


def maildir_messages(server: EmbeddedSmtp) -> list[EmailMessage]:
    """Every message filed in the server's Maildir, parsed."""
    box = mailbox.Maildir(server.maildir, create=False)
    parsed = [email.message_from_bytes(box.get_bytes(key), policy=policy.default) for key in sorted(box.keys())]
    return [message for message in parsed if isinstance(message, EmailMessage)]


def test_convocation_reaches_each_focal_point_in_their_language(server: EmbeddedSmtp) -> None:
    """N01 arrives for French, Chinese, Russian and English readers with intact names and a valid .ics."""
    languages = ["fr", "zh", "ru", "en"]
    batch = [(notice("N01", lang, outbox_id=i), [RECIPIENTS[lang]["email"]]) for i, lang in enumerate(languages)]
    results, _ = send_all(server, batch)
    assert [r.status for r in results] == ["sent"] * 4

    received = {str(m["Delivered-To"]): m for m in maildir_messages(server)}
    assert len(received) == 4
    for i, lang in enumerate(languages):
        message = received[RECIPIENTS[lang]["email"]]
        name = RECIPIENTS[lang]["name"]
        assert message["To"].addresses[0].display_name == name
        assert message["Message-ID"] == f"<notice.{i}@consultflow.invalid>"
        text = message.get_body(preferencelist=("plain",))
        assert text is not None and name in text.get_content()
        calendar_parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert calendar_parts and calendar_parts[0].get_param("method") == "REQUEST"
        payload = calendar_parts[0].get_payload(decode=True)
        assert isinstance(payload, bytes)
        calendar = icalendar.Calendar.from_ical(payload)
        event = calendar.walk("VEVENT")[0]
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == meeting_uid(MEETING["id"], "consultflow.invalid")
        assert event.decoded("SEQUENCE") == MEETING["version"]
        assert event["ATTENDEE"].params["CN"] == name
    french = received[RECIPIENTS["fr"]["email"]]
    assert str(french["Subject"]) == "GTC-Internet\u00a0: invitation à la 12e réunion, 1er février 2019"
    french_text = french.get_body(preferencelist=("plain",))
    assert french_text is not None and "États Membres" in french_text.get_content()
    assert french["Content-Language"] == "fr"
    assert received[RECIPIENTS["zh"]["email"]]["Content-Language"] == "zh"  # zh/ is translated (a draft)


def test_non_latin_respondent_names_arrive_intact(server: EmbeddedSmtp) -> None:
    """A Russian respondent name in the body and a Chinese reader name in To survive SMTP byte for byte."""
    context = sample_context("N12", "zh")
    assert context["item"] is not None
    context["item"]["name"] = "Ольга Смирнова"
    context["item"]["organisation"] = "中国信息通信研究院"
    rendered = render_notice("N12", "zh", context)
    message = build_message(
        rendered,
        notice=shipped_catalogue().notices["N12"],
        sender=SENDER,
        recipient=context["recipient"],
        context=context,
        message_id="<r.1@consultflow.invalid>",
        date=NOW,
    )
    (result,), _ = send_all(server, [(message, ["focal.point@cn.example"])])
    assert result.status == "sent"
    (arrived,) = maildir_messages(server)
    assert arrived["To"].addresses[0].display_name == "王小明"
    for kind in ("plain", "html"):
        part = arrived.get_body(preferencelist=(kind,))
        assert part is not None
        assert "Ольга Смирнова" in part.get_content() and "中国信息通信研究院" in part.get_content()


def test_550_is_permanent_with_the_server_reason(server: EmbeddedSmtp) -> None:
    """A 550 to RCPT is a permanent failure carrying the server's reply, and nothing is filed."""
    server.behaviour.rcpt_replies["gone@fr.example"] = "550 5.1.1 <gone@fr.example>: Recipient address rejected"
    (result,), _ = send_all(server, [(notice("N04", "fr"), ["gone@fr.example"])])
    assert result.status == "permanent" and result.code == 550
    assert "Recipient address rejected" in result.reason
    assert maildir_messages(server) == []


def test_data_rejection_codes(server: EmbeddedSmtp) -> None:
    """A 451 after DATA is temporary and a 554 permanent; the connection stays usable after both."""
    server.behaviour.data_reply = "451 4.3.0 Local problem, try later"
    (first,), opened = send_all(server, [(notice("N04", "en"), ["a@b.org"])])
    server.behaviour.data_reply = "554 5.6.0 Message content rejected"
    (second,), _ = send_all(server, [(notice("N04", "en"), ["a@b.org"])])
    assert (first.status, first.code) == ("temporary", 451)
    assert (second.status, second.code, second.reason) == ("permanent", 554, "554 5.6.0 Message content rejected")
    assert opened == 1


def test_450_and_mail_from_4xx_are_temporary(server: EmbeddedSmtp) -> None:
    """A 450 to RCPT and a 451 to MAIL FROM are temporary failures."""
    server.behaviour.rcpt_replies["busy@b.org"] = "450 4.2.1 Mailbox busy"
    (rcpt,), _ = send_all(server, [(notice("N04", "en"), ["busy@b.org"])])
    server.behaviour.mail_reply = "451 4.7.1 Greylisted, try again later"
    (mail,), _ = send_all(server, [(notice("N04", "en"), ["a@b.org"])])
    assert (rcpt.status, rcpt.code, rcpt.retry_recipients) == ("temporary", 450, ("busy@b.org",))
    assert (mail.status, mail.code) == ("temporary", 451)


def test_partial_refusal_is_reported_not_raised(server: EmbeddedSmtp) -> None:
    """With one recipient refused and one accepted, the result is 'partial' with the refused one's code."""
    server.behaviour.rcpt_replies["gone@b.org"] = "550 5.1.1 No such user"
    (result,), _ = send_all(server, [(notice("N04", "en"), ["chair@b.org", "gone@b.org"])])
    assert result.status == "partial" and result.accepted
    assert result.refused["gone@b.org"].code == 550
    assert [str(m["Delivered-To"]) for m in maildir_messages(server)] == ["chair@b.org"]


def test_refused_connection_is_temporary_then_delivered_once(server: EmbeddedSmtp) -> None:
    """While the server refuses connections the result is temporary; the retry then delivers exactly once."""
    message = notice("N01", "fr")
    server.refuse_connections()
    (refused,), opened = send_all(server, [(message, ["point.focal@fr.example"])])
    assert refused.status == "temporary" and "cannot connect" in refused.reason and opened == 0
    server.accept_connections()
    (retried,), _ = send_all(server, [(message, ["point.focal@fr.example"])])
    assert retried.status == "sent"
    assert [m["Message-ID"] for m in maildir_messages(server)] == ["<notice.1@consultflow.invalid>"]


@pytest.mark.parametrize("when", ["mail", "rcpt", "data"])
def test_disconnect_is_temporary_and_the_next_send_reconnects(server: EmbeddedSmtp, when: str) -> None:
    """A dropped connection at MAIL, RCPT or end of DATA is temporary; the same sender reconnects for the next."""
    server.behaviour.disconnect_at = when  # type: ignore[assignment]

    async def run() -> tuple[DeliveryResult, DeliveryResult, int]:
        async with MailSender(settings_for(server)) as sender:
            first = await sender.send(notice("N04", "en", 1), recipients=["a@b.org"])
            server.behaviour.disconnect_at = None
            second = await sender.send(notice("N04", "en", 2), recipients=["a@b.org"])
            return first, second, sender.connections_opened

    first, second, opened = asyncio.run(run())
    assert first.status == "temporary" and "disconnected" in first.reason
    assert second.status == "sent" and opened == 2
    assert [m["Message-ID"] for m in maildir_messages(server)] == ["<notice.2@consultflow.invalid>"]


def test_server_restart_between_messages_is_transparent(server: EmbeddedSmtp) -> None:
    """When the server goes away between two messages, the reused connection is replaced without a failure."""

    async def run() -> tuple[list[str], int]:
        async with MailSender(settings_for(server)) as sender:
            first = await sender.send(notice("N04", "en", 1), recipients=["a@b.org"])
            server.refuse_connections()
            server.accept_connections()
            await asyncio.sleep(0.05)  # let the client notice the closed connection
            second = await sender.send(notice("N04", "en", 2), recipients=["a@b.org"])
            return [first.status, second.status], sender.connections_opened

    statuses, opened = asyncio.run(run())
    assert statuses == ["sent", "sent"] and opened == 2


@pytest.mark.parametrize(("mode", "connections"), [("reuse", 1), ("per_message", 40)])
def test_connection_reuse_is_counted_at_the_server(server: EmbeddedSmtp, mode: SendMode, connections: int) -> None:
    """Forty notices go over one connection when reused, and over forty in per-message mode."""
    batch = [(notice("N04", "en", i), [f"ms{i}@b.org"]) for i in range(40)]
    results, opened = send_all(server, batch, mode=mode)
    assert all(r.status == "sent" for r in results)
    assert server.connections == connections == opened
    assert server.messages_received == 40
    assert {r.connection for r in server.received} == set(range(1, connections + 1))


def test_connection_is_recycled_after_n_messages(server: EmbeddedSmtp) -> None:
    """With recycle_after=10, twenty-five messages use three connections."""
    batch = [(notice("N04", "en", i), ["a@b.org"]) for i in range(25)]
    results, opened = send_all(server, batch, recycle_after=10)
    assert all(r.status == "sent" for r in results) and opened == 3 == server.connections


def test_idle_connection_is_checked_before_reuse(server: EmbeddedSmtp) -> None:
    """After an idle spell the sender checks the connection with NOOP and keeps it when it answers."""
    ticks = iter([0.0, 0.0, 100.0, 100.0, 100.0])

    async def run() -> int:
        async with MailSender(settings_for(server), idle_check_after=10, clock=lambda: next(ticks)) as sender:
            for i in range(2):
                assert (await sender.send(notice("N04", "en", i), recipients=["a@b.org"])).status == "sent"
            return sender.connections_opened

    assert asyncio.run(run()) == 1 == server.connections


def test_injected_header_is_refused_before_anything_is_sent(server: EmbeddedSmtp) -> None:
    """A CR/LF in data bound for the subject stops the notice before a message exists; the server sees nothing."""
    with pytest.raises(UnsafeHeaderValue, match="subject"):
        _inject_subject()
    assert server.connections == 0 and maildir_messages(server) == []


def _inject_subject() -> EmailMessage:
    """Build N04 whose contribution symbol (shown in the subject) carries a CR/LF and a Bcc line."""
    context = sample_context("N04", "en")
    assert context["item"] is not None
    context["item"]["symbol"] = "CWG-Internet-12/4\r\nBcc: attacker@evil.test"
    rendered = render_notice("N04", "en", context)
    return build_message(
        rendered,
        notice=shipped_catalogue().notices["N04"],
        sender=SENDER,
        recipient=context["recipient"],
        context=context,
        message_id="<x@y.org>",
        date=NOW,
    )


def test_empty_envelope_is_refused(server: EmbeddedSmtp) -> None:
    """Sending without envelope recipients is a programming error, raised before connecting."""

    async def run() -> None:
        async with MailSender(settings_for(server)) as sender:
            await sender.send(notice("N04", "en"), recipients=[])

    with pytest.raises(InvalidMessageInput):
        asyncio.run(run())
    assert server.connections == 0


def test_behaviour_defaults_accept_everything(tmp_path: Path) -> None:
    """A server started with default behaviour accepts mail and files it once per envelope recipient."""
    with start_embedded_smtp(tmp_path / "md", behaviour=ServerBehaviour()) as embedded:
        (result,), _ = send_all(embedded, [(notice("N05", "fr"), ["a@b.org", "c@d.org"])])
        assert result.status == "sent"
        assert sorted(str(m["Delivered-To"]) for m in maildir_messages(embedded)) == ["a@b.org", "c@d.org"]
        assert all(str(m["Return-Path"]) == "<noreply@consultflow.invalid>" for m in maildir_messages(embedded))
