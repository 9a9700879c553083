"""The statements a fire sends on the driver connection (storage.hotpath) store and read exactly what the
SQLAlchemy statements of the rest of storage/ store and read, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from engine import Engine, Person
from engine.errors import DuplicateRow
from engine.ports import UnitOfWork
from engine.records import AuditDraft
from storage.repository import AUDIT, INSTANCE, PERSON, Store, audit_from_row, person_from_row
from storage.unit import database_of
from tests.conftest import at

GENEVA_SUMMER = timezone(timedelta(hours=2))


def _meeting(engine: Engine) -> str:
    fields = {"number": 12, "start": "2019-02-01", "end": "2019-02-01", "venue": "Geneva"}
    return engine.start("meeting_cycle", "sec.alice", fields, now=at("2018-12-01")).id


def test_instance_read_matches_the_core_query(engine: Engine) -> None:
    """The one-statement instance read returns the same record and definition row as the Core listing."""
    meeting_id = _meeting(engine)
    with database_of(engine.storage).read() as conn:
        store = Store(conn)
        loaded = store.instance(meeting_id)
        locked = store.instance(meeting_id, lock=True)
        listed = [i for i in store.instances() if i.id == meeting_id]
        definition_id = conn.execute(select(INSTANCE.c.definition_id).where(INSTANCE.c.id == meeting_id)).scalar()
        assert store.instance("meeting_cycle-missing") is None
    assert loaded is not None and locked == loaded
    assert loaded == (listed[0], definition_id)
    assert loaded[0].created_at.tzinfo is not None and loaded[0].created_at.utcoffset() == timedelta(0)


def test_person_read_matches_the_core_query(engine: Engine) -> None:
    """A person read on the driver connection equals the directory listing's, roles as a tuple."""
    with database_of(engine.storage).read() as conn:
        store = Store(conn)
        listed = {p.id: p for p in (person_from_row(r) for r in conn.execute(select(PERSON)))}
        for person_id, person in listed.items():
            assert store.person(person_id) == person
        assert store.person("nobody") is None


def test_update_and_audit_store_what_core_would(engine: Engine) -> None:
    """A step written on the driver connection reads back through Core with the same instants and JSON,
    and a time given in another offset is stored as the same UTC instant as Core stores it."""
    meeting_id = _meeting(engine)
    when = datetime(2018, 12, 21, 11, 30, 15, 123456, tzinfo=GENEVA_SUMMER)
    actor = Person("sec.alice", "Alice", "alice@itu.example", "en", ("secretariat",), "CH", None)
    with database_of(engine.storage).write() as conn:
        store = Store(conn)
        before = store.instance(meeting_id)
        assert before is not None
        fields = {**before[0].fields, "letter_ref": "DM-18/1000", "nested": {"é": [1, 2.5, None, True]}}
        changes = {"letter_ref": [None, "DM-18/1000"], "deadlines": {"R01": ["2019-01-01", None]}}
        step = AuditDraft(when, actor, "secretariat", "send_invitation", "planned", "convened", "n", changes)
        audit_id = store.advance_instance(meeting_id, before[0].version, fields, step, None)
        assert audit_id is not None
        assert store.advance_instance(meeting_id, before[0].version, fields, step, None) is None  # version moved
        store.set_refs(meeting_id, {})  # Core on the same transaction sees the rows written on the driver
        listed = next(i for i in store.instances() if i.id == meeting_id)
        audit = audit_from_row(conn.execute(select(AUDIT).where(AUDIT.c.id == audit_id)).one())
    assert listed.state == "convened" and listed.version == before[0].version + 1
    assert listed.fields == fields
    assert listed.updated_at == when.astimezone(UTC)
    assert (audit.at, audit.changes, audit.member_state, audit.caused_by) == (when.astimezone(UTC), changes, "CH", None)
    assert engine.history(meeting_id)[-1] == audit
    with database_of(engine.storage).write() as conn:  # Core writing the same instant stores the same value
        conn.execute(INSTANCE.update().where(INSTANCE.c.id == meeting_id).values(created_at=when))
        created, updated = conn.execute(
            text("SELECT created_at, updated_at FROM instance WHERE id = :id"), {"id": meeting_id}
        ).one()
    assert created == updated


def test_naive_times_are_refused_as_core_refuses_them(engine: Engine) -> None:
    """A naive datetime never reaches the database, whichever path writes it."""
    meeting_id = _meeting(engine)
    step = AuditDraft(
        datetime(2018, 12, 21), engine.person("sec.alice"), "secretariat", "x", "planned", "convened", None, {}
    )
    with pytest.raises(ValueError, match="naive"), database_of(engine.storage).write() as conn:
        Store(conn).advance_instance(meeting_id, 1, {}, step, None)
    assert engine.get(meeting_id).version == 1


def test_driver_errors_come_out_as_consultflow_errors(engine: Engine) -> None:
    """An audit row for an instance that does not exist is refused as Core's insert would be, and nothing stays."""
    actor = engine.person("sec.alice")
    with pytest.raises(DuplicateRow), engine.storage.write() as unit:
        unit.records.insert_audit(
            "meeting_cycle-none", AuditDraft(at("2019-01-01"), actor, "secretariat", "x", None, "y", None, {}), None, 1
        )
    with database_of(engine.storage).read() as conn:
        assert conn.execute(select(AUDIT).where(AUDIT.c.instance_id == "meeting_cycle-none")).first() is None


def test_a_failed_savepoint_undoes_only_its_own_driver_statements(engine: Engine) -> None:
    """Driver statements share the transaction: a savepoint rolled back undoes them, the rest commits."""
    meeting_id = _meeting(engine)
    actor = engine.person("sec.alice")

    def step(when: str, from_state: str, to_state: str) -> AuditDraft:
        return AuditDraft(at(when), actor, "secretariat", "x", from_state, to_state, None, {})

    def cancel_then_fail(unit: UnitOfWork) -> None:
        with unit.savepoint():
            records = unit.records
            assert records.advance_instance(
                meeting_id, 2, {"number": 12}, step("2018-12-22", "convened", "cancelled"), None
            )
            raise RuntimeError("undo the inner step")

    with engine.storage.write() as unit:
        assert unit.records.advance_instance(
            meeting_id, 1, {"number": 12}, step("2018-12-21", "planned", "convened"), None
        )
        with pytest.raises(RuntimeError):
            cancel_then_fail(unit)
    stored = engine.get(meeting_id)
    assert (stored.state, stored.version, stored.updated_at) == ("convened", 2, at("2018-12-21"))


@pytest.mark.postgres
def test_the_first_read_survives_the_server_forgetting_prepared_statements(pg_schema_url: str) -> None:
    """A transaction's first read is a statement prepared on the connection; psycopg deallocates every
    prepared statement when it rolls back, and a step after that still reads, prepared again."""
    from consultflow.wiring import open_engine

    engine = open_engine(pg_schema_url)
    try:
        engine.import_people([Person("sec.alice", "Alice", "alice@itu.example", "en", ("secretariat",))])
        meeting_id = _meeting(engine)
        engine.get(meeting_id)  # prepared now, on the pool's connection
        with database_of(engine.storage).engine.connect() as conn:
            conn.exec_driver_sql("DEALLOCATE ALL")
        assert engine.get(meeting_id).id == meeting_id
        assert engine.fire(meeting_id, "cancel", "sec.alice", {"change_reason": "x"}, now=at("2018-12-02")).version == 2
    finally:
        engine.close()
