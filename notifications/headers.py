"""Checks for every value that goes from data into a mail header.

This interpreter (CPython 3.11.7) predates the fix for CVE-2024-6923: a subject such as
``=?utf-8?q?Hi=0ABcc=3A_x=40evil=2Etest?=`` is decoded as an RFC 2047 encoded word and re-emitted
with a raw line break, which smuggles a ``Bcc:`` header into the message (shared/libraries.md §4.3).
So values are not merely cleaned: a CR, LF or any other control character is *refused* with an
error naming the field, and the encoded-word opener ``=?`` is broken with a zero-width space so that
no text from data is ever decoded into header syntax. Addresses are validated strictly.
"""

from __future__ import annotations

import re
import unicodedata
from email.errors import HeaderParseError
from email.headerregistry import Address

from notifications.errors import InvalidAddress, UnsafeHeaderValue

ENCODED_WORD_BREAK = "=\u200b?"
"""What ``=?`` becomes in header text: it reads the same and is never decoded as an encoded word."""

_HOST_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def _first_control(text: str) -> str | None:
    """The first control, line-separator or paragraph-separator character in ``text``, if any."""
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            return ch
    return None


def check_header_text(field: str, value: object) -> str:
    """Return ``value`` safe for a header, or raise UnsafeHeaderValue naming ``field``.

    Refuses CR, LF, tab and every other control character (and U+2028/U+2029, which
    ``str.splitlines`` treats as line breaks); neutralises ``=?`` so no encoded word can be decoded.
    """
    if not isinstance(value, str):
        raise UnsafeHeaderValue(field, repr(value), "it is not text")
    bad = _first_control(value)
    if bad is not None:
        raise UnsafeHeaderValue(field, value, f"it contains the control character U+{ord(bad):04X}")
    return value.replace("=?", ENCODED_WORD_BREAK)


def clean_header_text(text: str, max_len: int = 200) -> str:
    """Lenient variant for text that may be shortened and flattened (logs, previews), never for sending."""
    text = " ".join(text.splitlines())
    text = "".join(ch for ch in text if _first_control(ch) is None)
    return text.replace("=?", ENCODED_WORD_BREAK)[:max_len]


def validate_address(text: str) -> str:
    """Return ``text`` as a normalised e-mail address (domain in lower case) or raise InvalidAddress.

    Accepted: ``local@host.domain`` in ASCII, without display name, spaces, IP literals or
    internationalised characters (the relay may not offer SMTPUTF8).
    """
    if not isinstance(text, str):
        raise InvalidAddress(repr(text), "it is not text")
    candidate = text.strip()
    if not candidate:
        raise InvalidAddress(text, "it is empty")
    if _first_control(candidate) is not None:
        raise InvalidAddress(text, "it contains a line break or another control character")
    if any(ch.isspace() for ch in candidate) or "<" in candidate or ">" in candidate:
        raise InvalidAddress(text, "write the bare address (name@example.org), without a name or brackets")
    if not candidate.isascii():
        raise InvalidAddress(text, "it contains non-ASCII characters, which are not supported")
    if candidate.count("@") != 1:
        raise InvalidAddress(text, "it must contain exactly one @")
    try:
        address = Address(addr_spec=candidate)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise InvalidAddress(text, f"it is not a valid address ({exc})") from exc
    local, domain = address.username, address.domain
    if address.addr_spec != candidate:
        raise InvalidAddress(text, "it contains comments or quoting, which are not accepted")
    if not local or not domain:
        raise InvalidAddress(text, "it needs a local part and a domain, as in name@example.org")
    if len(local) > 64 or len(candidate) > 254:
        raise InvalidAddress(text, "it is too long (64 characters before the @, 254 in all)")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels):
        raise InvalidAddress(text, f"the domain {domain!r} is not a valid host name")
    return f"{local}@{domain.lower()}"


def mailbox(field: str, name: str | None, email: str) -> Address:
    """A checked ``Address`` for a header: the display name via check_header_text, the address validated."""
    addr_spec = validate_address(email)
    display = check_header_text(f"{field} name", name) if name else ""
    local, _, domain = addr_spec.partition("@")
    return Address(display_name=display, username=local, domain=domain)
