"""The tables, declared with SQLModel. Only ``storage/`` imports this module (the rest sees engine records)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# Stable constraint names, so Alembic batch migrations on SQLite and PostgreSQL agree.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class _Json(TypeDecorator[Any]):
    """JSON text on SQLite, ``jsonb`` on PostgreSQL. The PostgreSQL type is imported only when a PostgreSQL
    database asks for it: importing ``sqlalchemy.dialects.postgresql`` costs every SQLite process about
    2 MiB and 35 ms (bench/memory.py, bench/cli.py)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


JsonType = _Json()


class UtcDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC; aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored")
        value = value.astimezone(UTC)
        # SQLite keeps text: store it without an offset so text order is time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc() -> Any:
    return Column(UtcDateTime(), nullable=False)


class WorkflowDefinitionRow(SQLModel, table=True):
    """Every definition version an instance was ever started with, kept verbatim."""

    __tablename__ = "workflow_definition"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_workflow_definition_name_version"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(64), nullable=False))
    version: int = Field(nullable=False)
    content_hash: str = Field(sa_column=Column(String(64), nullable=False))
    source: str = Field(nullable=False)
    text: str = Field(nullable=False)
    registered_at: datetime = Field(sa_column=_utc())


class PersonRow(SQLModel, table=True):
    """The directory."""

    __tablename__ = "person"
    id: str = Field(sa_column=Column(String(128), primary_key=True))
    name: str = Field(nullable=False)
    email: str = Field(nullable=False)
    language: str = Field(sa_column=Column(String(8), nullable=False))
    roles: list[str] = Field(sa_column=Column(JsonType, nullable=False))
    member_state: str | None = Field(default=None)
    organisation: str | None = Field(default=None)


class DirectoryVersionRow(SQLModel, table=True):
    """One row: the directory's version, moved in the transaction of every change to the directory, so that
    a process may keep people in memory and know, from one column of its first read, whether they still hold."""

    __tablename__ = "directory_version"
    id: int = Field(primary_key=True)
    version: int = Field(nullable=False)


