"""Lay a built report out as Markdown or HTML through the Jinja templates of its language.

``templates/<language>/report.md.j2`` and ``report.html.j2`` extend the shared layouts in
``templates/layout/`` (a language overrides a block when it needs to). HTML is autoescaped; Markdown
texts go through the ``md`` filter, which escapes Markdown syntax. ``StrictUndefined`` everywhere.
"""

from __future__ import annotations

import functools
import re

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reports.errors import UnknownLanguage
from reports.model import Report
from reports.wording import TEMPLATES_DIR, languages

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def escape_markdown(text: object) -> str:
    """Backslash the characters Markdown would read as syntax (emphasis, links, HTML, tables, headings)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


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
