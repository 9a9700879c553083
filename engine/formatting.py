"""Days, spans of days, instants, numbers, ordinals and lists as a reader of each language writes them.

One module for the notices and the reports, so a date reads the same in an e-mail and in the Chair's report.
English follows the UN/ITU house style ("1 February 2019", "20-22 September 2017", "a, b and c" with no serial
comma); French writes the first of a month "1er" ("1er février 2019") and feminine ordinals ("1re", "première",
for "réunion"); the other languages use Babel's long formats until a translator asks for more.

An instant is shown in the time zone the caller passes (the body's calendar zone): nothing here assumes one.
Only Babel and the standard library are imported, and ``engine/__init__.py`` does not import this module, so
``import engine`` stays light.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_timezone_name
from babel.lists import format_list
from babel.numbers import format_decimal

HOUSE_STYLE = ("en", "fr")
"""The languages written with the patterns of ITU documents rather than Babel's defaults."""

_FRENCH_FIRST = re.compile(r"(^|\s)1(?=\s|$)")

# -- reading values -----------------------------------------------------------------------------------------


def as_instant(value: object) -> dt.datetime:
    """Read an instant (ISO-8601 with an offset, or an aware datetime); naive ones are refused, not guessed."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"expected an ISO-8601 instant, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"refused the naive datetime {value.isoformat()}: an offset is required")
    return value


def as_date(value: object, zone: dt.tzinfo | None = None) -> dt.date:
    """Read a calendar day ("YYYY-MM-DD" or a date); an instant gives its day in ``zone``, which it then needs."""
    if isinstance(value, dt.datetime) or (isinstance(value, str) and "T" in value):
        instant = as_instant(value)
        if zone is None:
            raise ValueError(f"the day of the instant {instant.isoformat()} depends on a time zone; none was given")
        return instant.astimezone(zone).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise TypeError(f"expected a date as 'YYYY-MM-DD', got {value!r}")


# -- days and instants --------------------------------------------------------------------------------------


def format_day(
    language: str,
    value: object,
    weekday: bool = False,
    *,
    month: bool = True,
    year: bool = True,
    zone: dt.tzinfo | None = None,
) -> str:
    """A day: "1 February 2019", "1er février 2019"; with the weekday if asked, without the year (and month).

    ``month=False`` drops the month only together with the year, as the first end of a span does ("20").
    """
    day = as_date(value, zone)
    if language in HOUSE_STYLE:
        pattern = "d MMMM y" if year else "d MMMM" if month else "d"
        text = format_date(day, format=f"EEEE {pattern}" if weekday else pattern, locale=language)
        if language == "fr" and day.day == 1:
            text = _FRENCH_FIRST.sub(r"\g<1>1er", text, count=1)
        elif language == "en" and weekday:
            name, _, rest = text.partition(" ")
            text = f"{name}, {rest}"  # house style: "Friday, 1 February 2019"
        return text
    if year:
        return format_date(day, format="full" if weekday else "long", locale=language)
    # Babel's skeletons put the day and month in each language's order ("2月1日", "1 de febrero").
    return format_skeleton(("EEEE" if weekday else "") + ("MMMMd" if month else "d"), day, locale=language)


def span_ends(language: str, start: object, end: object, *, zone: dt.tzinfo | None = None) -> tuple[str, str]:
    """The two ends of a span of days, the first without what both share: ("20", "22 September 2017").

    The first end drops the year when both ends share it, and the month too when they share that; the
    caller writes what goes between them ("20-22 September 2017", "du 20 au 22 septembre 2017").
    """
    first, last = as_date(start, zone), as_date(end, zone)
    if last < first:
        raise ValueError(f"the span of days ends ({last}) before it starts ({first})")
    same_year = first.year == last.year
    same_month = same_year and first.month == last.month
    return format_day(language, first, month=not same_month, year=not same_year), format_day(language, last)


def format_span(language: str, start: object, end: object, *, zone: dt.tzinfo | None = None) -> str:
    """A span of days: "1 February 2019", "20-22 September 2017", "30 January - 1 February 2019"."""
    first, last = as_date(start, zone), as_date(end, zone)
    head, tail = span_ends(language, first, last)
    if first == last:
        return tail
    if language not in HOUSE_STYLE:
        return f"{format_day(language, first)} – {tail}"
    if first.year != last.year:
        return f"{head} – {tail}"
    return f"{head}-{tail}" if first.month == last.month else f"{head} - {tail}"


def format_instant(language: str, value: object, *, zone: dt.tzinfo) -> str:
    """An instant in ``zone``, named: "15 January 2019, 10:12 (Central European Standard Time)".

    The zone's name is Babel's for that instant in the reader's language, so it follows daylight saving time
    ("... Summer Time", "heure d'été ...") and needs no translation of ours.
    """
    local = as_instant(value).astimezone(zone)
    day = format_day(language, local.date())
    name = get_timezone_name(local, width="long", locale=language)
    if language == "fr":
        return f"{day} à {local.hour} h {local.minute:02d} ({name})"
    if language == "en":
        return f"{day}, {local:%H:%M} ({name})"
    return f"{day} {format_time(local, format='short', locale=language)} ({name})"


# -- numbers and ordinals -----------------------------------------------------------------------------------


def format_number(language: str, value: object) -> str:
    """A number with the reader's separators: 12,345 (en), 12 345 (fr)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"expected a number, got {value!r}")
    return format_decimal(value, locale=language)


