"""The tamper-evident audit chain on SQLite and PostgreSQL: written with each step, checked, back-filled,
linear under concurrent writers, exported and read back with its hashes."""

from __future__ import annotations

import io
import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, text

from consultflow.wiring import open_engine
from engine import Engine
from engine.errors import DatabaseBusy
from engine.ports import UnitOfWork
from engine.records import AuditDraft
from storage.audit_export import read, write
from storage.audit_trail import Verdict, check, instance_heads, rows, settled_last_id
from storage.chain import GENESIS, ChainedRow
from storage.db import HEAD_REVISION, Database
from storage.repository import Store
from storage.unit import database_of
from tests.conftest import at
from tests.scenario import MEETING_FIELDS, convene, hold_meeting


def _verify(engine: Engine, expected_head: tuple[int, str] | None = None) -> Verdict:
    with database_of(engine.storage).snapshot() as conn:
        return check(rows(conn), instance_heads(conn), expected_head)


def _trail(engine: Engine, instance_id: str | None = None) -> list[ChainedRow]:
    with database_of(engine.storage).snapshot() as conn:
        return list(rows(conn, instance_id=instance_id))


@contextmanager
def _tamper(db_url: str) -> Iterator[Any]:
    """A connection that writes behind the engine's back: the sqlite3 module on SQLite, psycopg on PostgreSQL."""
    if db_url.startswith("sqlite"):
        conn: Any = sqlite3.connect(db_url.removeprefix("sqlite:///"))
        try:
            yield conn
            conn.commit()
        finally:
            conn.close()
        return
    database = Database(db_url)
    try:
        with database.write() as sa_conn:
            yield _Sql(sa_conn)
    finally:
        database.dispose()


class _Sql:
    """``execute`` with ``?`` placeholders on a SQLAlchemy connection, as sqlite3's."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        names = {f"p{i}": value for i, value in enumerate(params)}
        for i in range(len(params)):
            sql = sql.replace("?", f":p{i}", 1)
        self.conn.execute(text(sql), names)


def test_every_step_links_to_the_previous_row_of_its_instance(engine: Engine) -> None:
    """Each instance's first row points at the genesis hash, each next row at its predecessor's hash, and the
    instance row holds its newest row's hash; the whole trail checks out."""
    s = hold_meeting(convene(engine))
    trail = _trail(engine, s.meeting.id)
    assert len(trail) > 5
    assert trail[0].prev_hash == GENESIS
    assert [r.prev_hash for r in trail[1:]] == [r.hash for r in trail[:-1]]
    assert all(r.hash == r.recomputed() for r in trail)
    with database_of(engine.storage).read() as conn:
        assert instance_heads(conn)[s.meeting.id] == trail[-1].hash
    verdict = _verify(engine)
    assert verdict.ok, verdict.breaks
    assert verdict.instances >= 2 and verdict.rows == len(_trail(engine))


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("note", "'added later'"),
        ("actor", "'sec.bob'"),
        ("to_state", "'cancelled'"),
        ("at", "'2019-01-01 00:00:00.000000'"),
        ("changes", "'{}'"),
        ("version", "version + 1"),
        ("prev_hash", "hash"),
    ],
)
def test_a_changed_field_is_named_with_its_row(engine: Engine, db_url: str, column: str, value: str) -> None:
    """One audit field changed behind the engine's back: the check names that row and says its hash no
    longer matches its content; the rows after it still link."""
    s = convene(engine)
    victim = _trail(engine, s.meeting.id)[1]
    if column == "at" and not db_url.startswith("sqlite"):
        value = "'2019-01-01T00:00:00+00'"
    if column == "changes" and not db_url.startswith("sqlite"):
        value = "'{}'::jsonb"
    with _tamper(db_url) as conn:
        statement = f"UPDATE audit SET {column} = {value} WHERE id = ?"  # noqa: S608 - the test's own constants
        conn.execute(statement, (victim.id,))
    verdict = _verify(engine)
    assert [str(b) for b in verdict.breaks] == [
        f"audit row {victim.id} of {s.meeting.id}: hash does not match its content (changed after it was written)"
    ]


def test_a_deleted_row_is_detected_in_the_middle_and_at_the_end(engine: Engine, db_url: str) -> None:
    """Deleting a row breaks the link of the row after it; deleting the newest row leaves the instance's head
    pointing at a row that is gone; deleting them all leaves a head with no rows."""
    s = convene(engine)
    first, second, third = _trail(engine, s.meeting.id)[:3]
    with _tamper(db_url) as conn:
        conn.execute("DELETE FROM audit WHERE id = ?", (second.id,))
    assert [str(b) for b in _verify(engine).breaks] == [
        f"audit row {third.id} of {s.meeting.id}: a row before it is missing (it does not follow row {first.id})"
    ]
    with _tamper(db_url) as conn:
        conn.execute("DELETE FROM audit WHERE id = ?", (third.id,))
    assert [str(b) for b in _verify(engine).breaks] == [
        f"audit row {first.id} of {s.meeting.id}: a row after it is missing (the instance's chain head is not this row)"
    ]
    with _tamper(db_url) as conn:
        conn.execute("DELETE FROM audit WHERE id = ?", (first.id,))
    assert [str(b) for b in _verify(engine).breaks] == [
        f"instance {s.meeting.id}: all its audit rows are missing (its chain head names a row)"
    ]


