"""The public surface of the notifications package and its import boundaries."""

from __future__ import annotations

import subprocess
import sys

import notifications


def test_public_names_are_pinned() -> None:
    """The package re-exports exactly these names, sorted, so the surface cannot drift silently."""
    assert notifications.__all__ == [
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
    assert all(hasattr(notifications, name) for name in notifications.__all__)


def test_every_error_derives_from_notification_error() -> None:
    """All notification errors share one root, which the engine can re-parent."""
    errors = [getattr(notifications, n) for n in notifications.__all__ if n.endswith(("Error", "Missing"))]
    errors += [notifications.InvalidAddress, notifications.UnsafeHeaderValue, notifications.UnknownNotice]
    assert all(issubclass(error, notifications.NotificationError) for error in errors)


def test_importing_the_package_does_not_start_the_smtp_server_stack() -> None:
    """Importing notifications does not import aiosmtpd (only maildir_server does)."""
    code = "import sys, notifications; print('aiosmtpd' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