def format_ordinal(language: str, value: object, gender: str = "f") -> str:
    """An ordinal in figures: "12th" (en), "12e" / "1re" / "1er" (fr, feminine by default for "réunion")."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"expected an integer, got {value!r}")
    number = int(value)
    if language == "en":
        suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
        return f"{number}{suffix}"
    if language == "fr":
        return f"{number}{('re' if gender == 'f' else 'er') if number == 1 else 'e'}"
    return str(number)


_EN_UNITS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_EN_TEENS = (
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth"}
_EN_IRREGULAR |= {"twelve": "twelfth"}

_FR_UNITS = ("", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf")
_FR_TEENS = ("dix", "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf")
_FR_TENS = ("", "", "vingt", "trente", "quarante", "cinquante", "soixante", "soixante", "quatre-vingt", "quatre-vingt")


def spelled_ordinal(language: str, number: int) -> str:
    """The ordinal in words, as a report writes a meeting's number: "twelfth", "douzième" (feminine).

    A table per language covers 1 to 99 (a working group meets about twice a year); beyond that the figure is
    written with its suffix ("100th", "100e"), which is also what ITU documents do.
    """
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"expected a whole number, got {number!r}")
    if language not in HOUSE_STYLE:
        raise ValueError(f"no ordinals in words for language {language!r}")
    if not 1 <= number <= 99:
        return format_ordinal(language, number)
    return _english_ordinal(number) if language == "en" else _french_ordinal(number)


def _english_cardinal(number: int) -> str:
    tens, unit = divmod(number, 10)
    if tens == 0:
        return _EN_UNITS[unit]
    if tens == 1:
        return _EN_TEENS[unit]
    return _EN_TENS[tens] + (f"-{_EN_UNITS[unit]}" if unit else "")


def _english_ordinal(number: int) -> str:
    head, _, last = _english_cardinal(number).rpartition("-")
    if last in _EN_IRREGULAR:
        last = _EN_IRREGULAR[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return f"{head}-{last}" if head else last


def _french_cardinal(number: int) -> str:
    tens, unit = divmod(number, 10)
    if tens == 0:
        return _FR_UNITS[unit]
    if tens == 1:
        return _FR_TEENS[unit]
    if tens in (7, 9):  # soixante-dix, quatre-vingt-dix: the teens follow
        joiner = " et " if tens == 7 and unit == 1 else "-"
        return f"{_FR_TENS[tens]}{joiner}{_FR_TEENS[unit]}"
    if unit == 0:
        return _FR_TENS[tens] + ("s" if tens == 8 else "")  # quatre-vingts
    joiner = " et " if unit == 1 and tens != 8 else "-"
    return f"{_FR_TENS[tens]}{joiner}{_FR_UNITS[unit]}"


def _french_ordinal(number: int) -> str:
    if number == 1:
        return "première"
    cardinal = _french_cardinal(number)
    if number == 80:
        cardinal = cardinal[:-1]  # quatre-vingts -> quatre-vingtième
    if cardinal.endswith("cinq"):
        return cardinal + "uième"
    if cardinal.endswith("neuf"):
        return cardinal[:-1] + "vième"
    if cardinal.endswith("e"):
        return cardinal[:-1] + "ième"
    return cardinal + "ième"


# -- lists --------------------------------------------------------------------------------------------------


def join_words(language: str, items: Iterable[object]) -> str:
    """Join as a sentence does: "a, b and c" (en, no serial comma in UN style), "a, b et c" (fr)."""
    # en_GB, because Babel's "en" (American) puts a comma before "and".
    return format_list([str(item) for item in items], locale="en_GB" if language == "en" else language)


def language_names(language: str, codes: Iterable[str]) -> str:
    """Name languages in the reader's language, alphabetically: "Arabic, Chinese and English"."""
    locale = Locale.parse(language)
    names: list[str] = [Locale.parse(code).get_language_name(locale) or code for code in codes]
    names.sort(key=_sort_key)
    return join_words(language, names)


def _sort_key(text: str) -> str:
    """Sort without regard to case or accents ("árabe" among the a's)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()