def test_a_rewritten_chain_passes_alone_but_not_against_a_head_kept_elsewhere(engine: Engine, db_url: str) -> None:
    """Someone with write access who changes a row and recomputes every hash after it is not caught by the
    chain alone, but is by the database-wide head exported before (docs/audit.md)."""
    s = convene(engine)
    with database_of(engine.storage).write() as conn:
        last_id = settled_last_id(conn)
    with database_of(engine.storage).snapshot() as conn:
        head = check(rows(conn, up_to=last_id)).head
    assert _verify(engine, (head.last_id, head.digest)).ok
    trail = _trail(engine, s.meeting.id)
    forged = [_replace(trail[0], note="forged")]
    for row in trail[1:]:
        forged.append(_replace(row, prev_hash=forged[-1].hash))
    with _tamper(db_url) as conn:
        for row in forged:
            conn.execute("UPDATE audit SET note = ?, prev_hash = ?, hash = ? WHERE id = ?", _forged(row))
        conn.execute("UPDATE instance SET audit_hash = ? WHERE id = ?", (forged[-1].hash, s.meeting.id))
    assert _verify(engine).ok  # the limit: a whole rewritten chain is consistent with itself
    broken = _verify(engine, (head.last_id, head.digest))
    assert [b.what for b in broken.breaks] == [
        f"the database-wide head at row {head.last_id} is not the one given: rows up to it were changed, "
        "removed or re-chained since that head was taken"
    ]


def _replace(row: ChainedRow, **changed: Any) -> ChainedRow:
    values = {name: getattr(row, name) for name in ChainedRow.__dataclass_fields__} | changed
    draft = ChainedRow(**values)
    return ChainedRow(**(values | {"hash": draft.recomputed()}))


def _forged(row: ChainedRow) -> tuple[Any, ...]:
    return (row.note, row.prev_hash, row.hash, row.id)


def test_a_rolled_back_savepoint_does_not_fork_the_chain(engine: Engine) -> None:
    """An audit row written inside a savepoint that rolls back is gone, and the next row links to the one
    before it (the transaction forgets the head it had moved)."""
    s = convene(engine)
    actor = engine.person("sec.alice")

    def step_then_fail(unit: UnitOfWork, version: int) -> None:
        with unit.savepoint():
            step = AuditDraft(at("2019-01-02"), actor, "secretariat", "x", "open", "open", None, {})
            assert unit.records.advance_instance(s.meeting.id, version, {}, step, None) is not None
            raise RuntimeError("undo the inner step")

    with engine.storage.write() as unit:
        loaded = unit.records.instance(s.meeting.id, lock=True)
        assert loaded is not None
        version = loaded[0].version
        with pytest.raises(RuntimeError, match="undo the inner step"):
            step_then_fail(unit, version)
        step = AuditDraft(at("2019-01-03"), actor, "secretariat", "y", "open", "open", None, {})
        assert unit.records.advance_instance(s.meeting.id, version, {}, step, None) is not None
    trail = _trail(engine, s.meeting.id)
    assert trail[-1].trigger == "y" and trail[-1].prev_hash == trail[-2].hash
    assert _verify(engine).ok


def test_a_row_written_without_reading_its_instance_first_still_links(engine: Engine) -> None:
    """A transaction that updates an instance it did not read reads the head under the update's lock."""
    s = convene(engine)
    actor = engine.person("sec.alice")
    version = engine.get(s.meeting.id).version
    with database_of(engine.storage).write() as conn:
        store = Store(conn)
        step = AuditDraft(at("2019-01-03"), actor, "secretariat", "y", "open", "open", None, {})
        assert store.advance_instance(s.meeting.id, version, {}, step, None) is not None
    assert _verify(engine).ok


# -- migration ---------------------------------------------------------------------------------------------


def test_migration_0005_chains_existing_rows_as_the_engine_does(engine: Engine, db_url: str) -> None:
    """Rows written before the chain existed (schema 0004) get, on upgrade, the very hashes the engine
    writes, and the trail checks out."""
    from alembic import command

    s = convene(engine)
    written = {r.id: (r.prev_hash, r.hash) for r in _trail(engine)}
    database = Database(db_url)
    try:
        config = database._alembic_config()
        with database.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0004")
        with database.engine.connect() as conn:
            assert "hash" not in {c["name"] for c in _columns(conn, "audit")}
        assert database.upgrade() == ("0004", HEAD_REVISION)  # 0005 and every revision after it
    finally:
        database.dispose()
    assert {r.id: (r.prev_hash, r.hash) for r in _trail(engine)} == written
    assert _verify(engine).ok
    before = _trail(engine, s.meeting.id)[-1]
    engine.fire(s.meeting.id, "submit_contribution", "ms.fr", {"title": "late"}, now=at("2019-01-05"))
    assert _trail(engine, s.meeting.id)[-1].prev_hash == before.hash  # the engine goes on from the back-filled head
    assert _verify(engine).ok


