"""The engine's public face: open a database, start and fire instances, read them back.

Every write runs in one database transaction (``Database.write``): the state change, its audit row,
linked-instance effects, timers and outbox rows commit together or not at all.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.catalogue import Catalogue, load_catalogue
from engine.clock import Clock, SystemClock, aware_utc
from engine.deadlines import deadline_days
from engine.definition import Definition
from engine.directory import validate_people
from engine.errors import (
    DefinitionChanged,
    DuplicateRow,
    InstanceNotFound,
    PersonNotFound,
)
from engine.loader import parse_definition
from engine.machine import CompiledWorkflow
from engine.records import AuditEntry, Document, Instance, Person, Timer
from engine.roles import SYSTEM_ACTOR, effective_roles
from engine.steps import StepRunner
from storage.db import DEFAULT_URL, Database
from storage.repository import Store


@dataclass(frozen=True)
class AllowedTrigger:
    """A trigger that can be fired from the instance's state, who may fire it, and whether this person may."""

    trigger: str
    dest: str
    roles: tuple[str, ...]
    permitted: bool


class Engine:
    """Workflow instances persisted in one database, driven by the definitions of one catalogue."""

    def __init__(self, database: Database, catalogue: Catalogue, clock: Clock | None = None) -> None:
        self.db = database
        self.catalogue = catalogue
        self.clock = clock or SystemClock()
        self._compiled: dict[str, CompiledWorkflow] = {}  # content hash -> shared machine
        self._definition_hash: dict[int, str] = {}  # definition row id -> content hash
        self._registered: dict[tuple[str, int], int] = {}  # (name, version) -> definition row id

    @classmethod
    def open(
        cls,
        url: str = DEFAULT_URL,
        *,
        workflows: Path | None = None,
        clock: Clock | None = None,
        catalogue: Catalogue | None = None,
    ) -> Engine:
        """Open (creating if new) the database at ``url`` with the shipped or given workflows."""
        database = Database(url)
        database.ensure_schema()
        return cls(database, catalogue or load_catalogue(workflows), clock)

    def close(self) -> None:
        self.db.dispose()

    # -- time -----------------------------------------------------------------------------------------

    def _now(self, now: datetime | None) -> datetime:
        return aware_utc(now, "now") if now is not None else aware_utc(self.clock.now())

    # -- definitions ----------------------------------------------------------------------------------

    def _register(self, store: Store, definition: Definition) -> int:
        key = (definition.name, definition.version)
        if key in self._registered:
            return self._registered[key]
        found = store.definition_row(definition.name, definition.version)
        if found is None:
            row_id = store.register_definition(
                definition.name,
                definition.version,
                definition.content_hash,
                definition.source,
                definition.text,
                aware_utc(self.clock.now()),
            )
        else:
            row_id, stored_hash = found
            if stored_hash != definition.content_hash:
                raise DefinitionChanged(
                    f"{definition.source} changed but still says version {definition.version}, which running "
                    f"instances use: give it version {definition.version + 1} to start new instances with it"
                )
        self._registered[key] = row_id
        self._definition_hash[row_id] = definition.content_hash
        self._compiled.setdefault(definition.content_hash, CompiledWorkflow(definition))
        return row_id

    def _workflow(self, store: Store, definition_id: int) -> CompiledWorkflow:
        content_hash = self._definition_hash.get(definition_id)
        if content_hash is None or content_hash not in self._compiled:
            text, source = store.definition_text(definition_id)
            definition = parse_definition(text, source, notice_ids=None)
            content_hash = definition.content_hash
            self._definition_hash[definition_id] = content_hash
            self._compiled.setdefault(content_hash, CompiledWorkflow(definition))
        return self._compiled[content_hash]

    def definition_of(self, instance: Instance | str) -> Definition:
        """The definition version an instance runs (not necessarily the file's current one)."""
        instance_id = instance if isinstance(instance, str) else instance.id
        with self.db.read() as conn:
            store = Store(conn)
            loaded = store.instance(instance_id)
            if loaded is None:
                raise InstanceNotFound(f"no instance '{instance_id}'")
            return self._workflow(store, loaded[1]).definition

    def definitions_in_use(self) -> list[tuple[str, int, str, int]]:
        with self.db.read() as conn:
            return Store(conn).definitions_in_use()

    # -- writes ---------------------------------------------------------------------------------------

    def _runner(self, store: Store, now: datetime) -> StepRunner:
        return StepRunner(
            store=store, catalogue=self.catalogue, compiled=self._workflow, register=self._register, now=now
        )

    def _actor(self, store: Store, actor: str | Person) -> Person:
        if isinstance(actor, Person):
            return actor
        if actor == SYSTEM_ACTOR.id:
            return SYSTEM_ACTOR
        person = store.person(actor)
        if person is None:
            raise PersonNotFound(
                f"no person '{actor}' in the directory (import people with `consultflow people import FILE.csv`)"
            )
        return person

    def start(
        self,
        workflow: str,
        actor: str | Person,
        fields: Mapping[str, object] | None = None,
        *,
        note: str | None = None,
        now: datetime | None = None,
    ) -> Instance:
        """Start an instance of ``workflow`` as ``actor``, with its initial fields."""
        at = self._now(now)
        with self.db.write() as conn:
            store = Store(conn)
            return self._runner(store, at).start(workflow, self._actor(store, actor), dict(fields or {}), note)

    def fire(
        self,
        instance_id: str,
        trigger: str,
        actor: str | Person,
        fields: Mapping[str, object] | None = None,
        *,
        note: str | None = None,
        now: datetime | None = None,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Instance:
        """Fire ``trigger`` on an instance as ``actor``; everything the step causes commits with it, or nothing."""
        at = self._now(now)
        try:
            with self.db.write() as conn:
                store = Store(conn)
                if idempotency_key is not None:
                    first = store.idempotent_result(idempotency_key)
                    if first is not None:
                        return _instance_from_data(first)
                result = self._runner(store, at).fire(
                    instance_id,
                    trigger,
                    self._actor(store, actor),
                    dict(fields or {}),
                    note,
                    expected_version=expected_version,
                )
                if idempotency_key is not None:
                    audit_id = store.last_audit_id(instance_id)
                    store.remember_idempotency(idempotency_key, instance_id, audit_id, _instance_data(result), at)
                return result
        except DuplicateRow:
            if idempotency_key is None:
                raise
            with self.db.read() as conn:  # a concurrent retry with the same key committed first
                first = Store(conn).idempotent_result(idempotency_key)
            if first is None:
                raise
            return _instance_from_data(first)

    # -- directory ------------------------------------------------------------------------------------

    def import_people(self, people: Iterable[Person]) -> tuple[int, int]:
        """Validate, then add or update directory entries in one transaction; returns (added, updated)."""
        checked = validate_people(people)
        with self.db.write() as conn:
            return Store(conn).upsert_people(checked)

    def people(self) -> list[Person]:
        with self.db.read() as conn:
            return Store(conn).people()

    def person(self, person_id: str) -> Person:
        with self.db.read() as conn:
            return self._actor(Store(conn), person_id)

    # -- reads ----------------------------------------------------------------------------------------

    def get(self, instance_id: str) -> Instance:
        with self.db.read() as conn:
            loaded = Store(conn).instance(instance_id)
        if loaded is None:
            raise InstanceNotFound(f"no instance '{instance_id}' (see `consultflow list`)")
        return loaded[0]

    def history(self, instance_id: str) -> list[AuditEntry]:
        with self.db.read() as conn:
            store = Store(conn)
            if store.instance(instance_id) is None:
                raise InstanceNotFound(f"no instance '{instance_id}'")
            return store.history(instance_id)

    def list(self, workflow: str | None = None, state: str | None = None, limit: int = 1000) -> builtins.list[Instance]:
        with self.db.read() as conn:
            return Store(conn).instances(workflow, state, limit)

    def linked(self, instance_id: str, via: str, workflow: str | None = None) -> builtins.list[Instance]:
        """Instances whose ref field ``via`` points to this one."""
        with self.db.read() as conn:
            store = Store(conn)
            found = [store.instance(i) for i, _ in store.linked(instance_id, via, workflow)]
        return [f[0] for f in found if f is not None]

    def timers(
        self, instance_id: str, statuses: tuple[str, ...] = ("pending", "fired", "skipped", "cancelled")
    ) -> builtins.list[Timer]:
        with self.db.read() as conn:
            return Store(conn).timers_of(instance_id, statuses)

    def deadlines(self, instance: Instance) -> dict[str, Any]:
        """Each named deadline's calendar day (local) for the instance's definition version."""
        return dict(deadline_days(self.definition_of(instance), instance.fields, self.catalogue.body))

    def can_see(self, instance: Instance, person: str | Person) -> bool:
        """Whether ``person`` may see the instance and its documents (the definition's ``visible_to``)."""
        who = person if isinstance(person, Person) else self.person(person)
        visible_to = self.definition_of(instance).visible_to
        return not visible_to or any(role in visible_to for role in who.roles)

    def allowed_triggers(self, instance: Instance, person: str | Person | None = None) -> builtins.list[AllowedTrigger]:
        """The triggers of the current state, the roles that may fire them, and whether ``person`` may."""
        definition = self.definition_of(instance)
        roles: tuple[str, ...] = ()
        if person is not None:
            who = person if isinstance(person, Person) else self.person(person)
            with self.db.read() as conn:
                runner = self._runner(Store(conn), self._now(None))
                related = {k: v.fields for k, v in runner.related(definition, instance.fields).items()}
            roles = effective_roles(who, definition, instance.fields, related)
        return [
            AllowedTrigger(
                t.trigger, instance.state if t.dest == "=" else t.dest, t.roles, any(r in roles for r in t.roles)
            )
            for t in definition.triggers_from(instance.state)
        ]

    # -- documents ------------------------------------------------------------------------------------

    def save_documents(
        self,
        instance_id: str,
        kind: str,
        symbol: str,
        language: str,
        contents: Mapping[str, bytes],
        actor: str,
        now: datetime | None = None,
    ) -> int:
        """Store one generation of a document (every format under one new revision); returns the revision."""
        at = self._now(now)
        with self.db.write() as conn:
            store = Store(conn)
            if store.instance(instance_id) is None:
                raise InstanceNotFound(f"no instance '{instance_id}'")
            revision = store.next_document_revision(instance_id, kind, language)
            for fmt, content in contents.items():
                store.insert_document(instance_id, kind, symbol, language, fmt, revision, content, at, actor)
            return revision

    def documents(self, instance_id: str) -> builtins.list[Document]:
        with self.db.read() as conn:
            return Store(conn).documents(instance_id)

    def document_content(self, document_id: int) -> bytes:
        with self.db.read() as conn:
            content = Store(conn).document_content(document_id)
        if content is None:
            raise InstanceNotFound(f"no document {document_id}")
        return content


def _instance_data(instance: Instance) -> dict[str, Any]:
    return {
        "id": instance.id,
        "workflow": instance.workflow,
        "definition_version": instance.definition_version,
        "definition_hash": instance.definition_hash,
        "state": instance.state,
        "fields": dict(instance.fields),
        "version": instance.version,
        "created_at": instance.created_at.isoformat(),
        "updated_at": instance.updated_at.isoformat(),
    }


def _instance_from_data(data: Mapping[str, Any]) -> Instance:
    return Instance(
        id=data["id"],
        workflow=data["workflow"],
        definition_version=data["definition_version"],
        definition_hash=data["definition_hash"],
        state=data["state"],
        fields=data["fields"],
        version=data["version"],
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
    )
