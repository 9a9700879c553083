"""On SQLite each writing thread keeps its connection between transactions (storage.db): more writing
threads than the pool holds must neither wait for a connection nor leave one behind when they end."""

from __future__ import annotations

import gc
import threading
import weakref
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.errors import DatabaseError
from storage.db import Database

THREADS = 24  # more than SQLAlchemy's default pool (5) and its overflow (10) together


def _count(database: Database) -> int:
    with database.read() as conn:
        return int(conn.execute(text("SELECT count(*) FROM counter")).scalar_one())


def test_many_writing_threads_each_keep_one_connection_and_give_it_back(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'kept.db'}")
    try:
        with database.write() as conn:
            conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, thread TEXT)"))
        all_wrote = threading.Barrier(THREADS + 1, timeout=30)
        finish = threading.Event()

        def writer(name: str) -> None:
            for _ in range(3):
                with database.write() as conn:
                    conn.execute(text("INSERT INTO counter (thread) VALUES (:t)"), {"t": name})
            all_wrote.wait()
            finish.wait(timeout=30)  # alive, its connection kept, while the main thread works

        threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        all_wrote.wait()
        assert database.engine.pool.checkedout() == THREADS + 1  # type: ignore[attr-defined]  # and the main thread
        assert _count(database) == 3 * THREADS  # a read still gets a connection at once
        with database.write() as conn:  # and so does a write of the main thread
            conn.execute(text("INSERT INTO counter (thread) VALUES ('main')"))
        finish.set()
        for thread in threads:
            thread.join(timeout=30)
        del threads, thread
        gc.collect()  # the thread objects go, and their finalisers give the connections back
        assert database.engine.pool.checkedout() == 1  # type: ignore[attr-defined]  # the main thread's
        assert _count(database) == 3 * THREADS + 1
    finally:
        database.dispose()
    assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def _insert_then_refuse(database: Database) -> None:
    with database.write() as conn:
        conn.execute(text("INSERT INTO counter (thread) VALUES ('kept')"))
        conn.execute(text("INSERT INTO counter (thread) VALUES (NULL)"))  # refused: both roll back


def test_a_failed_write_leaves_the_kept_connection_usable(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'failed.db'}")
    try:
        with database.write() as conn:
            conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, thread TEXT NOT NULL)"))
        for _ in range(3):
            with pytest.raises(DatabaseError, match="NOT NULL"):
                _insert_then_refuse(database)
        with database.write() as conn:
            conn.execute(text("INSERT INTO counter (thread) VALUES ('kept')"))
        assert _count(database) == 1
        assert database.engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    finally:
        database.dispose()


def test_a_disposed_database_is_not_kept_alive_by_the_threads_that_wrote_on_it(tmp_path: Path) -> None:
    """The main thread lives as long as the process: its finaliser must not hold a disposed database."""
    database = Database(f"sqlite:///{tmp_path / 'disposed.db'}")
    with database.write() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY)"))
    database.dispose()
    gone = weakref.ref(database.engine)  # with its pool, dialect and statement cache
    del database, conn
    gc.collect()
    assert gone() is None
