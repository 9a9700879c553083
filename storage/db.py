"""Database connections: SQLite (WAL, write lock taken up front) or PostgreSQL, and the schema check."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, create_engine, event, inspect, text
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError

from engine.errors import DatabaseBusy, DatabaseError, DuplicateRow, SchemaOutdated

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration. Opening a database at this revision compares against it instead of loading Alembic
# (about 9 MiB and a tenth of the start-up for every process); tests pin it to Alembic's own head.
HEAD_REVISION = "0007"
# The key of the PostgreSQL advisory lock held while the schema is created or migrated ("cfschema").
SCHEMA_LOCK_KEY = 0x6366736368656D61


def _sqlite_setup(engine: SqlEngine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that we can say BEGIN IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The busy timeout first: on a new file several processes switch it to WAL at once, and that
        # switch waits for the others instead of failing with "database is locked".
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock when they begin: a deferred BEGIN that reads then writes fails
        # with "database is locked" under contention instead of waiting
        # (docs/library-notes.md, "SQLite: writers begin with BEGIN IMMEDIATE").
        # Sent on the driver connection: through exec_driver_sql this one statement cost as much as the
        # whole raw transaction of bench/fire.py's floor, on every write.
        begin = conn.get_execution_options().get("consultflow_begin", "BEGIN IMMEDIATE")
        try:
            conn.connection.driver_connection.execute(begin)  # type: ignore[union-attr]
        except conn.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(begin, (), exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect) from exc


class _Kept:
    """A thread's kept connection; the thread's finaliser closes whichever one it holds when the thread goes."""

    def __init__(self) -> None:
        self.conn: Connection | None = None
        self.lent = False


class _ThreadWriters:
    """The connection each thread keeps for its SQLite writes, lent out one transaction at a time.

    A thread's connection goes back to the pool when the thread ends (one finaliser per thread object) or
    when the database is disposed. A write begun inside another write on the same thread gets none (it
    takes one from the pool), and so does a write after ``close_all``.
    """

    def __init__(self, engine: SqlEngine) -> None:
        self._engine = engine
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: dict[int, Connection] = {}
        # The finalisers hold this object (and so the engine) while their threads live: close_all detaches
        # them, so that a disposed database is not kept until the main thread ends.
        self._finalizers: list[weakref.finalize[Any, Any]] = []
        self._closed = False

    def take(self) -> Connection | None:
        """This thread's idle connection, made on first use; None when it is lent out already."""
        if self._closed:
            return None
        kept: _Kept | None = getattr(self._local, "kept", None)
        if kept is None:
            kept = self._local.kept = _Kept()
            finalizer = weakref.finalize(threading.current_thread(), self._release, kept)
            with self._lock:  # (those of threads gone already are dropped here)
                self._finalizers = [f for f in self._finalizers if f.alive] + [finalizer]
        if kept.lent:
            return None
        if kept.conn is None or kept.conn.closed or kept.conn.invalidated:
            kept.conn = self._engine.connect()
            with self._lock:
                self._all[id(kept)] = kept.conn
        kept.lent = True
        return kept.conn

    def give_back(self, conn: Connection) -> None:
        """The transaction on ``conn`` is over; a connection left unusable is closed, the next write opens one."""
        kept: _Kept = self._local.kept
        kept.lent = False
        if conn.in_transaction() and not conn.closed:
            self._release(kept)  # its rollback failed: start the next write afresh

    def _release(self, kept: _Kept) -> None:
        with self._lock:
            self._all.pop(id(kept), None)
        conn, kept.conn = kept.conn, None
        if conn is not None:
            conn.close()

    def close_all(self) -> None:
        with self._lock:
            self._closed = True
            conns, self._all = list(self._all.values()), {}
            finalizers, self._finalizers = self._finalizers, []
        for finalizer in finalizers:
            finalizer.detach()
        for conn in conns:
            conn.close()


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except IntegrityError as exc:
        raise DuplicateRow(f"the database refused a duplicate: {_first_line(exc)}") from exc
    except OperationalError as exc:
        if any(word in str(exc) for word in ("locked", "could not serialize", "deadlock detected")):
            raise DatabaseBusy(
                f"the database was busy with a conflicting write ({_first_line(exc)}); try again"
            ) from exc
        raise DatabaseError(f"database error: {_first_line(exc)}") from exc
    except SQLAlchemyError as exc:
        raise DatabaseError(f"database error: {exc.__class__.__name__}: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__


class Database:
    """One database: its SQLAlchemy engine and how transactions begin on it."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        try:
            # SQLite: no cap on connections (each is a file handle, and every writing thread keeps one).
            overflow = {"max_overflow": -1} if self.url.startswith("sqlite") and ":memory:" not in self.url else {}
            self.engine = create_engine(self.url, future=True, **overflow)
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from exc
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        if self.is_sqlite:
            _sqlite_setup(self.engine)
        self._writers = _ThreadWriters(self.engine)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that will write: it commits on success and rolls back on any error.

        Driver errors come out as consultflow errors: a unique-key clash as ``DuplicateRow``, a lock held
        too long as ``DatabaseBusy``, anything else as ``DatabaseError``.

        On SQLite each thread writes on a connection of its own that it keeps between transactions:
        checking a connection out of the pool and back in cost a seventh of a whole step
        (docs/library-notes.md, "SQLite: one kept connection per writing thread").
        PostgreSQL connections are a server's resource, so there every write checks one out of the pool.
        """
        kept = self._writers.take() if self.is_sqlite else None
        if kept is None:
            with _translated(), self.engine.connect() as conn, conn.begin():
                yield conn
            return
        try:
            with _translated(), kept.begin():
                yield kept
        finally:
            self._writers.give_back(kept)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (on SQLite it takes no write lock)."""
        with _translated(), self.engine.connect() as conn:
            conn.execution_options(consultflow_begin="BEGIN")
            with conn.begin():
                yield conn

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read-only transaction whose every query sees the same committed state (PostgreSQL: REPEATABLE
        READ; SQLite in WAL mode: any read transaction), for checks that compare several tables."""
        with _translated(), self.engine.connect() as conn:
            if self.is_sqlite:
                conn.execution_options(consultflow_begin="BEGIN")
            else:
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self._writers.close_all()
        self.engine.dispose()

    # -- schema -------------------------------------------------------------------------------------------

    def _alembic_config(self) -> Config:
        from alembic.config import Config  # only migrating needs Alembic

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return config

    def head_revision(self) -> str:
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(self._alembic_config()).get_current_head()
        assert head is not None
        return head

    def current_revision(self) -> str | None:
        """The revision Alembic stamped in ``alembic_version`` (None for a database it never migrated)."""
        with self.engine.connect() as conn:
            return _stamped_revision(conn, self.url)

    @contextmanager
    def _schema_lock(self) -> Iterator[Connection]:
        """A transaction that holds the schema lock: one process at a time creates or migrates the schema.

        PostgreSQL: a transaction-level advisory lock (released at commit or rollback). SQLite: the
        transaction begins with ``BEGIN IMMEDIATE``, so it holds the write lock; the others wait
        (``busy_timeout``) and then find the schema made.
        """
        with self.engine.begin() as conn:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            yield conn

    def _upgrade_on(self, conn: Connection) -> None:
        from alembic import command

        config = self._alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")

    def upgrade(self) -> tuple[str | None, str]:
        """Bring the schema to the newest revision under the schema lock; returns (before, after)."""
        with _translated(), self._schema_lock() as conn:
            before = _stamped_revision(conn, self.url)
            self._upgrade_on(conn)
        return before, self.head_revision()

    def ensure_schema(self) -> None:
        """Create a new database's schema; refuse, saying what to run, when an existing one is older.

        Safe when several processes open a new database at once: the schema is made under the schema
        lock by the first one, and the others, once they get the lock, find it made and go on.
        """
        try:
            current = self.current_revision()
            if current is None:
                with self._schema_lock() as conn:
                    current = _stamped_revision(conn, self.url)
                    if current is None:
                        tables = set(inspect(conn).get_table_names())
                        if tables - {"alembic_version"}:
                            raise DatabaseError(
                                f"{self.url} holds tables that consultflow did not create "
                                f"({', '.join(sorted(tables)[:5])}...); "
                                "point --db at an empty or consultflow database"
                            )
                        self._upgrade_on(conn)
                        return
            head = HEAD_REVISION
            if current != head:
                raise SchemaOutdated(
                    f"the database schema is at revision {current} but this consultflow needs {head}: "
                    f"run `consultflow --db {self.url} db upgrade`"
                )
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"cannot open database {self.url}: {exc.__class__.__name__}: {_first_line(exc)}"
            ) from exc


def _stamped_revision(conn: Connection, url: str) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    stamped = list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if len(stamped) > 1:
        raise DatabaseError(f"{url} is stamped with several schema revisions: {', '.join(stamped)}")
    return stamped[0] if stamped else None