class InstanceRow(SQLModel, table=True):
    """One workflow instance; ``version`` is the optimistic lock."""

    __tablename__ = "instance"
    __table_args__ = (Index("ix_instance_workflow_state", "workflow", "state"),)
    id: str = Field(sa_column=Column(String(36), primary_key=True))
    workflow: str = Field(sa_column=Column(String(64), nullable=False))
    definition_id: int = Field(foreign_key="workflow_definition.id", nullable=False)
    state: str = Field(sa_column=Column(String(64), nullable=False))
    fields: dict[str, Any] = Field(sa_column=Column(JsonType, nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())
    # The hash of the instance's newest audit row (storage/chain.py): read with the row the step locks, so
    # the next audit row links to it without another query; None before the first audit row.
    audit_hash: str | None = Field(default=None, sa_column=Column(String(64)))


class InstanceRefRow(SQLModel, table=True):
    """Which instance a ref field points to, so linked instances are one indexed query away."""

    __tablename__ = "instance_ref"
    __table_args__ = (Index("ix_instance_ref_target", "target_id", "field"),)
    instance_id: str = Field(foreign_key="instance.id", primary_key=True)
    field: str = Field(sa_column=Column(String(64), primary_key=True))
    target_id: str = Field(foreign_key="instance.id", nullable=False)


class AuditRow(SQLModel, table=True):
    """The audit trail: one row per committed change of an instance, never updated."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_instance", "instance_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    instance_id: str = Field(foreign_key="instance.id", nullable=False)
    at: datetime = Field(sa_column=_utc())
    actor: str = Field(nullable=False)
    role: str = Field(nullable=False)
    member_state: str | None = Field(default=None)
    trigger: str = Field(nullable=False)
    from_state: str | None = Field(default=None)
    to_state: str = Field(nullable=False)
    note: str | None = Field(default=None)
    changes: dict[str, Any] = Field(sa_column=Column(JsonType, nullable=False))
    caused_by: int | None = Field(default=None)
    version: int = Field(nullable=False)
    # The tamper-evident chain (docs/audit.md): the previous row's hash of this instance, and this row's.
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))


class IdempotencyRow(SQLModel, table=True):
    """A fire's idempotency key and the audit row it produced, so a retry returns the first result."""

    __tablename__ = "idempotency"
    key: str = Field(sa_column=Column(String(200), primary_key=True))
    instance_id: str = Field(foreign_key="instance.id", nullable=False)
    audit_id: int = Field(nullable=False)
    result: dict[str, Any] = Field(sa_column=Column(JsonType, nullable=False))
    created_at: datetime = Field(sa_column=_utc())


class TimerRow(SQLModel, table=True):
    """A reminder or timed trigger: pending until fired, cancelled or skipped."""

    __tablename__ = "timer"
    __table_args__ = (
        Index("ix_timer_status_due", "status", "due_at"),
        Index("ix_timer_instance_status", "instance_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    instance_id: str = Field(foreign_key="instance.id", nullable=False)
    key: str = Field(sa_column=Column(String(64), nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    due_at: datetime = Field(sa_column=_utc())
    status: str = Field(sa_column=Column(String(16), nullable=False))
    rule: str = Field(nullable=False)
    notice: str | None = Field(default=None)
    trigger: str | None = Field(default=None)
    created_at: datetime = Field(sa_column=_utc())
    fired_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    detail: str | None = Field(default=None)


class OutboxRow(SQLModel, table=True):
    """One e-mail to one recipient, written in the transaction of the step that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        # The desk's listing: each filter walks its index newest first (storage/outbox.py, page).
        Index("ix_outbox_status_id", "status", "id"),
        Index("ix_outbox_notice_id", "notice", "id"),
        Index("ix_outbox_recipient", "recipient_id", "id"),
        Index("ix_outbox_created", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    instance_id: str = Field(foreign_key="instance.id", nullable=False)
    audit_id: int | None = Field(default=None)
    timer_id: int | None = Field(default=None)
    notice: str = Field(sa_column=Column(String(16), nullable=False))
    recipient_id: str = Field(nullable=False)
    to_email: str = Field(nullable=False)
    to_name: str = Field(nullable=False)
    language: str = Field(sa_column=Column(String(8), nullable=False))
    for_information: bool = Field(default=False, nullable=False)
    context: dict[str, Any] = Field(sa_column=Column(JsonType, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime = Field(sa_column=_utc())
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    claimed_by: str | None = Field(default=None, sa_column=Column(String(64)))
    last_error: str | None = Field(default=None)
    created_at: datetime = Field(sa_column=_utc())
    sent_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))


class DocumentRow(SQLModel, table=True):
    """A document generated from the record (e.g. the Chair's report), kept per language, format and revision."""

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("instance_id", "kind", "language", "format", "revision", name="uq_document_revision"),
    )
    id: int | None = Field(default=None, primary_key=True)
    instance_id: str = Field(foreign_key="instance.id", nullable=False)
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    symbol: str = Field(nullable=False)
    language: str = Field(sa_column=Column(String(8), nullable=False))
    format: str = Field(sa_column=Column(String(8), nullable=False))
    revision: int = Field(nullable=False)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=_utc())
    created_by: str = Field(nullable=False)


class PendingResponseRow(SQLModel, table=True):
    """A response given on the public page, waiting until its author confirms their address (issue 16).

    Only the SHA-256 digests of its two links are kept: ``token_hash`` confirms it once, ``manage_hash``
    withdraws or replaces it before the deadline. ``ip_hash`` is a keyed digest of the client's address,
    kept for the per-client limit only.
    """

    __tablename__ = "pending_response"
    __table_args__ = (
        Index("ix_pending_response_address", "address", "created_at"),
        Index("ix_pending_response_ip", "ip_hash", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    consultation_id: str = Field(sa_column=Column(String(36), ForeignKey("instance.id"), nullable=False))
    address: str = Field(sa_column=Column(String(320), nullable=False))
    name: str = Field(sa_column=Column(String(500), nullable=False))
    language: str = Field(sa_column=Column(String(8), nullable=False))
    payload: dict[str, Any] = Field(sa_column=Column(JsonType, nullable=False))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    manage_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    ip_hash: str = Field(sa_column=Column(String(64), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())
    changed_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
