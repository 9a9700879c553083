"""``consultflow demo``: the 12th meeting of CWG-Internet replayed on the embedded default, in seconds.

Everything it makes goes under one folder: the SQLite database, the Maildir the embedded SMTP server files
every notice in, and the Chair's report to Council in French and English (md, html, docx). The replay uses
only public parts (the scenario file, the engine API, the timers, the dispatcher, the report generator),
so a secretariat can copy ``workflows/scenarios/cwg12.yaml`` and adapt it.
"""

from __future__ import annotations

import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

import workflows
from consultflow.cli.app import app
from consultflow.cli.state import Options, console
from engine.clock import FixedClock
from engine.errors import ConsultflowError

if TYPE_CHECKING:
    from consultflow.replay import Event

SCENARIO = Path(workflows.__file__).resolve().parent / "scenarios" / "cwg12.yaml"
"""The shipped scenario, found without importing ``engine.catalogue`` (its ``SHIPPED`` is this folder too),
which would load the calendars for every ``consultflow --help``."""
STYLES = {"step": "bold", "timer": "cyan", "mail": "green", "report": "magenta"}


@app.command()
def demo(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the database, the Maildir and the reports (new).")
    ] = None,
    scenario: Annotated[Path, typer.Option("--scenario", help="Scenario file to replay.")] = SCENARIO,
) -> None:
    """Replay the 12th meeting of CWG-Internet (1 February 2019) and show where everything went."""
    # The database, mail and report stacks load only when the demo runs, not for `consultflow --help`.
    import asyncio
    import mailbox

    from consultflow.replay import Replay, load_scenario
    from consultflow.wiring import open_engine
    from notifications.dispatcher import Dispatcher, start_embedded_relay
    from reports import generate_compilation, generate_report, load_translations

    options: Options = ctx.obj
    folder = out or Path(tempfile.mkdtemp(prefix="consultflow-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "consultflow.db"
    if database.exists():
        raise ConsultflowError(f"{database} already exists: the demo needs a new folder (give another --out)")
    started = time.perf_counter()
    clock = FixedClock(datetime.fromisoformat("2018-12-01T00:00:00+00:00"))
    engine = open_engine(f"sqlite:///{database}", workflows=options.workflows, clock=clock)
    zone = engine.catalogue.body.calendar.zone()
    plan = load_scenario(scenario, zone)
    translations = {lang: load_translations(path) for lang, path in plan.translations.items()}
    server, settings = start_embedded_relay(folder, engine)
    loop = asyncio.new_event_loop()
    dispatcher = Dispatcher(engine, settings, clock=clock, say=lambda _: None)
    reports = folder / "reports"

    def deliver(now: datetime) -> int:
        clock.set(now)
        return len(loop.run_until_complete(dispatcher.flush()).sent)

    def report(instance_id: str, actor: str, at: datetime, languages: list[str]) -> list[Path]:
        """The Chair's report of a meeting, or the compilation of a consultation's responses."""
        written: list[Path] = []
        reports.mkdir(exist_ok=True)
        compiling = engine.get(instance_id).workflow == "consultation"
        for language in languages:
            generated = (
                generate_compilation(engine, instance_id, language, actor=actor, now=at)
                if compiling
                else generate_report(
                    engine, instance_id, language, actor=actor, now=at, translations=translations.get(language)
                )
            )
            stem = generated.symbol.replace("/", "-")
            for fmt, content in generated.files.items():
                path = reports / f"{stem}.{fmt}"
                path.write_bytes(content)
                written.append(path)
        return written

    def show(event: Event) -> None:
        when = event.at.astimezone(zone).strftime("%Y-%m-%d")
        line = Text.assemble((f"{when}  ", "dim"), (f"{event.text}", STYLES.get(event.kind, "")))
        if event.detail:
            line.append(f"  {event.detail}", style="dim")
        console.print(line)

    title = plan.title.get("en", plan.source.name)
    console.print(Text(title, style="bold underline"))
    try:
        result = Replay(engine, deliver=deliver, report=report, show=show).run(plan)
    finally:
        loop.run_until_complete(dispatcher.close())
        loop.close()
        server.stop()
        engine.close()
    messages = len(mailbox.Maildir(folder / "Maildir", create=False))
    console.print()
    console.print(Text(f"Done in {time.perf_counter() - started:.1f} s. Everything is under {folder}:", style="bold"))
    console.print(f"  database  {database}  (try: consultflow --db sqlite:///{database} list)")
    console.print(f"  mail      {folder / 'Maildir'}  ({messages} messages; mutt -f {folder / 'Maildir'})")
    for path in result.documents:
        console.print(f"  report    {path}")
