"""``consultflow people``: the directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from consultflow.cli.app import app
from consultflow.cli.state import Options, console, print_json
from engine.directory import read_people_csv
from engine.errors import DirectoryError

people_app = typer.Typer(help="The directory of people, their roles and languages.", no_args_is_help=True)
app.add_typer(people_app, name="people")


@people_app.command("import")
def import_people(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV: id,name,email,language,roles,member_state,organisation")],
) -> None:
    """Add or update people from a CSV file; nothing is imported if any row is invalid."""
    options: Options = ctx.obj
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DirectoryError(f"cannot read {file}: {exc.strerror}") from exc
    people = read_people_csv(text, file.name)
    added, updated = options.engine().import_people(people)
    if options.json:
        print_json({"added": added, "updated": updated})
    else:
        console.print(f"{added} added, {updated} updated from {file.name}")


@people_app.command("list")
def list_people(ctx: typer.Context) -> None:
    """List the directory."""
    options: Options = ctx.obj
    people = options.engine().people()
    if options.json:
        print_json(people)
        return
    table = Table()
    table.add_column("id", no_wrap=True)
    for column in ("name", "email", "lang", "roles", "Member State", "organisation"):
        table.add_column(column)
    for p in people:
        table.add_row(p.id, p.name, p.email, p.language, ", ".join(p.roles), p.member_state or "", p.organisation or "")
    console.print(table)
