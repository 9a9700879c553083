"""Processing due timers: claim each one atomically and handle it, with its consequences, in one transaction.

A reminder is sent (its outbox rows written) only while the instance is still in one of the timer's
``while`` states and only on its own day: one processed after the end of its due day, in the body's time
zone, is recorded ``skipped`` ("missed: ..."), never sent late. A timed transition (deadline expiry) always
fires, even late, through the ordinary ``fire`` path as the system actor; a refusal is recorded ``skipped``
with the refusal as its detail. A timer's claim and its consequences commit together, so a crash leaves it
pending (it is retried) and a second process can never handle it twice (see ``storage.claims``). Timers are
claimed in batches, one transaction each; a batch in which anything breaks is rolled back and redone one
timer per transaction, so that only the broken timer fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from engine.calendar import BusinessCalendar
from engine.clock import aware_utc
from engine.deadlines import deadline_days
from engine.definition import Definition
from engine.errors import Conflict, ConsultflowError, DatabaseError
from engine.execution import write_notices
from engine.planning import Planner
from engine.ports import UnitOfWork
from engine.records import Instance, Timer, TimerKind
from engine.roles import SYSTEM_ACTOR
from engine.service import Engine

Outcome = Literal["fired", "skipped", "failed"]
DEFAULT_LIMIT = 500
DEFAULT_BATCH = 100  # timers per transaction: fewer commits, and a short hold on the SQLite write lock


@dataclass(frozen=True)
class TimerOutcome:
    """What processing one timer did: fired, skipped (with why) or failed (left pending, retried later)."""

    timer_id: int
    instance_id: str
    key: str
    kind: TimerKind | Literal["?"]
    due_at: datetime
    outcome: Outcome
    detail: str


@dataclass(frozen=True)
class TickReport:
    """Every timer one pass handled, in the order it handled them."""

    now: datetime
    outcomes: tuple[TimerOutcome, ...] = ()

    def _ids(self, outcome: Outcome) -> tuple[int, ...]:
        return tuple(o.timer_id for o in self.outcomes if o.outcome == outcome)

    @property
    def fired(self) -> tuple[int, ...]:
        return self._ids("fired")

    @property
    def skipped(self) -> tuple[int, ...]:
        return self._ids("skipped")

    @property
    def failed(self) -> tuple[int, ...]:
        return self._ids("failed")

    def __len__(self) -> int:
        return len(self.outcomes)

    def summary(self) -> str:
        return f"{len(self.fired)} fired, {len(self.skipped)} skipped, {len(self.failed)} failed"

    def merged(self, other: TickReport) -> TickReport:
        return TickReport(other.now, self.outcomes + other.outcomes)


@dataclass(frozen=True)
class ScheduledTimer:
    """A timer as ``consultflow upcoming`` shows it: with its instance's workflow and state."""

    timer: Timer
    workflow: str
    state: str
    overdue: bool = field(default=False)  # pending although due: nothing processed it yet
    outlook: str = ""  # for an overdue timer, what processing it now would do


# -- the catch-up policy (pure) -------------------------------------------------------------------------


def local_text(instant: datetime, calendar: BusinessCalendar) -> str:
    return instant.astimezone(calendar.zone()).strftime("%Y-%m-%d %H:%M %Z")


def reminder_refusal(
    timer: Timer, state: str, active_in: Sequence[str] | None, now: datetime, calendar: BusinessCalendar
) -> str | None:
    """Why a due reminder must not be sent now, or None to send it.

    Leaving a ``while`` state cancels the timer in the same transaction, so the state check normally passes.
    It matters when a timed transition earlier in the same batch has just moved the instance (the reminder
    was claimed before that step could cancel it), and because a timer row is data, possibly written by hand.
    """
    if active_in is None:
        return f"not sent: the definition has no timer {timer.key}"
    if state not in active_in:
        return f"not sent: the instance is {state}; {timer.key} applies while {', '.join(active_in)}"
    if calendar.local_date(now) > calendar.local_date(timer.due_at):
        return f"missed: due {local_text(timer.due_at, calendar)}, processed {local_text(now, calendar)}"
    return None


# -- processing -----------------------------------------------------------------------------------------


def _active_in(definition: Definition, key: str) -> tuple[str, ...] | None:
    for spec in definition.timers:
        if spec.key == key:
            return spec.active_in
    return None


