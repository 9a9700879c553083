"""SMTP settings and the classification of SMTP failures (pure; the real server is in tests/integration)."""

from __future__ import annotations

import aiosmtplib
import pytest

from notifications.smtp import DeliveryResult, RecipientRefusal, SmtpSettings, classify_failure


def test_password_never_in_repr_or_str() -> None:
    """repr() and str() of the settings show everything but the password."""
    settings = SmtpSettings(
        host="smtp.example.org", port=587, tls="starttls", username="cwg", password="s3cret-Pa55", timeout=10
    )
    assert "s3cret-Pa55" not in repr(settings) and "s3cret-Pa55" not in str(settings)
    assert "smtp.example.org" in repr(settings) and "starttls" in repr(settings)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"tls": "ssl"}, "TLS mode"),
        ({"port": 0}, "port"),
        ({"timeout": 0}, "timeout"),
        ({"username": "cwg"}, "both"),
        ({"sender": "noreply@consultflow.invalid\r\nBcc: x@y.org"}, "control character"),
    ],
)
def test_invalid_settings_are_refused(kwargs: dict[str, object], problem: str) -> None:
    """Settings are checked when built, with a sentence naming the problem."""
    with pytest.raises(Exception, match=problem):
        SmtpSettings(host="localhost", port=kwargs.pop("port", 25), **kwargs)  # type: ignore[arg-type]


def _refused(*codes: int) -> aiosmtplib.SMTPRecipientsRefused:
    return aiosmtplib.SMTPRecipientsRefused(
        [aiosmtplib.SMTPRecipientRefused(code, f"reply {code}", f"r{code}@x.org") for code in codes]
    )


@pytest.mark.parametrize(
    ("exc", "stage", "status", "code"),
    [
        (aiosmtplib.SMTPDataError(451, "4.3.0 Try later"), "send", "temporary", 451),
        (aiosmtplib.SMTPDataError(554, "5.6.0 Content rejected"), "send", "permanent", 554),
        (aiosmtplib.SMTPSenderRefused(553, "5.7.1 Not allowed", "a@b.org"), "send", "permanent", 553),
        (aiosmtplib.SMTPSenderRefused(421, "4.7.0 Busy", "a@b.org"), "send", "temporary", 421),
        (_refused(550), "send", "permanent", 550),
        (_refused(550, 450), "send", "temporary", 550),
        (aiosmtplib.SMTPServerDisconnected("Unexpected EOF"), "send", "temporary", None),
        (aiosmtplib.SMTPReadTimeoutError("Timed out"), "send", "temporary", None),
        (aiosmtplib.SMTPConnectError("Connect call failed"), "connect", "temporary", None),
        (aiosmtplib.SMTPConnectTimeoutError("Timed out connecting"), "connect", "temporary", None),
        (ConnectionRefusedError(111, "Connection refused"), "connect", "temporary", None),
        (aiosmtplib.SMTPAuthenticationError(535, "5.7.8 Bad credentials"), "connect", "temporary", 535),
        (aiosmtplib.SMTPConnectResponseError(554, "5.3.2 No service"), "connect", "temporary", 554),
        (aiosmtplib.SMTPNotSupported("SMTPUTF8 is not supported"), "send", "permanent", None),
    ],
)
def test_failure_classification(exc: BaseException, stage: str, status: str, code: int | None) -> None:
    """4xx and network trouble are temporary, 5xx to the message permanent, relay-level failures temporary."""
    result = classify_failure(exc, stage)  # type: ignore[arg-type]
    assert (result.status, result.code) == (status, code)
    assert result.reason


def test_refused_recipients_are_kept_with_their_codes() -> None:
    """When every recipient is refused, each one's code and reply is kept for the outbox."""
    result = classify_failure(_refused(550, 450), "send")
    assert result.refused["r550@x.org"] == RecipientRefusal(550, "reply 550")
    assert result.retry_recipients == ("r450@x.org",)
    assert "r550@x.org: 550 reply 550" in result.reason


def test_accepted_means_do_not_resend_whole() -> None:
    """Sent and partial results are 'accepted': the message must not be sent again as a whole."""
    assert DeliveryResult("sent", "250 OK", 250).accepted
    assert DeliveryResult("partial", "250 OK", 250).accepted
    assert not DeliveryResult("temporary", "451", 451).accepted
