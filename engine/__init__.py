"""consultflow's workflow engine: declarative definitions, instances, roles, audit, deadlines, timers.

The engine is the pure core: it plans every step in full and writes it through the storage port
(``engine.ports``) that the application hands it; it imports no database, mail, web or report code.

``Engine`` and ``AllowedTrigger`` load on first use (PEP 562), so that importing a light module such as
``engine.errors`` does not load the service, the catalogue and the calendars behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.clock import Clock, FixedClock, SystemClock
from engine.errors import ConsultflowError
from engine.records import ApiToken, AuditEntry, Document, Instance, OutboxMessage, Person, Timer

if TYPE_CHECKING:
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

_FROM_SERVICE = frozenset({"AllowedTrigger", "Engine"})


def __getattr__(name: str) -> object:
    """``engine.Engine`` and ``engine.AllowedTrigger``, imported from ``engine.service`` when first asked for."""
    if name in _FROM_SERVICE:
        from engine import service

        value: object = getattr(service, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
