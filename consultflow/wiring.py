"""Opening an engine: the SQL storage (SQLite or PostgreSQL), the workflows folder, the clock."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from consultflow.defaults import DEFAULT_URL
from engine.catalogue import Catalogue, load_catalogue
from engine.clock import Clock
from engine.errors import DefinitionError
from engine.planning import OutboxDraft
from engine.service import Engine


def load_workflows(folder: Path | None = None) -> Catalogue:
    """The shipped definitions, or those of ``folder``; a missing folder or unreadable file is one DefinitionError."""
    if folder is not None and not folder.is_dir():
        problem = "does not exist or is not a folder (--workflows or CONSULTFLOW_WORKFLOWS)"
        raise DefinitionError(str(folder), "workflows folder", problem)
    try:
        return load_catalogue(folder)
    except OSError as exc:  # e.g. a folder without notices.yaml
        name = exc.filename or folder
        raise DefinitionError(str(name), "file", f"cannot be read ({exc.strerror})") from exc


def open_engine(
    url: str = DEFAULT_URL,
    *,
    workflows: Path | None = None,
    clock: Clock | None = None,
    catalogue: Catalogue | None = None,
) -> Engine:
    """An engine on the database at ``url`` (its schema created if new) with the shipped or given workflows."""
    chosen = catalogue or load_workflows(workflows)  # a broken definition is refused before the database is touched
    from storage.unit import SqlStorage  # SQLAlchemy loads only when a database is opened, not for `--help`

    def notice_check(drafts: Sequence[OutboxDraft]) -> None:
        # The mail layer loads only when a step writes notices, not for `--help` or a read.
        from notifications.precheck import check_drafts

        check_drafts(chosen, drafts)

    return Engine(SqlStorage.open(url), chosen, clock, notice_check=notice_check)
