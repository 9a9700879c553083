"""The ``consultflow`` command: global options and the error boundary (one line, no traceback)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.text import Text

# typer 0.29 vendors click: its exceptions are only importable from here (the version is pinned in requirements.lock).
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

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


MAX_ERROR_CHARS = 1000
"""An error line longer than this is cut with an ellipsis (a refused value may be megabytes long)."""


def one_line(text: str) -> str:
    """``text`` as one line: driver notes such as SQLAlchemy's "(Background on this error ...)" dropped,
    the remaining lines joined with "; ", and cut past MAX_ERROR_CHARS."""
    lines = [line.strip() for line in text.splitlines()]
    kept = [line for line in lines if line and not line.startswith("(Background on this error")]
    joined = "; ".join(kept) or text.strip()
    return joined if len(joined) <= MAX_ERROR_CHARS else joined[: MAX_ERROR_CHARS - 1] + "\u2026"


def _fail(prefix: str, message: str, code: int) -> NoReturn:
    errors.print(Text.assemble((prefix, "red"), one_line(message)), soft_wrap=True)
    sys.exit(code)


def _usage(exc: UsageError) -> str:
    """A usage error in one sentence, with the command's --help to see more (instead of typer's boxed panel)."""
    where = exc.ctx.command_path if exc.ctx is not None else "consultflow"
    return f"{exc.format_message().rstrip('.')} (see `{where} --help`)"


DRIVER_MODULES = ("sqlalchemy.", "sqlite3", "psycopg.", "alembic.")
"""Where a database driver's own exceptions come from (recognised by module, so the CLI imports no driver)."""


def _os_error(exc: OSError) -> str:
    if exc.filename is not None and exc.strerror:
        return f"cannot use {exc.filename}: {exc.strerror}"
    return f"{type(exc).__name__}: {exc}"


# The module of each command and command group, so that running one imports (and typer builds) only its own
# module's commands: `consultflow show` then skips the imports of the other eleven modules and typer's
# building of some thirty commands, a tenth of `import sqlmodel`. tests/unit/test_imports.py checks this
# table against what the modules register.
COMMAND_MODULES: dict[str, str] = {
    "check": "check",
    "report": "report",
    "compilation": "compilation",
    "demo": "demo",
    "start": "instances",
    "fire": "instances",
    "show": "instances",
    "history": "instances",
    "list": "instances",
    "serve": "serve",
    "accounts": "serve",
    "tick": "timers",
    "upcoming": "timers",
    "run": "timers",
    "audit": "audit",
    "db": "db",
    "outbox": "outbox",
    "notices": "outbox",
    "people": "people",
    "workflows": "workflows",
}
GLOBAL_OPTIONS_WITH_VALUE = frozenset({"--db", "--workflows"})
"""The options of main_options that take a value (``--db URL``); the others are flags."""


def command_named(args: Sequence[str]) -> str | None:
    """The command ``args`` run (the first word after the global options), or None (``--help``, no command)."""
    words = iter(args)
    for word in words:
        if word in GLOBAL_OPTIONS_WITH_VALUE:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def register_commands(args: Sequence[str]) -> None:
    """Register the module of the command ``args`` run, or every command (help, no command, a mistyped one)."""
    module = COMMAND_MODULES.get(command_named(args) or "")
    if module is None:
        from consultflow.cli import commands  # noqa: F401 - registers every sub-command
    else:
        importlib.import_module(f"consultflow.cli.{module}")


def main() -> None:
    """Entry point: run the app, turn every error into one line on stderr and a documented exit code.

    Usage errors (unknown option, missing argument, a value out of range) are bad input: exit 1, like a
    value the engine refuses. A bug is still one line ("internal error", exit 70); ``--debug`` re-raises
    everything with its traceback.
    """
    register_commands(sys.argv[1:])

    debug = "--debug" in sys.argv
    try:
        code = app(standalone_mode=False)  # typer raises usage errors instead of printing its box
    except NoArgsIsHelpError as exc:  # `consultflow people`: the group's help is what was asked for
        print(exc.format_message())
        sys.exit(0)
    except UsageError as exc:
        if debug:
            raise
        _fail("error: ", _usage(exc), 1)
    except ClickException as exc:
        if debug:
            raise
        _fail("error: ", exc.format_message(), 1)
    except typer.Abort:
        _fail("error: ", "aborted", 1)
    except ConsultflowError as exc:
        if debug:
            raise
        _fail("error: ", str(exc), exit_code(exc))
    except OSError as exc:  # the file system or the network said no: the user's to fix, not a bug
        if debug:
            raise
        _fail("error: ", _os_error(exc), 1)
    except Exception as exc:
        if debug:
            raise
        if type(exc).__module__.startswith(DRIVER_MODULES):  # storage should have translated it (see storage/db.py)
            _fail("error: ", f"database error: {type(exc).__name__}: {exc}", 1)
        _fail("internal error: ", f"{type(exc).__name__}: {exc} (run with --debug)", 70)  # a bug: still one line
    if isinstance(code, int) and code != 0:  # typer.Exit(N) raised by a command
        sys.exit(code)