def _columns(conn: Connection, table: str) -> list[Any]:
    from sqlalchemy import inspect

    return list(inspect(conn).get_columns(table))


# -- export ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_round_trips_every_hash(engine: Engine, fmt: str) -> None:
    """An exported trail read back gives rows whose content still produces each exported hash, linked."""
    s = hold_meeting(convene(engine))
    actor = engine.person("sec.alice")
    with database_of(engine.storage).write() as conn:  # values a CSV could blur: empty and backslash text
        store = Store(conn)
        loaded = store.instance(s.meeting.id)
        assert loaded is not None
        version = loaded[0].version
        weird = {"é": ["a,b", '"q"', "line\nbreak", 1, None]}
        first = AuditDraft(at("2019-02-03"), actor, "x", "t", None, "s", "", weird)
        assert store.advance_instance(s.meeting.id, version, loaded[0].fields, first, None) is not None
        second = AuditDraft(at("2019-02-04"), actor, "x", "t", "\\N", "s", "\\x", {})
        assert store.advance_instance(s.meeting.id, version + 1, loaded[0].fields, second, 3) is not None
    trail = _trail(engine, s.meeting.id)
    out = io.StringIO()
    assert write(trail, fmt, out) == len(trail)  # type: ignore[arg-type]
    back = list(read(out.getvalue(), fmt, f"export.{fmt}"))  # type: ignore[arg-type]
    assert back == trail
    assert check(back).ok


# -- concurrency -------------------------------------------------------------------------------------------


def _open_meeting(engine: Engine, number: int) -> str:
    meeting = engine.start("meeting_cycle", "sec.alice", {**MEETING_FIELDS, "number": number}, now=at("2018-12-01"))
    fields = {"letter_ref": f"DM-18/{number}", "council_session": "Council 2019", "council_opening": "2019-06-10"}
    engine.fire(meeting.id, "send_invitation", "sec.alice", fields, now=at("2018-12-21"))
    engine.fire(meeting.id, "open_contributions", "sec.alice", {}, now=at("2018-12-21"))
    return meeting.id


FIRES = 6


def _writer(url: str, meetings: list[str], worker: int, barrier: Any, results: Any) -> None:
    """Fire FIRES contributions on every meeting, retrying only when the database says it was busy."""
    engine = open_engine(url)
    try:
        barrier.wait(timeout=30)
        for k in range(FIRES):
            for meeting in meetings:
                for _ in range(50):
                    try:
                        title = f"w{worker}-{k}"
                        engine.fire(meeting, "submit_contribution", "ms.fr", {"title": title}, now=at("2019-01-05"))
                        break
                    except DatabaseBusy:
                        time.sleep(0.01)
                else:
                    results.put(("error", "busy 50 times"))
                    return
        results.put(("ok", str(worker)))
    except Exception as exc:  # reported to the test, which fails with it
        results.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        engine.close()


def test_concurrent_writers_keep_every_chain_linear(engine: Engine, db_url: str) -> None:
    """Four processes fire on the same three meetings at once while the trail is checked over and over: every
    check passes, each meeting's chain has one row per step with no fork, and a head taken meanwhile holds."""
    meetings = [_open_meeting(engine, n) for n in (12, 13, 14)]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(4), context.Queue()
    workers = [
        context.Process(target=_writer, args=(db_url, meetings, i, barrier, results), daemon=True) for i in range(4)
    ]
    checks: list[Verdict] = []
    heads: list[tuple[int, str]] = []
    stop = threading.Event()

    def keep_checking() -> None:
        while not stop.is_set():
            checks.append(_verify(engine))
            with database_of(engine.storage).write() as conn:
                last_id = settled_last_id(conn)
            with database_of(engine.storage).snapshot() as conn:
                found = check(rows(conn, up_to=last_id)).head
            heads.append((found.last_id, found.digest))

    checker = threading.Thread(target=keep_checking)
    for worker in workers:
        worker.start()
    checker.start()
    try:
        outcomes = [results.get(timeout=180) for _ in workers]
    finally:
        stop.set()
        checker.join(timeout=60)
        for worker in workers:
            worker.join(timeout=30)
    assert [kind for kind, _ in outcomes] == ["ok"] * 4, outcomes
    assert checks and all(v.ok for v in checks), [v.breaks for v in checks if not v.ok][:1]
    for meeting in meetings:
        trail = _trail(engine, meeting)
        assert sum(r.trigger == "submit_contribution" for r in trail) == 4 * FIRES
        assert len({r.prev_hash for r in trail}) == len(trail)  # no two rows claim the same predecessor
        assert [r.version for r in trail] == list(range(1, len(trail) + 1))
    final = _verify(engine)
    assert final.ok, final.breaks
    for last_id, digest in heads:  # every head taken while writers ran still holds now
        assert _verify(engine, (last_id, digest)).ok, (last_id, digest)
