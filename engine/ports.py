"""The storage port: what the engine needs from a database, as protocols that ``storage/`` implements.

The engine never imports ``storage``: the application (``consultflow``) opens a ``Storage`` and hands it
to the ``Engine``. One ``write()`` is one transaction (a unit of work): everything done on it commits
together or not at all. ``RecordReader`` is the part the planner reads; an in-memory implementation
(``engine.memory``) lets the planner be tested with no database at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from engine.records import (
    ApiToken,
    AuditDraft,
    AuditEntry,
    Document,
    Instance,
    OutboxMessage,
    OutboxStatus,
    Person,
    Timer,
    TimerStatus,
)


class RecordReader(Protocol):
    """The reads a step's plan depends on (instances, links, the directory, an instance's timers)."""

    def instance(self, instance_id: str, *, lock: bool = False) -> tuple[Instance, int] | None:
        """The instance and its definition row id; ``lock`` takes a row lock where the database has them."""
        ...

    def linked(
        self, target_id: str, via: str, workflow: str | None = None, state: str | None = None
    ) -> list[tuple[str, str]]:
        """(id, state) of the instances whose ref field ``via`` points to ``target_id``, oldest first."""
        ...

    def person(self, person_id: str) -> Person | None: ...

    def people(self) -> list[Person]: ...

    def timers_of(self, instance_id: str, statuses: Sequence[TimerStatus] = ("pending",)) -> list[Timer]: ...

    def definition_text(self, definition_id: int) -> tuple[str, str]:
        """(YAML text, source file name) of a registered definition version."""
        ...


class RecordStore(RecordReader, Protocol):
    """Every read and write of the engine's records, bound to one transaction."""

    def definition_row(self, name: str, version: int) -> tuple[int, str] | None: ...

    def register_definition(
        self, name: str, version: int, content_hash: str, source: str, text: str, now: datetime
    ) -> int: ...

    def definitions_in_use(self) -> list[tuple[str, int, str, int]]: ...

    def upsert_people(self, people: Iterable[Person]) -> tuple[int, int]: ...

    def insert_instance(
        self,
        instance_id: str,
        workflow: str,
        definition_id: int,
        state: str,
        fields: Mapping[str, object],
        now: datetime,
    ) -> None: ...

    def advance_instance(
        self,
        instance_id: str,
        expected_version: int,
        fields: Mapping[str, object],
        audit: AuditDraft,
        caused_by: int | None,
    ) -> int | None:
        """Move the instance from ``expected_version`` to the next (state ``audit.to_state``, these fields,
        updated at ``audit.at``) and write the step's audit row, as one write; returns the audit row id, or
        None, having written nothing, when the instance is no longer at ``expected_version``."""
        ...

    def instances(self, workflow: str | None = None, state: str | None = None, limit: int = 1000) -> list[Instance]: ...

    def set_refs(self, instance_id: str, refs: Mapping[str, str | None]) -> None: ...

    def insert_audit(self, instance_id: str, audit: AuditDraft, caused_by: int | None, version: int) -> int:
        """The audit row of an instance's first step (its later steps write theirs with ``advance_instance``)."""
        ...

    def history(self, instance_id: str) -> list[AuditEntry]: ...

    def idempotent_result(self, key: str) -> Mapping[str, Any] | None: ...

    def remember_idempotency(
        self, key: str, instance_id: str, audit_id: int, result: Mapping[str, Any], now: datetime
    ) -> None: ...

    def insert_timers(self, rows: Sequence[Mapping[str, object]]) -> None: ...

    def cancel_timers(self, instance_id: str, keys: Sequence[tuple[str, datetime]], now: datetime, detail: str) -> None:
        """Mark the instance's pending timers with these (key, due) as cancelled."""
        ...

    def insert_outbox(self, rows: Sequence[Mapping[str, object]]) -> None: ...

    def supersede_outbox(self, instance_id: str, notices: Sequence[str], reason: str) -> int:
        """Mark the instance's pending messages of these notices ``superseded`` (never to be sent), saying why;
        returns how many."""
        ...

    def outbox(
        self, status: OutboxStatus | None = None, instance_id: str | None = None, limit: int = 1000
    ) -> list[OutboxMessage]: ...

    def next_document_revision(self, instance_id: str, kind: str, language: str) -> int: ...

    def insert_document(
        self,
        instance_id: str,
        kind: str,
        symbol: str,
        language: str,
        fmt: str,
        revision: int,
        content: bytes,
        now: datetime,
        actor: str,
    ) -> int: ...

    def documents(self, instance_id: str) -> list[Document]: ...

    def document_content(self, document_id: int) -> bytes | None: ...


