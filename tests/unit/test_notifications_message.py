"""The e-mail built for one notice: headers, alternatives, UTF-8 and the meeting's iCalendar invitation."""

from __future__ import annotations

import datetime as dt
import email
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from typing import Literal
from zoneinfo import ZoneInfo

import icalendar
import pytest

from engine.catalogue import NoticeSpec
from notifications.context import DEFAULT_TIMEZONE, body_zone, check_context
from notifications.errors import InvalidContext, InvalidMessageInput
from notifications.meeting_calendar import meeting_uid
from notifications.message import Mailbox, build_message, message_id_for, parse_mailbox
from notifications.rendering import render_notice
from notifications.samples import MEETING, sample_context, shipped_catalogue

SENDER = Mailbox("noreply@consultflow.invalid", "CWG-Internet Secretariat")
DATE = dt.datetime(2018, 12, 21, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
NOTICES = shipped_catalogue().notices


def _build(
    notice_id: str,
    language: str = "en",
    *,
    state: str | None = None,
    version: int | None = None,
    changes: dict[str, list[object]] | Literal["sample"] | None = "sample",
) -> EmailMessage:
    context = sample_context(notice_id, language)
    if changes != "sample":
        context["changes"] = changes
    if state:
        context["instance"]["state"] = state
    if version is not None:
        context["instance"]["version"] = version
    rendered = render_notice(notice_id, language, context)
    built = build_message(
        rendered,
        notice=NOTICES[notice_id],
        sender=SENDER,
        recipient=context["recipient"],
        cc=[Mailbox("chair@cwg.example", "Chair of CWG-Internet"), "vc.africa@cwg.example"],
        context=context,
        message_id=message_id_for(1021, "consultflow.invalid"),
        date=DATE,
    )
    parsed = email.message_from_bytes(built.as_bytes(policy=policy.SMTP), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _calendars(message: EmailMessage) -> list[icalendar.Calendar]:
    payloads = [part.get_payload(decode=True) for part in message.walk() if part.get_content_type() == "text/calendar"]
    return [icalendar.Calendar.from_ical(payload) for payload in payloads if isinstance(payload, bytes)]


def test_headers_of_a_notice() -> None:
    """The message carries the caller's Message-ID, a UTC Date, List-Id, Auto-Submitted and Content-Language."""
    message = _build("N04", "fr")
    assert message["Message-ID"] == "<notice.1021@consultflow.invalid>"
    assert message["Date"] == "Fri, 21 Dec 2018 09:00:00 +0000"
    assert message["List-Id"].endswith("<cwg-internet.consultflow.invalid>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "fr"
    assert message["X-Consultflow-Notice"] == "N04"
    assert str(message["To"]) == "Hélène Lefèvre-Dupré <point.focal@fr.example>"
    assert "chair@cwg.example" in str(message["Cc"]) and "vc.africa@cwg.example" in str(message["Cc"])
    assert str(message["Subject"]) == "GTC-Internet\u00a0: contribution CWG-Internet-12/4 reçue"


def test_text_and_html_alternatives_in_utf8() -> None:
    """A notice without a calendar is multipart/alternative with UTF-8 text and HTML that decode intact."""
    message = _build("N04", "fr")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert text.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    assert "Le Secrétariat accuse réception" in text.get_content()
    assert "Le Secrétariat accuse réception" in html.get_content()
    assert _calendars(message) == []


def test_convocation_carries_a_calendar_request() -> None:
    """N01 carries a text/calendar METHOD:REQUEST alternative and the same invitation as an attachment."""
    message = _build("N01", "fr", version=3)
    assert message.get_content_type() == "multipart/mixed"
    calendars = _calendars(message)
    assert len(calendars) == 2
    attachments = [part for part in message.iter_attachments() if part.get_filename() == "invite.ics"]
    assert len(attachments) == 1 and attachments[0].get_param("method") == "REQUEST"
    calendar = calendars[0]
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == meeting_uid(MEETING["id"], "consultflow.invalid")
    assert event.decoded("SEQUENCE") == 3
    assert event.decoded("DTSTART") == dt.date(2019, 2, 1)
    assert event.decoded("DTEND") == dt.date(2019, 2, 2)  # exclusive end of a one-day meeting
    assert str(event["LOCATION"]) == "ITU headquarters, Geneva (Switzerland)"
    assert str(event["SUMMARY"]) == "12e réunion du GTC-Internet"
    assert str(event["ORGANIZER"]) == "mailto:noreply@consultflow.invalid"
    assert str(event["ATTENDEE"]) == "mailto:point.focal@fr.example"
    assert event["ATTENDEE"].params["CN"] == "Hélène Lefèvre-Dupré"


def test_postponement_supersedes_with_a_higher_sequence() -> None:
    """N02 for a meeting postponed to new dates (in the state they imply) is a REQUEST, same UID, higher version."""
    first = _calendars(_build("N01", version=3))[0].walk("VEVENT")[0]
    later = _calendars(_build("N02", state="contributions_open", version=5))[0]
    event = later.walk("VEVENT")[0]
    assert str(later["METHOD"]) == "REQUEST"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["UID"] == first["UID"]
    assert event.decoded("SEQUENCE") == 5 > first.decoded("SEQUENCE")


def test_postponement_until_further_notice_is_a_calendar_cancel() -> None:
    """N02 for a meeting postponed until further notice (state postponed, old dates kept) withdraws the entry."""
    calendar = _calendars(_build("N02", state="postponed", version=5, changes=None))[0]
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == meeting_uid(MEETING["id"], "consultflow.invalid")
    assert event.decoded("SEQUENCE") == 5
    # A row queued when a postponement to new dates still ended in state postponed announces those dates.
    legacy = _calendars(_build("N02", state="postponed", version=5))[0]
    assert str(legacy["METHOD"]) == "REQUEST"


def test_cancellation_is_a_calendar_cancel() -> None:
    """N02 for a cancelled meeting carries METHOD:CANCEL, STATUS:CANCELLED and the same UID."""
    message = _build("N02", state="cancelled", version=6)
    calendar = _calendars(message)[0]
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == meeting_uid(MEETING["id"], "consultflow.invalid")
    assert event.decoded("SEQUENCE") == 6
    assert any(part.get_param("method") == "CANCEL" for part in message.walk())


def test_postponement_without_new_dates_has_no_calendar() -> None:
    """A meeting postponed sine die gets the notice but no invitation (there is nothing to put in a calendar)."""
    context = sample_context("N02", "en")
    for name in ("start", "end"):
        context["instance"]["fields"].pop(name)
    rendered = render_notice("N02", "en", context)
    built = build_message(
        rendered,
        notice=NOTICES["N02"],
        sender=SENDER,
        recipient=context["recipient"],
        context=context,
        message_id="<a@b.org>",
        date=DATE,
    )
    assert built.get_content_type() == "multipart/alternative"


def test_message_id_for_outbox_rows() -> None:
    """Message-IDs are derived from the outbox row id and the mail domain, so retries keep them."""
    assert message_id_for(42, "Consultflow.Invalid") == "<notice.42@consultflow.invalid>"
    assert message_id_for(42, "consultflow.invalid") == message_id_for(42, "consultflow.invalid")
    with pytest.raises(InvalidMessageInput):
        message_id_for(-1, "consultflow.invalid")
    with pytest.raises(InvalidMessageInput):
        message_id_for(1, "bad domain")


def test_naive_date_and_bad_message_id_are_refused() -> None:
    """The Date must be aware and the Message-ID well formed."""
    context = sample_context("N04", "en")
    rendered = render_notice("N04", "en", context)
    kwargs = {"notice": NOTICES["N04"], "sender": SENDER, "recipient": context["recipient"], "context": context}
    with pytest.raises(InvalidMessageInput, match="naive"):
        build_message(rendered, message_id="<a@b.org>", date=dt.datetime(2019, 1, 1), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidMessageInput, match="Message-ID"):
        build_message(rendered, message_id="a@b.org\r\nBcc: x@y.z", date=DATE, **kwargs)  # type: ignore[arg-type]


def test_parse_configured_sender() -> None:
    """The configured sender may be 'Name <address>' or a bare address; line breaks are refused."""
    assert parse_mailbox("CWG-Internet <noreply@consultflow.invalid>") == Mailbox(
        "noreply@consultflow.invalid", "CWG-Internet"
    )
    assert parse_mailbox("noreply@consultflow.invalid").email == "noreply@consultflow.invalid"
    with pytest.raises(Exception, match="control character"):
        parse_mailbox("x@y.org\r\nBcc: z@w.org")


def test_check_context_accepts_samples_and_names_problems() -> None:
    """A context read back from JSON is checked for shape, and a problem names its path."""
    context = dict(sample_context("N01", "en"))
    assert check_context(context)["notice"]["id"] == "N01"
    broken = dict(context, recipient=dict(sample_context("N01", "en")["recipient"], language="de"))
    with pytest.raises(InvalidContext, match=r"recipient\.language"):
        check_context(broken)
    missing = {key: value for key, value in context.items() if key != "deadlines"}
    with pytest.raises(InvalidContext, match="deadlines"):
        check_context(missing)


def test_check_context_reads_the_body_time_zone() -> None:
    """body.timezone must name a known zone; a row queued before the engine stored it gets the default body's zone."""
    context = sample_context("N01", "en")
    assert context["body"].get("timezone") == "Europe/Zurich"
    with pytest.raises(InvalidContext, match=r"body\.timezone"):
        check_context({**context, "body": {**context["body"], "timezone": "Europe/Genève"}})
    older = {key: value for key, value in context["body"].items() if key != "timezone"}
    assert body_zone(check_context({**context, "body": older})["body"]) == ZoneInfo(DEFAULT_TIMEZONE)


def test_the_calendar_flag_comes_from_the_notice_spec() -> None:
    """The catalogue's calendar flag decides the invitation; a spec for another notice than the context's is refused."""
    context = sample_context("N01", "en")
    rendered = render_notice("N01", "en", context)

    def build(notice: NoticeSpec) -> EmailMessage:
        return build_message(
            rendered,
            notice=notice,
            sender=SENDER,
            recipient=context["recipient"],
            context=context,
            message_id="<a@b.org>",
            date=DATE,
        )

    assert len(_calendars(build(NOTICES["N01"]))) == 2
    assert _calendars(build(replace(NOTICES["N01"], calendar=False))) == []
    with pytest.raises(InvalidMessageInput, match="N01, not N04"):
        build(NOTICES["N04"])
