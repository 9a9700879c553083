"""Dry runs on the command line: the plan of a step (``fire --dry-run``) and the reminders the timers will send
(``upcoming --notices``), as text or JSON. Nothing here writes.

A step is planned by ``Engine.preview`` (the planner the desk's previews use, checked like a real step on a
transaction that is rolled back); a reminder by the planner's reminder path, the one the timers take, with
the directory as it is now.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from consultflow.cli.state import MAX_ROWS, console, local, print_json
from engine.errors import ConsultflowError, NotFound

if TYPE_CHECKING:
    from engine.definition import Definition
    from engine.planning import OutboxDraft, StepPlan
    from engine.service import Engine
    from engine.timers import ScheduledTimer

LONGEST_VALUE = 80  # characters of a field value shown in a plan (a paragraph is cut)


class TimerNotListed(NotFound):
    """No pending reminder with that timer id (exit 4, like an unknown id)."""


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


# -- fire --dry-run ---------------------------------------------------------------------------------------


def show_plan(engine: Engine, plan: StepPlan, as_json: bool) -> None:
    """Print the plan of a step and of every step it causes, saying that nothing was written."""
    zone = engine.catalogue.body.calendar.zone()
    data = {"dry_run": True, "written": False, "as_of": plan.audit.at, **_step_data(engine, plan, zone)}
    if as_json:
        print_json(data)
        return
    provisional = " (an instance marked new gets another id when the step is fired)" * any(
        step.is_start for step in plan.walk()
    )
    _say(f"dry run as of {local(plan.audit.at, zone)}: nothing was written{provisional}")
    _print_step(data, "")


def _step_data(engine: Engine, plan: StepPlan, zone: ZoneInfo) -> dict[str, Any]:
    audit = plan.audit
    changes = dict(audit.changes)
    deadlines = changes.pop("deadlines", {})
    return {
        "instance": plan.after.id,
        "workflow": plan.after.workflow,
        "new_instance": plan.is_start,
        "trigger": audit.trigger,
        "actor": audit.actor.id,
        "role": audit.role,
        "from_state": audit.from_state,
        "to_state": audit.to_state,
        "version": plan.after.version,
        "from_version": plan.before.version if plan.before else None,
        "fields": {name: _change(change) for name, change in changes.items()},
        "deadlines": {name: {"old": old, "new": new} for name, (old, new) in deadlines.items()},
        "timers": _timer_data(plan, zone),
        "superseded": _superseded(engine, plan),
        "notices": _notice_data(engine, plan.notices),
        "effects": [_step_data(engine, effect, zone) for effect in plan.effects],
    }


def _change(change: Any) -> dict[str, Any]:
    """A field change as ``{"old", "new"}``, or ``{"appended": item}`` for an item added to a list."""
    if isinstance(change, Mapping) and "appended" in change:
        return {"appended": change["appended"]}
    old, new = change
    return {"old": old, "new": new}


def _timer_data(plan: StepPlan, zone: ZoneInfo) -> dict[str, list[dict[str, Any]]]:
    """Timers cancelled and added; a key both cancelled and added is listed once, as moved."""
    specs = {spec.key: spec for spec in plan.definition.timers}

    def does(key: str) -> str:
        spec = specs.get(key)
        if spec is None:
            return ""
        return f"send {spec.notice}" if spec.kind == "reminder" else f"fire {spec.fire}"

    added = {t.key: t for t in plan.timers.add}
    cancelled = dict(plan.timers.cancel)
    moved = [
        {"key": key, "does": does(key), "from": due, "to": added[key].due_at,
         "from_local": local(due, zone), "to_local": local(added[key].due_at, zone)}
        for key, due in cancelled.items()
        if key in added
    ]
    return {
        "moved": moved,
        "added": [
            {"key": t.key, "does": does(t.key), "due_at": t.due_at, "due_local": local(t.due_at, zone), "rule": t.rule}
            for t in plan.timers.add
            if t.key not in cancelled
        ],
        "cancelled": [
            {"key": key, "does": does(key), "due_at": due, "due_local": local(due, zone)}
            for key, due in plan.timers.cancel
            if key not in added
        ],
    }


def _superseded(engine: Engine, plan: StepPlan) -> dict[str, int]:
    """The notices of this instance still queued that the step would mark superseded, counted per notice."""
    if not plan.stale_reminders or plan.before is None:
        return {}
    stale = set(plan.stale_reminders)
    queued = engine.outbox("pending", plan.after.id, limit=MAX_ROWS)
    return dict(sorted(Counter(m.notice for m in queued if m.notice in stale).items()))


def _notice_data(engine: Engine, drafts: Iterable[OutboxDraft]) -> list[dict[str, Any]]:
    """Per notice: how many recipients, how many for action (to) and for information (cc), per language."""
    grouped: dict[str, list[OutboxDraft]] = {}
    for draft in drafts:
        grouped.setdefault(draft.notice, []).append(draft)
    found = []
    for notice, group in grouped.items():
        languages: dict[str, dict[str, int]] = {}
        for draft in sorted(group, key=lambda d: d.recipient.language):
            counts = languages.setdefault(draft.recipient.language, {"to": 0, "cc": 0})
            counts["cc" if draft.for_information else "to"] += 1
        spec = engine.catalogue.notices.get(notice)
        found.append(
            {
                "notice": notice,
                "name": spec.name if spec else "",
                "recipients": len(group),
                "to": sum(c["to"] for c in languages.values()),
                "cc": sum(c["cc"] for c in languages.values()),
                "languages": languages,
            }
        )
    return found


def _value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= LONGEST_VALUE else text[: LONGEST_VALUE - 1] + "\u2026"


def languages_text(languages: Mapping[str, Mapping[str, int]]) -> str:
    """``en 4 to, 1 cc · fr 3 to``."""
    parts = []
    for language, counts in languages.items():
        split = [f"{counts[kind]} {kind}" for kind in ("to", "cc") if counts.get(kind)]
        parts.append(f"{language} {', '.join(split)}")
    return " · ".join(parts)


def _print_step(step: Mapping[str, Any], indent: str) -> None:
    if step["new_instance"]:
        was, version = "(new)", f"version {step['version']}"
    else:
        was, version = step["from_state"], f"version {step['from_version']} -> {step['version']}"
    _say(
        f"{indent}{step['instance']} ({step['workflow']}): {step['trigger']} by {step['actor']} as {step['role']}, "
        f"{was} -> {step['to_state']} ({version})"
    )
    inner = indent + "  "
    if step["fields"]:
        _say(f"{inner}fields changed:")
        for name, change in step["fields"].items():
            if "appended" in change:
                _say(f"{inner}  {name}: + {_value(change['appended'])}")
            else:
                _say(f"{inner}  {name}: {_value(change['old'])} -> {_value(change['new'])}")
    if step["deadlines"]:
        _say(f"{inner}deadlines moved:")
        for name, days in step["deadlines"].items():
            _say(f"{inner}  {name}: {days['old'] or '-'} -> {days['new'] or '-'}")
    timers = step["timers"]
    for t in timers["moved"]:
        _say(f"{inner}timer moved: {t['key']} ({t['does']}) {t['from_local']} -> {t['to_local']}")
    for t in timers["added"]:
        _say(f"{inner}timer added: {t['key']} ({t['does']}) due {t['due_local']}  [{t['rule']}]")
    for t in timers["cancelled"]:
        _say(f"{inner}timer cancelled: {t['key']} ({t['does']}) was due {t['due_local']}")
    if step["superseded"]:
        queued = ", ".join(f"{notice} x{count}" for notice, count in step["superseded"].items())
        _say(f"{inner}queued notices superseded (never sent): {queued}")
    for n in step["notices"]:
        _say(f"{inner}notice {n['notice']} ({n['name']}): {n['recipients']} recipient(s), {n['to']} to, {n['cc']} cc")
        _say(f"{inner}  {languages_text(n['languages'])}")
    if step["effects"]:
        _say(f"{inner}causes:")
        for effect in step["effects"]:
            _print_step(effect, inner + "  ")


# -- upcoming --notices -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder a timer will send: its messages as they would be written now, or why it would not be sent."""

    scheduled: ScheduledTimer
    title: str
    drafts: tuple[OutboxDraft, ...]
    not_sent: str | None


