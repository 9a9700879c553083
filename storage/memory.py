"""The storage port in memory: every store of ``engine.ports`` on plain Python data, with transactions.

For tests that exercise the engine without a database (the planner, long random walks through the
procedure): nothing survives the process, one writer at a time. A transaction works on the live data
and puts back a snapshot taken at its start if it fails, so a refused step leaves nothing behind, as it
does on SQL. It is no stand-in for the SQL stores' concurrency guarantees, which the integration tests
check on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from engine.errors import DuplicateRow
from engine.ports import PendingDraft, PendingResponse, PendingStatus
from engine.records import (
    ApiToken,
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


@dataclass
class _Data:
    """Everything stored: the tables of the SQL schema as dictionaries keyed by their primary keys."""

    definitions: dict[int, tuple[str, int, str, str, str]] = field(default_factory=dict)  # name, version, hash...
    people: dict[str, Person] = field(default_factory=dict)
    instances: dict[str, tuple[Instance, int]] = field(default_factory=dict)  # with the definition row id
    refs: dict[tuple[str, str], str] = field(default_factory=dict)  # (instance, field) -> target
    audit: dict[int, AuditEntry] = field(default_factory=dict)
    idempotency: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    timers: dict[int, Timer] = field(default_factory=dict)
    outbox: dict[int, OutboxMessage] = field(default_factory=dict)
    claims: dict[int, tuple[str, datetime]] = field(default_factory=dict)  # outbox id -> (token, until)
    documents: dict[int, tuple[Document, bytes]] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    session_generations: dict[str, int] = field(default_factory=dict)  # person id -> generation
    tokens: dict[int, tuple[ApiToken, str]] = field(default_factory=dict)  # with the token hash
    secrets: dict[str, str] = field(default_factory=dict)
    pending: dict[int, tuple[PendingResponse, str, str]] = field(default_factory=dict)  # with both link digests
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class MemoryRecords:
    """The engine's records (``RecordStore``) in memory."""

    def __init__(self, data: _Data) -> None:
        self.data = data

    # -- definitions ----------------------------------------------------------------------------------

    def definition_row(self, name: str, version: int) -> tuple[int, str] | None:
        for row_id, (n, v, content_hash, _, _) in self.data.definitions.items():
            if (n, v) == (name, version):
                return row_id, content_hash
        return None

    def register_definition(
        self, name: str, version: int, content_hash: str, source: str, text: str, now: datetime
    ) -> int:
        if self.definition_row(name, version) is not None:
            raise DuplicateRow(f"the database refused a duplicate: definition {name} v{version}")
        row_id = self.data.new_id()
        self.data.definitions[row_id] = (name, version, content_hash, source, text)
        return row_id

    def definition_text(self, definition_id: int) -> tuple[str, str]:
        _, _, _, source, text = self.data.definitions[definition_id]
        return text, source

    def definitions_in_use(self) -> list[tuple[str, int, str, int]]:
        counts = dict.fromkeys(self.data.definitions, 0)
        for _, definition_id in self.data.instances.values():
            counts[definition_id] += 1
        rows = [(n, v, h, counts[i]) for i, (n, v, h, _, _) in self.data.definitions.items()]
        return sorted(rows, key=lambda r: (r[0], r[1]))

    # -- directory ------------------------------------------------------------------------------------

    def upsert_people(self, people: Iterable[Person]) -> tuple[int, int]:
        added = updated = 0
        for person in people:
            if person.id in self.data.people:
                updated += 1
            else:
                added += 1
            self.data.people[person.id] = person
        return added, updated

    def person(self, person_id: str) -> Person | None:
        return self.data.people.get(person_id)

    def people(self) -> list[Person]:
        return [self.data.people[k] for k in sorted(self.data.people)]

    # -- instances ------------------------------------------------------------------------------------

    def insert_instance(
        self,
        instance_id: str,
        workflow: str,
        definition_id: int,
        state: str,
        fields: Mapping[str, object],
        now: datetime,
    ) -> None:
        if instance_id in self.data.instances:
            raise DuplicateRow(f"the database refused a duplicate: instance {instance_id}")
        _name, version, content_hash, _, _ = self.data.definitions[definition_id]
        instance = Instance(
            instance_id, workflow, version, content_hash, state, copy.deepcopy(dict(fields)), 1, now, now
        )
        self.data.instances[instance_id] = (instance, definition_id)

    def instance(self, instance_id: str, *, lock: bool = False) -> tuple[Instance, int] | None:
        return self.data.instances.get(instance_id)

    def advance_instance(
        self,
        instance_id: str,
        expected_version: int,
        fields: Mapping[str, object],
        audit: AuditDraft,
        caused_by: int | None,
    ) -> int | None:
        found = self.data.instances.get(instance_id)
        if found is None or found[0].version != expected_version:
            return None
        updated = replace(
            found[0],
            state=audit.to_state,
            fields=copy.deepcopy(dict(fields)),
            version=expected_version + 1,
            updated_at=audit.at,
        )
        self.data.instances[instance_id] = (updated, found[1])
        return self.insert_audit(instance_id, audit, caused_by, updated.version)

    def instances(self, workflow: str | None = None, state: str | None = None, limit: int = 1000) -> list[Instance]:
        found = [
            i
            for i, _ in self.data.instances.values()
            if (workflow is None or i.workflow == workflow) and (state is None or i.state == state)
        ]
        return sorted(found, key=lambda i: (i.created_at, i.id))[:limit]

    def set_refs(self, instance_id: str, refs: Mapping[str, str | None]) -> None:
        for name, target in refs.items():
            self.data.refs.pop((instance_id, name), None)
            if target:
                self.data.refs[(instance_id, name)] = target

    def linked(
        self, target_id: str, via: str, workflow: str | None = None, state: str | None = None
    ) -> list[tuple[str, str]]:
        found = [
            self.data.instances[source][0]
            for (source, name), target in self.data.refs.items()
            if name == via and target == target_id
        ]
        found = [
            i for i in found if (workflow is None or i.workflow == workflow) and (state is None or i.state == state)
        ]
        return [(i.id, i.state) for i in sorted(found, key=lambda i: (i.created_at, i.id))]

    # -- audit and idempotency --------------------------------------------------------------------------

    def insert_audit(self, instance_id: str, audit: AuditDraft, caused_by: int | None, version: int) -> int:
        audit_id = self.data.new_id()
        self.data.audit[audit_id] = AuditEntry(
            audit_id,
            instance_id,
            audit.at,
            audit.actor.id,
            audit.role,
            audit.actor.member_state,
            audit.trigger,
            audit.from_state,
            audit.to_state,
            audit.note,
            copy.deepcopy(dict(audit.changes)),
            caused_by,
        )
        return audit_id

    def history(self, instance_id: str) -> list[AuditEntry]:
        return [a for _, a in sorted(self.data.audit.items()) if a.instance_id == instance_id]

    def idempotent_result(self, key: str) -> Mapping[str, Any] | None:
        return self.data.idempotency.get(key)

    def remember_idempotency(
        self, key: str, instance_id: str, audit_id: int, result: Mapping[str, Any], now: datetime
    ) -> None:
        if key in self.data.idempotency:
            raise DuplicateRow(f"the database refused a duplicate: idempotency key {key}")
        self.data.idempotency[key] = copy.deepcopy(dict(result))

    # -- timers -----------------------------------------------------------------------------------------

    def timers_of(self, instance_id: str, statuses: Sequence[TimerStatus] = ("pending",)) -> list[Timer]:
        found = [t for t in self.data.timers.values() if t.instance_id == instance_id and t.status in statuses]
        return sorted(found, key=lambda t: (t.due_at, t.id))

    def insert_timers(self, rows: Sequence[Mapping[str, object]]) -> None:
        for row in rows:
            timer_id = self.data.new_id()
            values = {k: v for k, v in row.items() if k != "created_at"}
            self.data.timers[timer_id] = Timer(id=timer_id, **values)  # type: ignore[arg-type]

    def cancel_timers(self, instance_id: str, keys: Sequence[tuple[str, datetime]], now: datetime, detail: str) -> None:
        wanted = set(keys)
        for timer_id, t in list(self.data.timers.items()):
            if t.instance_id == instance_id and t.status == "pending" and (t.key, t.due_at) in wanted:
                self.data.timers[timer_id] = replace(t, status="cancelled", fired_at=now, detail=detail)

    # -- outbox and documents ---------------------------------------------------------------------------

    def insert_outbox(self, rows: Sequence[Mapping[str, object]]) -> None:
        for row in rows:
            message_id = self.data.new_id()
            values = {k: v for k, v in row.items() if k not in ("audit_id", "timer_id")}
            self.data.outbox[message_id] = OutboxMessage(id=message_id, **values)  # type: ignore[arg-type]

    def supersede_outbox(self, instance_id: str, notices: Sequence[str], reason: str) -> int:
        wanted, count = set(notices), 0
        for message_id, m in list(self.data.outbox.items()):
            if m.instance_id == instance_id and m.status == "pending" and m.notice in wanted:
                self.data.outbox[message_id] = replace(m, status="superseded", last_error=reason[:2000])
                count += 1
        return count

    def outbox(
        self, status: OutboxStatus | None = None, instance_id: str | None = None, limit: int = 1000
    ) -> list[OutboxMessage]:
        found = [
            m
            for _, m in sorted(self.data.outbox.items())
            if (status is None or m.status == status) and (instance_id is None or m.instance_id == instance_id)
        ]
        return found[:limit]

    def next_document_revision(self, instance_id: str, kind: str, language: str) -> int:
        revisions = [
            d.revision
            for d, _ in self.data.documents.values()
            if (d.instance_id, d.kind, d.language) == (instance_id, kind, language)
        ]
        return max(revisions, default=0) + 1

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
        document_id = self.data.new_id()
        document = Document(document_id, instance_id, kind, symbol, language, fmt, revision, now, actor)
        self.data.documents[document_id] = (document, bytes(content))
        return document_id

    def documents(self, instance_id: str) -> list[Document]:
        found = [d for d, _ in self.data.documents.values() if d.instance_id == instance_id]
        found.sort(key=lambda d: d.format)
        found.sort(key=lambda d: d.revision, reverse=True)
        return sorted(found, key=lambda d: (d.kind, d.language))

    def document_content(self, document_id: int) -> bytes | None:
        found = self.data.documents.get(document_id)
        return found[1] if found else None


