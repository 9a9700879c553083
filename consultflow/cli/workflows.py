"""``consultflow workflows``: list, show, check and draw the definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from consultflow.cli.app import app
from consultflow.cli.state import Options, console, print_json
from engine.errors import DefinitionError

# The loader and the catalogue (YAML, calendars) load inside the commands, not for `consultflow --help`.

workflows_app = typer.Typer(help="Workflow definitions.", no_args_is_help=True)
app.add_typer(workflows_app, name="workflows")


@workflows_app.command("list")
def list_workflows(ctx: typer.Context) -> None:
    """The workflows in force, and every definition version running instances use."""
    options: Options = ctx.obj
    engine = options.engine()
    in_use = engine.definitions_in_use()
    current = engine.catalogue.definitions
    if options.json:
        print_json(
            {
                "current": [
                    {"name": d.name, "version": d.version, "hash": d.content_hash, "file": d.source}
                    for d in current.values()
                ],
                "in_use": [{"name": n, "version": v, "hash": h, "instances": c} for n, v, h, c in in_use],
            }
        )
        return
    table = Table("workflow", "version", "title", "file", "instances by version")
    for d in current.values():
        counts = ", ".join(f"v{v}: {c}" for n, v, _, c in in_use if n == d.name) or "-"
        table.add_row(d.name, str(d.version), d.title.get("en", ""), d.source, counts)
    console.print(table)


@workflows_app.command("show")
def show_workflow(ctx: typer.Context, name: str) -> None:
    """States, transitions (with roles, guards and notices), deadlines and timers of one workflow."""
    from consultflow.wiring import load_workflows

    options: Options = ctx.obj
    definition = load_workflows(options.workflows).definition(name)
    if options.json:
        print_json(definition)
        return
    console.print(
        f"[bold]{definition.name}[/bold] v{definition.version}: {definition.title['en']} / {definition.title['fr']}"
    )
    console.print(
        "states: "
        + ", ".join(
            s + (" (initial)" if s == definition.initial else "") + (" (final)" if s in definition.finals else "")
            for s in definition.states
        )
    )
    table = Table("trigger", "from", "to", "roles", "guards", "notices")
    for t in (definition.start, *definition.transitions):
        table.add_row(
            t.trigger,
            ", ".join(t.sources),
            t.dest,
            ", ".join(t.roles),
            ", ".join(g.describe() for g in t.guards),
            ", ".join(t.notices),
        )
    console.print(table)
    for d in definition.deadlines.values():
        console.print(f"deadline {d.name}: {d.rule} ({d.unit}, closed day: {d.on_closed_day})")
    for timer in definition.timers:
        at = f"end of {timer.deadline}" if timer.deadline else timer.rule
        what = f"notice {timer.notice}" if timer.notice else f"fires {timer.fire}"
        console.print(f"timer {timer.key}: {what} at {at} while {', '.join(timer.active_in)}")


@workflows_app.command("check")
def check(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None, typer.Argument(help="Definition files (default: every workflow in force).")
    ] = None,
) -> None:
    """Validate definitions; the first problem is reported with its file, place and reason."""
    from consultflow.wiring import load_workflows
    from engine.loader import check_links, parse_definition

    options: Options = ctx.obj
    catalogue = load_workflows(options.workflows)
    definitions = dict(catalogue.definitions)
    checked = []
    for path in files or []:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DefinitionError(str(path), "file", f"cannot be read ({exc.strerror})") from exc
        definition = parse_definition(text, str(path), catalogue.notices)
        definitions[definition.name] = definition
        checked.append(definition)
    check_links(definitions)
    names = [f"{d.name} v{d.version}" for d in (checked or definitions.values())]
    if options.json:
        print_json({"valid": names})
    else:
        console.print(f"valid: {', '.join(names)}")


@workflows_app.command("diagram")
def diagram(ctx: typer.Context, name: str) -> None:
    """Print the workflow as a Mermaid stateDiagram-v2."""
    from consultflow.wiring import load_workflows
    from engine.diagram import mermaid

    options: Options = ctx.obj
    console.print(mermaid(load_workflows(options.workflows).definition(name)), markup=False, end="")
