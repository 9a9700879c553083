"""What the mail path keeps between messages (headers, folded text, calendars, filter results, template lookups)
gives each message exactly what building it from scratch would, and nothing of another recipient."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from email.headerregistry import Address, BaseHeader
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest

from notifications.context import NoticeContext
from notifications.filters import template_filters
from notifications.mail_policy import MAIL_POLICY, set_boundaries
from notifications.meeting_calendar import build_calendar, meeting_calendar
from notifications.message import Mailbox, build_message, message_id_for
from notifications.rendering import is_translated, render_notice
from notifications.samples import sample_context, shipped_catalogue

SENDER = Mailbox("noreply@consultflow.invalid", "CWG-Internet Secretariat")
DATE = dt.datetime(2018, 12, 21, 10, 0, 0, 250_000, tzinfo=dt.UTC)
NOTICES = shipped_catalogue().notices
ORGANIZER = Address("CWG-Internet", "noreply", "consultflow.invalid")
POLICIES = {
    "SMTP": policy.SMTP,
    "SMTPUTF8": policy.SMTPUTF8,
    "default": policy.default,
    "HTTP": policy.HTTP,
    "7bit": policy.SMTP.clone(cte_type="7bit"),
}


def _for(notice_id: str, language: str, name: str, address: str) -> NoticeContext:
    """The sample context of ``notice_id`` read by another person."""
    context = sample_context(notice_id, language)
    context["recipient"] = {**context["recipient"], "name": name, "email": address}
    return context


def _built(context: NoticeContext, row: int = 1) -> EmailMessage:
    notice_id, language = context["notice"]["id"], context["recipient"]["language"]
    return build_message(
        render_notice(notice_id, language, context),
        notice=NOTICES[notice_id],
        sender=SENDER,
        recipient=context["recipient"],
        context=context,
        message_id=message_id_for(row, "consultflow.invalid"),
        date=DATE,
    )


# -- headers ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("notice_id", ["N01", "N05"])
@pytest.mark.parametrize("language", ["en", "fr", "ru", "zh"])
def test_kept_folds_are_the_stdlib_folds(notice_id: str, language: str) -> None:
    """Every header of every part folds, under every policy, exactly as the stdlib folds it afresh."""
    message = _built(_for(notice_id, language, "Анна-Мария Ковалевская-Смирнова", "anna@example.org"))
    for part in message.walk():
        for name, value in part.raw_items():
            if not isinstance(value, BaseHeader):
                continue
            fresh = policy.default.header_factory(name, str(value))  # parsed again by the stock registry
            for label, chosen in POLICIES.items():
                assert value.fold(policy=chosen) == BaseHeader.fold(value, policy=chosen), (name, label)
                assert value.fold(policy=chosen) == fresh.fold(policy=chosen), (name, label)


def test_shared_headers_are_one_object_and_the_recipients_stay_apart() -> None:
    """Two readers of one notice share the From and the part headers; each has their own To and Message-ID."""
    first = _built(_for("N05", "en", "Ann Example", "ann@example.org"), row=1)
    second = _built(_for("N05", "en", "Bob Example", "bob@example.org"), row=2)
    assert first["From"] is second["From"]
    assert first["List-Id"] is second["List-Id"]
    assert first["To"] is not second["To"]
    assert first["To"].addresses[0].addr_spec == "ann@example.org"
    assert second["To"].addresses[0].addr_spec == "bob@example.org"
    assert first["Message-ID"] != second["Message-ID"]
    assert b"bob@example.org" not in bytes(first) and b"Bob Example" not in bytes(first)
    assert b"ann@example.org" not in bytes(second) and b"Ann Example" not in bytes(second)


def test_a_readers_kept_to_line_is_theirs_exactly() -> None:
    """The folded To line kept for a reader serves their next message; a reader differing in name or address
    only gets their own, each what the stdlib folds afresh."""
    readers = [
        ("Иван Петров", "ivan.petrov@mid.example"),
        ("Иван Петров", "ivan.petrov@mid2.example"),  # same name, another address
        ("Иван Петровъ", "ivan.petrov@mid.example"),  # same address, another name
    ]
    for _ in range(2):  # the second time round, every To line comes from what was kept
        for number, (name, address) in enumerate(readers):
            message = _built(_for("N06", "ru", name, address), row=number)
            to = message["To"]
            assert to.addresses[0].display_name == name and to.addresses[0].addr_spec == address
            fresh = policy.default.header_factory("To", Address(name, *address.split("@")))
            for chosen in POLICIES.values():
                assert to.fold(policy=chosen) == fresh.fold(policy=chosen)
                assert BaseHeader.fold(to, policy=chosen) == fresh.fold(policy=chosen)


def test_the_same_text_in_two_headers_is_two_headers() -> None:
    """A value is kept per header name: the same text as To and as Reply-To are two kinds of header."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["To"] = "ann@example.org"
    message["Reply-To"] = "ann@example.org"
    message["Subject"] = "ann@example.org"
    assert message["To"].name == "To" and message["Reply-To"].name == "Reply-To"
    assert message["To"].addresses[0].addr_spec == "ann@example.org"
    assert not hasattr(message["Subject"], "addresses")