class MemoryTimerQueue:
    """The timer queue (``TimerQueue``) in memory; one writer at a time, so a claim is a status change."""

    def __init__(self, data: _Data) -> None:
        self.data = data

    def _due(self, now: datetime, exclude: Sequence[int] = ()) -> list[Timer]:
        due = [
            t for t in self.data.timers.values() if t.status == "pending" and t.due_at <= now and t.id not in exclude
        ]
        return sorted(due, key=lambda t: (t.due_at, t.id))

    def _take(self, timer: Timer, now: datetime) -> Timer:
        taken = replace(timer, status="fired", fired_at=now)
        self.data.timers[timer.id] = taken
        return taken

    def claim(self, timer_id: int, now: datetime) -> Timer | None:
        timer = self.data.timers.get(timer_id)
        if timer is None or timer.status != "pending" or timer.due_at > now:
            return None
        return self._take(timer, now)

    def claim_batch(self, now: datetime, limit: int, exclude: Sequence[int] = ()) -> list[Timer]:
        return [self._take(t, now) for t in self._due(now, exclude)[:limit]]

    def settle(self, results: Sequence[tuple[int, TimerStatus, str]]) -> None:
        for timer_id, status, detail in results:
            self.data.timers[timer_id] = replace(self.data.timers[timer_id], status=status, detail=detail)

    def note_failure(self, timer_id: int, detail: str) -> None:
        timer = self.data.timers.get(timer_id)
        if timer is not None and timer.status == "pending":
            self.data.timers[timer_id] = replace(timer, detail=detail[:2000])

    def timer(self, timer_id: int) -> Timer | None:
        return self.data.timers.get(timer_id)

    def instances(self, ids: Sequence[str]) -> dict[str, tuple[Instance, int]]:
        return {i: self.data.instances[i] for i in set(ids) if i in self.data.instances}

    def pending_count(self) -> int:
        return sum(1 for t in self.data.timers.values() if t.status == "pending")

    def next_due(self, after: datetime | None = None) -> datetime | None:
        due = [
            t.due_at for t in self.data.timers.values() if t.status == "pending" and (after is None or t.due_at > after)
        ]
        return min(due, default=None)

    def listing(
        self, since: datetime | None, until: datetime, statuses: Sequence[TimerStatus]
    ) -> list[tuple[Timer, str, str]]:
        found = [
            t
            for t in self.data.timers.values()
            if t.status in statuses and t.due_at <= until and (since is None or t.due_at >= since)
        ]
        rows = []
        for t in sorted(found, key=lambda t: (t.due_at, t.id)):
            instance = self.data.instances[t.instance_id][0]
            rows.append((t, instance.workflow, instance.state))
        return rows


