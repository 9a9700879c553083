"""Replaying a scenario file: dated steps through the public API, with time advancing through the timers.

A scenario (``workflows/scenarios/*.yaml``) lists steps in date order. Before each step, everything that fell
due up to its date is processed (``tick``): reminders and deadline expiries, then the notices are handed to
``deliver``. The step then starts an instance, fires a trigger, finds a linked instance, asks ``report`` to
produce documents (the Chair's report of a meeting, the compilation of a consultation), or only lets time
pass. ``as: public:ADDRESS`` fires as a member of the public whose address is confirmed. Errors name the
step; the timeline goes to ``show``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import yaml

from engine.directory import read_people_csv
from engine.errors import ConsultflowError
from engine.records import Person
from engine.responses import PUBLIC_PREFIX
from engine.roles import PUBLIC_ROLE
from engine.service import Engine
from engine.timers import TickReport, next_due, process_all_due
from engine.yamlsource import DuplicateKey, load_yaml

ACTIONS = ("start", "fire", "find", "report", "tick", "relay")
RELAY_STATES = ("down", "up")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TOP_KEYS = {"title", "people", "translations", "steps"}
STEP_KEYS = {"at", "as", "name", "on", "set", "say", "linked_to", "via", "where", "languages", *ACTIONS}


class ScenarioError(ConsultflowError):
    """A scenario file is invalid or one of its steps failed."""


@dataclass(frozen=True)
class Step:
    """One dated step of a scenario."""

    index: int
    at: datetime
    action: str
    target: str
    actor: str | None = None
    name: str | None = None
    on: str | None = None
    values: Mapping[str, object] = field(default_factory=dict)
    say: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """A scenario: its title, the directory file and the steps."""

    title: Mapping[str, str]
    people: Path | None
    steps: tuple[Step, ...]
    source: Path
    translations: Mapping[str, Path] = field(default_factory=dict)  # language -> wording of the record


@dataclass
class Event:
    """One line of the timeline."""

    at: datetime
    kind: str  # step, timer, mail, report
    text: str
    detail: str = ""


@dataclass
class ReplayResult:
    """What a replay left: the instances by name, the timeline, the documents written."""

    names: dict[str, str] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    documents: list[Path] = field(default_factory=list)


def _when(value: object, zone: Any, where: str) -> datetime:
    text = str(value)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"{where}: 'at' must be an ISO date or date-time, not {text!r}") from None
    if len(text) == 10:
        parsed = datetime.combine(parsed.date(), time(9, 0))  # a bare date: a working morning in Geneva
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


def load_scenario(path: Path, zone: Any) -> Scenario:
    """Read and check a scenario file; errors name the file and the step."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario {path}: {exc.strerror}") from exc
    except (yaml.YAMLError, DuplicateKey) as exc:
        raise ScenarioError(f"{path.name}: not a valid scenario ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise ScenarioError(f"{path.name}: a scenario is a mapping with a list of steps")
    unknown_top = sorted(set(data) - TOP_KEYS)
    if unknown_top:
        raise ScenarioError(f"{path.name}: unknown key(s) {unknown_top}; allowed: {sorted(TOP_KEYS)}")
    steps: list[Step] = []
    previous: datetime | None = None
    for i, raw in enumerate(data["steps"], start=1):
        where = f"{path.name} step {i}"
        if not isinstance(raw, dict):
            raise ScenarioError(f"{where}: expected a mapping")
        unknown = sorted(set(raw) - STEP_KEYS)
        if unknown:
            raise ScenarioError(f"{where}: unknown key(s) {unknown}")
        actions = [a for a in ACTIONS if a in raw]
        if len(actions) != 1:
            raise ScenarioError(f"{where}: give exactly one of {', '.join(ACTIONS)}")
        if "at" not in raw:
            raise ScenarioError(f"{where}: every step says when it happens (at: YYYY-MM-DD)")
        at = _when(raw["at"], zone, where)
        if previous is not None and at < previous:
            raise ScenarioError(f"{where}: steps must be in date order ({at.isoformat()} is before the step before)")
        previous = at
        action = actions[0]
        if action in ("start", "fire", "find", "report") and not raw.get("as"):
            raise ScenarioError(f"{where}: '{action}' needs 'as: PERSON'")
        if action == "relay" and raw["relay"] not in RELAY_STATES:
            raise ScenarioError(f"{where}: 'relay' is down or up, not {raw['relay']!r}")
        if action == "fire" and not raw.get("on"):
            raise ScenarioError(f"{where}: 'fire' needs 'on: NAME' (an instance named by an earlier step)")
        steps.append(
            Step(
                index=i,
                at=at,
                action=action,
                target=str(raw[action]),
                actor=raw.get("as"),
                name=raw.get("name"),
                on=raw.get("on"),
                values=dict(raw.get("set") or {}),
                say=raw.get("say"),
                options={k: raw[k] for k in ("linked_to", "via", "where", "languages") if k in raw},
            )
        )
    people = data.get("people")
    translations = data.get("translations") or {}
    if not isinstance(translations, dict):
        raise ScenarioError(f"{path.name}: translations maps a language to a file (fr: wording.yaml)")
    return Scenario(
        title=dict(data.get("title") or {}),
        people=path.parent / str(people) if people else None,
        steps=tuple(steps),
        source=path,
        translations={str(lang): path.parent / str(file) for lang, file in translations.items()},
    )


def _public_person(actor: str, values: Mapping[str, object]) -> Person:
    """``as: public:ADDRESS``: someone answering on the public page, their address confirmed (the page's
    confirmation is not replayed: the scenario shows what the record holds once it is)."""
    address = actor.removeprefix(PUBLIC_PREFIX)
    return Person(actor, str(values.get("name") or address), address, "en", (PUBLIC_ROLE,))


Deliver = Callable[[datetime], int]
Report = Callable[[str, str, datetime, list[str]], list[Path]]
Show = Callable[[Event], None]


class Replay:
    """Runs a scenario on an engine: ``deliver(now)`` sends what is due, ``report`` writes documents."""

    def __init__(
        self, engine: Engine, *, deliver: Deliver, report: Report | None = None, show: Show | None = None
    ) -> None:
        self.engine, self.deliver, self.report = engine, deliver, report
        self.show = show or (lambda event: None)
        # While the mail relay is down (a `relay: down` step) nothing is delivered: notices stay queued, as
        # they would through a real outage, and go out, or are superseded, once it is back.
        self.relay_up = True
        self.result = ReplayResult()

    def _event(self, event: Event) -> None:
        self.result.events.append(event)
        self.show(event)

    def run(self, scenario: Scenario) -> ReplayResult:
        if scenario.people is not None:
            people = read_people_csv(scenario.people.read_text(encoding="utf-8"), scenario.people.name)
            self.engine.import_people(people)
        for step in scenario.steps:
            self._advance(step.at)
            try:
                self._step(step)
            except ConsultflowError as exc:
                raise ScenarioError(
                    f"{scenario.source.name} step {step.index} ({step.action} {step.target}): {exc}"
                ) from exc
        return self.result

    def _advance(self, now: datetime) -> None:
        """Let time run to ``now``, stopping at each timer's due time so reminders go out on their day."""
        while (due := next_due(self.engine, after=EPOCH)) is not None and due <= now:
            if not self._tick(due).fired:
                break  # only failures at that time: they stay pending, the final tick reports them again
        self._tick(now)

    def _tick(self, at: datetime) -> TickReport:
        report = process_all_due(self.engine, at)
        for outcome in report.outcomes:
            self._event(Event(outcome.due_at, "timer", f"{outcome.key} {outcome.outcome}", outcome.detail))
        sent = self.deliver(at) if self.relay_up else 0
        if sent:
            self._event(Event(at, "mail", f"{sent} notice(s) delivered"))
        return report

    def _resolve(self, value: object) -> object:
        """``$name`` is the id of the instance an earlier step named, also inside lists and their items."""
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self._resolve(v) for k, v in value.items()}
        if isinstance(value, str) and value.startswith("$"):
            name = value[1:]
            if name not in self.result.names:
                raise ScenarioError(f"'{value}' names no instance of an earlier step")
            return self.result.names[name]
        return value

    def _instance(self, name: str | None) -> str:
        if name not in self.result.names:
            raise ScenarioError(f"no instance named '{name}' by an earlier step")
        return self.result.names[str(name)]

    def _step(self, step: Step) -> None:
        values = {k: self._resolve(v) for k, v in step.values.items()}
        actor = str(step.actor)
        if step.action == "start":
            instance = self.engine.start(step.target, actor, values, now=step.at)
            if step.name:
                self.result.names[step.name] = instance.id
            self._event(Event(step.at, "step", f"{actor} starts {step.target}", step.say or instance.state))
        elif step.action == "fire":
            who = _public_person(actor, values) if actor.startswith(PUBLIC_PREFIX) else actor
            instance = self.engine.fire(self._instance(step.on), step.target, who, values, now=step.at)
            self._event(
                Event(step.at, "step", f"{actor} fires {step.target} on {step.on}", step.say or f"now {instance.state}")
            )
        elif step.action == "find":
            found = self.engine.linked(
                self._instance(step.options.get("linked_to")), str(step.options.get("via")), step.target
            )
            where = step.options.get("where") or {}
            found = [i for i in found if all(i.fields.get(k) == v for k, v in where.items())]
            if len(found) != 1:
                raise ScenarioError(f"expected one linked {step.target}, found {len(found)}")
            self.result.names[str(step.name)] = found[0].id
        elif step.action == "report":
            if self.report is None:
                raise ScenarioError("this replay cannot write reports")
            languages = [str(x) for x in step.options.get("languages", ["fr", "en"])]
            paths = self.report(self._instance(step.target), actor, step.at, languages)
            self.result.documents.extend(paths)
            self._event(
                Event(
                    step.at,
                    "report",
                    f"Chair's report written ({', '.join(languages)})",
                    ", ".join(p.name for p in paths),
                )
            )
        elif step.action == "relay":
            self.relay_up = step.target == "up"
            self._event(Event(step.at, "mail", f"the mail relay is {step.target}", step.say or ""))
            if self.relay_up:
                self._tick(step.at)  # what waited goes out now
        elif step.say:
            self._event(Event(step.at, "step", "time passes", step.say))
