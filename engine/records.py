"""Plain frozen records the engine hands out; the ORM never leaves ``storage/``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

TimerStatus = Literal["pending", "fired", "skipped", "cancelled"]
TimerKind = Literal["reminder", "transition"]
# superseded: a queued reminder that a later step made wrong (new dates, a new state); it is never sent.
OutboxStatus = Literal["pending", "sent", "failed", "superseded"]
OUTBOX_STATUSES: tuple[OutboxStatus, ...] = ("pending", "sent", "failed", "superseded")


def as_outbox_status(text: object) -> OutboxStatus | None:
    """``text`` as an outbox status, or None if it is not one (e.g. a query parameter)."""
    return next((status for status in OUTBOX_STATUSES if status == text), None)


@dataclass(frozen=True)
class Person:
    """Someone in the directory: who they are, how to reach them, what they may do."""

    id: str
    name: str
    email: str
    language: str
    roles: tuple[str, ...]
    member_state: str | None = None
    organisation: str | None = None


@dataclass(frozen=True)
class Instance:
    """One running workflow: its definition version, state, fields and optimistic-lock version."""

    id: str
    workflow: str
    definition_version: int
    definition_hash: str
    state: str
    fields: Mapping[str, object]
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One committed change: who, in which capacity, when, what moved and why."""

    id: int
    instance_id: str
    at: datetime
    actor: str
    role: str
    member_state: str | None
    trigger: str
    from_state: str | None
    to_state: str
    note: str | None
    changes: Mapping[str, object]
    caused_by: int | None = None


@dataclass(frozen=True)
class Timer:
    """A scheduled reminder or timed trigger, kept in the database."""

    id: int
    instance_id: str
    key: str
    kind: TimerKind
    due_at: datetime
    status: TimerStatus
    rule: str
    notice: str | None = None
    trigger: str | None = None
    fired_at: datetime | None = None
    detail: str | None = None


@dataclass(frozen=True)
class OutboxMessage:
    """One e-mail notice to one recipient, waiting for (or past) delivery."""

    id: int
    instance_id: str
    notice: str
    recipient_id: str
    to_email: str
    to_name: str
    language: str
    context: Mapping[str, object]
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_error: str | None = None
    sent_at: datetime | None = None
    for_information: bool = False
    extra: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    """A document generated from the record: kind, symbol, language, format and revision (content fetched apart)."""

    id: int
    instance_id: str
    kind: str
    symbol: str
    language: str
    format: str
    revision: int
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class ApiToken:
    """An API token's record (never the token itself): whose it is, its name, when used and revoked."""

    id: int
    person_id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class AuditDraft:
    """The audit row of a step (its id and ``caused_by`` are known only when it is written)."""

    at: datetime
    actor: Person
    role: str
    trigger: str
    from_state: str | None
    to_state: str
    note: str | None
    changes: Mapping[str, Any]
