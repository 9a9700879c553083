"""consultflow's workflow engine: declarative definitions, persisted instances, roles, audit, deadlines."""

from engine.clock import Clock, FixedClock, SystemClock
from engine.errors import ConsultflowError
from engine.records import AuditEntry, Instance, OutboxMessage, Person, Timer
from engine.service import AllowedTrigger, Engine

__all__ = [
    "AllowedTrigger",
    "AuditEntry",
    "Clock",
    "ConsultflowError",
    "Engine",
    "FixedClock",
    "Instance",
    "OutboxMessage",
    "Person",
    "SystemClock",
    "Timer",
]
