"""Meeting numbers spelt out as the report writes them: "twelfth", "douzième" (feminine, for "réunion")."""

from __future__ import annotations

import pytest

from engine.formatting import spelled_ordinal

CASES = [
    (1, "first", "première"),
    (2, "second", "deuxième"),
    (3, "third", "troisième"),
    (4, "fourth", "quatrième"),
    (5, "fifth", "cinquième"),
    (8, "eighth", "huitième"),
    (9, "ninth", "neuvième"),
    (10, "tenth", "dixième"),
    (11, "eleventh", "onzième"),
    (12, "twelfth", "douzième"),
    (13, "thirteenth", "treizième"),
    (16, "sixteenth", "seizième"),
    (17, "seventeenth", "dix-septième"),
    (19, "nineteenth", "dix-neuvième"),
    (20, "twentieth", "vingtième"),
    (21, "twenty-first", "vingt et unième"),
    (22, "twenty-second", "vingt-deuxième"),
    (29, "twenty-ninth", "vingt-neuvième"),
    (30, "thirtieth", "trentième"),
    (31, "thirty-first", "trente et unième"),
    (35, "thirty-fifth", "trente-cinquième"),
    (40, "fortieth", "quarantième"),
    (41, "forty-first", "quarante et unième"),
    (43, "forty-third", "quarante-troisième"),
    (49, "forty-ninth", "quarante-neuvième"),
    (50, "fiftieth", "cinquantième"),
    (70, "seventieth", "soixante-dixième"),
    (71, "seventy-first", "soixante et onzième"),
    (80, "eightieth", "quatre-vingtième"),
    (81, "eighty-first", "quatre-vingt-unième"),
    (99, "ninety-ninth", "quatre-vingt-dix-neuvième"),
]


@pytest.mark.parametrize(("number", "english", "french"), CASES)
def test_ordinals_in_words(number: int, english: str, french: str) -> None:
    """Each number of the table is spelt as house style writes it, in English and in French."""
    assert spelled_ordinal("en", number) == english
    assert spelled_ordinal("fr", number) == french


def test_every_ordinal_up_to_fifty_is_distinct_and_in_words() -> None:
    """1-50 all have words (no digits) and no two numbers share a spelling."""
    for language in ("en", "fr"):
        words = [spelled_ordinal(language, n) for n in range(1, 51)]
        assert len(set(words)) == 50
        assert not any(ch.isdigit() for w in words for ch in w)


@pytest.mark.parametrize(
    ("language", "number", "expected"), [("en", 100, "100th"), ("en", 101, "101st"), ("fr", 100, "100e")]
)
def test_ordinals_beyond_the_table_are_figures(language: str, number: int, expected: str) -> None:
    """Past 99 the figure is written with its ordinal suffix, as ITU documents do."""
    assert spelled_ordinal(language, number) == expected


def test_ordinals_refuse_other_languages_and_non_integers() -> None:
    """Only en and fr have ordinal words; a bool or a string is not a meeting number."""
    with pytest.raises(ValueError, match="'es'"):
        spelled_ordinal("es", 12)
    with pytest.raises(TypeError):
        spelled_ordinal("en", True)
    with pytest.raises(TypeError):
        spelled_ordinal("en", "12")  # type: ignore[arg-type]
