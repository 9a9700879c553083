"""The engine's public face: start and fire instances, read them back, on a storage it is given.

Every write runs in one transaction (``Storage.write``): the step is planned in full first
(``engine.planning``), then written (``engine.execution``): state, audit row, linked-instance effects,
timers and outbox rows commit together or not at all. The application opens the storage (see
``consultflow.wiring``); the engine knows it only through the protocols of ``engine.ports``.
"""

from __future__ import annotations

import builtins
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.catalogue import Catalogue
from engine.clock import Clock, SystemClock, aware_utc
from engine.council_order import QueueEntry, queue_around, refuse_out_of_order
from engine.deadlines import deadline_days
from engine.definition import Definition, TransitionSpec
from engine.directory import validate_people
from engine.errors import DuplicateRow, FieldError, InstanceNotFound, KeyReused, NotAllowed
from engine.execution import execute, write_notices
from engine.invariants import check_touched
from engine.links import CONSULTATION, ESCALATION, TOPIC
from engine.notices import notice_context, recipient_data
from engine.planning import OutboxDraft, Planner, StepPlan, resolve_actor
from engine.ports import PendingDraft, PendingOutcome, PendingResponse, RecordReader, RecordStore, Storage, UnitOfWork
from engine.records import AuditEntry, Document, Instance, OutboxMessage, OutboxStatus, Person, Timer, TimerStatus
from engine.registry import DefinitionRegistry
from engine.responses import PUBLIC_PREFIX
from engine.roles import effective_roles
from engine.warnings import date_warnings


@dataclass(frozen=True)
class AllowedTrigger:
    """A trigger that can be fired from the instance's state, who may fire it, and whether this person may."""

    trigger: str
    dest: str
    roles: tuple[str, ...]
    permitted: bool


NoticeCheck = Callable[[Sequence[OutboxDraft]], None]


