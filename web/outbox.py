"""The outbox as the secretariat sees it on the desk: counts by status, and one page of messages at a time,
filtered by status, notice, recipient and the day they were written, each with its rendered subject.

The engine's outbox query knows a status, an instance and a limit, oldest first, and nothing else (see
``Engine.outbox``). So a page of an unfiltered or status-only listing reads exactly the rows up to that
page through the database; the other filters are applied here on at most ``SCAN_LIMIT`` rows, and the page
says so when that cap was reached. A paged, filtered, newest-first query belongs in storage (with indexes
on the columns filtered); until it exists this module is the one place that has to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from engine import Engine, OutboxMessage
from engine.errors import ConsultflowError
from engine.records import OutboxStatus
from notifications.context import check_context
from notifications.outbox import outbox_counts
from notifications.rendering import render_notice

PER_PAGE = 50
SCAN_LIMIT = 20_000  # rows read to apply the filters the storage query lacks (notice, person, dates)


def outbox_listing(
    engine: Engine, status: OutboxStatus | None, instance_id: str | None, limit: int
) -> tuple[dict[OutboxStatus, int], list[OutboxMessage]]:
    return outbox_counts(engine), engine.outbox(status=status, instance_id=instance_id, limit=limit)


@dataclass(frozen=True)
class OutboxFilter:
    """What the officer asked for; empty values filter nothing."""

    status: OutboxStatus | None = None
    notice: str = ""
    person: str = ""  # part of the recipient's name, address or directory id, any case
    since: date | None = None  # written on or after this day (the body's calendar)
    until: date | None = None  # written on or before this day

    @property
    def in_storage_only(self) -> bool:
        """Whether the storage query alone answers it (no filter applied here)."""
        return not (self.notice or self.person or self.since or self.until)

    def keeps(self, message: OutboxMessage, zone: ZoneInfo) -> bool:
        if self.notice and message.notice != self.notice:
            return False
        wanted = self.person.casefold()
        if wanted and not any(
            wanted in v.casefold() for v in (message.to_name, message.to_email, message.recipient_id)
        ):
            return False
        day = message.created_at.astimezone(zone).date()
        return not ((self.since and day < self.since) or (self.until and day > self.until))


@dataclass(frozen=True)
class OutboxPage:
    """One page of messages, whether there is a next one, and whether the filters hit the scan cap."""

    messages: tuple[OutboxMessage, ...]
    page: int
    has_next: bool
    capped: bool
    first: int  # 1-based position of the first message shown

    @property
    def last(self) -> int:
        return self.first + len(self.messages) - 1


def outbox_page(engine: Engine, wanted: OutboxFilter, page: int, per_page: int = PER_PAGE) -> OutboxPage:
    skip = (page - 1) * per_page
    if wanted.in_storage_only:
        rows = engine.outbox(status=wanted.status, limit=skip + per_page + 1)
        shown = rows[skip : skip + per_page]
        return OutboxPage(tuple(shown), page, len(rows) > skip + per_page, False, skip + 1)
    zone = engine.catalogue.body.calendar.zone()
    rows = engine.outbox(status=wanted.status, limit=SCAN_LIMIT)
    kept = [m for m in rows if wanted.keeps(m, zone)]
    shown = kept[skip : skip + per_page]
    return OutboxPage(tuple(shown), page, len(kept) > skip + per_page, len(rows) >= SCAN_LIMIT, skip + 1)


def subject_of(message: OutboxMessage) -> str:
    """The subject the recipient gets (rendered as the dispatcher renders it), or "" if it cannot be."""
    try:
        context = check_context(message.context)
        return render_notice(message.notice, message.language, context).subject
    except (ConsultflowError, ValueError, TypeError, KeyError):
        return ""