class MemoryOutboxQueue:
    """The outbox queue (``OutboxQueue``) in memory, with leases as on SQL."""

    def __init__(self, data: _Data) -> None:
        self.data = data

    def _mine(self, message_id: int, token: str) -> OutboxMessage | None:
        message = self.data.outbox.get(message_id)
        claim = self.data.claims.get(message_id)
        if message is None or claim is None or claim[0] != token or message.status != "pending":
            return None
        return message

    def claim(self, token: str, now: datetime, limit: int, lease: timedelta) -> list[OutboxMessage]:
        free = [
            m
            for m in self.data.outbox.values()
            if m.status == "pending"
            and m.next_attempt_at <= now
            and (m.id not in self.data.claims or self.data.claims[m.id][1] < now)
        ]
        taken = sorted(free, key=lambda m: (m.next_attempt_at, m.id))[:limit]
        for message in taken:
            self.data.claims[message.id] = (token, now + lease)
        return taken

    def mark_sent(self, message_id: int, token: str, now: datetime) -> bool:
        message = self._mine(message_id, token)
        if message is None:
            return False
        self.data.outbox[message_id] = replace(
            message, status="sent", sent_at=now, attempts=message.attempts + 1, last_error=None
        )
        self.data.claims.pop(message_id)
        return True

    def mark_retry(self, message_id: int, token: str, next_attempt_at: datetime, error: str) -> bool:
        message = self._mine(message_id, token)
        if message is None:
            return False
        self.data.outbox[message_id] = replace(
            message, attempts=message.attempts + 1, next_attempt_at=next_attempt_at, last_error=error[:2000]
        )
        self.data.claims.pop(message_id)
        return True

    def mark_failed(self, message_id: int, token: str, error: str) -> bool:
        message = self._mine(message_id, token)
        if message is None:
            return False
        self.data.outbox[message_id] = replace(
            message, status="failed", attempts=message.attempts + 1, last_error=error[:2000]
        )
        self.data.claims.pop(message_id)
        return True

    def release(self, message_ids: Sequence[int], token: str) -> None:
        for message_id in message_ids:
            if self._mine(message_id, token) is not None:
                self.data.claims.pop(message_id)

    def retry(self, message_id: int, now: datetime) -> bool:
        message = self.data.outbox.get(message_id)
        if message is None or message.status != "failed":
            return False
        self.data.outbox[message_id] = replace(message, status="pending", next_attempt_at=now)
        self.data.claims.pop(message_id, None)
        return True

    def get(self, message_id: int) -> OutboxMessage | None:
        return self.data.outbox.get(message_id)

    def next_due(self) -> datetime | None:
        return min((m.next_attempt_at for m in self.data.outbox.values() if m.status == "pending"), default=None)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for message in self.data.outbox.values():
            counts[message.status] = counts.get(message.status, 0) + 1
        return counts

    def page(
        self,
        *,
        status: OutboxStatus | None = None,
        notice: str | None = None,
        recipients: Sequence[str] | None = None,
        written_from: datetime | None = None,
        written_before: datetime | None = None,
        before_id: int | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> list[OutboxMessage]:
        kept = [
            m
            for m in self.data.outbox.values()
            if (status is None or m.status == status)
            and (notice is None or m.notice == notice)
            and (recipients is None or m.recipient_id in recipients)
            and (written_from is None or m.created_at >= written_from)
            and (written_before is None or m.created_at < written_before)
            and (before_id is None or m.id < before_id)
        ]
        kept.sort(key=lambda m: m.id, reverse=True)
        return kept[max(offset, 0) : max(offset, 0) + max(limit, 0)]


class MemoryAccounts:
    """Web accounts (``AccountStore``) in memory."""

    def __init__(self, data: _Data) -> None:
        self.data = data

    def set_password_hash(self, person_id: str, password_hash: str, now: datetime) -> bool:
        created = person_id not in self.data.passwords
        self.data.passwords[person_id] = password_hash
        generations = self.data.session_generations
        generations[person_id] = 0 if created else generations.get(person_id, 0) + 1
        return created

    def password_hash(self, person_id: str) -> str | None:
        return self.data.passwords.get(person_id)

    def session_state(self, person_id: str) -> tuple[str, int] | None:
        stored = self.data.passwords.get(person_id)
        return None if stored is None else (stored, self.data.session_generations.get(person_id, 0))

    def end_sessions(self, person_id: str, now: datetime) -> bool:
        if person_id not in self.data.passwords:
            return False
        self.data.session_generations[person_id] = self.data.session_generations.get(person_id, 0) + 1
        return True

    def with_accounts(self) -> set[str]:
        return set(self.data.passwords)

    def add_token(self, person_id: str, name: str, token_hash: str, now: datetime) -> int:
        token_id = self.data.new_id()
        self.data.tokens[token_id] = (ApiToken(token_id, person_id, name, now), token_hash)
        return token_id

    def active_token(self, token_hash: str) -> ApiToken | None:
        return next((t for t, h in self.data.tokens.values() if h == token_hash and t.active), None)

    def touch_token(self, token_id: int, now: datetime) -> None:
        token, digest = self.data.tokens[token_id]
        self.data.tokens[token_id] = (replace(token, last_used_at=now), digest)

    def tokens(self, person_id: str) -> list[ApiToken]:
        return [t for _, (t, _) in sorted(self.data.tokens.items()) if t.person_id == person_id]

    def revoke_token(self, token_id: int, person_id: str, now: datetime) -> bool:
        found = self.data.tokens.get(token_id)
        if found is None or found[0].person_id != person_id or not found[0].active:
            return False
        self.data.tokens[token_id] = (replace(found[0], revoked_at=now), found[1])
        return True

    def secret(self, name: str) -> str | None:
        return self.data.secrets.get(name)

    def add_secret(self, name: str, value: str, now: datetime) -> None:
        if name in self.data.secrets:
            raise DuplicateRow(f"the database refused a duplicate: secret {name}")
        self.data.secrets[name] = value


class MemoryPending:
    """Responses of the public awaiting confirmation (``PendingResponses``) in memory."""

    def __init__(self, data: _Data) -> None:
        self.data = data

    def add(self, draft: PendingDraft) -> int:
        links = (draft.token_hash, draft.manage_hash)
        if any(link in (t, m) for link in links for _, t, m in self.data.pending.values()):
            raise DuplicateRow("the database refused a duplicate: pending response link")
        pending_id = self.data.new_id()
        record = PendingResponse(
            pending_id, draft.consultation_id, draft.address, draft.name, draft.language, dict(draft.payload),
            "pending", draft.created_at, draft.expires_at, ip_hash=draft.ip_hash,
        )  # fmt: skip
        self.data.pending[pending_id] = (record, *links)
        return pending_id

    def by_token(self, token_hash: str) -> PendingResponse | None:
        return next((p for p, t, _ in self.data.pending.values() if t == token_hash), None)

    def by_manage_token(self, manage_hash: str) -> PendingResponse | None:
        return next((p for p, _, m in self.data.pending.values() if m == manage_hash), None)

    def set_status(self, pending_id: int, status: PendingStatus, now: datetime, *, expected: PendingStatus) -> bool:
        found = self.data.pending.get(pending_id)
        if found is None or found[0].status != expected:
            return False
        self.data.pending[pending_id] = (replace(found[0], status=status, changed_at=now), found[1], found[2])
        return True

    def count_recent(self, since: datetime, *, address: str | None = None, ip_hash: str | None = None) -> int:
        return sum(
            1
            for p, _, _ in self.data.pending.values()
            if p.created_at >= since
            and (address is None or p.address == address)
            and (ip_hash is None or p.ip_hash == ip_hash)
        )


class MemoryUnit:
    """One transaction on the memory storage."""

    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage
        data = storage.data
        self.records = MemoryRecords(data)
        self.timers = MemoryTimerQueue(data)
        self.outbox = MemoryOutboxQueue(data)
        self.accounts = MemoryAccounts(data)
        self.pending = MemoryPending(data)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        with self._storage.rollback_on_error():
            yield


class MemoryStorage:
    """``engine.ports.Storage`` in memory: transactions one at a time, rolled back whole on error."""

    def __init__(self) -> None:
        self.data = _Data()
        self._lock = threading.RLock()

    @contextmanager
    def rollback_on_error(self) -> Iterator[None]:
        snapshot = copy.deepcopy(self.data)
        try:
            yield
        except BaseException:
            self.data.__dict__.update(snapshot.__dict__)  # the stores hold self.data: restore it in place
            raise

    @contextmanager
    def write(self) -> Iterator[MemoryUnit]:
        with self._lock, self.rollback_on_error():
            yield MemoryUnit(self)

    @contextmanager
    def read(self) -> Iterator[MemoryUnit]:
        with self._lock:
            yield MemoryUnit(self)

    def dispose(self) -> None:
        """Nothing to close."""
