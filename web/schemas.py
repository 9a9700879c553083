"""The JSON the API takes and returns (pydantic models, published in the OpenAPI schema)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_serializer

from engine.timers import ScheduledTimer
from web.forms import FormField
from web.showable import showable_deep
from web.views import DeadlineItem, InstanceDetail, TriggerView

_STRICT = ConfigDict(extra="forbid")
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"  # workflow, trigger and state names
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # instance ids such as meeting_cycle-3f9c0a1b2d
Name = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NAME_PATTERN)]
Text = Annotated[str, StringConstraints(max_length=4000, pattern=r"^[^\x00]*$")]  # no NUL: PostgreSQL refuses it
Line = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]


class FromRecord(BaseModel):
    """An API model read straight from the engine record with the same field names."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, record: object) -> Self:
        return cls.model_validate(record)


class PersonOut(FromRecord):
    id: str
    name: str
    email: str
    language: str
    roles: list[str]
    member_state: str | None
    organisation: str | None


class InstanceOut(FromRecord):
    id: str
    workflow: str
    definition_version: int
    state: str
    version: int
    fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @field_serializer("fields")
    def _showable(self, fields: dict[str, Any]) -> dict[str, Any]:
        # Text stored before values were checked may not be valid Unicode: shown escaped, never a 500.
        shown: dict[str, Any] = showable_deep(fields)
        return shown


class FieldOut(BaseModel):
    """An input a step takes: name, type, whether required, the values of an enum."""

    name: str
    type: str
    required: bool
    values: list[str]
    title: str

    @classmethod
    def of(cls, f: FormField) -> FieldOut:
        return cls(name=f.name, type=f.type, required=f.required, values=list(f.values), title=f.title)


class TriggerOut(BaseModel):
    """A trigger of the current state; ``permitted`` says whether the caller may fire it."""

    trigger: str
    dest: str
    roles: list[str]
    permitted: bool
    fields: list[FieldOut]

    @classmethod
    def of(cls, t: TriggerView) -> TriggerOut:
        return cls(
            trigger=t.trigger,
            dest=t.dest,
            roles=list(t.roles),
            permitted=t.permitted,
            fields=[FieldOut.of(f) for f in t.fields],
        )


class TimerOut(FromRecord):
    id: int
    instance_id: str
    key: str
    kind: str
    due_at: datetime
    status: str
    rule: str
    notice: str | None
    trigger: str | None


class DocumentOut(FromRecord):
    id: int
    instance_id: str
    kind: str
    symbol: str
    language: str
    format: str
    revision: int
    created_at: datetime
    created_by: str


class InstanceDetailOut(BaseModel):
    """An instance with the triggers of its state (and which the caller may fire), deadlines, timers, documents."""

    instance: InstanceOut
    triggers: list[TriggerOut]
    deadlines: dict[str, date]
    timers: list[TimerOut]
    documents: list[DocumentOut]

    @classmethod
    def of(cls, d: InstanceDetail) -> InstanceDetailOut:
        return cls(
            instance=InstanceOut.of(d.instance),
            triggers=[TriggerOut.of(t) for t in d.triggers],
            deadlines=dict(d.deadlines),
            timers=[TimerOut.of(t) for t in d.timers],
            documents=[DocumentOut.of(x) for x in d.documents],
        )


class AuditOut(FromRecord):
    id: int
    at: datetime
    actor: str
    role: str
    member_state: str | None
    trigger: str
    from_state: str | None
    to_state: str
    note: str | None
    changes: dict[str, Any]
    caused_by: int | None


class FireIn(BaseModel):
    """A step to take: the trigger, its field values, a note, and optionally the version read and a retry key."""

    model_config = _STRICT
    trigger: Name
    fields: dict[str, Any] = Field(default_factory=dict)
    note: Text | None = None
    expected_version: int | None = Field(default=None, ge=0, le=2**31 - 1)
    idempotency_key: Line | None = None


class StartIn(BaseModel):
    """A new instance: its workflow, its initial fields and a note."""

    model_config = _STRICT
    workflow: Name
    fields: dict[str, Any] = Field(default_factory=dict)
    note: Text | None = None


class DeadlineOut(BaseModel):
    day: date
    name: str
    instance_id: str
    workflow: str
    state: str

    @classmethod
    def of(cls, d: DeadlineItem) -> DeadlineOut:
        return cls(
            day=d.day, name=d.name, instance_id=d.instance.id, workflow=d.instance.workflow, state=d.instance.state
        )


class ScheduledOut(BaseModel):
    timer: TimerOut
    workflow: str
    state: str
    overdue: bool

    @classmethod
    def of(cls, s: ScheduledTimer) -> ScheduledOut:
        return cls(timer=TimerOut.of(s.timer), workflow=s.workflow, state=s.state, overdue=s.overdue)


class UpcomingOut(BaseModel):
    """Named deadlines and scheduled timers of the instances the caller sees, and timers left overdue."""

    days: int
    deadlines: list[DeadlineOut]
    timers: list[ScheduledOut]
    overdue: list[ScheduledOut]


class OutboxMessageOut(FromRecord):
    id: int
    instance_id: str
    notice: str
    recipient_id: str
    to_email: str
    language: str
    for_information: bool
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


class OutboxOut(BaseModel):
    counts: dict[str, int]
    messages: list[OutboxMessageOut]


class ReportIn(BaseModel):
    """Generate the Chair's report in a language (all formats, one new revision)."""

    model_config = _STRICT
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
    symbol: Line | None = None


class ReportOut(BaseModel):
    revision: int
    symbol: str
    language: str
    documents: list[DocumentOut]


class TokenOut(FromRecord):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(BaseModel):
    model_config = _STRICT
    name: Line


class NewTokenOut(BaseModel):
    """A new token: the ``token`` is shown this once and never again."""

    id: int
    name: str
    token: str


class HealthOut(BaseModel):
    status: str


class ErrorOut(BaseModel):
    """What went wrong, in one line, and the kind of problem."""

    detail: str
    error: str
