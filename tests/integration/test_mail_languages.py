"""One notice per language delivered through the embedded SMTP server, decoded as a reader's client would."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import mailbox
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest

from notifications.maildir_server import EmbeddedSmtp, start_embedded_smtp
from notifications.message import Mailbox, build_message, message_id_for
from notifications.rendering import render_notice
from notifications.samples import RECIPIENTS, sample_context, shipped_catalogue
from notifications.smtp import MailSender, SmtpSettings

SENDER = Mailbox("noreply@consultflow.invalid", "CWG-Internet Secretariat")
NOW = dt.datetime(2018, 12, 21, 9, 0, tzinfo=dt.UTC)

# (language, notice, words the decoded subject, text and HTML must hold, the .ics title or None)
CASES = [
    ("es", "N01", "GTC-Internet: invitación a la 12.ª reunión, 1 de febrero de 2019", "Estimado/a José Martínez Núñez:",
     "Atentamente,", "12.ª reunión del GTC-Internet"),
    ("ru", "N03", "РГС-Интернет: вклад CWG-Internet-12/4 будет опубликован только на языке оригинала",
     "Уважаемый(-ая) Иван Петрович Сидоров!", "С уважением,", None),
    ("ar", "N01", "CWG-Internet: دعوة إلى الاجتماع الثاني عشر، 1 فبراير 2019", "السيد(ة) ليلى حسن المحترم(ة)،",
     "وتفضلوا بقبول فائق التقدير والاحترام.", "الاجتماع الثاني عشر لفريق العمل CWG-Internet"),
    ("zh", "N12", "CWG-Internet公开磋商：已收到您的答复", "尊敬的王小明：", "顺致敬意！", None),
]  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedSmtp]:
    """A loopback SMTP server filing into a fresh Maildir, stopped after the test."""
    with start_embedded_smtp(tmp_path / "Maildir", keep=100) as embedded:
        yield embedded


def _message(notice_id: str, language: str, outbox_id: int) -> EmailMessage:
    context = sample_context(notice_id, language)
    return build_message(
        render_notice(notice_id, language, context),
        notice=shipped_catalogue().notices[notice_id],
        sender=SENDER,
        recipient=context["recipient"],
        context=context,
        message_id=message_id_for(outbox_id, "consultflow.invalid"),
        date=NOW,
    )


def test_one_notice_per_language_arrives_decoded_and_whole(server: EmbeddedSmtp) -> None:
    """Spanish, Russian, Arabic and Chinese notices arrive with their subject word for word (every space kept),
    their salutation and closing in the text and HTML parts, the right Content-Language and lang, Arabic HTML
    right-to-left, and the meeting's calendar entry titled in the reader's language."""
    settings = SmtpSettings(host=server.host, port=server.port, tls="none", timeout=5, sender=SENDER.email)
    batch = [(_message(notice, lang, i), RECIPIENTS[lang]["email"]) for i, (lang, notice, *_) in enumerate(CASES)]

    async def send() -> list[str]:
        async with MailSender(settings) as sender:
            return [(await sender.send(message, recipients=[rcpt])).status for message, rcpt in batch]

    assert asyncio.run(send()) == ["sent"] * len(CASES)
    box = mailbox.Maildir(server.maildir, create=False)
    arrived = [email.message_from_bytes(box.get_bytes(key), policy=policy.default) for key in box.iterkeys()]
    by_reader = {str(m["Delivered-To"]): m for m in arrived if isinstance(m, EmailMessage)}
    for language, _notice, subject, salutation, closing, summary in CASES:
        message = by_reader[RECIPIENTS[language]["email"]]
        assert str(message["Subject"]) == subject
        assert message["Content-Language"] == language
        assert message["To"].addresses[0].display_name == RECIPIENTS[language]["name"]
        text, html = message.get_body(preferencelist=("plain",)), message.get_body(preferencelist=("html",))
        assert text is not None and html is not None
        for part in (text.get_content(), html.get_content()):
            assert salutation in part and closing in part
        assert f'<html lang="{language}"' in html.get_content()
        assert ('dir="rtl"' in html.get_content()) == (language == "ar")
        calendars = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        if summary is None:
            assert calendars == []
            continue
        payload = calendars[0].get_payload(decode=True)
        assert isinstance(payload, bytes)
        event = icalendar.Calendar.from_ical(payload).walk("VEVENT")[0]
        assert str(event["SUMMARY"]) == summary
