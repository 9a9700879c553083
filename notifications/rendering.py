"""Render a notice (subject, plain text, HTML) in the reader's language.

Templates live in ``templates/<language>/<NOTICE>.subject.txt``, ``.body.txt`` and ``.body.html``.
A notice is rendered in the reader's language when all three of its files exist in that language's
folder; otherwise the whole notice falls back to English, so one message never mixes two languages.
Shared pieces (``_layout.html``, ``_layout.txt``) fall back file by file. One Environment is cached per
language, with ``StrictUndefined`` and autoescaping for ``.html`` files only; its filters (``filters.py``) show
dates and times in the time zone of the body in the context being rendered.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar, cast

import jinja2
import markupsafe
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from engine.yamlsource import load_yaml
from notifications.context import LANGUAGES, NoticeContext
from notifications.errors import RenderError, TemplateMissing, UnknownLanguage
from notifications.filters import template_filters

TEMPLATES_DIR = Path(__file__).parent / "templates"
FALLBACK_LANGUAGE = "en"
PARTS = ("subject.txt", "body.txt", "body.html")
MAX_SUBJECT = 200
"""The longest subject sent, in characters: past it the subject is cut with an ellipsis and given whole in the body."""
MAX_VALUE_CHARS = 20_000
"""The longest string a template is given (the engine's limit for multi-line text); see ``capped``."""
ELLIPSIS = "\u2026"
T = TypeVar("T")
_BODY_TAG = re.compile(r"<body[^>]*>", re.IGNORECASE)
_NOTICE_FILE = re.compile(r"^(?P<id>[NR]\d{2}[a-z]?)\.subject\.txt$")


@dataclass(frozen=True)
class TranslationStatus:
    """What ``templates/<language>/meta.yaml`` says of a language's templates (never shown in a mail).

    ``status`` is ``reviewed`` for a language checked by a translator (English and French, which have no
    ``meta.yaml``) and ``machine-draft`` for a draft awaiting a translator's review (Arabic, Chinese, Russian,
    Spanish); ``note`` says what is awaited.
    """

    language: str
    status: str
    note: str = ""

    @property
    def needs_review(self) -> bool:
        """Whether a translator still has to review this language's notices."""
        return self.status != "reviewed"


@dataclass(frozen=True)
class RenderedNotice:
    """A rendered notice; ``language_used`` is the reader's language or ``en`` after a fallback."""

    subject: str
    text: str
    html: str
    language_used: str


def notice_ids(language: str = FALLBACK_LANGUAGE) -> list[str]:
    """The notice ids that have a subject template in ``language``'s folder, sorted."""
    folder = TEMPLATES_DIR / language
    if not folder.is_dir():
        return []
    found = (_NOTICE_FILE.match(path.name) for path in folder.iterdir())
    return sorted(match["id"] for match in found if match)


def translation_status(language: str) -> TranslationStatus:
    """The review status of ``language``'s templates, read from its ``meta.yaml`` (``reviewed`` without one)."""
    if language not in LANGUAGES:
        raise UnknownLanguage(language)
    meta = TEMPLATES_DIR / language / "meta.yaml"
    if not meta.is_file():
        return TranslationStatus(language, "reviewed")
    data = load_yaml(meta.read_text(encoding="utf-8")) or {}
    return TranslationStatus(language, str(data.get("status", "reviewed")), str(data.get("note", "")).strip())


def is_translated(notice_id: str, language: str) -> bool:
    """Whether all three files of ``notice_id`` exist in ``language``'s folder.

    The answer is kept until the folder changes (a file added, removed or renamed in it changes its
    modification time): one ``stat`` per message instead of three.
    """
    folder = TEMPLATES_DIR / language
    try:
        version = folder.stat().st_mtime_ns
    except OSError:
        return False
    key = (folder, notice_id)
    known = _translated.get(key)
    if known is not None and known[0] == version:
        return known[1]
    answer = all((folder / f"{notice_id}.{part}").is_file() for part in PARTS)
    _translated[key] = (version, answer)
    return answer


_translated: dict[tuple[Path, str], tuple[int, bool]] = {}
"""``is_translated`` by (folder, notice): the folder's modification time when it was answered, and the answer."""


class _Undefined(StrictUndefined):
    """StrictUndefined that is simply false in ``{% if %}``: printing, iterating or formatting it still fails.

    Optional fields that a step did not set can then be tested with ``{% if fields.x %}`` while a
    required value that is missing (or misspelt) is still an error at render time.
    """

    __slots__ = ()

    def __bool__(self) -> bool:  # type: ignore[override]  # StrictUndefined types it as always raising
        return False


@functools.cache
def environment(language: str) -> Environment:
    """The cached Jinja environment for ``language`` (its folder first, then English)."""
    if language not in LANGUAGES:
        raise UnknownLanguage(language)
    folders = [TEMPLATES_DIR / language]
    if language != FALLBACK_LANGUAGE:
        folders.append(TEMPLATES_DIR / FALLBACK_LANGUAGE)
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(folder) for folder in folders]),
        undefined=_Undefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(template_filters(language))
    env.globals["lang"] = language
    return env


