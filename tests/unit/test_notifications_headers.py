"""Header values from data: CR/LF and control characters refused, encoded-word smuggling neutralised."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

import pytest

from notifications.errors import InvalidAddress, UnsafeHeaderValue
from notifications.headers import ENCODED_WORD_BREAK, check_header_text, clean_header_text, validate_address
from notifications.message import Mailbox, build_message, message_id_for
from notifications.rendering import render_notice
from notifications.samples import sample_context, shipped_catalogue

SMUGGLER = "=?utf-8?q?Hi=0ABcc=3A_attacker=40evil=2Etest?="
SENDER = Mailbox("noreply@consultflow.invalid", "CWG-Internet Secretariat")
DATE = dt.datetime(2018, 12, 21, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "value",
    [
        "Hi\r\nBcc: attacker@evil.test",
        "Hi\nBcc: x@y.z",
        "Hi\rx",
        "tab\there",
        "nul\x00",
        "del\x7f",
        "nel\x85x",
        "ls\u2028x",
    ],
)
def test_control_characters_are_refused_with_the_field_name(value: str) -> None:
    """Any CR, LF, tab or other control or line-separator character is refused, naming the field."""
    with pytest.raises(UnsafeHeaderValue, match="Refused to put the subject") as caught:
        check_header_text("subject", value)
    assert caught.value.field == "subject" and "control character U+" in str(caught.value)


def test_encoded_word_opener_is_broken() -> None:
    """The '=?' that starts an RFC 2047 encoded word is broken so the value is never decoded into headers."""
    safe = check_header_text("subject", SMUGGLER)
    assert "=?" not in safe and safe.startswith(ENCODED_WORD_BREAK)
    assert check_header_text("subject", "Réunion 12 – ordre du jour") == "Réunion 12 – ordre du jour"


def test_lenient_cleaner_flattens_instead_of_refusing() -> None:
    """clean_header_text (for logs and previews) flattens line breaks and truncates."""
    assert clean_header_text("a\r\nb\x00c" + "x" * 300)[:4] == "a bc"
    assert len(clean_header_text("y" * 300)) == 200


def _message_bytes(subject_data: str, name: str = "Catherine O'Brien") -> bytes:
    """Render N04 with ``subject_data`` as the contribution symbol (it appears in the subject) and serialise it."""
    context = sample_context("N04", "en")
    assert context["item"] is not None
    context["item"]["symbol"] = subject_data
    context["recipient"]["name"] = name
    rendered = render_notice("N04", "en", context)
    message = build_message(
        rendered,
        notice=shipped_catalogue().notices["N04"],
        sender=SENDER,
        recipient=context["recipient"],
        context=context,
        message_id=message_id_for(7, "consultflow.invalid"),
        date=DATE,
    )
    return message.as_bytes(policy=policy.SMTP)


def test_encoded_word_in_subject_cannot_smuggle_a_bcc() -> None:
    """The CVE-2024-6923 vector in data reaching the subject yields no Bcc header in the serialised bytes."""
    raw = _message_bytes(SMUGGLER)
    assert b"\nBcc:" not in raw and b"\r\nBcc:" not in raw
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None
    assert "attacker" in str(parsed["Subject"])  # kept as harmless text
    assert "\n" not in str(parsed["Subject"])


def test_encoded_word_in_display_name_cannot_smuggle_a_bcc() -> None:
    """The same vector in a recipient's name yields no Bcc header either."""
    raw = _message_bytes("CWG-Internet-12/4", name=SMUGGLER)
    assert b"Bcc:" not in raw
    assert email.message_from_bytes(raw, policy=policy.default)["Bcc"] is None


def test_raw_crlf_in_subject_data_is_refused_before_any_message_exists() -> None:
    """A CR/LF that data carries into the subject stops message building with a clear error."""
    with pytest.raises(UnsafeHeaderValue, match="subject"):
        _message_bytes("CWG-Internet-12/4\r\nBcc: attacker@evil.test")


def test_raw_crlf_in_display_name_is_refused() -> None:
    """A CR/LF in a recipient name is refused, naming the recipient name field."""
    with pytest.raises(UnsafeHeaderValue, match="recipient name"):
        _message_bytes("CWG-Internet-12/4", name="Eve\r\nBcc: attacker@evil.test")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("focal.point@fr.example", "focal.point@fr.example"),
        ("A.B+cwg@Example.ORG", "A.B+cwg@example.org"),
        ("  x@itu.int ", "x@itu.int"),
    ],
)
def test_valid_addresses_are_normalised(text: str, expected: str) -> None:
    """Valid addresses come back stripped with the domain in lower case."""
    assert validate_address(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("a@b.org\r\nBcc: x@evil.test", "line break"),
        ("Name <a@b.org>", "bare address"),
        ("a b@c.org", "bare address"),
        ("a@@b.org", "exactly one @"),
        ("a@b.org,c@d.org", "exactly one @"),
        ("no-at-sign", "exactly one @"),
        ("a@localhost", "not a valid host name"),
        ("a@-b.org", "not a valid host name"),
        ("a@[192.0.2.1]", "not a valid host name"),
        ("élise@b.org", "non-ASCII"),
        ('"quoted"@b.org', "comments or quoting"),
        ("(comment)a@b.org", "comments or quoting"),
        (".a@b.org", "not a valid address"),
        ("a;@b.org", "not a valid address"),
        ("x" * 65 + "@b.org", "too long"),
    ],
)
def test_malformed_addresses_are_refused_with_a_reason(text: str, problem: str) -> None:
    """Malformed addresses raise InvalidAddress with a sentence saying what is wrong."""
    with pytest.raises(InvalidAddress, match=problem):
        validate_address(text)
