"""Lay a built compilation out as Markdown or HTML through ``templates/<language>/compilation.{md,html}.j2``.

The templates extend the shared layouts in ``templates/layout/`` and run in the report's Jinja environment
(``reports.render.environment``): HTML autoescaped and typeset, Markdown escaped, ``StrictUndefined``.
"""

from __future__ import annotations

import re

from reports.compilation.builder import languages
from reports.compilation.model import Compilation
from reports.errors import UnknownLanguage
from reports.render import environment


def _render(compilation: Compilation, name: str) -> str:
    if compilation.language not in languages():
        raise UnknownLanguage(compilation.language, languages(), "compilation")
    return environment().get_template(f"{compilation.language}/{name}").render(compilation=compilation)


def render_compilation_markdown(compilation: Compilation) -> str:
    """The compilation as Markdown (CommonMark with a GitHub table for the title block)."""
    lines = [line.rstrip() for line in _render(compilation, "compilation.md.j2").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def render_compilation_html(compilation: Compilation) -> str:
    """The compilation as one self-contained HTML page."""
    lines = [line.rstrip() for line in _render(compilation, "compilation.html.j2").splitlines()]
    return "\n".join(line for line in lines if line) + "\n"
