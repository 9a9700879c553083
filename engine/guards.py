"""Named guards: written in definitions by name, implemented once here.

A guard looks at the instance as it would be after the transition (current fields merged with the
input), the actor, ``now`` and the instance's deadlines; it returns ``None`` to allow or a sentence
saying why it refuses. Guards read nothing else except through ``linked_states``, which the service
answers inside the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from engine.definition import FieldSpec
from engine.fields import as_date
from engine.records import Person

LinkedStates = Callable[[str, str], Sequence[str]]
PersonOf = Callable[[str], Person | None]  # a directory entry by id (read in the step's transaction)


def no_directory(_: str) -> Person | None:
    """The directory of a step planned without one: nobody is found."""
    return None


@dataclass(frozen=True)
class GuardContext:
    """What a guard may look at."""

    values: Mapping[str, object]  # instance fields with the input applied
    input: Mapping[str, object]  # the fields given with the trigger (or the appended item)
    now: datetime
    deadlines: Mapping[str, datetime]  # name -> instant the deadline passes (end of its day, UTC)
    deadline_days: Mapping[str, date]  # name -> the deadline's calendar day
    linked_states: LinkedStates
    actor: Person
    today: date  # the local calendar day of ``now`` (the body's time zone)
    # ref field -> that instance's fields, and its ``state`` (``meeting.state``)
    related: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    before: Mapping[str, object] = field(default_factory=dict)  # the instance's fields before the step
    person_of: PersonOf = no_directory

    def value(self, name: str) -> object:
        """A field of the instance (``oc_date``) or of an instance it refers to (``meeting.start``)."""
        head, _, rest = name.partition(".")
        return self.related.get(head, {}).get(rest) if rest else self.values.get(name)


GuardFn = Callable[[Mapping[str, object], GuardContext], str | None]


@dataclass(frozen=True)
class GuardKind:
    """A guard's implementation and the arguments it takes (checked when a definition loads)."""

    fn: GuardFn
    args: Mapping[str, str]  # argument -> what it must name: deadline, field, values, states...
    summary: str


def _deadline(args: Mapping[str, object], ctx: GuardContext) -> datetime | None:
    return ctx.deadlines.get(str(args["deadline"]))


