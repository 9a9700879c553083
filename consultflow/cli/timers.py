"""``consultflow tick|upcoming|run``: processing due timers by hand, listing what is scheduled, the daemon."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

from consultflow.cli.app import app
from consultflow.cli.state import MAX_DAYS, MAX_ROW_ID, MAX_ROWS, Options, console, local, parse_when, print_json
from engine.errors import ConsultflowError

# engine.timers loads the engine service and consultflow.daemon loads APScheduler: both wait for the command
# that runs, so that `consultflow --help` and the other commands do not pay for them.
if TYPE_CHECKING:
    from consultflow.daemon import ExtraTask
    from engine.timers import ScheduledTimer, TimerOutcome

DEFAULT_LIMIT = 500
"""Timers per pass: ``engine.timers.DEFAULT_LIMIT``, repeated here for the help text (importing it would load
the engine service for every ``consultflow --help``); keep the two equal."""

NowOption = Annotated[
    str | None,
    typer.Option("--now", help="As of this ISO date/time (Geneva time unless an offset is given); default: now."),
]
LimitOption = Annotated[
    int, typer.Option("--limit", min=1, max=MAX_ROWS, help="Timers per pass (each pass re-reads what is due).")
]


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _outcome_data(o: TimerOutcome) -> dict[str, Any]:
    return {
        "timer": o.timer_id,
        "instance": o.instance_id,
        "key": o.key,
        "kind": o.kind,
        "due_at": o.due_at,
        "outcome": o.outcome,
        "detail": o.detail,
    }


@app.command()
def tick(ctx: typer.Context, now: NowOption = None, limit: LimitOption = DEFAULT_LIMIT) -> None:
    """Process every timer due as of --now, print what fired and what was skipped, and exit.

    The deterministic way to replay a timeline: reminders whose day has passed are skipped, deadline
    expiries fire however late. Exits 1 if a timer failed (it stays pending with the error as its detail).
    """
    from engine.timers import process_all_due

    options: Options = ctx.obj
    engine = options.engine()
    zone = engine.catalogue.body.calendar.zone()
    at = parse_when(now, zone) or engine.clock.now()
    report = process_all_due(engine, at, limit)
    if options.json:
        print_json(
            {
                "now": report.now,
                "fired": len(report.fired),
                "skipped": len(report.skipped),
                "failed": len(report.failed),
                "timers": [_outcome_data(o) for o in report.outcomes],
            }
        )
    else:
        for o in report.outcomes:
            _say(f"{o.outcome:<8} {o.key:<18} {o.instance_id}  due {local(o.due_at, zone)}  {o.detail}")
        _say(f"as of {local(at, zone)}: {report.summary()}")
    if report.failed:
        raise typer.Exit(1)


def _in(delta_seconds: float) -> str:
    days, rest = divmod(abs(int(delta_seconds)), 86400)
    span = f"{days}d {rest // 3600}h" if days else f"{rest // 3600}h {rest % 3600 // 60}m"
    return f"in {span}" if delta_seconds >= 0 else f"{span} ago"


def _listing_data(s: ScheduledTimer, zone: ZoneInfo) -> dict[str, Any]:
    t = s.timer
    return {
        "timer": t.id,
        "instance": t.instance_id,
        "workflow": s.workflow,
        "state": s.state,
        "key": t.key,
        "kind": t.kind,
        "due_at": t.due_at,
        "due_local": local(t.due_at, zone),
        "rule": t.rule,
        "notice": t.notice,
        "trigger": t.trigger,
        "status": t.status,
        "overdue": s.overdue,
        "outlook": s.outlook,
        "detail": t.detail,
    }


@app.command()
def upcoming(
    ctx: typer.Context,
    days: Annotated[
        int, typer.Option("--days", min=0, max=MAX_DAYS, help="How far ahead to look (at most ten years).")
    ] = 14,
    past: Annotated[
        int,
        typer.Option("--past", min=0, max=MAX_DAYS, help="Also show what happened to timers due in the last N days."),
    ] = 0,
    now: NowOption = None,
    notices: Annotated[
        bool,
        typer.Option(
            "--notices",
            help="List the reminders the timers will send instead: due time, instance and title, notice, and "
            "how many recipients per language (to / cc), for the directory as it is now.",
        ),
    ] = False,
    preview: Annotated[
        int | None,
        typer.Option(
            "--preview",
            metavar="TIMER",
            min=1,
            max=MAX_ROW_ID,
            help="Render the subject and text one recipient of that reminder (a timer id from --notices) would get.",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="With --preview: a recipient reading this language, and the text in it."),
    ] = None,
    html: Annotated[bool, typer.Option("--html", help="With --preview: the HTML body instead of the text.")] = False,
) -> None:
    """Every pending deadline and reminder due in the next N days, with its instance and rule (a dry run).

    Timers already due but not yet processed are listed first as overdue (`consultflow tick` or a running
    `consultflow run` processes them). --notices lists what the reminders will send and to how many people;
    --preview TIMER renders one of them.
    """
    from engine.timers import scheduled

    if (lang is not None or html) and preview is None:
        raise ConsultflowError("--lang and --html choose how --preview TIMER renders; give --preview")
    if past and (notices or preview is not None):
        raise ConsultflowError("--past shows timers already processed; --notices and --preview look ahead")
    options: Options = ctx.obj
    engine = options.engine()
    zone = engine.catalogue.body.calendar.zone()
    at = parse_when(now, zone) or engine.clock.now()
    if notices or preview is not None:
        from consultflow.cli.preview import planned_reminders, preview_reminder, show_reminders

        if preview is not None:  # whenever it is due: the window does not limit the preview of one timer
            chosen = [s for s in scheduled(engine, at, MAX_DAYS) if s.timer.id == preview]
            preview_reminder(engine, planned_reminders(engine, chosen, at), preview, lang, html, options.json)
        else:
            show_reminders(engine, planned_reminders(engine, scheduled(engine, at, days), at), at, days, options.json)
        return
    found = scheduled(engine, at, days, past)
    if options.json:
        print_json([_listing_data(s, zone) for s in found])
        return
    if not found:
        _say(f"nothing due between {local(at, zone)} and the next {days} day(s)")
        return
    for s in found:
        t = s.timer
        does = f"send {t.notice}" if t.kind == "reminder" else f"fire {t.trigger}"
        when = "OVERDUE" if s.overdue else _in((t.due_at - at).total_seconds())
        _say(
            f"{local(t.due_at, zone)}  {when:<11} {t.key:<18} {does:<26} "
            f"{t.instance_id} ({s.workflow}, {s.state})  rule: {t.rule}"
        )
        if t.status != "pending":
            _say(f"{'':<34}{t.status}: {t.detail or ''}")
        elif s.overdue:
            _say(f"{'':<34}{s.outlook} (`consultflow tick`, or a running `consultflow run`)")


def _masked(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


@app.command()
def run(
    ctx: typer.Context,
    sweep: Annotated[
        float,
        typer.Option("--sweep", min=0.01, max=86400, help="Seconds between safety-net sweeps of the timer table."),
    ] = 30.0,
    limit: LimitOption = DEFAULT_LIMIT,
    mail: Annotated[
        bool, typer.Option("--mail/--no-mail", help="Also deliver the outbox (default; --no-mail: timers only).")
    ] = True,
) -> None:
    """Process timers as they fall due until SIGTERM or Ctrl-C; on start, catch up on what fell due meanwhile.

    It also delivers the outbox: through the SMTP relay of CONSULTFLOW_SMTP_HOST, or, when none is set,
    through an SMTP server started on loopback that files every message in a Maildir next to the database.

    Several `consultflow run` processes may share one PostgreSQL database (each timer is claimed by one);
    on SQLite they are safe too, but one is enough.
    """
    import asyncio
    import functools

    from consultflow.daemon import Daemon  # APScheduler loads only for the daemon

    options: Options = ctx.obj
    engine = options.engine()
    folder = engine.catalogue.folder
    _say(
        f"consultflow run (pid {os.getpid()}): database {_masked(options.db)}, workflows {folder}, "
        f"sweep every {sweep:g} s; SIGTERM or Ctrl-C stops after the current batch"
    )
    extra: list[ExtraTask] = []
    if mail:
        from notifications.dispatcher import run_dispatcher  # the mail stack loads only for the daemon
        from notifications.settings import mail_folder, smtp_settings_from_env

        settings = smtp_settings_from_env(os.environ, engine.catalogue.body)  # this is the composition root
        folder_for_mail = mail_folder(options.db, Path.cwd())
        extra.append(functools.partial(run_dispatcher, engine, settings, None, mail_folder=folder_for_mail, say=_say))
    daemon = Daemon(engine, sweep_seconds=sweep, limit=limit, say=_say, extra_tasks=extra)
    try:
        asyncio.run(daemon.run(handle_signals=True))
    finally:
        engine.close()