class Engine:
    """Workflow instances persisted in one storage, driven by the definitions of one catalogue."""

    def __init__(
        self,
        storage: Storage,
        catalogue: Catalogue,
        clock: Clock | None = None,
        *,
        notice_check: NoticeCheck | None = None,
    ) -> None:
        self.storage = storage
        self.catalogue = catalogue
        self.clock = clock or SystemClock()
        self.registry = DefinitionRegistry(catalogue, self.clock)
        # Renders and builds the notices a step writes, before they are written (the application wires the
        # mail layer in; raising NoticeUnsendable refuses the step). None: notices are only checked when sent.
        self.notice_check = notice_check

    def close(self) -> None:
        self.storage.dispose()

    # -- time -----------------------------------------------------------------------------------------

    def _now(self, now: datetime | None) -> datetime:
        return aware_utc(now, "now") if now is not None else aware_utc(self.clock.now())

    # -- planning on a transaction (also what timers use) -----------------------------------------------

    def planner(self, reader: RecordReader, now: datetime) -> Planner:
        """A planner reading through ``reader`` (one per transaction: it caches what it reads)."""
        return Planner(reader, self.catalogue, self.registry, aware_utc(now, "now"))

    def execute(
        self,
        plan: StepPlan,
        records: RecordStore,
        caused_by: int | None = None,
        *,
        registry: DefinitionRegistry | None = None,
    ) -> int:
        """Write a plan on a transaction's records; returns its audit row id.

        Then the cross-instance invariants of what it touched are checked on the same transaction: a
        consultation announced before its turn in Council's order raises OutOfOrder, a step that breaks
        another invariant raises InvariantBroken, and the caller's transaction writes nothing. ``registry``:
        where definition rows first written here are remembered (the engine's, unless it will be rolled back).
        """
        if self.notice_check is not None:
            drafts = [d for step in plan.walk() for d in step.notices]
            if drafts:
                self.notice_check(drafts)
        audit_id = execute(plan, records, (registry or self.registry).register, caused_by)
        touched = [step.after for step in plan.walk()]
        refuse_out_of_order(records, touched)  # a refusal of its own (exit 3), naming what must come first
        check_touched(records, touched)
        return audit_id

    # -- definitions ----------------------------------------------------------------------------------

    def definition_of(self, instance: Instance | str) -> Definition:
        """The definition version an instance runs (not necessarily the file's current one)."""
        instance_id = instance if isinstance(instance, str) else instance.id
        with self.storage.read() as unit:
            loaded = unit.records.instance(instance_id)
            if loaded is None:
                raise InstanceNotFound(f"no instance '{instance_id}'")
            return self.registry.compiled(unit.records, loaded[1]).definition

    def definitions_in_use(self) -> list[tuple[str, int, str, int]]:
        with self.storage.read() as unit:
            return unit.records.definitions_in_use()

    # -- writes ---------------------------------------------------------------------------------------

    def start(
        self,
        workflow: str,
        actor: str | Person,
        fields: Mapping[str, object] | None = None,
        *,
        note: str | None = None,
        message: str | None = None,
        now: datetime | None = None,
    ) -> Instance:
        """Start an instance of ``workflow`` as ``actor``, with its initial fields. ``note`` stays in the audit
        trail; ``message`` is shown to the recipients of the step's notices, as from the actor's role."""
        at = self._now(now)
        with self.storage.write() as unit:
            records = unit.records
            plan = self.planner(records, at).start(
                workflow, resolve_actor(records, actor), dict(fields or {}), note, message=message
            )
            self.execute(plan, records)
            # Read back: the stored definition row decides the version and hash the instance runs.
            stored = records.instance(plan.after.id)
            assert stored is not None  # written just above, in this transaction
            return stored[0]

    def fire(
        self,
        instance_id: str,
        trigger: str,
        actor: str | Person,
        fields: Mapping[str, object] | None = None,
        *,
        note: str | None = None,
        message: str | None = None,
        now: datetime | None = None,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Instance:
        """Fire ``trigger`` on an instance as ``actor``; everything the step causes commits with it, or nothing.
        ``note`` stays in the audit trail; ``message`` is shown to the recipients of the step's notices."""
        at = self._now(now)
        call = _call_of(idempotency_key, instance_id, trigger, actor, fields) if idempotency_key is not None else None
        try:
            with self.storage.write() as unit:
                records = unit.records
                if idempotency_key is not None:
                    first = records.idempotent_result(idempotency_key)
                    if first is not None:
                        return _first_result(idempotency_key, first, call)
                plan = self.planner(records, at).fire(
                    instance_id,
                    trigger,
                    actor,
                    dict(fields or {}),
                    note,
                    expected_version=expected_version,
                    message=message,
                )
                audit_id = self.execute(plan, records)
                if idempotency_key is not None:
                    result = {"instance": _instance_data(plan.after), "call": call}
                    records.remember_idempotency(idempotency_key, instance_id, audit_id, result, at)
                return plan.after
        except DuplicateRow:
            if idempotency_key is None:
                raise
            with self.storage.read() as unit:  # a concurrent retry with the same key committed first
                first = unit.records.idempotent_result(idempotency_key)
            if first is None:
                raise
            return _first_result(idempotency_key, first, call)

    # -- directory ------------------------------------------------------------------------------------

    def import_people(self, people: Iterable[Person]) -> tuple[int, int]:
        """Validate, then add or update directory entries in one transaction; returns (added, updated)."""
        checked = validate_people(people)
        with self.storage.write() as unit:
            return unit.records.upsert_people(checked)

    def people(self) -> list[Person]:
        with self.storage.read() as unit:
            return unit.records.people()

    def person(self, person_id: str) -> Person:
        with self.storage.read() as unit:
            return resolve_actor(unit.records, person_id)

    # -- reads ----------------------------------------------------------------------------------------

    def get(self, instance_id: str) -> Instance:
        with self.storage.read() as unit:
            loaded = unit.records.instance(instance_id)
        if loaded is None:
            raise InstanceNotFound(f"no instance '{instance_id}' (see `consultflow list`)")
        return loaded[0]

    def history(self, instance_id: str) -> list[AuditEntry]:
        with self.storage.read() as unit:
            if unit.records.instance(instance_id) is None:
                raise InstanceNotFound(f"no instance '{instance_id}'")
            return unit.records.history(instance_id)

    def list(self, workflow: str | None = None, state: str | None = None, limit: int = 1000) -> builtins.list[Instance]:
        with self.storage.read() as unit:
            return unit.records.instances(workflow, state, limit)

    def linked(self, instance_id: str, via: str, workflow: str | None = None) -> builtins.list[Instance]:
        """Instances whose ref field ``via`` points to this one."""
        with self.storage.read() as unit:
            records = unit.records
            found = [records.instance(i) for i, _ in records.linked(instance_id, via, workflow)]
        return [f[0] for f in found if f is not None]

    def timers(
        self, instance_id: str, statuses: tuple[TimerStatus, ...] = ("pending", "fired", "skipped", "cancelled")
    ) -> builtins.list[Timer]:
        with self.storage.read() as unit:
            return unit.records.timers_of(instance_id, statuses)

    def outbox(
        self, status: OutboxStatus | None = None, instance_id: str | None = None, limit: int = 1000
    ) -> builtins.list[OutboxMessage]:
        """Outbox rows, oldest first, optionally of one status or one instance."""
        with self.storage.read() as unit:
            return unit.records.outbox(status, instance_id, limit)

    def council_queue(self, instance: Instance) -> builtins.list[QueueEntry]:
        """Council's order around a topic, its consultation or its escalation: the topics decided in one
        guidance, in order, each with its latest consultation (empty when Council decided no order)."""
        if instance.workflow not in (TOPIC, CONSULTATION, ESCALATION):
            return []  # no read transaction for a meeting or an action item: they have no place in the order
        with self.storage.read() as unit:
            return queue_around(unit.records, instance)

    def deadlines(self, instance: Instance) -> dict[str, Any]:
        """Each named deadline's calendar day (local) for the instance's definition version."""
        return dict(deadline_days(self.definition_of(instance), instance.fields, self.catalogue.body))

    def warnings(self, instance: Instance, now: datetime | None = None) -> builtins.list[str]:
        """What is allowed but worth a second look in the instance's dates still ahead: a meeting or a
        deadline on a weekend or a holiday, dates a definition wants in order that are not."""
        body = self.catalogue.body
        today = body.calendar.local_date(self._now(now))
        return date_warnings(self.definition_of(instance), instance.fields, body, since=today)

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
            with self.storage.read() as unit:
                planner = self.planner(unit.records, self._now(None))
                related = {k: v.fields for k, v in planner.related(definition, instance.fields).items()}
            roles = effective_roles(who, definition, instance.fields, related)
        return [
            AllowedTrigger(
                t.trigger, instance.state if t.dest == "=" else t.dest, t.roles, any(r in roles for r in t.roles)
            )
            for t in _first_of_each(definition.triggers_from(instance.state))
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
        with self.storage.write() as unit:
            records = unit.records
            if records.instance(instance_id) is None:
                raise InstanceNotFound(f"no instance '{instance_id}'")
            revision = records.next_document_revision(instance_id, kind, language)
            for fmt, content in contents.items():
                records.insert_document(instance_id, kind, symbol, language, fmt, revision, content, at, actor)
            return revision

    def documents(self, instance_id: str) -> builtins.list[Document]:
        with self.storage.read() as unit:
            return unit.records.documents(instance_id)

    def document_content(self, document_id: int) -> bytes:
        with self.storage.read() as unit:
            content = unit.records.document_content(document_id)
        if content is None:
            raise InstanceNotFound(f"no document {document_id}")
        return content

    # -- dry runs -------------------------------------------------------------------------------------

    def preview(
        self,
        instance_id: str,
        trigger: str,
        actor: str | Person,
        fields: Mapping[str, object] | None = None,
        *,
        note: str | None = None,
        message: str | None = None,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> StepPlan:
        """The plan ``fire`` would write, and nothing written: the step is planned and written on a transaction
        that is then rolled back, so that it is refused exactly as ``fire`` would refuse it (roles, guards,
        notices that cannot be built, Council's order, invariants)."""

        at = self._now(now)
        # A registry of its own: a definition row first registered here is rolled back, so the shared
        # registry must not remember its id.
        scratch = DefinitionRegistry(self.catalogue, self.clock)
        try:
            with self.storage.write() as unit:
                records = unit.records
                plan = self.planner(records, at).fire(
                    instance_id,
                    trigger,
                    actor,
                    dict(fields or {}),
                    note,
                    expected_version=expected_version,
                    message=message,
                )
                self.execute(plan, records, registry=scratch)
                raise _RolledBack  # leaving the write transaction by an exception rolls it back
        except _RolledBack:
            return plan

    # -- responses of the public, confirmed by e-mail (issue 16) ----------------------------------------

    def request_public_response(
        self,
        consultation_id: str,
        respondent: Person,
        fields: Mapping[str, object],
        *,
        token_hash: str,
        manage_hash: str,
        ip_hash: str,
        links: Mapping[str, str],
        expires_at: datetime,
        replacing: str | None = None,
        now: datetime | None = None,
    ) -> PendingOutcome:
        """Keep a response of the public apart and queue N23 (the confirmation link) to its address.

        The response is first tried as the step its confirmation will fire (``preview``): values, state and
        deadline refuse it here, before anything is written. ``links`` (``confirm_link``, ``manage_link``) go
        into the notice; only the digests of their tokens are stored. ``replacing`` (a manage-link digest):
        that earlier response is withdrawn in the same transaction.
        """
        at = self._now(now)
        self.preview(consultation_id, "submit_response", respondent, fields, now=at)
        with self.storage.write() as unit:
            if replacing is not None:
                earlier = self._withdrawn(unit, replacing, at)
                if earlier.result not in ("withdrawn", "cancelled"):
                    return earlier
            unit.pending.add(
                PendingDraft(
                    consultation_id,
                    respondent.email,
                    respondent.name,
                    respondent.language,
                    dict(fields),
                    token_hash,
                    manage_hash,
                    ip_hash,
                    at,
                    aware_utc(expires_at, "expires_at"),
                )
            )
            item = {"name": respondent.name, **links, "expires_at": aware_utc(expires_at).isoformat()}
            self._queue_notice(unit, consultation_id, "N23", respondent, item, at)
            pending = unit.pending.by_token(token_hash)
        return PendingOutcome("queued", pending)

    def _queue_notice(
        self,
        unit: UnitOfWork,
        instance_id: str,
        notice_id: str,
        person: Person,
        item: Mapping[str, object],
        at: datetime,
    ) -> None:
        """One outbox row of ``notice_id`` for ``person`` (who need not be in the directory), checked as a step's."""
        loaded = unit.records.instance(instance_id)
        if loaded is None:
            raise InstanceNotFound(f"no instance '{instance_id}'")
        context = notice_context(
            self.catalogue.notices[notice_id], self.catalogue.body, loaded[0], {}, {}, person, None, None, at, item
        )
        draft = OutboxDraft(notice_id, person, False, {**context, "recipient": recipient_data(person, False)})
        if self.notice_check is not None:
            self.notice_check([draft])
        write_notices(unit.records, instance_id, [draft], at)

    def pending_response(
        self, *, token_hash: str | None = None, manage_hash: str | None = None
    ) -> PendingResponse | None:
        """The pending response a confirmation link (or a withdraw-or-replace link) names; nothing changed."""
        with self.storage.read() as unit:
            if token_hash is not None:
                return unit.pending.by_token(token_hash)
            return unit.pending.by_manage_token(manage_hash) if manage_hash is not None else None

    def public_requests_since(self, since: datetime, *, address: str | None = None, ip_hash: str | None = None) -> int:
        """How many responses the public page took since ``since`` from this address or client (for limits)."""
        with self.storage.read() as unit:
            return unit.pending.count_recent(aware_utc(since, "since"), address=address, ip_hash=ip_hash)

    def confirm_public_response(self, token_hash: str, now: datetime | None = None) -> PendingOutcome:
        """Follow a confirmation link: fire ``submit_response`` as the public respondent, once, before it expires.

        The link is marked used and the response appended in one transaction: a refused step (past the
        deadline) leaves the link unused and nothing written.
        """
        at = self._now(now)
        pending = self.pending_response(token_hash=token_hash)
        if pending is None:
            return PendingOutcome("unknown")
        try:
            with self.storage.write() as unit:
                if not unit.pending.set_status(pending.id, "confirmed", at, expected="pending"):
                    return PendingOutcome("used", pending)
                records = unit.records
                plan = self.planner(records, at).fire(
                    pending.consultation_id, "submit_response", public_person(pending), dict(pending.payload), None
                )  # first, so that a link followed after the deadline says so rather than that it expired
                if at > pending.expires_at:
                    raise _Expired
                self.execute(plan, records)
                return PendingOutcome("confirmed", pending, plan.after)
        except _Expired:
            return PendingOutcome("expired", pending)
        except NotAllowed as exc:
            return PendingOutcome("closed", pending, reason=str(exc))

    def withdraw_public_response(self, manage_hash: str, now: datetime | None = None) -> PendingOutcome:
        """Follow a withdraw link: fire ``withdraw_response`` as the respondent (a response not yet confirmed is
        only given up: nothing of it was recorded)."""
        at = self._now(now)
        try:
            with self.storage.write() as unit:
                return self._withdrawn(unit, manage_hash, at)
        except NotAllowed as exc:
            return PendingOutcome("closed", self.pending_response(manage_hash=manage_hash), reason=str(exc))

    def _withdrawn(self, unit: UnitOfWork, manage_hash: str, at: datetime) -> PendingOutcome:
        pending = unit.pending.by_manage_token(manage_hash)
        if pending is None:
            return PendingOutcome("unknown")
        if unit.pending.set_status(pending.id, "replaced", at, expected="pending"):
            return PendingOutcome("cancelled", pending)
        if not unit.pending.set_status(pending.id, "withdrawn", at, expected="confirmed"):
            return PendingOutcome("used", pending)
        records = unit.records
        plan = self.planner(records, at).fire(
            pending.consultation_id, "withdraw_response", public_person(pending), {}, None
        )
        self.execute(plan, records)
        return PendingOutcome("withdrawn", pending, plan.after)


class _RolledBack(Exception):
    """Raised to leave a write transaction that must write nothing (a preview)."""


class _Expired(Exception):
    """Leaves the write transaction of a confirmation whose link expired, which rolls it back."""


def public_person(pending: PendingResponse) -> Person:
    """The actor of a confirmed public response: ``public:ADDRESS``, with the role ``public``."""
    return Person(f"{PUBLIC_PREFIX}{pending.address}", pending.name, pending.address, pending.language, ("public",))


IDEMPOTENCY_KEY_MAX = 200  # characters, on every backend (the PostgreSQL column holds no more)


def _first_of_each(specs: Iterable[TransitionSpec]) -> builtins.list[TransitionSpec]:
    """One transition per trigger: of guarded alternatives, the first declared (which one is taken depends
    on the values given, so the others are not offered as separate steps)."""
    first: dict[str, TransitionSpec] = {}
    for spec in specs:
        first.setdefault(spec.trigger, spec)
    return builtins.list(first.values())


def _call_of(
    key: str, instance_id: str, trigger: str, actor: str | Person, fields: Mapping[str, object] | None
) -> dict[str, Any]:
    """What a fire with an idempotency key was asked to do: a retry must ask the same."""
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise FieldError(f"idempotency key: 1 to {IDEMPOTENCY_KEY_MAX} printable characters, got {len(key)}")
    given = json.dumps(dict(fields or {}), sort_keys=True, default=str)
    return {
        "instance": instance_id,
        "trigger": trigger,
        "actor": actor if isinstance(actor, str) else actor.id,
        "fields": hashlib.sha256(given.encode("utf-8", "surrogatepass")).hexdigest(),
    }


def _first_result(key: str, first: Mapping[str, Any], call: Mapping[str, Any] | None) -> Instance:
    """The first result of a call with this key, if this is the same call (rows written before calls were
    recorded hold the instance alone, and are returned as they are)."""
    if "call" not in first:
        return _instance_from_data(first)
    if call is not None and first["call"] != call:
        was, now = first["call"], call
        same_step = (was["trigger"], was["instance"]) == (now["trigger"], now["instance"])
        this = f"'{now['trigger']}' on {now['instance']}" + (" with other values or by another person" * same_step)
        raise KeyReused(key, f"'{was['trigger']}' on {was['instance']}", this)
    return _instance_from_data(first["instance"])


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