def render_notice(notice_id: str, language: str, context: NoticeContext) -> RenderedNotice:
    """Render ``notice_id`` for a reader of ``language`` (falling back to English) from ``context``."""
    if language not in LANGUAGES:
        raise UnknownLanguage(language)
    used = language if is_translated(notice_id, language) else FALLBACK_LANGUAGE
    if not is_translated(notice_id, used):
        missing = next(p for p in PARTS if not (TEMPLATES_DIR / used / f"{notice_id}.{p}").is_file())
        raise TemplateMissing(notice_id, language, f"{notice_id}.{missing}")
    env = environment(used)
    variables = capped({**context, "fields": context["instance"]["fields"]})
    subject, text, html = (_render(env, notice_id, used, part, variables) for part in PARTS)
    return bounded(RenderedNotice(subject=subject.strip(" "), text=_tidy(text), html=html, language_used=used))


def capped(value: T) -> T:
    """``value`` with every string in it cut at MAX_VALUE_CHARS characters (marked with an ellipsis).

    The engine refuses longer values where they enter (text 500, multi-line text 20,000 characters), so this
    only shortens values stored before it did: one such value must not make every notice that shows it
    megabytes long and slow to build.
    """
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE_CHARS else cast(T, value[: MAX_VALUE_CHARS - 1] + ELLIPSIS)
    if isinstance(value, dict):
        return cast(T, {k: capped(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return cast(T, type(value)(capped(v) for v in value))
    return value


def short_subject(subject: str, limit: int = MAX_SUBJECT) -> str:
    """``subject`` cut to at most ``limit`` characters, the cut marked with an ellipsis."""
    if len(subject) <= limit:
        return subject
    return subject[: limit - 1].rstrip() + ELLIPSIS


def bounded(rendered: RenderedNotice) -> RenderedNotice:
    """The notice with its subject at most MAX_SUBJECT characters; a cut subject is given whole atop the body.

    A long subject is no use in a mail client's list, and folding a long non-ASCII header is superlinear in
    Python's email package (a 300k-character title took seconds per message): the bound keeps building a
    message fast whatever a field holds, and the reader still gets every word.
    """
    if len(rendered.subject) <= MAX_SUBJECT:
        return rendered
    full = rendered.subject
    short = short_subject(full)
    if full[len(short) - 1 :] in rendered.text:  # the words cut off (a title, say) are in the body already
        return replace(rendered, subject=short)
    text = f"{full}\n\n{rendered.text}"
    heading = f'<p style="font-weight:bold;">{markupsafe.escape(full)}</p>\n'
    body = _BODY_TAG.search(rendered.html)
    at = body.end() if body else 0
    html = rendered.html[:at] + ("\n" if body else "") + heading + rendered.html[at:]
    return replace(rendered, subject=short, text=text, html=html)


def _tidy(text: str) -> str:
    """Drop trailing spaces and runs of blank lines that template conditionals leave in plain text."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def _render(env: Environment, notice_id: str, language: str, part: str, variables: dict[str, object]) -> str:
    """Render one template file, turning every template or filter failure into a RenderError."""
    name = f"{notice_id}.{part}"
    try:
        return env.get_template(name).render(variables)
    except jinja2.TemplateNotFound as exc:
        raise TemplateMissing(notice_id, language, str(exc.name)) from exc
    except (jinja2.TemplateError, TypeError, ValueError, KeyError, AttributeError) as exc:
        raise RenderError(notice_id, language, name, f"{type(exc).__name__}: {exc}") from exc
