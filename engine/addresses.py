"""E-mail addresses: the one rule for what consultflow accepts, both when the directory is imported and
when a message is built (so an address accepted at import is never refused at sending)."""

from __future__ import annotations

import re
import unicodedata
from email.errors import HeaderParseError
from email.headerregistry import Address

_HOST_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


class AddressProblem(ValueError):
    """Why a text is not an acceptable e-mail address (one phrase, e.g. "it must contain exactly one @")."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


def normalise_address(text: object) -> str:
    """``text`` as a normalised e-mail address (domain in lower case), or AddressProblem saying why not.

    Accepted: ``local@host.domain`` in ASCII, without display name, spaces, IP literals or
    internationalised characters (the relay may not offer SMTPUTF8).
    """
    if not isinstance(text, str):
        raise AddressProblem("it is not text")
    candidate = text.strip()
    if not candidate:
        raise AddressProblem("it is empty")
    if _has_control(candidate):
        raise AddressProblem("it contains a line break or another control character")
    if any(ch.isspace() for ch in candidate) or "<" in candidate or ">" in candidate:
        raise AddressProblem("write the bare address (name@example.org), without a name or brackets")
    if not candidate.isascii():
        raise AddressProblem("it contains non-ASCII characters, which are not supported")
    if candidate.count("@") != 1:
        raise AddressProblem("it must contain exactly one @")
    try:
        address = Address(addr_spec=candidate)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise AddressProblem(f"it is not a valid address ({exc})") from exc
    local, domain = address.username, address.domain
    if address.addr_spec != candidate:
        raise AddressProblem("it contains comments or quoting, which are not accepted")
    if not local or not domain:
        raise AddressProblem("it needs a local part and a domain, as in name@example.org")
    if len(local) > 64 or len(candidate) > 254:
        raise AddressProblem("it is too long (64 characters before the @, 254 in all)")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels):
        raise AddressProblem(f"the domain {domain!r} is not a valid host name")
    return f"{local}@{domain.lower()}"
