"""``consultflow people``: the directory."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from consultflow.cli.app import app
from consultflow.cli.state import Options, console, print_json
from engine.errors import DirectoryError

people_app = typer.Typer(help="The directory of people, their roles and languages.", no_args_is_help=True)
app.add_typer(people_app, name="people")


@people_app.command("import")
def import_people(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV: id,name,email,language,roles,member_state,organisation")],
    encoding: Annotated[
        str,
        typer.Option(
            "--encoding",
            help="The file's character set, e.g. cp1252 or latin-1 for a spreadsheet export (default: UTF-8; "
            "a UTF-8 or UTF-16 byte-order mark is always honoured).",
        ),
    ] = "utf-8",
) -> None:
    """Add or update people from a CSV file; nothing is imported if any row is invalid."""
    options: Options = ctx.obj
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise DirectoryError(f"cannot read {file}: {exc.strerror}") from exc
    text = decode_csv(data, encoding, file.name)
    from engine.directory import read_people_csv  # the address rules (email.headerregistry) load here

    try:
        people = read_people_csv(text, file.name)
    except csv.Error as exc:  # e.g. a field over the csv module's limit (131,072 characters), a NUL byte
        raise DirectoryError(f"cannot read {file.name} as CSV: {exc}") from exc
    added, updated = options.engine().import_people(people)
    if options.json:
        print_json({"added": added, "updated": updated})
    else:
        console.print(f"{added} added, {updated} updated from {file.name}")


def decode_csv(data: bytes, encoding: str, name: str) -> str:
    """The text of a CSV file: a byte-order mark decides, else ``encoding``; a wrong guess is one sentence."""
    for bom, by_mark in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            encoding = by_mark
            break
    try:
        return data.decode(encoding)
    except LookupError:
        raise DirectoryError(
            f"--encoding {encoding!r} is not a character set Python knows (try cp1252 or latin-1)"
        ) from None
    except UnicodeDecodeError as exc:
        hint = " (a spreadsheet export is often cp1252: try --encoding cp1252)" if encoding.startswith("utf") else ""
        raise DirectoryError(
            f"{name} is not valid {encoding}: byte 0x{data[exc.start]:02x} at offset {exc.start}{hint}"
        ) from None


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
