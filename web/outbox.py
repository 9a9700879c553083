"""The outbox as the secretariat sees it on the desk: counts by status, and one page of messages at a time,
newest first, filtered by status, notice, recipient and the day they were written, each with its rendered
subject.

The filtering and paging happen in storage (``OutboxQueue.page``, index-backed), so a page costs about the
same with 1,000 or 100,000 messages. The person filter is a part of a name, address or directory id: it is
matched here against the directory (hundreds of people, not the outbox's rows) and handed to storage as
the matching ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from engine import Engine, OutboxMessage, Person
from engine.errors import ConsultflowError
from engine.records import OutboxStatus
from notifications.context import check_context
from notifications.outbox import outbox_counts
from notifications.rendering import render_notice

PER_PAGE = 50


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

    def recipients(self, people: Sequence[Person]) -> list[str] | None:
        """The directory ids the person filter names (None: no person filter)."""
        wanted = self.person.casefold()
        if not wanted:
            return None
        return [p.id for p in people if any(wanted in v.casefold() for v in (p.name, p.email, p.id))]

    def written(self, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """The [from, before) instants of the days asked for, in the body's calendar."""
        start = datetime.combine(self.since, time(), zone) if self.since else None
        end = datetime.combine(self.until + timedelta(days=1), time(), zone) if self.until else None
        return start, end


@dataclass(frozen=True)
class OutboxPage:
    """One page of messages and whether there is a next one."""

    messages: tuple[OutboxMessage, ...]
    page: int
    has_next: bool
    first: int  # 1-based position of the first message shown

    @property
    def last(self) -> int:
        return self.first + len(self.messages) - 1


def outbox_page(engine: Engine, wanted: OutboxFilter, page: int, per_page: int = PER_PAGE) -> OutboxPage:
    skip = (page - 1) * per_page
    recipients = wanted.recipients(engine.people()) if wanted.person else None
    written_from, written_before = wanted.written(engine.catalogue.body.calendar.zone())
    with engine.storage.read() as unit:
        rows = unit.outbox.page(
            status=wanted.status,
            notice=wanted.notice or None,
            recipients=recipients,
            written_from=written_from,
            written_before=written_before,
            offset=skip,
            limit=per_page + 1,
        )
    return OutboxPage(tuple(rows[:per_page]), page, len(rows) > per_page, skip + 1)


def subject_of(message: OutboxMessage) -> str:
    """The subject the recipient gets (rendered as the dispatcher renders it), or "" if it cannot be."""
    try:
        context = check_context(message.context)
        return render_notice(message.notice, message.language, context).subject
    except (ConsultflowError, ValueError, TypeError, KeyError):
        return ""
