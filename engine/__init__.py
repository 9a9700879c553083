"""consultflow's workflow engine: declarative definitions, instances, roles, audit, deadlines, timers.

The engine is the pure core: it plans every step in full and writes it through the storage port
(``engine.ports``) that the application hands it; it imports no database, mail, web or report code.
"""

from __future__ import annotations

from engine.clock import Clock, FixedClock, SystemClock
from engine.errors import ConsultflowError
from engine.records import ApiToken, AuditEntry, Document, Instance, OutboxMessage, Person, Timer
from engine.service import AllowedTrigger, Engine

__all__ = [
    "AllowedTrigger",
    "ApiToken",
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
