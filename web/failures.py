"""Failed notices grouped by cause, in words: what the mail server or the preparation of the message said,
as a secretariat officer can act on it (fix an address in the directory, ask the recipient, report a bug).

The raw reason stays available as secondary text: it is what a mail administrator will ask for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from engine import OutboxMessage

SMTP_CODE = re.compile(r"^\s*(\d{3})\b")
# Which SMTP reply codes mean what, in causes the desk has words for (web/i18n.py ``failed.cause.*``).
BY_CODE = {"550": "mailbox", "551": "mailbox", "553": "address", "552": "full", "554": "rejected"}


def cause_of(error: str | None) -> str:
    """``mailbox``, ``address``, ``full``, ``rejected``, ``server`` (another 5xx) or ``prepare`` (no reply code:
    the message could not be built, e.g. an invalid address or template data)."""
    text = error or ""
    found = SMTP_CODE.match(text)
    if found:
        return BY_CODE.get(found.group(1), "server")
    return "address" if "address" in text.lower() else "prepare"


@dataclass(frozen=True)
class FailedGroup:
    """Failed notices sharing a cause; ``reasons``: the distinct raw reasons, for the mail administrator."""

    cause: str
    messages: tuple[OutboxMessage, ...]
    reasons: tuple[str, ...]


def group_failures(messages: Iterable[OutboxMessage]) -> list[FailedGroup]:
    """Groups in the order of their first message; the largest problem is usually the oldest."""
    groups: dict[str, list[OutboxMessage]] = {}
    for message in messages:
        groups.setdefault(cause_of(message.last_error), []).append(message)
    return [
        FailedGroup(cause, tuple(found), tuple(dict.fromkeys(m.last_error or "" for m in found)))
        for cause, found in groups.items()
    ]