class _Pass:
    """Claimed timers handled on one transaction: one planner (it caches the directory), the
    instances read so far, and the status of each timer, written in one statement at the end."""

    def __init__(self, engine: Engine, work: UnitOfWork, now: datetime) -> None:
        self.engine, self.now = engine, now
        self.work = work
        self.planner: Planner = engine.planner(work.records, now)
        self._instances: dict[str, tuple[Instance, Definition] | None] = {}
        self.results: list[TimerOutcome] = []

    def handle(self, timer: Timer) -> None:
        if timer.kind == "transition" and timer.trigger:
            self._fire(timer, timer.trigger)
        else:
            self._remind(timer)

    def prefetch(self, timers: Sequence[Timer]) -> None:
        """Read the instances of the batch's reminders in one query (one each would cost more than the rest)."""
        wanted = [t.instance_id for t in timers if t.kind == "reminder" and t.instance_id not in self._instances]
        if wanted:
            for instance_id, (instance, definition_id) in self.work.timers.instances(wanted).items():
                definition = self.engine.registry.compiled(self.work.records, definition_id).definition
                self._instances[instance_id] = (instance, definition)

    def settle(self) -> list[TimerOutcome]:
        # A failed attempt never reaches here (its transaction is rolled back), so the outcome is a status.
        self.work.timers.settle(
            [(o.timer_id, "fired" if o.outcome == "fired" else "skipped", o.detail) for o in self.results]
        )
        return self.results

    def _record(self, timer: Timer, outcome: Outcome, detail: str) -> None:
        self.results.append(
            TimerOutcome(timer.id, timer.instance_id, timer.key, timer.kind, timer.due_at, outcome, detail)
        )

    def _instance(self, instance_id: str) -> tuple[Instance, Definition] | None:
        if instance_id not in self._instances:
            loaded = self.work.records.instance(instance_id)
            self._instances[instance_id] = (
                (loaded[0], self.engine.registry.compiled(self.work.records, loaded[1]).definition) if loaded else None
            )
        return self._instances[instance_id]

    def _fire(self, timer: Timer, trigger: str) -> None:
        # A step may change this instance and, through effects, others: forget every instance read so far.
        self._instances.clear()
        self.planner.forget()  # and what an earlier plan of this batch (perhaps refused) laid over the reads
        try:
            with self.work.savepoint():  # a refusal undoes the step only, not the claim
                note = f"timer {timer.key}: {timer.rule}"
                plan = self.planner.fire(timer.instance_id, trigger, SYSTEM_ACTOR, self._given(timer), note)
                self.engine.execute(plan, self.work.records)
        except (Conflict, DatabaseError):
            raise  # not a refusal: this attempt fails and the timer stays pending
        except ConsultflowError as refused:
            self.planner.forget()
            self._record(timer, "skipped", str(refused))
            return
        was = plan.before.state if plan.before else "?"
        self._record(timer, "fired", f"{trigger}: {was} -> {plan.after.state}")

    def _given(self, timer: Timer) -> dict[str, object]:
        """The values the timer's definition gives the step (``set:``), resolved against the instance now."""
        if timer.key not in self.engine.catalogue.timer_keys_with_values:
            return {}  # most timed steps give nothing: no extra read on the sweep's path
        loaded = self.work.records.instance(timer.instance_id)  # not cached: the step is about to change it
        if loaded is None:
            return {}
        instance = loaded[0]
        definition = self.engine.registry.compiled(self.work.records, loaded[1]).definition
        spec = next((t for t in definition.timers if t.key == timer.key), None)
        if spec is None or not spec.sets:
            return {}
        days = deadline_days(definition, instance.fields, self.engine.catalogue.body)
        given: dict[str, object] = {}
        for name, value in spec.sets.items():
            if isinstance(value, str) and value.startswith("$self."):
                given[name] = instance.fields.get(value.split(".", 1)[1])
            elif isinstance(value, str) and value.startswith("$deadline."):
                day = days.get(value.split(".", 1)[1])
                given[name] = day.isoformat() if day else None
            else:
                given[name] = value
        return given

    def _remind(self, timer: Timer) -> None:
        loaded = self._instance(timer.instance_id)
        if loaded is None:  # the foreign key makes this impossible; say so rather than crash if it happens
            self._record(timer, "skipped", f"not sent: no instance {timer.instance_id}")
            return
        instance, definition = loaded
        catalogue = self.engine.catalogue
        refusal = reminder_refusal(
            timer, instance.state, _active_in(definition, timer.key), self.now, catalogue.body.calendar
        )
        if refusal is None and (timer.notice is None or timer.notice not in catalogue.notices):
            refusal = f"not sent: unknown notice {timer.notice!r}"
        if refusal is not None or timer.notice is None:
            self._record(timer, "skipped", refusal or "not sent: no notice")
            return
        drafts = self.planner.reminder(instance, definition, timer.notice)
        count = write_notices(self.work.records, instance.id, drafts, self.now, timer_id=timer.id)
        self._record(timer, "fired", f"sent {timer.notice}: {count} message(s) queued")


def _claimed_pass(
    engine: Engine, now: datetime, size: int, skip: Sequence[int], claimed: list[int]
) -> list[TimerOutcome]:
    """Fast path: claim up to ``size`` due timers and handle them all on one transaction."""
    with engine.storage.write() as unit:
        work = _Pass(engine, unit, now)
        timers = unit.timers.claim_batch(now, size, skip)
        claimed.extend(t.id for t in timers)
        work.prefetch(timers)
        for timer in timers:
            work.handle(timer)
        return work.settle()


