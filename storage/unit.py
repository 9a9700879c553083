"""The storage port of ``engine.ports`` on SQL: one connection's transaction seen as a unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy import Connection

from storage.auth import Accounts
from storage.claims import Claims
from storage.db import Database
from storage.directory_cache import DirectoryCache
from storage.outbox import OutboxQueue
from storage.pending import PendingQueries
from storage.repository import Store


class SqlUnitOfWork:
    """One transaction: the engine's records, the timer queue, the outbox queue, the web accounts and the
    responses of the public awaiting confirmation."""

    def __init__(self, conn: Connection, directory: DirectoryCache) -> None:
        self.conn = conn
        self.records = Store(conn, directory)

    # The other parts are made when first used: a step needs only the records.
    @cached_property
    def timers(self) -> Claims:
        return Claims(self.conn)

    @cached_property
    def outbox(self) -> OutboxQueue:
        return OutboxQueue(self.conn)

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.conn)

    @cached_property
    def pending(self) -> PendingQueries:
        return PendingQueries(self.conn)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo only what happens inside on error (what came before stays), then re-raise."""
        try:
            with self.conn.begin_nested():
                yield
        except BaseException:
            # The rollback may have undone audit rows and the chain heads they moved: read them again.
            self.records.forget_chain_heads()
            raise


class SqlStorage:
    """A SQLite or PostgreSQL database as the engine's ``Storage``."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.directory = DirectoryCache()  # people kept between this process's transactions

    @classmethod
    def open(cls, url: str) -> SqlStorage:
        """Connect to ``url``, creating a new database's schema (an older schema is refused, saying what to run)."""
        database = Database(url)
        try:
            database.ensure_schema()
        except BaseException:
            database.dispose()
            raise
        return cls(database)

    @contextmanager
    def write(self) -> Iterator[SqlUnitOfWork]:
        with self.database.write() as conn:
            yield SqlUnitOfWork(conn, self.directory)

    @contextmanager
    def read(self) -> Iterator[SqlUnitOfWork]:
        with self.database.read() as conn:
            yield SqlUnitOfWork(conn, self.directory)

    def dispose(self) -> None:
        self.database.dispose()


def database_of(storage: object) -> Database:
    """The SQL database behind an engine's storage, for tools and tests that read or write rows directly."""
    if not isinstance(storage, SqlStorage):
        raise TypeError(f"expected SQL storage, got {type(storage).__name__}")
    return storage.database
