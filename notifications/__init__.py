"""Notices by e-mail: render in the reader's language, build safe messages, deliver over SMTP.

The list of notices (ids, names, recipients, the calendar flag, the workflows that send them) is the
engine's: ``engine.catalogue.load_catalogue().notices``. The loopback development server lives in
``notifications.maildir_server`` and is not re-exported, so importing this package never imports aiosmtpd.
"""

from __future__ import annotations

from notifications.context import LANGUAGES, NoticeContext, Recipient, check_context
from notifications.errors import (
    InvalidAddress,
    InvalidContext,
    InvalidMessageInput,
    NotificationError,
    RenderError,
    TemplateMissing,
    UnknownLanguage,
    UnknownNotice,
    UnsafeHeaderValue,
)
from notifications.headers import check_header_text, validate_address
from notifications.message import Mailbox, build_message, message_id_for, parse_mailbox
from notifications.rendering import RenderedNotice, notice_ids, render_notice
from notifications.retry import MAX_ATTEMPTS, next_attempt, should_give_up
from notifications.smtp import DeliveryResult, MailSender, SmtpSettings, classify_failure

__all__ = [
    "LANGUAGES",
    "MAX_ATTEMPTS",
    "DeliveryResult",
    "InvalidAddress",
    "InvalidContext",
    "InvalidMessageInput",
    "MailSender",
    "Mailbox",
    "NoticeContext",
    "NotificationError",
    "Recipient",
    "RenderError",
    "RenderedNotice",
    "SmtpSettings",
    "TemplateMissing",
    "UnknownLanguage",
    "UnknownNotice",
    "UnsafeHeaderValue",
    "build_message",
    "check_context",
    "check_header_text",
    "classify_failure",
    "message_id_for",
    "next_attempt",
    "notice_ids",
    "parse_mailbox",
    "render_notice",
    "should_give_up",
    "validate_address",
]
