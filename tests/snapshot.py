"""A whole-database snapshot, to prove that a refused step wrote nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import Engine
from storage.repository import AUDIT, DEFINITION, IDEMPOTENCY, INSTANCE, OUTBOX, PERSON, REF, TIMER
from storage.unit import database_of


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    tables = {
        "definition": DEFINITION,
        "person": PERSON,
        "instance": INSTANCE,
        "ref": REF,
        "audit": AUDIT,
        "idempotency": IDEMPOTENCY,
        "timer": TIMER,
        "outbox": OUTBOX,
    }
    with database_of(engine.storage).read() as conn:
        return {
            name: sorted((tuple(str(v) for v in row) for row in conn.execute(select(table))), key=repr)
            for name, table in tables.items()
        }