def planned_reminders(engine: Engine, found: Sequence[ScheduledTimer], now: datetime) -> list[PlannedReminder]:
    """The pending reminders of ``found``, each planned through the planner's reminder path on one read
    transaction, as of its due time (or ``now`` for one already due), for the directory as it is now."""
    from engine.timers import reminder_refusal
    from web.titles import Titles

    titles = Titles.of_engine(engine, "en")
    calendar = engine.catalogue.body.calendar
    planned: list[PlannedReminder] = []
    with engine.storage.read() as unit:
        records = unit.records
        for s in found:
            timer = s.timer
            if timer.kind != "reminder" or timer.status != "pending" or not timer.notice:
                continue
            loaded = records.instance(timer.instance_id)
            if loaded is None:  # the foreign key makes this impossible
                continue
            instance = loaded[0]
            definition = engine.registry.compiled(records, loaded[1]).definition
            when = max(now, timer.due_at)
            refusal = reminder_refusal(timer, instance.state, _active_in(definition, timer.key), when, calendar)
            if refusal is None and timer.notice not in engine.catalogue.notices:
                refusal = f"not sent: unknown notice {timer.notice!r}"
            drafts = () if refusal else engine.planner(records, when).reminder(instance, definition, timer.notice)
            planned.append(PlannedReminder(s, titles.title(instance), drafts, refusal))
    return planned