class TimerQueue(Protocol):
    """Claiming due timers so that two processes never handle the same one, and recording the outcome."""

    def claim(self, timer_id: int, now: datetime) -> Timer | None: ...

    def claim_batch(self, now: datetime, limit: int, exclude: Sequence[int] = ()) -> list[Timer]: ...

    def settle(self, results: Sequence[tuple[int, TimerStatus, str]]) -> None: ...

    def note_failure(self, timer_id: int, detail: str) -> None: ...

    def timer(self, timer_id: int) -> Timer | None: ...

    def instances(self, ids: Sequence[str]) -> dict[str, tuple[Instance, int]]: ...

    def pending_count(self) -> int: ...

    def next_due(self, after: datetime | None = None) -> datetime | None: ...

    def listing(
        self, since: datetime | None, until: datetime, statuses: Sequence[TimerStatus]
    ) -> list[tuple[Timer, str, str]]:
        """(timer, workflow, state) for timers due in [since, until] with one of the statuses."""
        ...


class OutboxQueue(Protocol):
    """Claiming notices to send under a lease, and recording what the mail server said."""

    def claim(self, token: str, now: datetime, limit: int, lease: timedelta) -> list[OutboxMessage]: ...

    def mark_sent(self, message_id: int, token: str, now: datetime) -> bool: ...

    def mark_retry(self, message_id: int, token: str, next_attempt_at: datetime, error: str) -> bool: ...

    def mark_failed(self, message_id: int, token: str, error: str) -> bool: ...

    def release(self, message_ids: Sequence[int], token: str) -> None: ...

    def retry(self, message_id: int, now: datetime) -> bool: ...

    def get(self, message_id: int) -> OutboxMessage | None: ...

    def next_due(self) -> datetime | None: ...

    def counts(self) -> dict[str, int]: ...

    def page(
        self,
        *,
        status: OutboxStatus | None = None,
        notice: str | None = None,
        recipients: Sequence[str] | None = None,
        written_from: datetime | None = None,
        written_before: datetime | None = None,
        before_id: int | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> list[OutboxMessage]:
        """Messages matching every filter given, newest first (by id), skipping ``offset`` and at most ``limit``.

        ``recipients`` keeps the messages to these directory ids (an empty sequence keeps none);
        ``written_from``/``written_before`` bound ``created_at`` as [from, before); ``before_id`` is a cursor
        (only ids below it). Every filter is answered by an index, so a page costs the same with 100 or
        100,000 rows.
        """
        ...


class AccountStore(Protocol):
    """Web accounts: password hashes, API token records (hashed), and the desk's signing secret."""

    def set_password_hash(self, person_id: str, password_hash: str, now: datetime) -> bool: ...

    def password_hash(self, person_id: str) -> str | None: ...

    def session_state(self, person_id: str) -> tuple[str, int] | None:
        """(password hash, session generation) of the person's account, None without an account.

        A browser session names the generation it was issued in; raising it ends every older session.
        """
        ...

    def end_sessions(self, person_id: str, now: datetime) -> bool:
        """Raise the person's session generation (log-out); False when they have no account."""
        ...

    def with_accounts(self) -> set[str]: ...

    def add_token(self, person_id: str, name: str, token_hash: str, now: datetime) -> int: ...

    def active_token(self, token_hash: str) -> ApiToken | None: ...

    def touch_token(self, token_id: int, now: datetime) -> None: ...

    def tokens(self, person_id: str) -> list[ApiToken]: ...

    def revoke_token(self, token_id: int, person_id: str, now: datetime) -> bool: ...

    def secret(self, name: str) -> str | None: ...

    def add_secret(self, name: str, value: str, now: datetime) -> None: ...


class UnitOfWork(Protocol):
    """One transaction, seen through the stores of the engine and of its adapters (mail, web accounts)."""

    @property
    def records(self) -> RecordStore: ...

    @property
    def timers(self) -> TimerQueue: ...

    @property
    def outbox(self) -> OutboxQueue: ...

    @property
    def accounts(self) -> AccountStore: ...

    @property
    def pending(self) -> PendingResponses: ...

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: an error inside undoes only what was done inside."""
        ...


class Storage(Protocol):
    """A database the engine can open transactions on."""

    def write(self) -> AbstractContextManager[UnitOfWork]:
        """A transaction that writes: commits on success, rolls back on any error (raised as ConsultflowError)."""
        ...

    def read(self) -> AbstractContextManager[UnitOfWork]:
        """A transaction that only reads."""
        ...

    def dispose(self) -> None: ...


PendingStatus = Literal["pending", "confirmed", "withdrawn", "replaced"]
"""A public response waiting for its address to be confirmed (pending), appended (confirmed), taken back after
it counted (withdrawn), or given up for a newer one before it was confirmed (replaced)."""


@dataclass(frozen=True)
class PendingResponse:
    """A response given on the public page, kept apart until its author follows the link sent to ``address``.

    Only the SHA-256 digests of its two links are stored: one confirms it (once), the other withdraws or
    replaces it before the deadline.
    """

    id: int
    consultation_id: str
    address: str
    name: str
    language: str
    payload: Mapping[str, Any]
    status: PendingStatus
    created_at: datetime
    expires_at: datetime
    changed_at: datetime | None = None
    ip_hash: str = field(default="", repr=False)


@dataclass(frozen=True)
class PendingDraft:
    """A response of the public as it is first kept: who gave it, what, and the digests of its two links."""

    consultation_id: str
    address: str
    name: str
    language: str
    payload: Mapping[str, Any]
    token_hash: str
    manage_hash: str
    ip_hash: str
    created_at: datetime
    expires_at: datetime


class PendingResponses(Protocol):
    """Responses of the public waiting for (or past) their confirmation by e-mail."""

    def add(self, draft: PendingDraft) -> int:
        """Keep a new response until its link is followed; its id."""
        ...

    def by_token(self, token_hash: str) -> PendingResponse | None:
        """The response whose confirmation link has this digest."""
        ...

    def by_manage_token(self, manage_hash: str) -> PendingResponse | None:
        """The response whose withdraw-or-replace link has this digest."""
        ...

    def set_status(self, pending_id: int, status: PendingStatus, now: datetime, *, expected: PendingStatus) -> bool:
        """Move a response from ``expected`` to ``status``; False when it was no longer ``expected`` (a link used
        twice at once changes it once)."""
        ...

    def count_recent(self, since: datetime, *, address: str | None = None, ip_hash: str | None = None) -> int:
        """How many responses were given since ``since`` with this address, or from this (hashed) client address."""
        ...


PendingResult = Literal["queued", "confirmed", "withdrawn", "cancelled", "used", "expired", "closed", "unknown"]


@dataclass(frozen=True)
class PendingOutcome:
    """What following a link of the public page did: the pending response, and why nothing was written if so.

    ``confirmed``/``withdrawn``: the step was fired; ``cancelled``: a response never confirmed was given up;
    ``used``: the link was used before; ``expired``: the confirmation link is too old; ``closed``: the
    consultation refused the step (past the deadline, closed), with the reason; ``unknown``: no such link.
    """

    result: PendingResult
    pending: PendingResponse | None = None
    instance: Instance | None = None
    reason: str | None = None
