"""``consultflow report``: the Chair's report to a Council session, from the record, in one language.

The report covers the meeting given and every other meeting of its Council session whose report is approved.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from consultflow.cli.app import app
from consultflow.cli.state import Options, console, errors, parse_when, print_json
from engine.errors import ConsultflowError

_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}


def document_format(fmt: str | None, out: Path | None) -> str:
    from reports import OUTPUT_FORMATS

    if fmt is not None:
        if fmt not in OUTPUT_FORMATS:
            raise ConsultflowError(f"--format expects one of {', '.join(OUTPUT_FORMATS)}, got {fmt!r}")
        return fmt
    if out is not None and out.suffix.lower() in _SUFFIXES:
        return _SUFFIXES[out.suffix.lower()]
    return "md"


def default_file(symbol: str, fmt: str) -> Path:
    """A file in the current folder named after the document: C19/nn-F -> C19-nn-F.docx."""
    return Path(re.sub(r"[^A-Za-z0-9.-]+", "-", symbol).strip("-") + f".{fmt}")


def write_document(
    options: Options, content: bytes, symbol: str, chosen: str, revision: int, out: Path | None
) -> Path | None:
    """A generated document to ``out``, to the file its symbol names, or (Markdown without ``--out``) to stdout
    (None); its revision is already stored, which an error writing the file says."""
    to_stdout = out is None and chosen == "md" and not options.json  # with --json, stdout carries the JSON
    target = None if to_stdout else out or default_file(symbol, chosen)
    if target is None:
        console.file.write(content.decode("utf-8"))
        return None
    try:
        target.write_bytes(content)
    except OSError as exc:
        raise ConsultflowError(
            f"cannot write {target}: {exc.strerror} (revision {revision} is stored in the database)"
        ) from exc
    return target


@app.command()
def report(
    ctx: typer.Context,
    meeting_id: Annotated[
        str,
        typer.Argument(
            metavar="MEETING_INSTANCE",
            help="The meeting_cycle instance; its Council session's other approved meetings are included.",
        ),
    ],
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: fr or en.")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="md, html, docx or pdf (pdf needs LibreOffice; default: from --out's suffix, else md).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="File to write (default: md to stdout, html/docx to <symbol>.<format> here)."),
    ] = None,
    person: Annotated[str | None, typer.Option("--as", help="Who generates it (kept with the documents).")] = None,
    symbol: Annotated[
        str | None, typer.Option("--symbol", help="Council symbol, e.g. C19/51 (default: the meeting's).")
    ] = None,
    translations: Annotated[
        Path | None,
        typer.Option("--translations", help="YAML wording of the recorded decisions and venue in --lang."),
    ] = None,
    now: Annotated[
        str | None, typer.Option("--now", help="Date the report as of this ISO date/time (Geneva time).")
    ] = None,
) -> None:
    """Generate the Chair's report to Council on a meeting and the other meetings of its Council session.

    Every format is stored as a new revision of the meeting's documents.
    """
    from engine.roles import SYSTEM_ACTOR
    from reports import FORMATS, PDF, generate_report, load_translations  # python-docx loads only for a report

    options: Options = ctx.obj
    engine = options.engine()
    chosen = document_format(fmt, out)
    actor = engine.person(person).id if person and person != SYSTEM_ACTOR.id else SYSTEM_ACTOR.id
    generated = generate_report(
        engine,
        meeting_id,
        lang,
        actor=actor,
        now=parse_when(now, engine.catalogue.body.calendar.zone()),
        symbol=symbol,
        translations=load_translations(translations) if translations else None,
        formats=(*FORMATS, PDF) if chosen == PDF else FORMATS,
    )
    target = write_document(options, generated.files[chosen], generated.symbol, chosen, generated.revision, out)
    where = str(target) if target is not None else "stdout"
    if generated.untranslated:
        errors.print(
            f"note: kept as recorded ({', '.join(generated.untranslated)}); give --translations FILE "
            f"for their wording in '{lang}'",
            markup=False,
            soft_wrap=True,
        )
    if options.json:
        print_json(
            {
                "meeting": meeting_id,
                "meetings": list(generated.meeting_ids),
                "language": lang,
                "symbol": generated.symbol,
                "revision": generated.revision,
                "format": chosen,
                "path": where,
                "untranslated": list(generated.untranslated),
            }
        )
        return
    status = errors if target is None else console
    numbers = generated.report.meetings
    covers = f" on meetings {', '.join(map(str, numbers))}" if len(numbers) > 1 else ""
    status.print(
        f"{generated.symbol} ({lang}) revision {generated.revision}{covers}: {chosen} written to {where}; "
        f"{', '.join(sorted(generated.files))} stored",
        markup=False,
        soft_wrap=True,
    )
