"""consultflow's workflow engine: declarative definitions, persisted instances, roles, audit, deadlines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.clock import Clock, FixedClock, SystemClock
from engine.errors import ConsultflowError
from engine.records import AuditEntry, Document, Instance, OutboxMessage, Person, Timer

if TYPE_CHECKING:
    from engine.service import AllowedTrigger, Engine

__all__ = [
    "AllowedTrigger",
    "AuditEntry",
    "Clock",
    "ConsultflowError",
    "Document",
    "Engine",
    "FixedClock",
    "Instance",
    "OutboxMessage",
    "Person",
    "SystemClock",
    "Timer",
]


def __getattr__(name: str) -> Any:
    # The service imports storage/, which imports engine.errors: loading it lazily lets `storage` be
    # imported first (Alembic, scripts) without a circular import.
    if name in ("Engine", "AllowedTrigger"):
        from engine import service

        return getattr(service, name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
