"""What the CLI imports: a sub-command loads its heavy libraries only when it runs (issue 15, imports on demand).

``consultflow --help`` loads no database, workflow, mail, web, report or scheduler code; ``consultflow show``
loads the database and the workflows but no mail, web, report or scheduler code, and of the holidays package
only the body's country. Each check runs in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from consultflow.cli.app import command_named

ROOT = Path(__file__).resolve().parents[2]

MAIL_WEB_REPORTS_SCHEDULER = (
    "aiosmtplib",
    "aiosmtpd",
    "jinja2",
    "icalendar",
    "babel",
    "apscheduler",
    "fastapi",
    "starlette",
    "uvicorn",
    "docx",
    "email.generator",
    "email.mime",
    "notifications",
    "reports",
    "web",
    "consultflow.daemon",
    "consultflow.replay",
)
NOT_LOADED_FOR_HELP = (
    *MAIL_WEB_REPORTS_SCHEDULER,
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "psycopg",  # (not pydantic: typer itself converts some option types with it)
    "holidays",
    "yaml",
    "transitions",
    "storage",
    "engine.service",
    "engine.catalogue",
    "engine.definition",
    "engine.directory",
    "email.headerregistry",
    "consultflow.wiring",
)
NOT_LOADED_FOR_SHOW = (*MAIL_WEB_REPORTS_SCHEDULER, "alembic", "holidays.countries")

RUN_CLI = """
import contextlib, io, sys
sys.argv = ["consultflow", *sys.argv[1:]]
from consultflow.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit as exc:
        assert not exc.code, exc.code
print(",".join(m for m in {unwanted!r} if m in sys.modules))
"""


def loaded_by(unwanted: tuple[str, ...], *args: str) -> str:
    """Which of ``unwanted`` a fresh ``consultflow ARGS`` has in sys.modules when it is done."""
    code = RUN_CLI.format(unwanted=unwanted)
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT)
    return done.stdout.strip()


def test_help_loads_no_database_workflow_mail_web_or_scheduler_code() -> None:
    assert loaded_by(NOT_LOADED_FOR_HELP, "--help") == ""
    assert loaded_by(NOT_LOADED_FOR_HELP, "outbox", "--help") == ""


def test_show_loads_no_mail_web_report_or_scheduler_code(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'imports.db'}"
    setup = (
        "import sys\n"
        "from consultflow.wiring import open_engine\n"
        "from engine import Person\n"
        "engine = open_engine(sys.argv[1])\n"
        "engine.import_people([Person('sec', 'Sec', 'sec@itu.example', 'en', ('secretariat',))])\n"
        "fields = {'number': '1', 'start': '2030-01-10', 'end': '2030-01-10', 'venue': 'Geneva'}\n"
        "print(engine.start('meeting_cycle', 'sec', fields).id)\n"
    )
    started = subprocess.run([sys.executable, "-c", setup, db], capture_output=True, text=True, check=True, cwd=ROOT)
    instance = started.stdout.split()[-1]
    assert loaded_by(NOT_LOADED_FOR_SHOW, "--db", db, "show", instance) == ""


TABLE_CHECK = """
import typer.main
from consultflow.cli import commands
from consultflow.cli.app import COMMAND_MODULES, app
found = {}
for info in app.registered_commands:
    found[info.name or typer.main.get_command_name(info.callback.__name__)] = info.callback.__module__
for group in app.registered_groups:
    found[group.name] = group.typer_instance.registered_commands[0].callback.__module__
assert found == {name: f"consultflow.cli.{module}" for name, module in COMMAND_MODULES.items()}, found
print("ok")
"""


def test_the_command_table_names_the_module_that_registers_each_command() -> None:
    """`consultflow NAME` imports COMMAND_MODULES[NAME] only: the table must say where every command lives."""
    done = subprocess.run([sys.executable, "-c", TABLE_CHECK], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize(
    ("args", "command"),
    [
        ([], None),
        (["--help"], None),
        (["show", "meeting_cycle-1"], "show"),
        (["--db", "sqlite:///x.db", "--json", "show", "x"], "show"),
        (["--db", "show", "list"], "list"),  # a database file named "show"
        (["--db=sqlite:///x.db", "--workflows", "dir", "outbox", "list"], "outbox"),
        (["--debug", "--", "tick"], "tick"),
        (["--workflows"], None),
    ],
)
def test_the_command_is_the_first_word_after_the_global_options(args: list[str], command: str | None) -> None:
    assert command_named(args) == command


def test_running_one_command_registers_its_module_only() -> None:
    code = (
        "import sys\n"
        "from consultflow.cli.app import register_commands\n"
        "register_commands(['--json', 'show', 'x'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('consultflow.cli.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == str(["consultflow.cli.app", "consultflow.cli.instances", "consultflow.cli.state"])
