"""``consultflow start|fire|show|history|list``: driving and reading instances."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from consultflow.cli.app import app
from consultflow.cli.state import MAX_ROW_ID, Options, console, errors, local, parse_sets, parse_when, print_json
from engine.errors import ConsultflowError
from engine.records import Instance

AsOption = Annotated[str, typer.Option("--as", help="The person acting (an id from the directory).")]
SetOption = Annotated[
    list[str] | None, typer.Option("--set", help="A field value, NAME=VALUE (repeatable; dates as YYYY-MM-DD).")
]
NowOption = Annotated[
    str | None, typer.Option("--now", help="Act as of this ISO date/time (Geneva time unless an offset is given).")
]
NoteOption = Annotated[
    str | None, typer.Option("--note", help="Why: kept in the audit trail, never sent to the recipients.")
]
MessageOption = Annotated[
    str | None,
    typer.Option("--message", help="A message to the recipients of the step's notices, shown as from your role."),
]


def _actor(person: str) -> str:
    if person == "system":
        raise ConsultflowError("'system' is consultflow's own actor for timed steps; act as a person of the directory")
    return person


def _print_instance(options: Options, instance: Instance, verb: str) -> None:
    if options.json:
        print_json(instance)
    else:
        console.print(
            f"{verb} {instance.id}: {instance.workflow} is now [bold]{instance.state}[/bold] "
            f"(version {instance.version})"
        )


@app.command()
def start(
    ctx: typer.Context,
    workflow: Annotated[str, typer.Argument(help="meeting_cycle, topic, consultation, action_item or escalation")],
    person: AsOption,
    sets: SetOption = None,
    note: NoteOption = None,
    message: MessageOption = None,
    now: NowOption = None,
) -> None:
    """Start a new instance of a workflow."""
    options: Options = ctx.obj
    engine = options.engine()
    instance = engine.start(
        workflow,
        _actor(person),
        parse_sets(sets),
        note=note,
        message=message,
        now=parse_when(now, engine.catalogue.body.calendar.zone()),
    )
    _print_instance(options, instance, "started")


@app.command()
def fire(
    ctx: typer.Context,
    instance_id: Annotated[str, typer.Argument(metavar="INSTANCE")],
    trigger: str,
    person: AsOption,
    sets: SetOption = None,
    note: NoteOption = None,
    message: MessageOption = None,
    now: NowOption = None,
    expect_version: Annotated[
        int | None,
        typer.Option(
            "--expect-version", min=0, max=MAX_ROW_ID, help="Refuse with a conflict if the instance moved past this."
        ),
    ] = None,
    idempotency_key: Annotated[
        str | None, typer.Option("--idempotency-key", help="A retry with the same key returns the first result.")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Write nothing: print the plan of the step (new state, fields and deadlines changed, timers added "
            "and cancelled, notices per language, the steps it causes on linked instances) or refuse it as firing "
            "would.",
        ),
    ] = False,
) -> None:
    """Fire a trigger on an instance (--dry-run: show what it would do, write nothing)."""
    options: Options = ctx.obj
    engine = options.engine()
    if dry_run:
        if idempotency_key is not None:
            raise ConsultflowError("--idempotency-key has no use with --dry-run, which writes nothing")
        from consultflow.cli.preview import show_plan

        plan = engine.preview(
            instance_id,
            trigger,
            _actor(person),
            parse_sets(sets),
            note=note,
            message=message,
            now=parse_when(now, engine.catalogue.body.calendar.zone()),
            expected_version=expect_version,
        )
        show_plan(engine, plan, options.json)
        return
    instance = engine.fire(
        instance_id,
        trigger,
        _actor(person),
        parse_sets(sets),
        note=note,
        message=message,
        now=parse_when(now, engine.catalogue.body.calendar.zone()),
        expected_version=expect_version,
        idempotency_key=idempotency_key,
    )
    _print_instance(options, instance, "fired")
    for warning in engine.warnings(instance, now=parse_when(now, engine.catalogue.body.calendar.zone())):
        errors.print(f"warning: {warning}", markup=False, highlight=False)  # taken, but worth a second look


@app.command()
def show(
    ctx: typer.Context,
    instance_id: Annotated[str, typer.Argument(metavar="INSTANCE")],
    person: Annotated[str | None, typer.Option("--as", help="Also say which triggers this person may fire.")] = None,
    now: Annotated[
        str | None, typer.Option("--now", help="As of this date (warnings cover the dates still ahead of it).")
    ] = None,
) -> None:
    """State, fields, next triggers and who may fire them, deadlines, pending timers and warnings of an instance."""
    options: Options = ctx.obj
    engine = options.engine()
    instance = engine.get(instance_id)
    allowed = engine.allowed_triggers(instance, person)
    deadlines = engine.deadlines(instance)
    timers = engine.timers(instance.id, ("pending",))
    queue = engine.council_queue(instance)
    warnings = engine.warnings(instance, now=parse_when(now, engine.catalogue.body.calendar.zone()))
    from engine.positions import latest_positions  # the field types load with a command that reads fields

    views = latest_positions(instance.fields.get("positions"))
    if options.json:
        print_json(
            {
                "instance": instance,
                "allowed": allowed,
                "deadlines": deadlines,
                "timers": timers,
                "council_order": queue,
                "warnings": warnings,
                "positions": [vars(p) for p in views.positions],
            }
        )
        return
    zone = engine.catalogue.body.calendar.zone()
    console.print(
        f"[bold]{instance.id}[/bold]  {instance.workflow} v{instance.definition_version}  "
        f"state [bold]{instance.state}[/bold]  version {instance.version}"
    )
    fields = Table("field", "value", show_header=False)
    for name, value in instance.fields.items():
        if isinstance(value, list):
            value = f"{len(value)} item(s)"
        fields.add_row(name, "" if value is None else str(value))
    console.print(fields)
    nexts = Table("next trigger", "leads to", "roles allowed", *(["you may"] if person else []))
    for a in allowed:
        nexts.add_row(a.trigger, a.dest, ", ".join(a.roles), *(["yes" if a.permitted else "no"] if person else []))
    console.print(nexts if allowed else "no further triggers (final state)")
    for name, day in deadlines.items():
        console.print(f"deadline {name}: {day.isoformat()}")
    for t in timers:
        what = t.notice or t.trigger
        console.print(f"timer {t.key} ({t.kind}, {what}) due {local(t.due_at, zone)}  [{t.rule}]", markup=False)
    if queue:
        console.print("Council's order (each consultation is announced once the one before presented its results):")
        for entry in queue:
            console.print(f"  {entry.describe()}", markup=False, highlight=False)
    if views:
        table = Table("Member State", "position", "statement", title="Positions (the latest of each Member State)")
        for stated in views.positions:
            position = f"{stated.position} {stated.other_option}" if stated.other_option else stated.position
            table.add_row(stated.member_state, position, stated.statement or "")
        console.print(table)
    for warning in warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False)


@app.command()
def history(ctx: typer.Context, instance_id: Annotated[str, typer.Argument(metavar="INSTANCE")]) -> None:
    """The audit trail of an instance: who did what, in which capacity, when, and what changed."""
    options: Options = ctx.obj
    engine = options.engine()
    entries = engine.history(instance_id)
    if options.json:
        print_json(entries)
        return
    zone = engine.catalogue.body.calendar.zone()
    table = Table("#", "when", "who", "as", "trigger", "from", "to", "note / changes")
    for e in entries:
        changed = ", ".join(e.changes) if e.changes else ""
        detail = " | ".join(x for x in (e.note or "", changed) if x)
        if e.caused_by:
            detail = f"(caused by #{e.caused_by}) {detail}"
        who = e.actor + (f" ({e.member_state})" if e.member_state else "")
        table.add_row(str(e.id), local(e.at, zone), who, e.role, e.trigger, e.from_state or "-", e.to_state, detail)
    console.print(table)


@app.command("list")
def list_instances(
    ctx: typer.Context,
    workflow: Annotated[str | None, typer.Option("--workflow", help="Only this workflow.")] = None,
    state: Annotated[str | None, typer.Option("--state", help="Only instances in this state.")] = None,
) -> None:
    """List instances."""
    options: Options = ctx.obj
    instances = options.engine().list(workflow=workflow, state=state)
    if options.json:
        print_json(instances)
        return
    table = Table("workflow", "version", "state", "updated")
    table.add_column("id", no_wrap=True)
    for i in instances:
        table.add_row(i.workflow, f"v{i.definition_version}", i.state, i.updated_at.strftime("%Y-%m-%d %H:%M"), i.id)
    console.print(table)
