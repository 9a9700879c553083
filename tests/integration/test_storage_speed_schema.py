"""Opening a database needs no Alembic: the newest revision is a constant that must follow the migrations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from consultflow.wiring import open_engine
from storage.db import HEAD_REVISION, Database
from storage.unit import database_of


def test_head_constant_is_alembics_head(tmp_path: Path) -> None:
    """A new migration must move HEAD_REVISION with it, or every database would be refused as outdated."""
    database = Database(f"sqlite:///{tmp_path / 'head.db'}")
    try:
        assert database.head_revision() == HEAD_REVISION
    finally:
        database.dispose()


def test_current_revision_is_what_alembic_stamped(db_url: str) -> None:
    """A database never migrated has no revision; a migrated one has the head."""
    database = Database(db_url)
    try:
        assert database.current_revision() is None
    finally:
        database.dispose()
    engine = open_engine(db_url)
    try:
        assert database_of(engine.storage).current_revision() == HEAD_REVISION
    finally:
        engine.close()


def test_opening_a_current_database_loads_no_alembic(tmp_path: Path) -> None:
    """Only creating or migrating a schema imports Alembic; a process that opens a current database does not."""
    url = f"sqlite:///{tmp_path / 'open.db'}"
    open_engine(url).close()
    code = (
        "import sys\n"
        "from storage.unit import SqlStorage\n"
        f"SqlStorage.open({url!r}).dispose()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    root = Path(__file__).parents[2]
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=root)
    assert out.stdout.strip() == "[]"
