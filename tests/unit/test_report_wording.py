"""Dates, mandate references, symbols and the per-language wording files of the report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.formatting import format_day, join_words, span_ends
from reports import TranslationsError, UnknownLanguage, languages, load_translations, symbol_in
from reports.references import ReferenceWording, cite, parse_reference
from reports.render import escape_markdown
from reports.wording import TEMPLATES_DIR, wording


@pytest.mark.parametrize(
    ("language", "day", "expected"),
    [
        ("fr", date(2019, 2, 1), "1er février 2019"),
        ("en", date(2019, 2, 1), "1 February 2019"),
        ("fr", date(2019, 3, 29), "29 mars 2019"),
        ("en", date(2017, 9, 20), "20 September 2017"),
    ],
)
def test_days_in_the_readers_language(language: str, day: date, expected: str) -> None:
    """Babel's long date, day first, and "1er" for the first of the month in French."""
    assert format_day(language, day) == expected


@pytest.mark.parametrize(
    ("language", "start", "end", "expected"),
    [
        ("en", date(2017, 9, 20), date(2017, 9, 22), ("20", "22 September 2017")),
        ("fr", date(2019, 2, 1), date(2019, 2, 2), ("1er", "2 février 2019")),
        ("fr", date(2019, 1, 30), date(2019, 2, 1), ("30 janvier", "1er février 2019")),
        ("en", date(2018, 12, 31), date(2019, 1, 1), ("31 December 2018", "1 January 2019")),
    ],
)
def test_span_ends_share_what_both_ends_share(language: str, start: date, end: date, expected: tuple[str, str]) -> None:
    """The first end drops the year (and month) it shares with the second."""
    assert span_ends(language, start, end) == expected


def test_a_span_cannot_end_before_it_starts() -> None:
    """A meeting ending before it starts is a record error, said plainly."""
    with pytest.raises(ValueError, match="ends"):
        span_ends("en", date(2019, 2, 2), date(2019, 2, 1))


def _reference_words(language: str) -> ReferenceWording:
    w = wording(language)
    return ReferenceWording(
        kinds={k: (v[0], v[1]) for k, v in w.table("references.kinds").items()},
        qualifiers=w.table("references.qualifiers"),
        places=w.table("references.places"),
        join=lambda items: join_words(language, items),
    )


def test_references_are_parsed_into_kind_number_and_edition() -> None:
    """ "Resolution 102 (Rev. Dubai, 2018)" has a kind, a number, a qualifier, a place and a year."""
    ref = parse_reference("Resolution 102 (Rev. Dubai, 2018)")
    assert (ref.kind, ref.number, ref.qualifier, ref.place, ref.year) == ("resolution", "102", "rev", "Dubai", "2018")
    assert parse_reference("Resolution 1305 (2009)").year == "2009"
    assert parse_reference("the Tunis Agenda").verbatim == "the Tunis Agenda"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Résolutions 1305 (2009), 1336 (Mod. 2015) et 102 (Rév. Dubaï, 2018)"),
        ("en", "Resolutions 1305 (2009), 1336 (Mod. 2015) and 102 (Rev. Dubai, 2018)"),
    ],
)
def test_references_of_one_kind_are_cited_together(language: str, expected: str) -> None:
    """One kind name in the plural, the numbers joined as a sentence joins words, editions in the language."""
    refs = [parse_reference(r) for r in ("Resolution 1305 (2009)", "Resolution 1336 (Mod. 2015)")]
    refs.append(parse_reference("Resolution 102 (Rev. Dubai, 2018)"))
    assert cite(refs, _reference_words(language)) == (expected, True)


def test_a_single_reference_is_singular_and_mixed_kinds_are_named_each() -> None:
    """One resolution is "Résolution"; a decision beside it keeps its own name; unparsed text stays as written."""
    words = _reference_words("fr")
    assert cite([parse_reference("Resolution 1305 (2009)")], words) == ("Résolution 1305 (2009)", False)
    mixed = [parse_reference(r) for r in ("Resolution 1305 (2009)", "Decision 11 (Rev. Dubai, 2018)", "Tunis Agenda")]
    assert cite(mixed, words) == ("Résolution 1305 (2009), Décision 11 (Rév. Dubaï, 2018) et Tunis Agenda", True)


