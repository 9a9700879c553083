"""Writing a plan: one function, on one unit of work, in the order the plan gives.

For each step: the instance and its audit row (inserted, or updated if its version is still the one planned
on; otherwise ``Conflict``), the refs, the timers, the outbox rows; then the steps it causes, each with
``caused_by`` pointing at this step's audit row. The caller's transaction makes it all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from engine.definition import Definition
from engine.errors import Conflict
from engine.planning import OutboxDraft, StepPlan
from engine.ports import RecordStore

DefinitionIds = Callable[[RecordStore, Definition], int]


def execute(plan: StepPlan, records: RecordStore, definition_id: DefinitionIds, caused_by: int | None = None) -> int:
    """Write ``plan`` and the plans it causes; returns the audit row id of its own step."""
    after, audit = plan.after, plan.audit
    if plan.before is None:
        records.insert_instance(
            after.id, after.workflow, definition_id(records, plan.definition), after.state, after.fields, audit.at
        )
        audit_id = records.insert_audit(after.id, audit, caused_by, after.version)
    else:
        advanced = records.advance_instance(after.id, plan.before.version, after.fields, audit, caused_by)
        if advanced is None:
            raise Conflict(after.id, plan.before.version, None)
        audit_id = advanced
    if plan.refs:
        records.set_refs(after.id, plan.refs)
    if plan.timers.cancel:
        records.cancel_timers(after.id, plan.timers.cancel, audit.at, plan.timers.reason)
    if plan.timers.add:
        records.insert_timers(
            [
                {
                    "instance_id": after.id,
                    "key": t.key,
                    "kind": t.kind,
                    "due_at": t.due_at,
                    "status": "pending",
                    "rule": t.rule,
                    "notice": t.notice,
                    "trigger": t.trigger,
                    "created_at": audit.at,
                }
                for t in plan.timers.add
            ]
        )
    if plan.stale_reminders:
        records.supersede_outbox(
            after.id, plan.stale_reminders, f"superseded by {audit.trigger} (#{audit_id}): it no longer fits the record"
        )
    write_notices(records, after.id, plan.notices, audit.at, audit_id=audit_id)
    for effect in plan.effects:
        execute(effect, records, definition_id, caused_by=audit_id)
    return audit_id


def write_notices(
    records: RecordStore,
    instance_id: str,
    drafts: Sequence[OutboxDraft],
    now: datetime,
    *,
    audit_id: int | None = None,
    timer_id: int | None = None,
) -> int:
    """One outbox row per draft, due now; returns how many."""
    records.insert_outbox(
        [
            {
                "instance_id": instance_id,
                "audit_id": audit_id,
                "timer_id": timer_id,
                "notice": d.notice,
                "recipient_id": d.recipient.id,
                "to_email": d.recipient.email,
                "to_name": d.recipient.name,
                "language": d.recipient.language,
                "for_information": d.for_information,
                "context": dict(d.context),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for d in drafts
        ]
    )
    return len(drafts)