def test_a_message_of_our_policy_flattens_as_one_of_the_default_policy() -> None:
    """The same headers and parts under email.policy.default give the same bytes as under MAIL_POLICY."""
    ours, stock = EmailMessage(policy=MAIL_POLICY), EmailMessage()
    for message in (ours, stock):
        message["Subject"] = "Invitation à la 12e réunion du GTC-Internet, " * 3
        message["From"] = Address("CWG-Internet Secretariat", "noreply", "consultflow.invalid")
        message["To"] = Address("Иван Петров", "ivan.petrov", "mid.example")
        message["List-Id"] = "CWG-Internet <cwg-internet.consultflow.invalid>"
        message.set_content("Madame, Monsieur,\n" * 40, cte="quoted-printable")
        message.add_alternative("<p>Madame, Monsieur,</p>\n" * 40, subtype="html", cte="quoted-printable")
        message.set_boundary("===============0000000000000000042==")
    for chosen in POLICIES.values():
        assert ours.as_bytes(policy=chosen) == stock.as_bytes(policy=chosen)


# -- boundaries -------------------------------------------------------------------------------------------------


def test_boundaries_are_distinct_and_absent_from_every_part() -> None:
    """The calendar notice nests two multiparts: two boundaries, neither inside any part nor the other."""
    message = _built(_for("N01", "fr", "Jeanne Dupont", "jeanne@example.org"))
    multiparts = [part for part in message.walk() if part.is_multipart()]
    boundaries = [part.get_boundary() for part in multiparts]
    assert len(multiparts) == 2 and None not in boundaries and len(set(boundaries)) == 2
    texts = [str(part.get_payload()) for part in message.walk() if not part.is_multipart()]
    assert not any(str(boundary) in text for boundary in boundaries for text in texts)


def test_a_part_holding_the_usual_boundary_gets_another() -> None:
    """A part that happens to contain the process's boundary (an 8bit text could) makes it choose a random one."""
    probe = EmailMessage(policy=MAIL_POLICY)
    probe.set_content("x")
    probe.add_alternative("<p>x</p>", subtype="html")
    set_boundaries(probe)
    usual = str(probe.get_boundary())

    message = EmailMessage(policy=MAIL_POLICY)
    message.set_content(f"--{usual}\nquoted from another message\n", cte="8bit")
    message.add_alternative("<p>x</p>", subtype="html")
    set_boundaries(message)
    assert message.get_boundary() not in (None, usual)
    back = email.message_from_bytes(message.as_bytes(), policy=policy.default)  # the same two parts come back
    assert isinstance(back, EmailMessage)
    assert [part.get_content_type() for part in back.iter_parts()] == ["text/plain", "text/html"]


