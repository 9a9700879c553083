"""Which steps the desk offers on an instance, and why not the others: each step the person's roles allow is
planned as a dry run (the engine's planner on a read transaction, nothing written) to learn whether its
guards let it happen now and which notices it would send to how many people.

A step whose inputs are still empty cannot be planned to the end (the engine first asks for them); it is
offered, and its guards are tried when it is submitted. A guard that reads an input (a flag, an item's
kind) is not taken as a refusal of the empty form either.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from engine import Engine, Instance, Person
from engine.catalogue import Catalogue
from engine.definition import Definition, TransitionSpec
from engine.errors import ConsultflowError, DecidedElsewhere, FieldError, GuardFailed
from engine.planning import OutboxDraft, Planner, StepPlan
from notifications.context import check_context
from notifications.rendering import render_notice
from web.labels import Words
from web.refusals import Day, RefusalContext, guard_of, refusal

# Recipients that reach a whole group: a step sending to one of them asks for confirmation first.
BROADCAST = frozenset({"member_state", "stakeholder", "council", "vice_chair"})
# Steps that end or undo a record: styled and worded as such, and confirmed.
DESTRUCTIVE = frozenset({"cancel", "withdraw"})


@dataclass(frozen=True)
class NoticeSummary:
    """One notice a step would send: to how many people, in which languages, and one rendered example."""

    notice: str
    label: str
    count: int
    languages: tuple[tuple[str, int], ...]
    subject: str = ""
    text: str = ""


@dataclass(frozen=True)
class Check:
    """Whether a step can be taken now (``reason`` when not) and what it would send, if known."""

    possible: bool
    reason: str = ""
    notices: tuple[NoticeSummary, ...] = ()


def broadcasts(catalogue: Catalogue, spec: TransitionSpec | None) -> bool:
    """Whether the step sends a notice to a whole group (every Member State, every stakeholder...)."""
    if spec is None:
        return False
    return any(set(catalogue.notices[n].to) & BROADCAST for n in spec.notices if n in catalogue.notices)


def needs_confirmation(catalogue: Catalogue, definition: Definition, trigger: str, state: str) -> bool:
    return trigger in DESTRUCTIVE or broadcasts(catalogue, definition.transition(trigger, state))


def _summaries(plan: StepPlan, words: Words) -> tuple[NoticeSummary, ...]:
    drafts: dict[str, list[OutboxDraft]] = {}
    for step in plan.walk():
        for draft in step.notices:
            drafts.setdefault(draft.notice, []).append(draft)
    found = []
    for notice, group in drafts.items():
        languages = Counter(d.recipient.language for d in group)
        example = next((d for d in group if d.recipient.language == words.language and not d.for_information), None)
        subject, text = _example(example or group[0])
        found.append(
            NoticeSummary(notice, words.notice(notice), len(group), tuple(sorted(languages.items())), subject, text)
        )
    return tuple(found)


def _example(draft: OutboxDraft) -> tuple[str, str]:
    """The subject and text one recipient would get (as the dispatcher renders it), or nothing if it fails."""
    try:
        context = check_context(json.loads(json.dumps(draft.context, default=str)))
        rendered = render_notice(draft.notice, draft.recipient.language, context)
    except (ConsultflowError, ValueError, TypeError):
        return "", ""
    return rendered.subject, rendered.text


def _reads_input(definition: Definition, trigger: str, state: str, error: GuardFailed) -> bool:
    spec = definition.transition(trigger, state)
    guard = guard_of(definition, trigger, state, error)
    if spec is None or guard is None:
        return False
    inputs = set(spec.accepted_fields)
    if spec.append is not None:
        inputs |= set(definition.fields[spec.append].item)
    return bool({str(guard.args.get("field", "")), str(guard.args.get("flag", ""))} & inputs)


@dataclass
class StepChecker:
    """Dry runs of steps on one instance for one person, on one read transaction's planner."""

    engine: Engine
    planner: Planner
    instance: Instance
    definition: Definition
    person: Person
    words: Words
    deadlines: Mapping[str, date]
    day_text: Day

    def check(self, trigger: str, given: Mapping[str, object] | None = None, *, strict: bool = False) -> Check:
        """``strict``: the values are a submission, so a missing or invalid one is raised, not offered."""
        try:
            plan = self.planner.fire(self.instance.id, trigger, self.person, dict(given or {}), None)
        except GuardFailed as error:
            if not given and _reads_input(self.definition, trigger, self.instance.state, error):
                return Check(True)
            return Check(False, refusal(error, self.refusal_context()))
        except DecidedElsewhere:
            return Check(False, self.words.guard("decided_elsewhere") or "")
        except FieldError:
            if strict:
                raise
            return Check(True)  # inputs missing: offered, and judged when submitted
        finally:
            self.planner.forget()
        return Check(True, notices=_summaries(plan, self.words))

    def refusal_context(self) -> RefusalContext:
        related = {
            name: {**inst.fields, "state": inst.state}
            for name, inst in self.planner.related(self.definition, self.instance.fields).items()
        }

        def linked_states(workflow: str, via: str) -> list[str]:
            return [i.state for i in self.engine.linked(self.instance.id, via, workflow)]

        return RefusalContext(
            self.instance,
            self.definition,
            self.deadlines,
            self.words,
            self.day_text,
            linked_states,
            related,
        )


def explain(
    engine: Engine,
    instance: Instance,
    definition: Definition,
    person: Person,
    error: GuardFailed,
    words: Words,
    deadlines: Mapping[str, date],
    day_text: Day,
) -> str:
    """A refusal the engine raised when a step was submitted, in the reader's words."""
    with engine.storage.read() as unit:
        planner = engine.planner(unit.records, engine.clock.now())
        checker = StepChecker(engine, planner, instance, definition, person, words, deadlines, day_text)
        return refusal(error, checker.refusal_context())


def check_steps(
    engine: Engine,
    instance: Instance,
    definition: Definition,
    person: Person,
    triggers: list[str],
    words: Words,
    deadlines: Mapping[str, date],
    day_text: Day,
    submitted: Mapping[str, object] | None = None,
) -> dict[str, Check]:
    """A check per trigger, on one read transaction; ``submitted``: the values given for the only trigger,
    whose missing or invalid inputs are then raised as the engine's errors."""
    with engine.storage.read() as unit:
        planner = engine.planner(unit.records, engine.clock.now())
        checker = StepChecker(engine, planner, instance, definition, person, words, deadlines, day_text)
        if submitted is not None:
            return {t: checker.check(t, submitted, strict=True) for t in triggers}
        return {t: checker.check(t) for t in dict.fromkeys(triggers)}
