"""Typed, frozen form of a workflow definition; ``engine.loader`` builds it from YAML and validates it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

FieldType = Literal["text", "link", "int", "bool", "date", "datetime", "enum", "person", "ref", "list"]
FIELD_TYPES: tuple[FieldType, ...] = (
    "text",
    "link",
    "int",
    "bool",
    "date",
    "datetime",
    "enum",
    "person",
    "ref",
    "list",
)
START = "(new)"
SAME_STATE = "="


Operator = Literal["equals", "one_of", "has"]


@dataclass(frozen=True)
class Clause:
    """One entry of a condition: a field, how it is compared, and the values it is compared with."""

    field: str
    operator: Operator
    values: tuple[object, ...] = ()

    def holds(self, values: Mapping[str, object]) -> bool:
        value = values.get(self.field)
        if self.operator == "has":
            return value not in (None, "", [])
        if self.operator == "one_of":
            return value in self.values
        return value == self.values[0]


@dataclass(frozen=True)
class Condition:
    """Clauses that must all hold; the empty condition always holds."""

    clauses: tuple[Clause, ...] = ()

    def holds(self, values: Mapping[str, object]) -> bool:
        return all(clause.holds(values) for clause in self.clauses)

    def __bool__(self) -> bool:
        return bool(self.clauses)


ALWAYS = Condition()
"""The empty condition (written nowhere, or ``{}``)."""


@dataclass(frozen=True)
class FieldSpec:
    """One typed field of an instance, or of an item of a list field."""

    name: str
    type: FieldType
    required: bool = False
    values: tuple[str, ...] = ()  # enum values
    workflow: str | None = None  # ref: the workflow the referenced instance runs
    item: Mapping[str, FieldSpec] = field(default_factory=dict)  # list: the schema of one item
    title: str = ""
    multiline: bool = False  # text that may hold line breaks (paragraphs; never put in mail headers)
    max_length: int | None = None  # characters (text, link) or items (list); None: the type's default
    # A value that belongs to one step (a reason): a step that does not give it clears it, so no notice or
    # `requires` ever takes the previous step's value for this one's.
    per_step: bool = False


@dataclass(frozen=True)
class DeadlineSpec:
    """A named deadline: a rule over an instance date, on the body's calendar."""

    name: str
    rule: str
    anchor: str
    offset: int
    unit: Literal["days", "working_days"]
    on_closed_day: Literal["keep", "earlier", "later"]


@dataclass(frozen=True)
class GuardSpec:
    """A named guard with its arguments, as written in the definition."""

    name: str
    args: Mapping[str, object]

    def describe(self) -> str:
        if not self.args:
            return self.name
        inner = ", ".join(f"{k}={v}" for k, v in self.args.items())
        return f"{self.name}({inner})"


@dataclass(frozen=True)
class Gather:
    """Start one instance whose list field ``into`` gets one item per linked instance (none: nothing starts)."""

    into: str
    fields: Mapping[str, object]  # item field -> "$item.x" (the linked instance) or a literal


@dataclass(frozen=True)
class EffectSpec:
    """A linked-instance effect: start instances or fire a trigger on linked ones, in the same transaction."""

    action: Literal["start", "fire"]
    target: str  # workflow to start, or trigger to fire
    fields: Mapping[str, object]  # values: literals or "$self.x" / "$item.x" expressions
    for_each: str | None = None  # one per item of this list field (fire: on the item's ref field `on`)
    linked: Mapping[str, object] | None = None  # {workflow, via, state}: instances whose ref `via` points here
    on: str | None = None  # fire on the instance named by this ref field (of the item, with for_each)
    gather: Gather | None = None  # start: one instance holding every linked instance as an item of a list
    where: Condition = field(default_factory=lambda: ALWAYS)  # which items / linked instances / when
    line: int = 0  # where the effect is written (for errors found when the workflows are linked)


@dataclass(frozen=True)
class OnlyBy:
    """Where a transition's decision is taken: on an instance of ``workflow`` whose ref ``via`` names this one."""

    workflow: str
    via: str


