"""The statements every fire runs, sent on the DBAPI connection that SQLAlchemy hands out.

A step on one instance reads the instance (with the directory's version, so that people kept in memory
cost no statement) and then writes the instance, its chain head and its audit row: on PostgreSQL that is
BEGIN with the read, the write, and COMMIT, three round trips; on SQLite three statements and COMMIT.
Why not through SQLAlchemy Core like the rest of ``storage/``: for these statements its per-statement
work (cache key, execution context, type processors, result proxy, events) cost several times what the
driver itself needs, and they run on every step. They run on the driver connection of the SQLAlchemy
``Connection`` that began the transaction, so they commit, roll back and take savepoints with everything
else. Values are converted here exactly as the column types of ``storage.tables`` convert them
(``UtcDateTime``: naive UTC text on SQLite, ``timestamptz`` on PostgreSQL; ``JsonType``: JSON text on
SQLite, ``jsonb`` on PostgreSQL), so rows written either way read the same either way. Driver errors come
out as the SQLAlchemy errors ``storage.db`` translates, as if SQLAlchemy had run the statement.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from engine.records import Instance, Person

# With the instance comes the directory's version, so that people kept in memory are checked at no cost.
_INSTANCE = (
    "SELECT i.id, i.workflow, i.definition_id, i.state, i.fields, i.version, i.created_at, i.updated_at,"
    " d.version, d.content_hash, i.audit_hash, (SELECT version FROM directory_version WHERE id = 1)"
    " FROM instance i JOIN workflow_definition d ON d.id = i.definition_id WHERE i.id = ?"
)
_PERSON = "SELECT id, name, email, language, roles, member_state, organisation FROM person WHERE id = ?"
# A step moves the instance and its chain head together, checking the version it was planned on.
_UPDATE = (
    "UPDATE instance SET state = ?, fields = ?, version = ?, updated_at = ?, audit_hash = ?"
    " WHERE id = ? AND version = ?"
)
_AUDIT = (
    "INSERT INTO audit (instance_id, at, actor, role, member_state, trigger, from_state, to_state, note,"
    " changes, caused_by, version, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# On PostgreSQL the update and the audit row go in one statement (a data-modifying CTE: one round trip);
# no row comes back when the version check fails, and then nothing is written. The casts type the
# parameters that a SELECT list would otherwise leave untyped (a NULL caused_by, say).
_STEP_PG = (
    "WITH moved AS (UPDATE instance SET state = %s, fields = %s, version = %s, updated_at = %s, audit_hash = %s"
    " WHERE id = %s AND version = %s RETURNING id)"
    " INSERT INTO audit (instance_id, at, actor, role, member_state, trigger, from_state, to_state, note,"
    " changes, caused_by, version, prev_hash, hash) SELECT moved.id, %s::timestamptz, %s::text, %s::text,"
    " %s::text, %s::text, %s::text, %s::text, %s::text, %s::jsonb, %s::integer, %s::integer, %s::text,"
    " %s::text FROM moved RETURNING id"
)
# An instance's first audit row starts its chain: the head goes on the new row (SQLite: a second statement).
_HEAD = "UPDATE instance SET audit_hash = ? WHERE id = ?"
_HEAD_AND_AUDIT_PG = "WITH head AS (" + _HEAD.replace("?", "%s") + ") " + _AUDIT.replace("?", "%s") + " RETURNING id"
_AUDIT_HASH = "SELECT audit_hash FROM instance WHERE id = ?"


def _sqlite_time(value: datetime) -> str:
    """As ``UtcDateTime`` + SQLite's DATETIME store it: naive UTC, so that text order is time order."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} cannot be stored")
    # The text SQLAlchemy's SQLite DATETIME writes ("2019-01-01 09:00:00.000000"); isoformat is C, strftime is not.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _sqlite_read_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _pg_time(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} cannot be stored")
    return value.astimezone(UTC)


def _pg_read_time(value: datetime) -> datetime:
    return value.astimezone(UTC)