def _active_in(definition: Definition, key: str) -> tuple[str, ...] | None:
    return next((spec.active_in for spec in definition.timers if spec.key == key), None)


def show_reminders(engine: Engine, planned: Sequence[PlannedReminder], now: datetime, days: int, as_json: bool) -> None:
    zone = engine.catalogue.body.calendar.zone()
    rows = []
    for p in planned:
        t = p.scheduled.timer
        summaries = _notice_data(engine, p.drafts)  # one notice: the reminder's
        notice = summaries[0] if summaries else None
        rows.append(
            {
                "timer": t.id,
                "due_at": t.due_at,
                "due_local": local(t.due_at, zone),
                "instance": t.instance_id,
                "title": p.title,
                "workflow": p.scheduled.workflow,
                "state": p.scheduled.state,
                "key": t.key,
                "notice": t.notice,
                "name": notice["name"] if notice else _notice_name(engine, t.notice),
                "recipients": notice["recipients"] if notice else 0,
                "to": notice["to"] if notice else 0,
                "cc": notice["cc"] if notice else 0,
                "languages": notice["languages"] if notice else {},
                "not_sent": p.not_sent,
            }
        )
    if as_json:
        print_json(rows)
        return
    if not rows:
        _say(f"no reminder to send between {local(now, zone)} and the next {days} day(s)")
        return
    for r in rows:
        _say(f"{r['due_local']}  timer {r['timer']}  {r['notice']} ({r['name']})  {r['instance']}: {r['title']}")
        if r["not_sent"]:
            _say(f"    {r['not_sent']}")
        else:
            counts = languages_text(r["languages"]) or "nobody"
            _say(f"    {r['recipients']} recipient(s), {r['to']} to, {r['cc']} cc: {counts}")
    _say("`consultflow upcoming --preview TIMER [--lang LANG]` shows what one recipient would read")


def _notice_name(engine: Engine, notice: str | None) -> str:
    spec = engine.catalogue.notices.get(notice or "")
    return spec.name if spec else ""


def preview_reminder(engine: Engine, planned: Sequence[PlannedReminder], timer_id: int, lang: str | None,
                     html: bool, as_json: bool) -> None:
    """Render a planned reminder for one of its recipients (one reading ``lang`` if there is one, in ``lang``)."""
    from consultflow.cli.outbox import _show as show_rendered
    from notifications.context import LANGUAGES, check_context
    from notifications.errors import UnknownLanguage
    from notifications.rendering import render_notice

    if lang is not None and lang not in LANGUAGES:
        raise UnknownLanguage(lang)
    chosen = next((p for p in planned if p.scheduled.timer.id == timer_id), None)
    if chosen is None:
        raise TimerNotListed(f"no pending reminder with id {timer_id} (see `consultflow upcoming --notices`)")
    timer = chosen.scheduled.timer
    if chosen.not_sent:
        raise ConsultflowError(f"timer {timer_id} ({timer.notice}) would not be sent: {chosen.not_sent}")
    if not chosen.drafts:
        raise ConsultflowError(f"nobody would receive {timer.notice} for {timer.instance_id} now")
    drafts = chosen.drafts
    draft = next((d for d in drafts if d.recipient.language == lang and not d.for_information), None)
    draft = draft or next((d for d in drafts if d.recipient.language == lang), drafts[0])
    context = check_context(json.loads(json.dumps(draft.context, default=str)))  # as stored in the outbox
    if lang is not None:
        context["recipient"]["language"] = lang
    rendered = render_notice(draft.notice, context["recipient"]["language"], context)
    show_rendered(draft.notice, context, rendered, html, as_json)