def _before(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    due = _deadline(args, ctx)
    if due is None:
        return f"deadline {args['deadline']} is not set (its date field is empty)"
    return None if ctx.now < due else f"the {args['deadline']} deadline passed at {due.isoformat()}"


def _after(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    due = _deadline(args, ctx)
    if due is None:
        return f"deadline {args['deadline']} is not set (its date field is empty)"
    return None if ctx.now >= due else f"the {args['deadline']} deadline has not passed yet ({due.isoformat()})"


def _values(args: Mapping[str, object]) -> list[object]:
    raw = args["values"]
    return list(raw) if isinstance(raw, list | tuple) else [raw]


def _field_in(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    name = str(args["field"])
    value = ctx.value(name)
    allowed = _values(args)
    return None if value in allowed else f"{name} is {value!r}, expected one of {allowed}"


def _field_not_in(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    name = str(args["field"])
    value = ctx.values.get(name)
    return f"{name} is {value!r}" if value in _values(args) else None


def _flag_only_before(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    flag = str(args["flag"])
    if not ctx.input.get(flag):
        return None
    due = _deadline(args, ctx)
    if due is not None and ctx.now >= due:
        return f"{flag} can only be asked before the {args['deadline']} deadline ({due.isoformat()})"
    return None


def _linked_all_in(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    states = _values({"values": args["states"]})
    pending = [s for s in ctx.linked_states(str(args["workflow"]), str(args["via"])) if s not in states]
    if pending:
        return f"{len(pending)} linked {args['workflow']} instance(s) are still in {sorted(set(pending))}"
    return None


def _present(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    name = str(args["field"])
    return None if ctx.values.get(name) not in (None, "", []) else f"{name} is not set"


def _given(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    names = [str(n) for n in _values({"values": args["fields"]})]
    missing = [n for n in names if ctx.input.get(n) in (None, "")]
    return None if not missing else f"the step must give {', '.join(missing)} (what is recorded may no longer hold)"


def _needs_when(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    name, needed = str(args["field"]), str(args["needs"])
    if ctx.values.get(name) not in _values(args) or ctx.values.get(needed) not in (None, "", []):
        return None
    return f"{needed} is needed when {name} is {ctx.values.get(name)}"


def _absent(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    name = str(args["field"])
    value = ctx.values.get(name)
    return None if value in (None, "", []) else f"{name} is set ({value})"


def _date_not_after(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    name, deadline = str(args["field"]), str(args["deadline"])
    value, limit = as_date(ctx.values.get(name)), ctx.deadline_days.get(deadline)
    if value is None or limit is None:
        return None  # nothing to compare yet; `requires` says which fields must be there
    return None if value <= limit else f"{name} {value.isoformat()} is after {deadline} ({limit.isoformat()})"


def _not_before_day(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    name = str(args["field"])
    day = as_date(ctx.value(name))
    if day is None:
        return f"{name} is not set"
    return None if ctx.today >= day else f"it is {ctx.today.isoformat()}, before {name} ({day.isoformat()})"


def _actor_represents(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    name = str(args["field"])
    wanted = ctx.values.get(name)
    if ctx.actor.member_state is not None and ctx.actor.member_state == wanted:
        return None
    represented = ctx.actor.member_state or "no Member State"
    return f"{ctx.actor.id} represents {represented}, not {wanted}"


def _present_with(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    name, other = str(args["field"]), str(args["with"])
    if ctx.values.get(other) in (None, "", []) or ctx.values.get(name) not in (None, "", []):
        return None
    return f"{name} is needed when {other} is given"


def _changes_one_of(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    names = _values({"values": args["fields"]})
    if any(ctx.values.get(str(n)) != ctx.before.get(str(n)) for n in names):
        return None
    now = ", ".join(f"{n} {ctx.before.get(str(n))}" for n in names)
    return f"the step must change {' or '.join(map(str, names))} (they are still {now})"


def _moves_later(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    name = str(args["field"])
    new, old = as_date(ctx.values.get(name)), as_date(ctx.before.get(name))
    if new is None:
        return f"{name} is not set"
    if old is not None and new <= old:
        return f"{name} {new.isoformat()} is not later than {old.isoformat()}"
    if new < ctx.today:
        return f"{name} {new.isoformat()} has already passed (today is {ctx.today.isoformat()})"
    return None


def _person_holds(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    name, roles = str(args["field"]), [str(r) for r in _values({"values": args["roles"]})]
    chosen = ctx.values.get(name)
    person = ctx.person_of(str(chosen)) if chosen else None
    if person is None:
        return None  # nobody chosen yet, or an unknown id: `requires` and the reference check say which
    if not set(person.roles) & set(roles):
        return f"{person.name} ({person.id}) is not a {' or '.join(r.replace('_', '-') for r in roles)}"
    return None


def _one_decision_per_option(args: Mapping[str, object], ctx: GuardContext) -> str | None:
    """Every option gets exactly one decision and nothing else does; decided ones are ordered 1..n."""
    key = str(args["key"])
    options = [str(i.get(key)) for i in _items(ctx.values.get(str(args["options"])))]
    decisions = _items(ctx.values.get(str(args["decisions"])))
    named = [str(d.get(key)) for d in decisions]
    unknown = sorted({n for n in named if n not in options})
    if unknown:
        verb = "is" if len(unknown) == 1 else "are"
        return f"{', '.join(unknown)} {verb} not among the options ({', '.join(options)})"
    twice = sorted({n for n in named if named.count(n) > 1})
    if twice:
        return f"{', '.join(twice)} {'has' if len(twice) == 1 else 'have'} more than one decision"
    missing = [o for o in options if o not in named]
    if missing:
        return f"no decision for {', '.join(missing)}: each option is decided, referred back or not taken"
    decided = str(args["decided"])
    orders = [d.get("order") for d in decisions if d.get("outcome") == decided]
    if sorted(o for o in orders if isinstance(o, int)) != list(range(1, len(orders) + 1)):
        shown = ", ".join("none" if o is None else str(o) for o in orders)
        return f"the topics decided need the orders 1 to {len(orders)}, each once (given: {shown})"
    if any(d.get("order") is not None for d in decisions if d.get("outcome") != decided):
        return "only a decided option has an order"
    return None


def _items(value: object) -> list[Mapping[str, object]]:
    return [i for i in value if isinstance(i, Mapping)] if isinstance(value, list) else []


GUARDS: Mapping[str, GuardKind] = {
    "before": GuardKind(_before, {"deadline": "deadline"}, "now is before the end of the deadline's day"),
    "after": GuardKind(_after, {"deadline": "deadline"}, "the deadline's day has ended"),
    "field_in": GuardKind(_field_in, {"field": "field", "values": "values"}, "a field has one of the values"),
    "field_not_in": GuardKind(_field_not_in, {"field": "field", "values": "values"}, "a field has none of the values"),
    "present": GuardKind(_present, {"field": "field"}, "a field is set"),
    "changes_one_of": GuardKind(
        _changes_one_of, {"fields": "fields"}, "the step changes at least one of the fields (postponing moves a date)"
    ),
    "moves_later": GuardKind(
        _moves_later, {"field": "field"}, "a date field moves later than it was, and not into the past"
    ),
    "person_holds": GuardKind(
        _person_holds, {"field": "field", "roles": "values"}, "the person a field names holds one of the roles"
    ),
    "needs_when": GuardKind(
        _needs_when,
        {"field": "field", "values": "values", "needs": "field"},
        "a field is set whenever another has one of the values (an option named when another is preferred)",
    ),
    "given": GuardKind(_given, {"fields": "fields"}, "the step itself gives the fields (not the values on record)"),
    "absent": GuardKind(_absent, {"field": "field"}, "a field is not set"),
    "present_with": GuardKind(
        _present_with, {"field": "field", "with": "field"}, "a field is set whenever another one is"
    ),
    "flag_only_before": GuardKind(
        _flag_only_before, {"flag": "field", "deadline": "deadline"}, "a yes/no input is only allowed before a deadline"
    ),
    "date_not_after": GuardKind(
        _date_not_after, {"field": "field", "deadline": "deadline"}, "a date field is on or before a deadline's day"
    ),
    "not_before_day": GuardKind(
        _not_before_day, {"field": "field"}, "today (in the body's time zone) is on or after a date field's day"
    ),
    "actor_represents": GuardKind(
        _actor_represents, {"field": "field"}, "the actor represents the Member State named in a field"
    ),
    "linked_all_in": GuardKind(
        _linked_all_in,
        {"workflow": "workflow", "via": "name", "states": "values"},
        "every instance linked through a ref field is in one of the states",
    ),
    "one_decision_per_option": GuardKind(
        _one_decision_per_option,
        {"options": "field", "decisions": "field", "key": "name", "decided": "name"},
        "each item of a list of options has exactly one decision in another list, and the decided ones are "
        "ordered 1..n",
    ),
}
# Guards whose field argument may name a field of a referenced instance (``meeting.start``).
READS_RELATED = frozenset({"not_before_day", "field_in"})
# The argument a guard takes when written in the short form `{before: contrib_untranslated}`.
SHORT_ARG: Mapping[str, str] = {
    "before": "deadline",
    "after": "deadline",
    "present": "field",
    "absent": "field",
    "not_before_day": "field",
    "moves_later": "field",
}


def field_exists(name: str, fields: Mapping[str, FieldSpec], item: Mapping[str, FieldSpec] | None) -> bool:
    """Whether a guard's field argument names a field of the instance or of the appended item."""
    return name in fields or (item is not None and name in item)
