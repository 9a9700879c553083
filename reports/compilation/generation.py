"""Generate the compilation of responses to an open consultation and store it as documents of the consultation.

One generation is one revision, as for the Chair's report (``reports.generation``): every format asked for is
stored under the same new revision number, kind ``compilation``, the symbol with the language suffix
("OPCWGINT6/2-E"), so building again after a late correction keeps the earlier revision and adds the next.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from engine import Engine
from engine.clock import aware_utc
from engine.errors import InstanceNotFound
from engine.roles import SYSTEM_ACTOR
from reports.compilation.builder import build_compilation, languages
from reports.compilation.model import Compilation
from reports.compilation.record import ConsultationRecord
from reports.compilation.render import render_compilation_html, render_compilation_markdown
from reports.compilation.word import render_compilation_docx
from reports.errors import NoCompilationSymbol, NotAConsultation, UnknownFormat, UnknownLanguage
from reports.generation import FORMATS, OUTPUT_FORMATS, PDF
from reports.pdf import docx_to_pdf
from reports.settings import BodySettings

KIND = "compilation"
WORKFLOW = "consultation"
_RENDERERS: dict[str, Callable[[Compilation], bytes]] = {
    "md": lambda c: render_compilation_markdown(c).encode("utf-8"),
    "html": lambda c: render_compilation_html(c).encode("utf-8"),
    "docx": render_compilation_docx,
}


@dataclass(frozen=True)
class GeneratedCompilation:
    """A stored generation: the consultation it is stored on, its revision, symbol and the bytes of each format."""

    consultation_id: str
    language: str
    symbol: str
    revision: int
    files: Mapping[str, bytes]
    compilation: Compilation


def render_compilation(compilation: Compilation, fmt: str, *, soffice: str | None = None) -> bytes:
    """The compilation in one format: ``md``, ``html``, ``docx`` or ``pdf`` (the .docx through LibreOffice)."""
    if fmt == PDF:
        return docx_to_pdf(render_compilation_docx(compilation), soffice=soffice)
    if fmt not in _RENDERERS:
        raise UnknownFormat(fmt, OUTPUT_FORMATS)
    return _RENDERERS[fmt](compilation)


def read_consultation(engine: Engine, consultation_id: str) -> ConsultationRecord:
    """The consultation, its topic's title and its responses (spam left out), as plain data."""
    consultation = engine.get(consultation_id)
    if consultation.workflow != WORKFLOW:
        raise NotAConsultation(consultation_id, consultation.workflow)
    topic_id = consultation.fields.get("topic")
    try:
        topic = engine.get(str(topic_id)) if topic_id else None
    except InstanceNotFound:
        topic = None  # the title of the consultation stands for it
    return ConsultationRecord.from_instances(consultation, topic)


def generate_compilation(
    engine: Engine,
    consultation_id: str,
    language: str,
    formats: Sequence[str] = FORMATS,
    *,
    actor: str = SYSTEM_ACTOR.id,
    now: datetime | None = None,
    symbol: str | None = None,
    soffice: str | None = None,
) -> GeneratedCompilation:
    """Build the compilation of ``consultation_id``'s responses in ``language``, render ``formats``, store a revision.

    ``symbol`` overrides the consultation's ``compilation_symbol`` (recorded by ``publish_compilation``, so
    needed to build the document before it is published). ``now`` (aware; default the engine's clock) dates it
    in the body's time zone. ``pdf`` needs LibreOffice and is refused before anything is stored without it.
    """
    if language not in languages():
        raise UnknownLanguage(language, languages(), "compilation")
    for fmt in formats:
        if fmt not in OUTPUT_FORMATS:
            raise UnknownFormat(fmt, OUTPUT_FORMATS)
    record = read_consultation(engine, consultation_id)
    chosen = (symbol or "").strip() or record.symbol
    if not chosen:
        raise NoCompilationSymbol(consultation_id, record.state)
    at = aware_utc(now, "now") if now is not None else aware_utc(engine.clock.now())
    body = engine.catalogue.body
    compilation = build_compilation(
        record,
        BodySettings.from_body(body),
        language,
        issued_on=at.astimezone(body.calendar.zone()).date(),
        symbol=chosen,
    )
    files = {fmt: render_compilation(compilation, fmt) for fmt in dict.fromkeys(formats) if fmt != PDF}
    if PDF in formats:
        files[PDF] = docx_to_pdf(files.get("docx") or render_compilation_docx(compilation), soffice=soffice)
    revision = engine.save_documents(consultation_id, KIND, compilation.symbol, language, files, actor, now=at)
    return GeneratedCompilation(consultation_id, language, compilation.symbol, revision, files, compilation)
