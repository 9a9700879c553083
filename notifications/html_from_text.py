"""Write a notice's HTML template from its text template, for the languages translated from the text alone.

The Arabic, Chinese, Russian and Spanish notices are translated once, in ``<NOTICE>.body.txt``; their
``<NOTICE>.body.html`` is derived from it by :func:`html_template`, so the two parts can never say different
things. Jinja statements stay as they are; each line of text becomes one element, complete on its line (so
an ``{% if %}`` around it never leaves a tag open): ``- item`` a one-item list, ``Label: value`` a paragraph
with the label in bold, any other line a paragraph (without a bottom margin when the next line of text
belongs to the same paragraph). Text is HTML-escaped (the values are escaped by autoescaping when the
template renders) and a ``{{ fields.x_link }}`` becomes a link through the ``url`` filter.

After editing a text template, run ``python -m notifications.html_from_text es`` (or ``ar``, ``ru``, ``zh``);
``tests/unit/test_notifications_languages.py`` fails while an HTML template differs from its text.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

from notifications.rendering import TEMPLATES_DIR

DERIVED_LANGUAGES = ("ar", "es", "ru", "zh")
"""The languages whose HTML templates are derived from their text templates."""

_STATEMENT = r"(?:\{%(?:(?!%\}).)*%\}|\{#(?:(?!#\}).)*#\})"
_ONLY_STATEMENTS = re.compile(rf"^\s*(?:{_STATEMENT}\s*)+$")
_LEADING_ENDS = re.compile(r"^((?:\{%-? *end\w+ *-?%\})*)(.*)$")  # "{% endif %}- item": the end stays outside
_BRANCH = re.compile(r"^\s*\{%-? *(?:else|elif)\b")
_TOKEN = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})")
_LINK = re.compile(r"\{\{ (fields\.\w+_link) \}\}")
_LABEL = re.compile(r"^([^{}:：«»\"“”]{1,40}?)([:：])(\s?)(.*)$")


def html_template(text_template: str) -> str:
    """The HTML body template for ``text_template`` (a ``<NOTICE>.body.txt`` extending ``_layout.txt``)."""
    lines = text_template.rstrip("\n").split("\n")
    out: list[str] = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if _ONLY_STATEMENTS.match(line):
            out.append(line.replace('"_layout.txt"', '"_layout.html"'))
            continue
        match = _LEADING_ENDS.match(line)
        lead, rest = (match[1], match[2]) if match else ("", line)
        bullet = rest.startswith("- ")
        if bullet:
            rest = rest[2:]
        label = _LABEL.match(rest)
        if label and not rest.startswith("{{"):
            body = f"<strong>{_escaped(label[1] + label[2])}</strong>{label[3]}{_escaped(label[4])}"
        else:
            body = _escaped(rest)
        if bullet:
            out.append(f'{lead}<ul style="margin:0;"><li>{body}</li></ul>')
        else:
            style = ' style="margin:0;"' if _paragraph_goes_on(lines[index + 1 :]) else ""
            out.append(f"{lead}<p{style}>{body}</p>")
    return "\n".join(out) + "\n"


def _paragraph_goes_on(following: list[str]) -> bool:
    """Whether the next line of text (past statements, not past an else branch) continues the paragraph."""
    for line in following:
        if _BRANCH.match(line):
            return False
        if not _ONLY_STATEMENTS.match(line):
            return bool(line.strip())
    return False


def _escaped(line: str) -> str:
    """``line`` with its text HTML-escaped, its Jinja tags kept, its ``*_link`` values made links."""
    parts = _TOKEN.split(line)
    joined = "".join(part if i % 2 else html.escape(part, quote=False) for i, part in enumerate(parts))
    return _LINK.sub(r'<a href="{{ \1|url }}">{{ \1 }}</a>', joined)


def derive(language: str, folder: Path = TEMPLATES_DIR) -> list[Path]:
    """Rewrite every ``<NOTICE>.body.html`` of ``language`` from its ``.body.txt``; return the files changed."""
    changed = []
    for text_path in sorted((folder / language).glob("[NR]*.body.txt")):
        html_path = text_path.with_name(text_path.name.replace(".body.txt", ".body.html"))
        derived = html_template(text_path.read_text(encoding="utf-8"))
        if not html_path.is_file() or html_path.read_text(encoding="utf-8") != derived:
            html_path.write_text(derived, encoding="utf-8")
            changed.append(html_path)
    return changed


def main(argv: list[str]) -> int:
    """``python -m notifications.html_from_text LANGUAGE...``: derive the HTML templates of those languages."""
    languages = argv or list(DERIVED_LANGUAGES)
    unknown = [language for language in languages if language not in DERIVED_LANGUAGES]
    if unknown:
        print(f"not a derived language: {', '.join(unknown)} (known: {', '.join(DERIVED_LANGUAGES)})")
        return 2
    for language in languages:
        for path in derive(language):
            print(f"wrote {path.relative_to(TEMPLATES_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
