"""The typography of a printed report: where a line may not break, and which ordinals are superscript.

``typeset`` returns the text with no-break spaces (U+00A0) and no-break hyphens (U+2011) where French and
English typography keep words together: a day and its month and year ("1 février 2019"), an abbreviation
and what it qualifies ("Rév. Dubaï", "Mod. 2015"), a reference and its number ("Résolution 102",
"Section 2.2", "point 2.2 c)"), a document and its symbol ("WG-Internet 12/5"), and the hyphens of codes
and symbols ("GTC-Internet", "C19/54-F", "10-20 juin"). ``ordinal_pieces`` splits a typeset text into
pieces to print normally or as a superscript ordinal suffix ("1er", "12e" in French; the UN and ITU
English style leaves "12th" on the line). The Markdown stays plain text; the Word and HTML renderers use
these. ``language_tag`` is the tag a document declares (``fr-CH``, ``en-GB``).
"""

from __future__ import annotations

import re

NBSP = "\u00a0"
NB_HYPHEN = "\u2011"

# The languages as the ITU secretariat in Geneva writes them; others take their usual region.
_TAGS = {"en": "en-GB", "fr": "fr-CH", "es": "es-ES", "ru": "ru-RU", "ar": "ar-SA", "zh": "zh-CN"}

_MONTHS = (
    "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|"
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
_REFERENCE_WORDS = (
    "Résolutions?|Resolutions?|Décisions?|Decisions?|Recommandations?|Recommendations?|Sections?|"
    "[Dd]ocuments?|[Pp]oints?|[Pp]aragraphes?|[Pp]aragraphs?|[Aa]rticles?|[Aa]nnexe?s?|No\\.|n°|N°"
)
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"\b(\d{{1,2}}(?:er)?) ({_MONTHS})\b"), rf"\1{NBSP}\2"),  # "1er février", "10 June"
    (re.compile(rf"\b({_MONTHS}) (\d{{4}})\b"), rf"\1{NBSP}\2"),  # "février 2019"
    (re.compile(r"(?<!\w)(Rév\.|Rev\.|Mod\.|Add\.|Corr\.) "), rf"\1{NBSP}"),  # "(Rév. Dubaï", "(Mod. 2015)"
    (re.compile(rf"(?<!\w)({_REFERENCE_WORDS}) (?=[A-Z]{{0,4}}\d)"), rf"\1{NBSP}"),  # "Résolution 102", "C19/54"
    (re.compile(r"\b(\d+(?:\.\d+)+) (?=[a-z]\))"), rf"\1{NBSP}"),  # "2.2 c)"
    (re.compile(r"(\S) (?=\d+/\d+\b)"), rf"\1{NBSP}"),  # "WG-Internet 12/5"
    (re.compile(r"« "), f"«{NBSP}"),
    (re.compile(r" »"), f"{NBSP}»"),
)
_TOKEN = re.compile(r"\S+")
_CODE = re.compile(r"[A-Z][^\s-]*[A-Z]|\d")  # two capitals ("GTC-", "CWG-") or a digit ("C19/54-F", "10-20")
_FRENCH_ORDINAL = re.compile(r"(?<![\w/.])(\d+)(er|re|e|es)(?![\w])")


def language_tag(language: str) -> str:
    """The language tag a document in ``language`` declares: "fr" -> "fr-CH", "en" -> "en-GB"."""
    return _TAGS.get(language, language)


def typeset(text: str, language: str) -> str:
    """``text`` with no-break spaces and hyphens where the line must not break (see the module docstring)."""
    del language  # the rules hold in French and English alike; kept for languages that will differ
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return _TOKEN.sub(_unbreakable_code, text)


def _unbreakable_code(token: re.Match[str]) -> str:
    word = token[0]
    if "-" not in word:
        return word
    head = word.rsplit("-", 1)[0]
    return word.replace("-", NB_HYPHEN) if _CODE.search(head) else word


def ordinal_pieces(text: str, language: str) -> list[tuple[str, bool]]:
    """``text`` as (piece, superscript) pieces: the suffix of a French ordinal ("1er", "12e") is superscript."""
    if language != "fr":
        return [(text, False)] if text else []
    pieces: list[tuple[str, bool]] = []
    last = 0
    for found in _FRENCH_ORDINAL.finditer(text):
        pieces.append((text[last : found.start(2)], False))
        pieces.append((found[2], True))
        last = found.end()
    pieces.append((text[last:], False))
    return [(piece, sup) for piece, sup in pieces if piece]
