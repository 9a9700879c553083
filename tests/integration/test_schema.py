"""Opening a database: a new one gets the schema, an older one is refused with the command to run."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from consultflow.wiring import open_engine
from engine.errors import DatabaseError, SchemaOutdated
from storage.db import Database
from storage.unit import database_of


def test_new_database_gets_the_newest_schema(db_url: str) -> None:
    """Engine.open on an empty database creates every table at the newest revision."""
    engine = open_engine(db_url)
    try:
        assert database_of(engine.storage).current_revision() == database_of(engine.storage).head_revision()
        assert engine.list() == []
    finally:
        engine.close()


def test_older_schema_is_refused_with_the_upgrade_command(tmp_path: Path) -> None:
    """A database stamped with an older revision is not used; the message names `consultflow db upgrade`."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    open_engine(url).close()
    database = Database(url)
    with database.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    database.dispose()
    with pytest.raises(SchemaOutdated, match=r"consultflow --db .* db upgrade"):
        open_engine(url)


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    """A database holding someone else's tables is not touched."""
    url = f"sqlite:///{tmp_path / 'other.db'}"
    database = Database(url)
    with database.write() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER)"))
    database.dispose()
    with pytest.raises(DatabaseError, match="did not create"):
        open_engine(url)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    """The embedded default uses WAL and enforces foreign keys on every connection."""
    engine = open_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        with database_of(engine.storage).read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.close()


def test_migrations_match_the_table_declarations(db_url: str) -> None:
    """Alembic's autogenerate finds no difference between the migrated schema and storage/tables.py."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    database = Database(db_url)
    try:
        database.upgrade()
        with database.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    finally:
        database.dispose()
