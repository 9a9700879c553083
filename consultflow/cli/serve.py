"""``consultflow serve``: the web desk and the HTTP API (uvicorn); ``consultflow accounts``: log-in passwords
and personal API tokens of directory people. Part of the composition root, so it reads its settings here."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from rich.table import Table

from consultflow.cli.app import app
from consultflow.cli.state import MAX_ROW_ID, Options, console, local, print_json
from engine.errors import ConsultflowError

SECRET_ENV = "CONSULTFLOW_SECRET_KEY"  # noqa: S105 - the variable naming the key that signs session cookies
SECURE_COOKIES_ENV = "CONSULTFLOW_SECURE_COOKIES"  # "1" behind HTTPS

accounts_app = typer.Typer(
    help="Log-in accounts of directory people and their personal API tokens.", no_args_is_help=True
)
app.add_typer(accounts_app, name="accounts")

PersonArgument = Annotated[str, typer.Argument(metavar="PERSON", help="An id of the directory.")]


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request.")] = True,
) -> None:
    """Serve the web desk and the JSON API (/api/, schema at /api/openapi.json, /health) with uvicorn."""
    import uvicorn

    from web import AccountService, WebSettings, create_app

    options: Options = ctx.obj
    engine = options.engine()
    accounts = AccountService(engine)
    settings = WebSettings(
        secret_key=os.environ.get(SECRET_ENV) or accounts.signing_secret(),
        secure_cookies=os.environ.get(SECURE_COOKIES_ENV) == "1",
    )
    try:
        uvicorn.run(
            create_app(engine, settings, accounts=accounts),
            host=host,
            port=port,
            log_level="info",
            access_log=access_log,
        )
    finally:
        engine.close()


def _read_password() -> str:
    """From a hidden prompt (asked twice) on a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline()
    if not line:
        raise ConsultflowError("no password on standard input")
    return line.rstrip("\r\n")


@accounts_app.command("set-password")
def set_password(ctx: typer.Context, person: PersonArgument) -> None:
    """Create a person's account or change its password (read from a prompt, or one line of stdin)."""
    from web import AccountService

    options: Options = ctx.obj
    created = AccountService(options.engine()).set_password(person, _read_password())
    if options.json:
        print_json({"person": person, "created": created})
    else:
        console.print(f"{'account created for' if created else 'password changed for'} {person}")


@accounts_app.command("token")
def new_token(
    ctx: typer.Context,
    person: PersonArgument,
    name: Annotated[str, typer.Option("--name", help="What the token is for (shown in the token list).")],
) -> None:
    """Create a personal API token and print it once: only its digest is stored."""
    from web import AccountService

    options: Options = ctx.obj
    made = AccountService(options.engine()).create_token(person, name)
    if options.json:
        print_json({"id": made.record.id, "name": made.record.name, "token": made.secret})
    else:
        console.print(made.secret, markup=False, soft_wrap=True)
        console.print(f"(token {made.record.id} '{made.record.name}' of {person}: it is not shown again)", style="dim")


@accounts_app.command("tokens")
def list_tokens(ctx: typer.Context, person: PersonArgument) -> None:
    """List a person's API tokens (never the secrets)."""
    from web import AccountService

    options: Options = ctx.obj
    engine = options.engine()
    tokens = AccountService(engine).tokens(person)
    if options.json:
        print_json(tokens)
        return
    zone = engine.catalogue.body.calendar.zone()
    table = Table("id", "name", "created", "last used", "revoked")
    for t in tokens:
        table.add_row(
            str(t.id),
            t.name,
            local(t.created_at, zone),
            local(t.last_used_at, zone) if t.last_used_at else "",
            local(t.revoked_at, zone) if t.revoked_at else "",
        )
    console.print(table)


@accounts_app.command("revoke")
def revoke(
    ctx: typer.Context,
    person: PersonArgument,
    token_id: Annotated[int, typer.Argument(metavar="TOKEN_ID", min=1, max=MAX_ROW_ID)],
) -> None:
    """Revoke one of a person's API tokens."""
    from web import AccountService

    options: Options = ctx.obj
    if not AccountService(options.engine()).revoke_token(person, token_id):
        raise ConsultflowError(f"{person} has no active token {token_id}")
    console.print(f"token {token_id} of {person} revoked")