class HotPath:
    """The hot statements of one dialect, with the conversions its driver needs."""

    def __init__(self, dialect: str) -> None:
        self.is_postgres = dialect == "postgresql"
        self.write_time: Callable[[datetime], Any]
        self.read_time: Callable[[Any], datetime]
        self.write_json: Callable[[Any], Any]
        self.read_json: Callable[[Any], Any]
        if self.is_postgres:
            from psycopg.types.json import Jsonb  # only a PostgreSQL database loads the driver

            self.write_time, self.read_time = _pg_time, _pg_read_time
            self.write_json, self.read_json = Jsonb, _identity
            self.instance_sql = _INSTANCE.replace("?", "%s")
            self.locked_instance_sql = self.instance_sql + " FOR UPDATE OF i"
            self.person_sql = _PERSON.replace("?", "%s")
            self.audit_sql = _HEAD_AND_AUDIT_PG
            self.audit_hash_sql = _AUDIT_HASH.replace("?", "%s") + " FOR UPDATE"
        else:
            self.write_time, self.read_time = _sqlite_time, _sqlite_read_time
            self.write_json, self.read_json = json.dumps, json.loads
            self.instance_sql = self.locked_instance_sql = _INSTANCE
            self.person_sql, self.audit_sql = _PERSON, _AUDIT
            self.audit_hash_sql = _AUDIT_HASH

    # -- reads --------------------------------------------------------------------------------------

    def instance(self, conn: Connection, instance_id: str, lock: bool) -> tuple[Instance, int, str | None, int] | None:
        """The instance, its definition row id, its audit chain's head and the directory's version, in one
        indexed read (row-locked on PostgreSQL if asked)."""
        sql = self.locked_instance_sql if lock else self.instance_sql
        row = self._read_one(conn, sql, (instance_id,))
        if row is None:
            return None
        read_time = self.read_time
        instance = Instance(
            id=row[0],
            workflow=row[1],
            definition_version=row[8],
            definition_hash=row[9],
            state=row[3],
            fields=self.read_json(row[4]),
            version=row[5],
            created_at=read_time(row[6]),
            updated_at=read_time(row[7]),
        )
        return instance, row[2], row[10], row[11]

    def audit_hash(self, conn: Connection, instance_id: str) -> str | None:
        """The instance's chain head as stored now (locked on PostgreSQL: the caller is about to move it)."""
        row = self._read_one(conn, self.audit_hash_sql, (instance_id,))
        return None if row is None else row[0]

    def person(self, conn: Connection, person_id: str) -> Person | None:
        row = self._read_one(conn, self.person_sql, (person_id,))
        if row is None:
            return None
        return Person(row[0], row[1], row[2], row[3], tuple(self.read_json(row[4])), row[5], row[6])

    def _read_one(self, conn: Connection, sql: str, params: Sequence[Any]) -> Any:
        driver: Any = conn.connection.driver_connection
        if self.is_postgres and _plain_begin_pending(driver):
            return _begin_and_read_one(conn, driver, sql, params)
        return _run(conn, sql, params, _fetch_one)

    # -- writes -------------------------------------------------------------------------------------

    def advance_instance(
        self, conn: Connection, expected_version: int, fields: dict[str, object], values: Sequence[Any]
    ) -> int | None:
        """Move the instance to the audit row's state and hash, if still at ``expected_version``, and insert
        that row; ``values`` as for ``insert_audit``. The new row's id, or None (nothing written)."""
        params = list(values)
        at = params[1] = self.write_time(params[1])
        params[9] = self.write_json(params[9])
        instance_id, state, hash_ = params[0], params[7], params[13]
        update = (state, self.write_json(fields), expected_version + 1, at, hash_, instance_id, expected_version)
        if self.is_postgres:
            returned: int | None = _run(conn, _STEP_PG, (*update, *params[1:]), _fetch_returned_id_or_none)
            return returned
        if _run(conn, _UPDATE, update, _rowcount) != 1:
            return None
        return int(_run(conn, _AUDIT, params, _lastrowid))

    def insert_audit(self, conn: Connection, values: Sequence[Any]) -> int:
        """Insert one audit row and make its hash the instance's chain head; ``values`` in the column order
        of ``_AUDIT`` (``prev_hash`` and ``hash`` last) with ``at`` and ``changes`` raw."""
        params = list(values)
        params[1] = self.write_time(params[1])
        params[9] = self.write_json(params[9])
        head = (params[13], params[0])
        if self.is_postgres:
            return int(_run(conn, self.audit_sql, (*head, *params), _fetch_returned_id))
        audit_id = int(_run(conn, self.audit_sql, params, _lastrowid))
        _run(conn, _HEAD, head, _rowcount)
        return audit_id


def _identity(value: Any) -> Any:
    return value


def _fetch_one(cursor: Any) -> Any:
    return cursor.fetchone()


def _rowcount(cursor: Any) -> int:
    return int(cursor.rowcount)


def _lastrowid(cursor: Any) -> int:
    return int(cursor.lastrowid)


