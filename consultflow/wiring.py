"""Opening an engine: the SQL storage (SQLite or PostgreSQL), the workflows folder, the clock."""

from __future__ import annotations

from pathlib import Path

from consultflow.defaults import DEFAULT_URL
from engine.catalogue import Catalogue, load_catalogue
from engine.clock import Clock
from engine.service import Engine
from storage.unit import SqlStorage


def open_engine(
    url: str = DEFAULT_URL,
    *,
    workflows: Path | None = None,
    clock: Clock | None = None,
    catalogue: Catalogue | None = None,
) -> Engine:
    """An engine on the database at ``url`` (its schema created if new) with the shipped or given workflows."""
    chosen = catalogue or load_catalogue(workflows)  # a broken definition is refused before the database is touched
    return Engine(SqlStorage.open(url), chosen, clock)
