"""Checks for every value that goes from data into a mail header.

This interpreter (CPython 3.11.7) predates the fix for CVE-2024-6923: a subject such as
``=?utf-8?q?Hi=0ABcc=3A_x=40evil=2Etest?=`` is decoded as an RFC 2047 encoded word and re-emitted
with a raw line break, which smuggles a ``Bcc:`` header into the message. So values are not merely
cleaned: a CR, LF or any other control character is *refused* with an error naming the field, and the
encoded-word opener ``=?`` is broken with a zero-width space so that no text from data is ever decoded
into header syntax. Addresses are validated strictly.
"""

from __future__ import annotations

import functools
import unicodedata
from email.header import Header
from email.headerregistry import Address
from email.policy import Policy

from engine.addresses import AddressProblem, normalise_address
from notifications.errors import InvalidAddress, UnsafeHeaderValue

ENCODED_WORD_BREAK = "=\u200b?"
"""What ``=?`` becomes in header text: it reads the same and is never decoded as an encoded word."""


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
    """Return ``text`` as a normalised e-mail address or raise InvalidAddress (rules: engine.addresses)."""
    try:
        return _normalised(text) if type(text) is str else normalise_address(text)
    except AddressProblem as exc:
        raise InvalidAddress(text if isinstance(text, str) else repr(text), exc.problem) from None


@functools.lru_cache(maxsize=4096)
def _normalised(text: str) -> str:
    """``normalise_address`` (parses the address with ``email``), kept for the addresses of the last messages."""
    return normalise_address(text)


def mailbox(field: str, name: str | None, email: str) -> Address:
    """A checked ``Address`` for a header: the display name via check_header_text, the address validated."""
    addr_spec = validate_address(email)
    display = check_header_text(f"{field} name", name) if name else ""
    local, _, domain = addr_spec.partition("@")
    return Address(display_name=display, username=local, domain=domain)


class EncodedSubject(str):
    """A Subject header that keeps every space when a non-ASCII subject is folded over several lines.

    CPython 3.11.7's header folder can leave the space between two words *between* two encoded words
    ("опубликован =?utf-8?...?= =?utf-8?...?= только"), where RFC 2047 tells readers to drop it: the Russian
    subject "будет опубликован только на языке" arrived as "опубликовантолько". This value folds itself
    instead (the message's header machinery calls ``fold``, whatever policy flattens it): a non-ASCII
    subject becomes a run of UTF-8 encoded words holding every character, spaces included; an ASCII one
    folds as usual. Assign it with ``msg["Subject"] = EncodedSubject(text)``.
    """

    name = "Subject"

    def fold(self, *, policy: Policy) -> str:
        """The header line(s), ending with the policy's line separator."""
        text = str(self)
        if text.isascii() or getattr(policy, "utf8", False):
            return str(policy.header_factory(self.name, text).fold(policy=policy))  # type: ignore[attr-defined]
        return _encoded_subject(self.name, text, policy.max_line_length or 78, policy.linesep)


@functools.lru_cache(maxsize=1024)
def _encoded_subject(name: str, text: str, width: int, linesep: str) -> str:
    """A non-ASCII subject as folded encoded words; the same for every reader of a notice in one language."""
    encoded = Header(text, "utf-8", maxlinelen=width, header_name=name).encode(linesep=linesep)
    return f"{name}: {encoded}{linesep}"