def _fetch_returned_id(cursor: Any) -> int:
    return int(cursor.fetchone()[0])


def _fetch_returned_id_or_none(cursor: Any) -> int | None:
    row = cursor.fetchone()
    return None if row is None else int(row[0])


def _run(conn: Connection, sql: str, params: Sequence[Any], fetch: Callable[[Any], Any]) -> Any:
    """Execute on the transaction's driver connection; read the result with ``fetch`` before closing."""
    dbapi = conn.dialect.loaded_dbapi
    driver: Any = conn.connection.driver_connection
    try:
        cursor = driver.cursor()
        try:
            cursor.execute(sql, params)
            return fetch(cursor)
        finally:
            cursor.close()
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, params, exc, dbapi.Error, dialect=conn.dialect) from exc


def _plain_begin_pending(driver: Any) -> bool:
    """Whether psycopg is about to send a plain BEGIN of its own (no transaction yet, default options)."""
    from psycopg.pq import TransactionStatus

    return bool(
        driver.info.transaction_status == TransactionStatus.IDLE
        and not driver.autocommit
        and driver.isolation_level is None
        and driver.read_only is None
        and driver.deferrable is None
    )


# The first reads of a transaction, as statements prepared on the server once per connection: in the
# simple query that carries BEGIN, a statement is planned anew every time (the instance read's join took
# about 110 us to plan, a third of a step), while EXECUTE of a prepared one reuses its plan.
_PREPARED_NAMES: dict[str, str] = {}
_PREPARED_ON: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_NO_SUCH_STATEMENT = b"26000"  # invalid_sql_statement_name


def _prepared_name(driver: Any, sql: str, encoding: str) -> str:
    """The name of ``sql`` prepared on this connection, preparing it first if it is not yet."""
    name = _PREPARED_NAMES.setdefault(sql, f"consultflow_read_{len(_PREPARED_NAMES) + 1}")
    prepared = _PREPARED_ON.setdefault(driver, set())
    if name not in prepared:
        numbered, n = sql, 0
        while "%s" in numbered:
            n += 1
            numbered = numbered.replace("%s", f"${n}", 1)
        _check(driver.pgconn.exec_(f"PREPARE {name} AS {numbered}".encode(encoding)), encoding)
        prepared.add(name)
    return name


def _check(result: Any, encoding: str) -> Any:
    from psycopg import errors, pq

    if result.status not in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
        raise errors.error_from_result(result, encoding=encoding)
    return result


def _begin_and_read_one(conn: Connection, driver: Any, sql: str, params: Sequence[Any]) -> Any:
    """BEGIN and a transaction's first read as one simple query: one round trip, where psycopg takes two
    (it sends its BEGIN alone and waits for it, even in pipeline mode). The read is the EXECUTE of a statement
    prepared on the connection; the parameters are quoted by psycopg's client-side binding and the row is
    loaded by psycopg's own loaders, as a cursor would."""
    from psycopg import ClientCursor, pq
    from psycopg.adapt import Transformer

    dbapi = conn.dialect.loaded_dbapi
    try:
        encoding = driver.info.encoding
        for attempt in (1, 2):
            name = _prepared_name(driver, sql, encoding)
            with ClientCursor(driver) as quoting:
                query = quoting.mogrify(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
            result = driver.pgconn.exec_(b"BEGIN; " + query.encode(encoding))
            gone = result.error_field(pq.DiagnosticField.SQLSTATE) == _NO_SUCH_STATEMENT
            if gone and attempt == 1:
                # psycopg ends every rollback with DEALLOCATE ALL when it has prepared statements of its own,
                # and ours go with them: end the transaction this query began, prepare again, read again
                # (docs/library-notes.md, "psycopg: a rollback deallocates every prepared statement").
                _check(driver.pgconn.exec_(b"ROLLBACK"), encoding)
                _PREPARED_ON[driver].discard(name)
                continue
            _check(result, encoding)
            break
        if not result.ntuples:
            return None
        loader = Transformer(driver)
        loader.set_pgresult(result)
        return loader.load_row(0, tuple)
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, params, exc, dbapi.Error, dialect=conn.dialect) from exc


_BY_DIALECT: dict[str, HotPath] = {}


def hot_path(dialect: str) -> HotPath:
    """The hot statements of a dialect, built once per process."""
    found = _BY_DIALECT.get(dialect)
    if found is None:
        found = _BY_DIALECT[dialect] = HotPath(dialect)
    return found