@dataclass(frozen=True)
class TransitionSpec:
    """A trigger from one or more source states to a destination (``=`` keeps the state)."""

    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    guards: tuple[GuardSpec, ...] = ()
    requires: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()
    append: str | None = None
    notices: tuple[str, ...] = ()
    effects: tuple[EffectSpec, ...] = ()
    title: str = ""
    only_by: OnlyBy | None = None  # a decision recorded elsewhere: fired only as an effect of that instance
    clears: tuple[str, ...] = ()  # optional fields the step empties (an acting chair withdrawn)

    @property
    def accepted_fields(self) -> tuple[str, ...]:
        return self.requires + tuple(f for f in self.sets if f not in self.requires)


@dataclass(frozen=True)
class TimerSpec:
    """A timer the instance holds while it is in one of ``active_in``: a reminder or a timed trigger."""

    key: str
    active_in: tuple[str, ...]
    deadline: str | None = None  # fires when that named deadline's day ends
    rule: str | None = None  # or: on the morning of the day this rule gives
    notice: str | None = None
    fire: str | None = None
    when: Condition = field(default_factory=lambda: ALWAYS)  # the instance's fields must meet it
    # The values a timed step gives: literals, "$self.FIELD" or "$deadline.NAME" (resolved when it fires).
    sets: Mapping[str, object] = field(default_factory=dict)

    @property
    def kind(self) -> Literal["reminder", "transition"]:
        return "transition" if self.fire else "reminder"


@dataclass(frozen=True)
class RoleClause:
    """One way an actor holds an instance role: a condition on the instance, then a role or a match."""

    when: Condition
    role: str | None = None  # holds the directory role
    member_state_field: str | None = None  # represents the Member State named in that field
    person_field: str | None = None  # is the person named in that field


@dataclass(frozen=True)
class DateConstraint:
    """Two dates of one instance in order: ``field`` is never before ``not_before`` (strictly after it with
    ``strict``) once both are known. A refusal names both; with ``warn`` a step that breaks the order is
    taken, with a warning (the dates may then be named deadlines too: the Chair's report due before the
    meeting it reports on)."""

    field: str
    not_before: str
    warn: bool = False
    strict: bool = False


@dataclass(frozen=True)
class Definition:
    """A whole workflow: fields, states, transitions, deadlines, timers; immutable once loaded."""

    name: str
    version: int
    title: Mapping[str, str]
    fields: Mapping[str, FieldSpec]
    states: tuple[str, ...]
    initial: str
    finals: frozenset[str]
    start: TransitionSpec
    transitions: tuple[TransitionSpec, ...]
    deadlines: Mapping[str, DeadlineSpec]
    timers: tuple[TimerSpec, ...]
    instance_roles: Mapping[str, tuple[RoleClause, ...]]
    acting_chair: str | None
    visible_to: tuple[str, ...]  # directory roles that may see instances and their documents; () = everyone
    constraints: tuple[DateConstraint, ...]
    source: str
    content_hash: str
    text: str

    def transitions_for(self, trigger: str) -> tuple[TransitionSpec, ...]:
        return tuple(t for t in self.transitions if t.trigger == trigger)

    def transition(self, trigger: str, state: str) -> TransitionSpec | None:
        """The first declaration of ``trigger`` from ``state`` (its alternatives share roles and fields)."""
        for spec in self.transitions:
            if spec.trigger == trigger and state in spec.sources:
                return spec
        return None

    def alternatives(self, trigger: str, state: str) -> tuple[TransitionSpec, ...]:
        """Every declaration of ``trigger`` from ``state``, in order: the first whose guards hold is taken
        (a reconvened meeting goes to the state its new dates imply)."""
        return tuple(t for t in self.transitions if t.trigger == trigger and state in t.sources)

    def triggers_from(self, state: str) -> tuple[TransitionSpec, ...]:
        return tuple(t for t in self.transitions if state in t.sources)

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.trigger for t in self.transitions))

    # Read on every step (stale reminders); worked out once per definition, which never changes once loaded.
    @cached_property
    def reminder_notices(self) -> tuple[str, ...]:
        """The notices this workflow's timers send (its reminders), sorted."""
        return tuple(sorted({t.notice for t in self.timers if t.notice is not None}))

    @cached_property
    def per_step_fields(self) -> tuple[str, ...]:
        """The fields a step that does not give them clears (reasons)."""
        return tuple(f.name for f in self.fields.values() if f.per_step)

    @cached_property
    def date_fields(self) -> frozenset[str]:
        """The fields holding a date or a date and time."""
        return frozenset(f.name for f in self.fields.values() if f.type in ("date", "datetime"))
