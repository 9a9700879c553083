"""A guard's refusal as a sentence in the reader's language.

The engine's ``GuardFailed`` says which guard refused in the engine's own terms ("'close' refused: 1
linked action_item instance(s) are still in ['open'] (rule linked_all_in)"); the desk finds that guard in
the definition and says it again with the labels of the deadline or field it names and the dates in the
reader's locale. A guard the catalogue has no sentence
for falls back to the engine's reason, never to nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from engine import Instance
from engine.definition import Definition, GuardSpec
from engine.errors import GuardFailed
from engine.fields import as_date
from web.labels import Words

QUOTES = {"en": "“{}”", "fr": "« {} »", "es": "«{}»", "ru": "«{}»", "ar": "«{}»", "zh": "“{}”"}

Day = Callable[[date], str]
LinkedStates = Callable[[str, str], list[str]]  # (workflow, via) -> states of the instances linked that way


@dataclass(frozen=True)
class RefusalContext:
    """What the sentences need: the instance, its definition and deadline days, words, and a day formatter."""

    instance: Instance
    definition: Definition
    deadlines: Mapping[str, date]
    words: Words
    day: Day
    linked_states: LinkedStates
    related: Mapping[str, Mapping[str, object]]  # ref field -> that instance's fields and ``state``


def guard_of(definition: Definition, trigger: str, state: str, error: GuardFailed) -> GuardSpec | None:
    spec = definition.transition(trigger, state)
    if spec is None:
        return None
    return next((g for g in spec.guards if g.describe() == error.guard), None)


def refusal(error: GuardFailed, ctx: RefusalContext) -> str:
    """The refusal in words; the engine's reason when no sentence fits."""
    guard = guard_of(ctx.definition, error.trigger, ctx.instance.state, error)
    sentence = _sentence(guard, ctx) if guard is not None else None
    return sentence or error.reason


def _field_word(name: str, ctx: RefusalContext) -> str:
    """A field's label; ``meeting.start`` reads as the meeting's label and the start's label."""
    head, _, rest = name.partition(".")
    wf = ctx.definition.name
    if not rest:
        return ctx.words.field(wf, head)
    target = ctx.definition.fields.get(head)
    inner = ctx.words.field(target.workflow, rest) if target is not None and target.workflow else rest
    return f"{ctx.words.field(wf, head)} — {inner}"


def _value_words(name: str, values: list[object], ctx: RefusalContext) -> list[str]:
    head, _, rest = name.partition(".")
    target = ctx.definition.fields.get(head)
    if rest == "state" and target is not None and target.workflow:
        return [ctx.words.state(target.workflow, str(v)) for v in values]
    return [ctx.words.value(ctx.definition.name, v) if v is not None else "—" for v in values]


def _current(name: str, ctx: RefusalContext) -> object:
    head, _, rest = name.partition(".")
    return ctx.related.get(head, {}).get(rest) if rest else ctx.instance.fields.get(head)


def _sentence(guard: GuardSpec, ctx: RefusalContext) -> str | None:
    args, words, wf = guard.args, ctx.words, ctx.definition.name
    if "deadline" in args and guard.name in ("before", "after", "flag_only_before", "date_not_after"):
        name = str(args["deadline"])
        due = ctx.deadlines.get(name)
        if due is None:
            return words.guard("unset_deadline", deadline=words.deadline(wf, name))
        extra = {"field": _field_word(str(args.get("field") or args.get("flag") or ""), ctx)}
        return words.guard(guard.name, deadline=words.deadline(wf, name), day=ctx.day(due), **extra)
    if guard.name in ("field_in", "field_not_in"):
        name = str(args["field"])
        raw = args["values"]
        values = list(raw) if isinstance(raw, list | tuple) else [raw]
        current = _current(name, ctx)
        quote = QUOTES.get(words.language, "“{}”")
        shown = " / ".join(quote.format(v) for v in _value_words(name, values, ctx))
        if name.endswith(".state") and guard.name == "field_in":
            record = words.field(wf, name.partition(".")[0])
            return words.guard("state_in", record=record, values=shown, value=_value_words(name, [current], ctx)[0])
        return words.guard(
            guard.name,
            field=_field_word(name, ctx),
            values=" / ".join(_value_words(name, values, ctx)),
            value=_value_words(name, [current], ctx)[0],
        )
    if guard.name == "not_before_day":
        name = str(args["field"])
        day = as_date(_current(name, ctx))
        if day is None:
            return words.guard("not_before_unset", field=_field_word(name, ctx))
        return words.guard(guard.name, field=_field_word(name, ctx), day=ctx.day(day))
    if guard.name == "linked_all_in":
        workflow = str(args["workflow"])
        raw = args["states"]
        done = set(raw) if isinstance(raw, list | tuple) else {raw}
        open_ = [s for s in ctx.linked_states(workflow, str(args["via"])) if s not in done]
        return words.guard(guard.name, count=len(open_), workflow=words.workflow(workflow))
    if guard.name == "needs_when":
        return words.guard(guard.name, field=_field_word(str(args["needs"]), ctx))
    if guard.name == "given":
        raw = args["fields"]
        names = list(raw) if isinstance(raw, list | tuple) else [raw]
        return words.guard(guard.name, field=", ".join(_field_word(str(n), ctx) for n in names))
    if guard.name in ("present", "absent", "actor_represents"):
        return words.guard(guard.name, field=_field_word(str(args["field"]), ctx))
    if guard.name == "present_with":
        field, other = _field_word(str(args["field"]), ctx), _field_word(str(args["with"]), ctx)
        return words.guard(guard.name, field=field, other=other)
    return words.guard(guard.name)  # a guard with a sentence of its own, or None
