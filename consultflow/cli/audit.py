"""``consultflow audit verify|head|export``: checking the tamper-evident audit chain and taking it elsewhere.

See docs/audit.md for what a passing check proves and what it does not.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from consultflow.cli.app import app
from consultflow.cli.state import Options, console, print_json

# SQLAlchemy and the storage modules load inside the commands, so that `consultflow --help` does not pay for them.
if TYPE_CHECKING:
    from storage.audit_export import Format
    from storage.audit_trail import Verdict
    from storage.db import Database

audit_app = typer.Typer(help="The tamper-evident audit trail: verify its hash chains, export it.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

BROKEN = 1
"""The exit code of a check that found a break (bad input is also 1: both say "do not trust this")."""


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


FormatOption = Annotated[ExportFormat, typer.Option("--format", help="jsonl (one JSON object a line) or csv.")]


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _database(options: Options) -> Database:
    """The database at --db, refused (with the command to run) unless its schema is current."""
    from storage.unit import SqlStorage

    return SqlStorage.open(options.db).database


def _report(options: Options, verdict: Verdict, what: str) -> None:
    if options.json:
        print_json(
            {
                "ok": verdict.ok,
                "rows": verdict.rows,
                "instances": verdict.instances,
                "breaks": [
                    {"instance": b.instance_id, "audit_id": b.audit_id, "what": b.what, "message": str(b)}
                    for b in verdict.breaks
                ],
                "more_breaks": verdict.more_breaks,
            }
        )
    else:
        for found in verdict.breaks:
            _say(str(found))
        if verdict.more_breaks:
            _say(f"... and {verdict.more_breaks} more")
        status = "intact" if verdict.ok else f"BROKEN ({len(verdict.breaks) + verdict.more_breaks} breaks)"
        instances = f"{verdict.instances} instance{'' if verdict.instances == 1 else 's'}"
        _say(f"{what}: {verdict.rows} audit rows of {instances}, chain {status}")
    if not verdict.ok:
        raise typer.Exit(BROKEN)


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    head: Annotated[
        str | None,
        typer.Option("--head", help="A head printed earlier by `consultflow audit head` (LAST_ID:SHA256) to compare."),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Check an exported trail (of `audit export`) instead of the database.")
    ] = None,
    fmt: Annotated[
        ExportFormat | None, typer.Option("--format", help="The format of --file (default: from its extension).")
    ] = None,
) -> None:
    """Recompute every audit row's hash and every chain; name each row that does not match. Exit 0 when the
    trail is intact, 1 when a row was changed, removed or re-chained."""
    from storage.audit_trail import check, instance_heads, parse_head, rows

    options: Options = ctx.obj
    expected = parse_head(head) if head is not None else None
    if file is not None:
        if expected is not None:
            raise typer.BadParameter("--head checks the database, not a file (compare the file's last hash yourself)")
        _verify_file(options, file, fmt)
        return
    database = _database(options)
    try:
        with database.snapshot() as conn:  # instance heads and rows from one committed state
            verdict = check(rows(conn), instance_heads(conn), expected)
    finally:
        database.dispose()
    _report(options, verdict, "database")


def _verify_file(options: Options, file: Path, fmt: ExportFormat | None) -> None:
    from storage.audit_export import read
    from storage.audit_trail import check

    chosen = fmt.value if fmt is not None else ("csv" if file.suffix.lower() == ".csv" else "jsonl")
    text = file.read_text(encoding="utf-8")
    verdict = check(read(text, "csv" if chosen == "csv" else "jsonl", str(file)))
    _report(options, verdict, str(file))


@audit_app.command("head")
def head_command(ctx: typer.Context) -> None:
    """Print the database-wide chain head (LAST_ID:SHA256). Keep it somewhere the database's writers cannot
    reach; `consultflow audit verify --head` later proves no row up to LAST_ID was changed since."""
    from storage.audit_trail import check, rows, settled_last_id

    options: Options = ctx.obj
    database = _database(options)
    try:
        with database.write() as conn:  # only long enough to know which ids can no longer appear
            last_id = settled_last_id(conn)
        with database.snapshot() as conn:
            verdict = check(rows(conn, up_to=last_id))
    finally:
        database.dispose()
    found = verdict.head
    if options.json:
        print_json({"head": found.token, "last_id": found.last_id, "rows": found.rows, "sha256": found.digest})
    else:
        _say(found.token)
    if not verdict.ok:
        for broken in verdict.breaks:
            sys.stderr.write(f"warning: {broken}\n")
        sys.stderr.write("warning: the trail is already broken; run `consultflow audit verify`\n")


@audit_app.command("export")
def export(
    ctx: typer.Context,
    instance: Annotated[str, typer.Option("--instance", help="The instance whose trail to write.")],
    fmt: FormatOption = ExportFormat.jsonl,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write to this file (default: standard output).")
    ] = None,
) -> None:
    """Write one instance's audit trail with each row's previous hash and hash; its last hash is the
    instance's chain head. `consultflow audit verify --file` checks such a file."""
    from engine.errors import InstanceNotFound
    from storage.audit_export import write
    from storage.audit_trail import instance_exists, rows

    options: Options = ctx.obj
    database = _database(options)
    try:
        with database.snapshot() as conn:
            if not instance_exists(conn, instance):
                raise InstanceNotFound(f"no instance '{instance}' (see `consultflow list`)")
            trail = list(rows(conn, instance_id=instance))
    finally:
        database.dispose()
    chosen: Format = "csv" if fmt is ExportFormat.csv else "jsonl"
    if output is None:
        write(trail, chosen, sys.stdout)
        return
    with output.open("w", encoding="utf-8", newline="") as out:
        count = write(trail, chosen, out)
    sys.stderr.write(f"wrote {count} audit rows of {instance} to {output}\n")
