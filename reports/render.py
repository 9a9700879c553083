"""Lay a built report out as Markdown or HTML through the Jinja templates of its language.

``templates/<language>/report.md.j2`` and ``report.html.j2`` extend the shared layouts in
``templates/layout/`` (a language overrides a block when it needs to). HTML is autoescaped; Markdown
texts go through the ``md`` filter, which escapes Markdown syntax. ``StrictUndefined`` everywhere.
"""

from __future__ import annotations

import functools
import re

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from reports.errors import UnknownLanguage
from reports.model import Report
from reports.typography import NB_HYPHEN, NBSP, language_tag, ordinal_pieces, typeset
from reports.wording import TEMPLATES_DIR, languages

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
_UNBREAKABLE = re.compile(rf"\S*{NB_HYPHEN}\S*")
_BLOCK_START = re.compile(r"^([-+=]|\d+(?=[.)]))")  # what would start a list, a heading underline, a numbered list


def escape_markdown(text: object) -> str:
    """Backslash the characters Markdown would read as syntax (emphasis, links, HTML, tables, headings)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def escape_markdown_line(text: object) -> str:
    """A line of a text as typed, escaped so that Markdown keeps it a plain line ("- ...", "1. ..." stay text)."""
    escaped = escape_markdown(text)
    return _BLOCK_START.sub(lambda m: "\\" + m[0] if not m[0].isdigit() else m[0] + "\\", escaped, count=1)


def typeset_html(text: object, language: str) -> Markup:
    """Escaped HTML of ``text`` typeset: ``&nbsp;``, hyphenated codes kept on one line, French ordinals in <sup>.

    A code stays on one line through CSS (``span.nobr``) rather than U+2011, so that it is still found
    when searched for or copied ("GTC-Internet").
    """
    parts = []
    for piece, superscript in ordinal_pieces(typeset(str(text), language), language):
        html = str(escape(piece))
        html = _UNBREAKABLE.sub(lambda m: f'<span class="nobr">{m[0].replace(NB_HYPHEN, "-")}</span>', html)
        html = html.replace(NBSP, "&nbsp;")
        parts.append(f"<sup>{html}</sup>" if superscript else html)
    return Markup("".join(parts))  # noqa: S704 - every piece was escaped above


@functools.cache
def environment() -> Environment:
    """The cached Jinja environment of the report layouts."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["md"] = escape_markdown
    env.filters["md_line"] = escape_markdown_line
    env.filters["typeset"] = typeset_html
    env.filters["language_tag"] = language_tag
    return env


def _render(report: Report, name: str) -> str:
    if report.language not in languages():
        raise UnknownLanguage(report.language, languages())
    return environment().get_template(f"{report.language}/{name}").render(report=report)


def render_markdown(report: Report) -> str:
    """The report as Markdown (CommonMark with a GitHub table for the title block)."""
    lines = [line.rstrip() for line in _render(report, "report.md.j2").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page."""
    lines = [line.rstrip() for line in _render(report, "report.html.j2").splitlines()]
    return "\n".join(line for line in lines if line) + "\n"
