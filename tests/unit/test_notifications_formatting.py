"""The locale formatting of notices: dates, instants, spans, numbers, ordinals, Council symbols and lists."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from engine.formatting import (
    as_date,
    format_day,
    format_instant,
    format_number,
    format_ordinal,
    format_span,
    join_words,
    language_names,
)
from notifications.filters import council_symbol, link

ZURICH = ZoneInfo("Europe/Zurich")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("en", "2019-02-01", "1 February 2019"),
        ("fr", "2019-02-01", "1er février 2019"),
        ("fr", "2019-02-11", "11 février 2019"),
        ("fr", "2019-02-21", "21 février 2019"),
        ("fr", "2018-12-01", "1er décembre 2018"),
        ("en", "2018-12-21", "21 December 2018"),
        ("es", "2019-02-01", "1 de febrero de 2019"),
        ("ru", "2019-02-01", "1 февраля 2019\u202fг."),
        ("zh", "2019-02-01", "2019年2月1日"),
        ("en", dt.date(2019, 5, 13), "13 May 2019"),
    ],
)
def test_format_day(language: str, value: object, expected: str) -> None:
    """Dates follow UN style in English and write '1er' for the first of the month in French."""
    assert format_day(language, value) == expected


def test_format_day_with_weekday() -> None:
    """The weekday form reads 'Friday, 1 February 2019' and 'vendredi 1er février 2019'."""
    assert format_day("en", "2019-02-01", weekday=True) == "Friday, 1 February 2019"
    assert format_day("fr", "2019-02-01", weekday=True) == "vendredi 1er février 2019"


@pytest.mark.parametrize(
    ("language", "start", "end", "expected"),
    [
        ("en", "2019-02-01", "2019-02-01", "1 February 2019"),
        ("en", "2017-09-20", "2017-09-22", "20-22 September 2017"),
        ("fr", "2019-02-01", "2019-02-02", "1er-2 février 2019"),
        ("fr", "2019-01-30", "2019-02-01", "30 janvier - 1er février 2019"),
        ("en", "2019-12-30", "2020-01-02", "30 December 2019 – 2 January 2020"),
    ],
)
def test_format_span(language: str, start: str, end: str, expected: str) -> None:
    """Meeting spans collapse the shared month and year."""
    assert format_span(language, start, end) == expected


def test_span_ending_before_it_starts_is_refused() -> None:
    """A span whose end precedes its start is a data error."""
    with pytest.raises(ValueError, match="ends"):
        format_span("en", "2019-02-02", "2019-02-01")


def test_format_instant_in_the_given_zone_across_dst() -> None:
    """Instants are shown in the zone passed, named for that instant: standard time in winter, summer time in June."""
    assert (
        format_instant("en", "2019-01-15T09:12:00+00:00", zone=ZURICH)
        == "15 January 2019, 10:12 (Central European Standard Time)"
    )
    assert (
        format_instant("fr", "2019-06-10T07:05:00Z", zone=ZURICH)
        == "10 juin 2019 à 9 h 05 (heure d’été d’Europe centrale)"
    )
    assert (
        format_instant("fr", "2019-03-01T00:30:00+01:00", zone=ZURICH)
        == "1er mars 2019 à 0 h 30 (heure normale d’Europe centrale)"
    )
    assert (
        format_instant("en", "2019-01-15T09:12:00+00:00", zone=NEW_YORK)
        == "15 January 2019, 04:12 (Eastern Standard Time)"
    )


def test_the_day_of_an_instant_depends_on_the_zone() -> None:
    """An instant's calendar day is taken in the zone given, and is refused without one rather than guessed."""
    late = "2019-02-01T03:30:00+00:00"
    assert as_date(late, ZURICH) == dt.date(2019, 2, 1)
    assert as_date(late, NEW_YORK) == dt.date(2019, 1, 31)
    assert format_day("en", late, zone=NEW_YORK) == "31 January 2019"
    with pytest.raises(ValueError, match="time zone"):
        format_day("en", late)


def test_naive_instant_is_refused() -> None:
    """A datetime without an offset is refused rather than guessed."""
    with pytest.raises(ValueError, match="naive"):
        format_instant("en", "2019-01-15T09:12:00", zone=ZURICH)


def test_numbers_and_ordinals() -> None:
    """Numbers use the reader's separators; ordinals follow each language's rules."""
    assert format_number("en", 12345) == "12,345"
    assert format_number("fr", 12345) == "12\u202f345"
    table = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 112: "112th"}
    assert {n: format_ordinal("en", n) for n in table} == table
    assert [format_ordinal("fr", n) for n in (1, 2, 12)] == ["1re", "2e", "12e"]
    assert format_ordinal("fr", 1, gender="m") == "1er"


def test_council_symbol_takes_the_reader_language_suffix() -> None:
    """A Council document symbol gets the suffix of the reader's language; other symbols are unchanged."""
    assert council_symbol("fr", "C19/51") == "C19/51-F"
    assert council_symbol("en", "C17/122") == "C17/122-E"
    assert council_symbol("zh", "C19/51") == "C19/51-C"
    assert council_symbol("fr", "C17/51-E") == "C17/51-E"
    assert council_symbol("fr", "WG-Internet 12/9") == "WG-Internet 12/9"


def test_language_lists() -> None:
    """The six languages are listed alphabetically in the reader's language, without a serial comma."""
    codes = ["ar", "zh", "en", "fr", "ru", "es"]
    assert language_names("en", codes) == "Arabic, Chinese, English, French, Russian and Spanish"
    assert language_names("fr", codes) == "anglais, arabe, chinois, espagnol, français et russe"
    assert join_words("fr", ["a", "b"]) == "a et b"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "https://x.org/a b", 'https://x.org/"'])
def test_link_refuses_unsafe_urls(url: str) -> None:
    """Only http(s) and mailto links without spaces or quotes are accepted."""
    with pytest.raises(ValueError, match="refused the link"):
        link(url)
    assert link(" https://www.itu.int/md/S19-CL-C ") == "https://www.itu.int/md/S19-CL-C"
