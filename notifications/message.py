"""Build the e-mail for one rendered notice and one reader.

Every header value that comes from data goes through notifications.headers (refused if it holds a
line break or control character, encoded words neutralised). The message is UTF-8 throughout, with
text and HTML alternatives (quoted-printable, so it survives relays without 8BITMIME), a Message-ID
chosen by the caller (stable per outbox row, so retries keep it), ``List-Id``,
``Auto-Submitted: auto-generated`` and ``Content-Language``. Notices marked ``calendar`` in the catalogue
(the meeting notices N01 and N02) also carry the iCalendar invitation, both as a
``text/calendar; method=...`` alternative and as an attachment, which is what Outlook, Gmail and Apple
Mail each look for.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from engine.catalogue import NoticeSpec
from notifications.context import NoticeContext, Recipient
from notifications.errors import InvalidMessageInput
from notifications.headers import EncodedSubject, check_header_text, mailbox, validate_address
from notifications.mail_policy import MAIL_POLICY, set_boundaries
from notifications.meeting_calendar import meeting_calendar
from notifications.rendering import RenderedNotice

_DOT_ATOM_DOMAIN = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
QP_MAX_CHARS = 20_000
"""The longest body sent quoted-printable; a longer one is sent base64 (see ``body_encoding``)."""
_MESSAGE_ID = re.compile(r"^<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+>$")


@dataclass(frozen=True)
class Mailbox:
    """An address with an optional display name (the sender, a cc'd person)."""

    email: str
    name: str = ""


MailboxLike = Mailbox | Recipient | str
"""A mailbox, a context recipient dict, or a bare address."""


def parse_mailbox(text: str) -> Mailbox:
    """Read ``"Name <addr@example.org>"`` or ``"addr@example.org"`` (e.g. the configured sender)."""
    check_header_text("sender", text)
    name, email = parseaddr(text)
    return Mailbox(email=validate_address(email or text), name=name)


def message_id_for(outbox_id: int, domain: str) -> str:
    """The Message-ID of the message sent for outbox row ``outbox_id``: stable across retries."""
    if isinstance(outbox_id, bool) or not isinstance(outbox_id, int) or outbox_id < 0:
        raise InvalidMessageInput(f"An outbox id must be a non-negative integer, not {outbox_id!r}.")
    if not _DOT_ATOM_DOMAIN.match(domain):
        raise InvalidMessageInput(f"The mail domain {domain!r} is not a valid host name.")
    return f"<notice.{outbox_id}@{domain.lower()}>"


def body_encoding(text: str) -> str:
    """Quoted-printable for a body of ordinary length (readable in the raw message); base64 past QP_MAX_CHARS.

    Python encodes quoted-printable character by character; a body holding a pasted 100,000-character title
    would cost tens of milliseconds to encode and flatten, where base64 (in C) stays within a few.
    """
    return "quoted-printable" if len(text) <= QP_MAX_CHARS else "base64"


def build_message(
    rendered: RenderedNotice,
    *,
    notice: NoticeSpec,
    sender: MailboxLike,
    recipient: MailboxLike,
    cc: Sequence[MailboxLike] = (),
    context: NoticeContext,
    message_id: str,
    date: dt.datetime,
) -> EmailMessage:
    """Assemble the message for ``recipient``; raises UnsafeHeaderValue/InvalidAddress before anything is sent.

    ``notice`` is the catalogue's entry for the notice in ``context`` (its ``calendar`` flag adds the invitation).
    """
    if date.tzinfo is None or date.utcoffset() is None:
        raise InvalidMessageInput(f"Refused the naive date {date.isoformat()}: pass an aware datetime.")
    if not _MESSAGE_ID.match(message_id):
        raise InvalidMessageInput(f"The Message-ID {message_id!r} is not of the form <local@domain>.")
    notice_id = check_header_text("notice id", context["notice"]["id"])
    if notice.id != notice_id:
        raise InvalidMessageInput(f"The context is for notice {notice_id}, not {notice.id}.")
    from_, to = _mailbox("sender", sender), _mailbox("recipient", recipient)
    copies = [_mailbox("cc", item) for item in cc]
    body = context["body"]
    list_id = body["list_id"]
    if not _DOT_ATOM_DOMAIN.match(list_id):
        raise InvalidMessageInput(f"The list id {list_id!r} is not a valid dot-atom (RFC 2919).")

    msg = EmailMessage(policy=MAIL_POLICY)
    msg["Subject"] = EncodedSubject(check_header_text("subject", rendered.subject))
    msg["From"] = from_
    msg["To"] = to
    if copies:
        msg["Cc"] = copies
    msg["Date"] = format_datetime(date.astimezone(dt.UTC))
    msg["Message-ID"] = message_id
    msg["List-Id"] = f"{check_header_text('list name', body['name_en'])} <{list_id}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Consultflow-Notice"] = notice_id
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte=body_encoding(rendered.text))
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte=body_encoding(rendered.html))
    if notice.calendar:
        part = meeting_calendar(context, organizer=from_, attendee=to, stamp=date, language=rendered.language_used)
        if part is not None:
            params = {"method": part.method, "charset": "utf-8"}
            msg.add_alternative(part.data, maintype="text", subtype="calendar", params=params)
            msg.add_attachment(part.data, maintype="text", subtype="calendar", params=params, filename="invite.ics")
    # Last: making the message multipart moves every Content-* header into the first sub-part.
    msg["Content-Language"] = rendered.language_used
    set_boundaries(msg)
    return msg


def _mailbox(field: str, value: MailboxLike) -> Address:
    """Turn any accepted mailbox form into a checked Address."""
    if isinstance(value, str):
        return mailbox(field, None, value)
    if isinstance(value, Mailbox):
        return mailbox(field, value.name, value.email)
    return mailbox(field, value["name"], value["email"])