@pytest.mark.parametrize(
    ("symbol", "language", "expected"),
    [("C19/nn", "fr", "C19/nn-F"), ("C19/51", "en", "C19/51-E"), ("C19/51-E", "fr", "C19/51-F")],
)
def test_council_symbols_get_the_language_suffix(symbol: str, language: str, expected: str) -> None:
    """Council documents are suffixed by language (E, F, S, R, A, C); an existing suffix is replaced."""
    assert symbol_in(language, symbol) == expected


def _keys(node: Any, prefix: str = "") -> set[str]:
    if not isinstance(node, dict) or prefix.endswith((".known", ".places")):  # glossaries differ by language
        return {prefix}
    found: set[str] = set()
    for key, value in node.items():
        found |= _keys(value, f"{prefix}.{key}" if prefix else str(key))
    return found


def test_every_language_has_the_same_wording_keys() -> None:
    """en and fr are complete: the same keys, so no sentence is missing in either language."""
    assert languages() == ("en", "fr")
    files = {lang: yaml.safe_load((TEMPLATES_DIR / lang / "wording.yaml").read_text("utf-8")) for lang in languages()}
    assert _keys(files["en"]) == _keys(files["fr"])
    for lang in languages():
        assert (TEMPLATES_DIR / lang / "report.md.j2").is_file() and (TEMPLATES_DIR / lang / "report.html.j2").is_file()


def test_unknown_language_is_refused_with_the_available_ones() -> None:
    """Asking for Spanish says which languages exist."""
    with pytest.raises(UnknownLanguage, match=r"'es' \(available: en, fr\)"):
        wording("es")


def test_markdown_escape_neutralises_syntax() -> None:
    """Emphasis, links, HTML, table pipes and headings in a recorded text come out literally."""
    assert escape_markdown("*a* _b_ [c](d) <e> f|g #h") == r"\*a\* \_b\_ \[c\](d) \<e\> f\|g \#h"


def test_translations_file_is_read_and_checked(tmp_path: Path) -> None:
    """A translations file gives decision texts by id; unknown keys and unreadable files are one-line errors."""
    good = tmp_path / "fr.yaml"
    good.write_text("language: fr\nvenue: à Genève\ndecisions:\n  d2: Le Groupe a invité...\n", encoding="utf-8")
    loaded = load_translations(good)
    assert (loaded.language, loaded.venue, dict(loaded.decisions)) == (
        "fr",
        "à Genève",
        {"d2": "Le Groupe a invité..."},
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("langue: fr\n", encoding="utf-8")
    with pytest.raises(TranslationsError, match="unknown key"):
        load_translations(bad)
    with pytest.raises(TranslationsError, match="cannot read"):
        load_translations(tmp_path / "missing.yaml")


def test_translations_file_gives_each_meetings_wording_under_its_number(tmp_path: Path) -> None:
    """``meetings: {13: {venue, decisions}}`` is read by number; a key that is not a number is a one-line error."""
    good = tmp_path / "fr.yaml"
    good.write_text("language: fr\nmeetings:\n  13:\n    decisions: {d2: Le Groupe a noté...}\n", encoding="utf-8")
    loaded = load_translations(good)
    assert dict(loaded.meetings[13].decisions) == {"d2": "Le Groupe a noté..."}
    assert loaded.of_meetings([12, 13])[12].decisions == {}
    assert loaded.of_meetings([13])[13].decisions == {"d2": "Le Groupe a noté..."}
    bad = tmp_path / "bad.yaml"
    bad.write_text("meetings:\n  treizième: {decisions: {d2: x}}\n", encoding="utf-8")
    with pytest.raises(TranslationsError, match=r"meetings\.treizième: expected a meeting number such as 12"):
        load_translations(bad)
    bad.write_text("meetings:\n  13: {decision: {d2: x}}\n", encoding="utf-8")
    with pytest.raises(TranslationsError, match=r"meetings\.13: unknown key\(s\) decision"):
        load_translations(bad)
