"""First start under concurrency: several processes opening a new database at once all succeed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from storage.db import HEAD_REVISION, Database

CONSULTFLOW = Path(sys.executable).parent / "consultflow"
PROCESSES = 8


def test_eight_processes_create_the_schema_of_a_new_database_at_once(db_url: str) -> None:
    """8 `consultflow list` started together on a new database all exit 0; the schema is made once, at head."""
    started = [
        subprocess.Popen(
            [str(CONSULTFLOW), "--db", db_url, "list"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in started]
    for p in started:
        for stream in (p.stdout, p.stderr):
            if stream:
                stream.close()
    assert [code for code, _ in outcomes] == [0] * PROCESSES, [err for _, err in outcomes]
    database = Database(db_url)
    try:
        assert database.current_revision() == HEAD_REVISION
    finally:
        database.dispose()


def test_upgrade_of_a_migrated_database_is_a_no_op(db_url: str) -> None:
    """`db upgrade` on a database at head takes the schema lock, finds nothing to do, and leaves it at head."""
    database = Database(db_url)
    try:
        database.ensure_schema()
        assert database.upgrade() == (HEAD_REVISION, HEAD_REVISION)
        database.ensure_schema()
    finally:
        database.dispose()