# -- the calendar -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("notice_id", ["N01", "N02"])
@pytest.mark.parametrize("language", ["en", "fr", "ar", "zh"])
def test_the_kept_calendar_is_the_calendar_made_whole(notice_id: str, language: str) -> None:
    """With the shared part kept, each attendee's invitation is byte for byte the one made from scratch."""
    context = sample_context(notice_id, language)
    names = ["", "A", "Jeanne Dupont", "王芳", 'O\'Brien, "Q"; a:b', "Ж" * 80, "x" * 200]
    for number, name in enumerate(names):
        attendee = Address(name, f"someone{number}", "example.org")
        kept = meeting_calendar(context, organizer=ORGANIZER, attendee=attendee, stamp=DATE, language=language)
        whole = build_calendar(context, organizer=ORGANIZER, attendee=attendee, stamp=DATE, language=language)
        assert kept is not None and whole is not None
        assert kept.method == whole[0]
        assert kept.data == whole[1].to_ical()


def test_each_attendee_gets_their_own_line_and_nobody_elses() -> None:
    """Two readers of one convocation: each calendar names its reader only."""
    context = sample_context("N01", "en")
    ann = Address("Ann Example", "ann", "example.org")
    bob = Address("Bob Example", "bob", "example.org")
    parts = [
        meeting_calendar(context, organizer=ORGANIZER, attendee=who, stamp=DATE, language="en") for who in (ann, bob)
    ]
    for part, who, other in zip(parts, (ann, bob), (bob, ann), strict=True):
        assert part is not None
        event = next(c for c in icalendar.Calendar.from_ical(part.data).walk() if c.name == "VEVENT")
        assert str(event["ATTENDEE"]) == f"mailto:{who.addr_spec}"
        assert event["ATTENDEE"].params["CN"] == who.display_name
        assert other.addr_spec.encode() not in part.data and other.display_name.encode() not in part.data
        assert b"placeholder" not in part.data


def test_a_changed_meeting_is_not_given_the_kept_calendar() -> None:
    """A later step (new version, new dates, cancelled) and a later second get their own calendar."""
    attendee = Address("Ann Example", "ann", "example.org")

    def ics(context: NoticeContext, stamp: dt.datetime = DATE) -> bytes:
        part = meeting_calendar(context, organizer=ORGANIZER, attendee=attendee, stamp=stamp, language="en")
        assert part is not None
        return part.data

    first = sample_context("N02", "en")
    later = sample_context("N02", "en")
    later["instance"]["version"] += 1
    moved = sample_context("N02", "en")
    moved["instance"]["fields"]["start"] = moved["instance"]["fields"]["end"] = "2019-03-11"
    cancelled = sample_context("N02", "en")
    cancelled["instance"]["state"] = "cancelled"
    assert b"SEQUENCE:%d" % (first["instance"]["version"] + 1) in ics(later)
    assert b"DTSTART;VALUE=DATE:20190311" in ics(moved)
    assert b"METHOD:CANCEL" in ics(cancelled) and b"METHOD:CANCEL" not in ics(first)
    assert ics(first, DATE + dt.timedelta(seconds=1)) != ics(first)
    assert ics(first, DATE.replace(microsecond=0)) == ics(first)  # DTSTAMP is written to the second


# -- filters and template lookups -------------------------------------------------------------------------------


def test_a_kept_filter_result_does_not_confuse_true_with_one() -> None:
    """``number`` refuses a boolean even after formatting 1 (equal as keys, not as values)."""
    number = template_filters("en")["number"]
    assert number(1) == "1"
    with pytest.raises(TypeError):
        number(True)
    assert number(1.0) == "1"  # a float is formatted as a float, whatever came first
    assert number(1) == "1"


def test_dates_are_kept_per_language() -> None:
    """The same date read in two languages is written in each."""
    context = sample_context("N01", "fr")
    english = render_notice("N01", "en", {**context, "recipient": {**context["recipient"], "language": "en"}})
    french = render_notice("N01", "fr", context)
    assert "1er février 2019" in french.subject and "1 February 2019" in english.subject


def test_a_translation_removed_or_added_is_seen_at_once(template_copy: Path) -> None:
    """The answer of is_translated is kept only while the language's folder is unchanged."""
    assert is_translated("N05", "es")
    spanish = template_copy / "es" / "N05.body.html"
    kept = spanish.read_bytes()
    spanish.unlink()
    assert not is_translated("N05", "es")
    assert render_notice("N05", "es", sample_context("N05", "es")).language_used == "en"
    spanish.write_bytes(kept)
    assert is_translated("N05", "es")
