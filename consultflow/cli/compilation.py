"""``consultflow compilation``: the compilation of responses to an open consultation, from the record, in one language.

Every format is stored as a new revision of the consultation's ``compilation`` documents, as ``consultflow
report`` stores the Chair's report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from consultflow.cli.app import app
from consultflow.cli.report import document_format, write_document
from consultflow.cli.state import Options, console, errors, parse_when, print_json


@app.command()
def compilation(
    ctx: typer.Context,
    consultation_id: Annotated[
        str, typer.Argument(metavar="CONSULTATION", help="The consultation instance whose responses are compiled.")
    ],
    lang: Annotated[str, typer.Option("--lang", help="Language of the compilation: fr or en.")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="md, html, docx or pdf (pdf needs LibreOffice; default: from --output's suffix, else md)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--output", "--out", "-o", help="File to write (default: md to stdout, html/docx to <symbol>.<format>)."
        ),
    ] = None,
    person: Annotated[str | None, typer.Option("--as", help="Who builds it (kept with the documents).")] = None,
    symbol: Annotated[
        str | None,
        typer.Option(
            "--symbol", help="Document symbol, e.g. OPCWGINT6/2 (default: the consultation's, set when published)."
        ),
    ] = None,
    now: Annotated[str | None, typer.Option("--now", help="Date it as of this ISO date/time (Geneva time).")] = None,
) -> None:
    """Build the compilation of the responses to an open consultation, grouped by stakeholder type.

    Responses marked as spam are left out. md, html and docx are stored as a new revision of the
    consultation's documents (and pdf too when asked for).
    """
    from engine.roles import SYSTEM_ACTOR
    from reports import FORMATS, PDF, generate_compilation  # python-docx loads only for a compilation

    options: Options = ctx.obj
    engine = options.engine()
    chosen = document_format(fmt, out)
    actor = engine.person(person).id if person and person != SYSTEM_ACTOR.id else SYSTEM_ACTOR.id
    generated = generate_compilation(
        engine,
        consultation_id,
        lang,
        actor=actor,
        now=parse_when(now, engine.catalogue.body.calendar.zone()),
        symbol=symbol,
        formats=(*FORMATS, PDF) if chosen == PDF else FORMATS,
    )
    target = write_document(options, generated.files[chosen], generated.symbol, chosen, generated.revision, out)
    where = str(target) if target is not None else "stdout"
    built = generated.compilation
    if options.json:
        print_json(
            {
                "consultation": consultation_id,
                "language": lang,
                "symbol": generated.symbol,
                "revision": generated.revision,
                "format": chosen,
                "path": where,
                "responses": built.count,
                "spam_left_out": built.spam,
            }
        )
        return
    status = errors if target is None else console
    spam = f" ({built.spam} marked as spam left out)" if built.spam else ""
    status.print(
        f"{generated.symbol} ({lang}) revision {generated.revision}, {built.count} responses{spam}: "
        f"{chosen} written to {where}; {', '.join(sorted(generated.files))} stored",
        markup=False,
        soft_wrap=True,
    )