def _single(engine: Engine, timer_id: int, now: datetime) -> TimerOutcome | None:
    """Slow path: one timer on its own transaction, so that its failure is its own (None: taken meanwhile)."""
    try:
        with engine.storage.write() as unit:
            work = _Pass(engine, unit, now)
            timer = unit.timers.claim(timer_id, now)
            if timer is None:
                return None
            work.handle(timer)
            return work.settle()[0]
    except Exception as exc:  # reported and retried later; the other timers go on
        return _failure(engine, timer_id, now, exc)


def _failure(engine: Engine, timer_id: int, now: datetime, exc: Exception) -> TimerOutcome:
    detail = f"attempt at {now.isoformat()} failed: {type(exc).__name__}: {exc}"
    timer: Timer | None = None
    try:
        with engine.storage.write() as unit:
            unit.timers.note_failure(timer_id, detail)
            timer = unit.timers.timer(timer_id)
    except ConsultflowError:
        pass  # the database itself is failing: the report still says what happened
    if timer is None:
        return TimerOutcome(timer_id, "?", "?", "?", now, "failed", detail)
    return TimerOutcome(timer_id, timer.instance_id, timer.key, timer.kind, timer.due_at, "failed", detail)


def process_due(
    engine: Engine,
    now: datetime,
    limit: int = DEFAULT_LIMIT,
    exclude: Sequence[int] = (),
    batch: int = DEFAULT_BATCH,
) -> TickReport:
    """Handle up to ``limit`` timers due at ``now``, oldest first, ``batch`` per transaction.

    Each timer's claim and consequences commit together. If anything in a batch fails, the batch is
    rolled back whole and its timers are redone one transaction each, so only the failing one fails: it
    stays pending, with the error as its detail, and is not retried within this call (nor are those in
    ``exclude``). Timers that a step creates already due (a catch-up across several deadlines) are picked
    up by the next batch of the same call.
    """
    now = aware_utc(now, "now")
    outcomes: list[TimerOutcome] = []
    skip = list(exclude)
    while len(outcomes) < limit:
        claimed: list[int] = []
        try:
            done = _claimed_pass(engine, now, min(batch, limit - len(outcomes)), skip, claimed)
        except Exception:
            if not claimed:
                raise  # could not even claim: the database is unusable, say so to the caller
            done = [o for o in (_single(engine, i, now) for i in claimed) if o is not None]
            skip.extend(o.timer_id for o in done if o.outcome == "failed")
        if not claimed:
            break
        outcomes.extend(done)
    return TickReport(now, tuple(outcomes))


def process_all_due(
    engine: Engine, now: datetime, limit: int = DEFAULT_LIMIT, batch: int = DEFAULT_BATCH
) -> TickReport:
    """Everything due at ``now``, in passes of ``limit`` (what ``consultflow tick`` runs)."""
    report = TickReport(aware_utc(now, "now"))
    while True:
        done = process_due(engine, now, limit, exclude=report.failed, batch=batch)
        report = report.merged(done)
        if len(done) < limit:
            return report


# -- reading the queue ----------------------------------------------------------------------------------


def queue_status(engine: Engine, now: datetime) -> tuple[int, datetime | None]:
    """How many timers are pending and when the next one after ``now`` falls due."""
    with engine.storage.read() as unit:
        return unit.timers.pending_count(), unit.timers.next_due(after=now)


def next_due(engine: Engine, after: datetime) -> datetime | None:
    with engine.storage.read() as unit:
        return unit.timers.next_due(after=after)


def scheduled(engine: Engine, now: datetime, days: int, past_days: int = 0) -> list[ScheduledTimer]:
    """Pending timers due in the next ``days`` (and any left unprocessed); with ``past_days``, also what
    happened to the timers due in that many past days (fired, skipped, cancelled)."""
    now = aware_utc(now, "now")
    until = now + timedelta(days=days)
    with engine.storage.read() as unit:
        rows = unit.timers.listing(None, until, ("pending",))
        if past_days > 0:
            rows += unit.timers.listing(now - timedelta(days=past_days), now, ("fired", "skipped", "cancelled"))
    rows.sort(key=lambda r: (r[0].due_at, r[0].id))
    calendar = engine.catalogue.body.calendar
    listed = []
    for timer, workflow, state in rows:
        overdue = timer.status == "pending" and timer.due_at <= now
        outlook = ""
        if overdue and timer.kind == "transition":
            outlook = f"processing it now fires {timer.trigger} (if the state still allows it)"
        elif overdue:
            late = calendar.local_date(now) > calendar.local_date(timer.due_at)
            outlook = "its day has passed: processing it now skips it" if late else "processing it now sends it"
        listed.append(ScheduledTimer(timer, workflow, state, overdue, outlook))
    return listed
