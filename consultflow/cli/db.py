"""``consultflow db``: schema migrations."""

from __future__ import annotations

import typer

from consultflow.cli.app import app
from consultflow.cli.state import Options, console, print_json

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create or upgrade the database schema to this version's newest revision."""
    from storage.db import Database  # SQLAlchemy and Alembic load only for this command

    options: Options = ctx.obj
    database = Database(options.db)
    try:
        before, after = database.upgrade()
    finally:
        database.dispose()
    if options.json:
        print_json({"before": before, "after": after})
    elif before == after:
        console.print(f"schema already at revision {after}")
    else:
        console.print(f"schema upgraded from {before or 'empty'} to {after}")


@db_app.command("status")
def status(ctx: typer.Context) -> None:
    """Show the schema revision of the database and the one this version needs."""
    from storage.db import Database  # SQLAlchemy and Alembic load only for this command

    options: Options = ctx.obj
    database = Database(options.db)
    try:
        current, head = database.current_revision(), database.head_revision()
    finally:
        database.dispose()
    if options.json:
        print_json({"current": current, "head": head, "up_to_date": current == head})
    else:
        console.print(f"database at {current or 'empty'}; this consultflow needs {head}")
