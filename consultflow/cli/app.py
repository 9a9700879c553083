"""The ``consultflow`` command: global options and the error boundary (one line, no traceback)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from consultflow.cli.state import Options, errors
from engine.errors import Conflict, ConsultflowError, DatabaseBusy, NotAllowed, NotFound

app = typer.Typer(
    name="consultflow",
    help="Consultation workflow engine: meetings, open consultations, action items and escalations to Council.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: $CONSULTFLOW_DATABASE_URL or sqlite:///consultflow.db)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output for read commands.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
    workflows: Annotated[
        Path | None, typer.Option("--workflows", help="Folder of workflow definitions (default: the shipped ones).")
    ] = None,
) -> None:
    """Consultation workflow engine for CWG-Internet."""
    ctx.obj = Options.from_env(db, as_json, debug, workflows)


def exit_code(error: ConsultflowError) -> int:
    """3 not allowed (state, role, guard), 4 unknown id, 5 try again (changed meanwhile, busy), 1 otherwise."""
    if isinstance(error, Conflict | DatabaseBusy):
        return 5
    if isinstance(error, NotFound):
        return 4
    if isinstance(error, NotAllowed):
        return 3
    return 1


def main() -> None:
    """Entry point: run the app, turn every consultflow error into one line on stderr and an exit code."""
    from consultflow.cli import commands  # noqa: F401 - registers the sub-commands

    debug = "--debug" in sys.argv
    try:
        app()  # typer reports usage errors itself (exit 2); our errors and bugs come out here
    except ConsultflowError as exc:
        if debug:
            raise
        errors.print(Text.assemble(("error: ", "red"), str(exc)), soft_wrap=True)
        sys.exit(exit_code(exc))
    except Exception as exc:  # a bug: still one line, with the way to see more
        if debug:
            raise
        errors.print(Text.assemble(("internal error: ", "red"), f"{type(exc).__name__}: {exc} (run with --debug)"))
        sys.exit(70)
