"""All SQL the engine runs, behind one class bound to a transaction; it returns engine records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update

from engine.records import (
    AuditDraft,
    AuditEntry,
    Document,
    Instance,
    OutboxMessage,
    OutboxStatus,
    Person,
    Timer,
    TimerStatus,
)
from storage.chain import GENESIS, row_hash
from storage.directory_cache import DirectoryCache
from storage.hotpath import hot_path
from storage.tables import (
    AuditRow,
    DirectoryVersionRow,
    DocumentRow,
    IdempotencyRow,
    InstanceRefRow,
    InstanceRow,
    OutboxRow,
    PersonRow,
    TimerRow,
    WorkflowDefinitionRow,
)


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


DEFINITION, PERSON, INSTANCE = _t(WorkflowDefinitionRow), _t(PersonRow), _t(InstanceRow)
REF, AUDIT, IDEMPOTENCY = _t(InstanceRefRow), _t(AuditRow), _t(IdempotencyRow)
TIMER, OUTBOX, DOCUMENT = _t(TimerRow), _t(OutboxRow), _t(DocumentRow)
DIRECTORY_VERSION = _t(DirectoryVersionRow)


def person_from_row(row: Any) -> Person:
    return Person(
        id=row.id,
        name=row.name,
        email=row.email,
        language=row.language,
        roles=tuple(row.roles),
        member_state=row.member_state,
        organisation=row.organisation,
    )


def instance_from_row(row: Any) -> Instance:
    return Instance(
        id=row.id,
        workflow=row.workflow,
        definition_version=row.def_version,
        definition_hash=row.content_hash,
        state=row.state,
        fields=row.fields,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def audit_from_row(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        instance_id=row.instance_id,
        at=row.at,
        actor=row.actor,
        role=row.role,
        member_state=row.member_state,
        trigger=row.trigger,
        from_state=row.from_state,
        to_state=row.to_state,
        note=row.note,
        changes=row.changes,
        caused_by=row.caused_by,
    )


def timer_from_row(row: Any) -> Timer:
    return Timer(
        id=row.id,
        instance_id=row.instance_id,
        key=row.key,
        kind=row.kind,
        due_at=row.due_at,
        status=row.status,
        rule=row.rule,
        notice=row.notice,
        trigger=row.trigger,
        fired_at=row.fired_at,
        detail=row.detail,
    )


def outbox_from_row(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        instance_id=row.instance_id,
        notice=row.notice,
        recipient_id=row.recipient_id,
        to_email=row.to_email,
        to_name=row.to_name,
        language=row.language,
        context=row.context,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        last_error=row.last_error,
        sent_at=row.sent_at,
        for_information=row.for_information,
    )


INSTANCE_COLUMNS = (
    INSTANCE.c.id,
    INSTANCE.c.workflow,
    INSTANCE.c.definition_id,
    INSTANCE.c.state,
    INSTANCE.c.fields,
    INSTANCE.c.version,
    INSTANCE.c.created_at,
    INSTANCE.c.updated_at,
    DEFINITION.c.version.label("def_version"),
    DEFINITION.c.content_hash,
)
INSTANCE_FROM = INSTANCE.join(DEFINITION, INSTANCE.c.definition_id == DEFINITION.c.id)

# The statements every fire runs (instance, person, update, audit) are in storage.hotpath.
_SELECT_TIMERS = (
    select(TIMER)
    .where(TIMER.c.instance_id == bindparam("id"), TIMER.c.status.in_(bindparam("statuses", expanding=True)))
    .order_by(TIMER.c.due_at, TIMER.c.id)
)


class Store:
    """The repository for one transaction: every read and write the engine needs, nothing more."""

    def __init__(self, conn: Connection, directory: DirectoryCache | None = None) -> None:
        self.conn = conn
        self.is_postgres = conn.dialect.name == "postgresql"
        self.hot = hot_path(conn.dialect.name)
        # People kept between transactions (storage.directory_cache); this transaction's view of the
        # directory's version, read with the first instance or when a person is first asked for.
        self.directory = directory if directory is not None else DirectoryCache()
        self._directory_version: int | None = None
        self._directory_changed = False
        # instance id -> (version, hash of its newest audit row) as this transaction last saw or wrote them:
        # the next audit row links to it without reading it again (see advance_instance).
        self._heads: dict[str, tuple[int, str | None]] = {}

    # -- definitions ------------------------------------------------------------------------------------

    def definition_row(self, name: str, version: int) -> tuple[int, str] | None:
        row = self.conn.execute(
            select(DEFINITION.c.id, DEFINITION.c.content_hash).where(
                DEFINITION.c.name == name, DEFINITION.c.version == version
            )
        ).first()
        return (row.id, row.content_hash) if row else None

    def register_definition(
        self, name: str, version: int, content_hash: str, source: str, text: str, now: datetime
    ) -> int:
        result = self.conn.execute(
            insert(DEFINITION).values(
                name=name, version=version, content_hash=content_hash, source=source, text=text, registered_at=now
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def definition_text(self, definition_id: int) -> tuple[str, str]:
        row = self.conn.execute(
            select(DEFINITION.c.text, DEFINITION.c.source).where(DEFINITION.c.id == definition_id)
        ).one()
        return row.text, row.source

    def definitions_in_use(self) -> list[tuple[str, int, str, int]]:
        """(name, version, hash, number of instances) for every registered definition."""
        rows = self.conn.execute(
            select(DEFINITION.c.name, DEFINITION.c.version, DEFINITION.c.content_hash, func.count(INSTANCE.c.id))
            .select_from(DEFINITION.outerjoin(INSTANCE, INSTANCE.c.definition_id == DEFINITION.c.id))
            .group_by(DEFINITION.c.id, DEFINITION.c.name, DEFINITION.c.version, DEFINITION.c.content_hash)
            .order_by(DEFINITION.c.name, DEFINITION.c.version)
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    # -- directory --------------------------------------------------------------------------------------

    def upsert_people(self, people: Iterable[Person]) -> tuple[int, int]:
        """Insert new people and update known ones; returns (added, updated)."""
        added = updated = 0
        for person in people:
            values = {
                "name": person.name,
                "email": person.email,
                "language": person.language,
                "roles": list(person.roles),
                "member_state": person.member_state,
                "organisation": person.organisation,
            }
            if self.conn.execute(update(PERSON).where(PERSON.c.id == person.id).values(**values)).rowcount:
                updated += 1
            else:
                self.conn.execute(insert(PERSON).values(id=person.id, **values))
                added += 1
        # Move the version with the change, so that every process's cache drops what it kept once this commits.
        self.conn.execute(update(DIRECTORY_VERSION).values(version=DIRECTORY_VERSION.c.version + 1))
        self._directory_changed = True
        return added, updated

    def person(self, person_id: str) -> Person | None:
        version = self._cache_version()
        if version is None:
            return self.hot.person(self.conn, person_id)
        return self.directory.person(version, person_id, lambda: self.hot.person(self.conn, person_id))

    def people(self) -> list[Person]:
        version = self._cache_version()
        if version is None:
            return self._read_people()
        return self.directory.people(version, self._read_people)

    def _read_people(self) -> list[Person]:
        return [person_from_row(r) for r in self.conn.execute(select(PERSON).order_by(PERSON.c.id))]

    def _cache_version(self) -> int | None:
        """The directory version the cache may answer for in this transaction; None once it changed here."""
        if self._directory_changed:
            return None
        if self._directory_version is None:
            self._directory_version = self.conn.execute(select(DIRECTORY_VERSION.c.version)).scalar_one()
        return self._directory_version

    # -- instances --------------------------------------------------------------------------------------

    def insert_instance(
        self,
        instance_id: str,
        workflow: str,
        definition_id: int,
        state: str,
        fields: Mapping[str, object],
        now: datetime,
    ) -> None:
        self.conn.execute(
            insert(INSTANCE).values(
                id=instance_id,
                workflow=workflow,
                definition_id=definition_id,
                state=state,
                fields=dict(fields),
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        self._heads[instance_id] = (1, None)

    def instance(self, instance_id: str, *, lock: bool = False) -> tuple[Instance, int] | None:
        """The instance and its definition row id; ``lock`` takes a row lock on PostgreSQL."""
        found = self.hot.instance(self.conn, instance_id, lock)
        if found is None:
            return None
        instance, definition_id, head, directory_version = found
        self._heads[instance_id] = (instance.version, head)
        if self._directory_version is None:
            self._directory_version = directory_version
        return instance, definition_id

    def forget_chain_heads(self) -> None:
        """Drop what this transaction remembers of chain heads (a savepoint rolled back may have moved them)."""
        self._heads.clear()

    def instances(self, workflow: str | None = None, state: str | None = None, limit: int = 1000) -> list[Instance]:
        query = select(*INSTANCE_COLUMNS).select_from(INSTANCE_FROM)
        if workflow:
            query = query.where(INSTANCE.c.workflow == workflow)
        if state:
            query = query.where(INSTANCE.c.state == state)
        query = query.order_by(INSTANCE.c.created_at, INSTANCE.c.id).limit(limit)
        return [instance_from_row(r) for r in self.conn.execute(query)]

    def set_refs(self, instance_id: str, refs: Mapping[str, str | None]) -> None:
        for field_name, target in refs.items():
            self.conn.execute(delete(REF).where(REF.c.instance_id == instance_id, REF.c.field == field_name))
            if target:
                self.conn.execute(insert(REF).values(instance_id=instance_id, field=field_name, target_id=target))

    def linked(
        self, target_id: str, via: str, workflow: str | None = None, state: str | None = None
    ) -> list[tuple[str, str]]:
        """(id, state) of the instances whose ref field ``via`` points to ``target_id``."""
        query = (
            select(INSTANCE.c.id, INSTANCE.c.state)
            .select_from(REF.join(INSTANCE, REF.c.instance_id == INSTANCE.c.id))
            .where(REF.c.target_id == target_id, REF.c.field == via)
            .order_by(INSTANCE.c.created_at, INSTANCE.c.id)
        )
        if workflow:
            query = query.where(INSTANCE.c.workflow == workflow)
        if state:
            query = query.where(INSTANCE.c.state == state)
        return [(r.id, r.state) for r in self.conn.execute(query)]

    # -- audit ------------------------------------------------------------------------------------------

    def insert_audit(self, instance_id: str, audit: AuditDraft, caused_by: int | None, version: int) -> int:
        """The first audit row of an instance inserted in this transaction (its chain starts at GENESIS)."""
        values = self._chained(instance_id, audit, caused_by, version, GENESIS)
        audit_id = self.hot.insert_audit(self.conn, values)
        self._heads[instance_id] = (version, values[-1])
        return audit_id

    def advance_instance(
        self,
        instance_id: str,
        expected_version: int,
        fields: Mapping[str, object],
        audit: AuditDraft,
        caused_by: int | None,
    ) -> int | None:
        """Update the instance, move its chain head and insert the audit row chained to the previous one
        (storage/chain.py, docs/audit.md), all in one statement on PostgreSQL.

        The previous hash is the one this transaction read with the instance at ``expected_version``: every
        version's head is committed with it, and the update's version check (and on PostgreSQL the row lock)
        serialises steps on one instance, so the chain stays linear under concurrent writers. A head not
        read that way is read now, under the lock.
        """
        seen = self._heads.get(instance_id)
        prev = (
            seen[1] if seen is not None and seen[0] == expected_version else self.hot.audit_hash(self.conn, instance_id)
        )
        values = self._chained(instance_id, audit, caused_by, expected_version + 1, prev or GENESIS)
        audit_id = self.hot.advance_instance(self.conn, expected_version, dict(fields), values)
        if audit_id is not None:
            self._heads[instance_id] = (expected_version + 1, values[-1])
        return audit_id

    @staticmethod
    def _chained(
        instance_id: str, audit: AuditDraft, caused_by: int | None, version: int, prev: str
    ) -> tuple[Any, ...]:
        """The audit row's values in the column order of ``storage.hotpath``, its hash last."""
        actor = audit.actor
        content = (instance_id, audit.at, actor.id, audit.role, actor.member_state, audit.trigger)
        changes = dict(audit.changes)
        rest = (audit.from_state, audit.to_state, audit.note)
        new = row_hash(prev, *content, *rest, changes, caused_by, version)
        return (*content, *rest, changes, caused_by, version, prev, new)

    def history(self, instance_id: str) -> list[AuditEntry]:
        rows = self.conn.execute(select(AUDIT).where(AUDIT.c.instance_id == instance_id).order_by(AUDIT.c.id))
        return [audit_from_row(r) for r in rows]

    # -- idempotency ------------------------------------------------------------------------------------

    def idempotent_result(self, key: str) -> Mapping[str, Any] | None:
        """The instance as the first fire with this key left it (as stored data), if there was one."""
        row = self.conn.execute(select(IDEMPOTENCY.c.result).where(IDEMPOTENCY.c.key == key)).first()
        return dict(row.result) if row else None

    def remember_idempotency(
        self, key: str, instance_id: str, audit_id: int, result: Mapping[str, Any], now: datetime
    ) -> None:
        self.conn.execute(
            insert(IDEMPOTENCY).values(
                key=key, instance_id=instance_id, audit_id=audit_id, result=dict(result), created_at=now
            )
        )

    # -- timers -----------------------------------------------------------------------------------------

    def timers_of(self, instance_id: str, statuses: Sequence[TimerStatus] = ("pending",)) -> list[Timer]:
        rows = self.conn.execute(_SELECT_TIMERS, {"id": instance_id, "statuses": list(statuses)})
        return [timer_from_row(r) for r in rows]

    def insert_timers(self, rows: Sequence[Mapping[str, object]]) -> None:
        if rows:
            self.conn.execute(insert(TIMER), [dict(r) for r in rows])

    def cancel_timers(self, instance_id: str, keys: Sequence[tuple[str, datetime]], now: datetime, detail: str) -> None:
        """Cancel the instance's pending timers with these (key, due), in one round trip."""
        if keys:
            self.conn.execute(
                update(TIMER)
                .where(
                    TIMER.c.instance_id == bindparam("b_instance"),
                    TIMER.c.key == bindparam("b_key"),
                    TIMER.c.due_at == bindparam("b_due"),
                    TIMER.c.status == "pending",
                )
                .values(status="cancelled", fired_at=now, detail=detail),
                [{"b_instance": instance_id, "b_key": key, "b_due": due} for key, due in keys],
            )

    # -- outbox -----------------------------------------------------------------------------------------

    def insert_outbox(self, rows: Sequence[Mapping[str, object]]) -> None:
        if rows:
            self.conn.execute(insert(OUTBOX), [dict(r) for r in rows])

    def supersede_outbox(self, instance_id: str, notices: Sequence[str], reason: str) -> int:
        if not notices:
            return 0
        result = self.conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.instance_id == instance_id, OUTBOX.c.status == "pending", OUTBOX.c.notice.in_(notices))
            .values(status="superseded", last_error=reason[:2000], claimed_by=None, claimed_until=None)
        )
        return int(result.rowcount)

    def outbox(
        self, status: OutboxStatus | None = None, instance_id: str | None = None, limit: int = 1000
    ) -> list[OutboxMessage]:
        query = select(OUTBOX)
        if status:
            query = query.where(OUTBOX.c.status == status)
        if instance_id:
            query = query.where(OUTBOX.c.instance_id == instance_id)
        return [outbox_from_row(r) for r in self.conn.execute(query.order_by(OUTBOX.c.id).limit(limit))]

    # -- documents --------------------------------------------------------------------------------------

    def next_document_revision(self, instance_id: str, kind: str, language: str) -> int:
        current = self.conn.execute(
            select(func.max(DOCUMENT.c.revision)).where(
                DOCUMENT.c.instance_id == instance_id, DOCUMENT.c.kind == kind, DOCUMENT.c.language == language
            )
        ).scalar_one()
        return int(current or 0) + 1

    def insert_document(
        self,
        instance_id: str,
        kind: str,
        symbol: str,
        language: str,
        fmt: str,
        revision: int,
        content: bytes,
        now: datetime,
        actor: str,
    ) -> int:
        result = self.conn.execute(
            insert(DOCUMENT).values(
                instance_id=instance_id,
                kind=kind,
                symbol=symbol,
                language=language,
                format=fmt,
                revision=revision,
                content=content,
                created_at=now,
                created_by=actor,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def documents(self, instance_id: str) -> list[Document]:
        """Every stored document of an instance (without content), newest revision first."""
        columns = [c for c in DOCUMENT.c if c.name != "content"]
        rows = self.conn.execute(
            select(*columns)
            .where(DOCUMENT.c.instance_id == instance_id)
            .order_by(DOCUMENT.c.kind, DOCUMENT.c.language, DOCUMENT.c.revision.desc(), DOCUMENT.c.format)
        )
        return [
            Document(
                id=r.id,
                instance_id=r.instance_id,
                kind=r.kind,
                symbol=r.symbol,
                language=r.language,
                format=r.format,
                revision=r.revision,
                created_at=r.created_at,
                created_by=r.created_by,
            )
            for r in rows
        ]

    def document_content(self, document_id: int) -> bytes | None:
        row = self.conn.execute(select(DOCUMENT.c.content).where(DOCUMENT.c.id == document_id)).first()
        return bytes(row.content) if row else None
