"""Locale-aware template filters: dates, instants, numbers, ordinals, symbols and lists.

Each filter takes the reader's language first (the rendering module binds it with
``functools.partial``). English follows the UN/ITU house style ("1 February 2019"); French writes
the first day of a month as "1er" ("1er février 2019"); the other languages use Babel's long formats
until a translator asks for more.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import format_decimal

GENEVA = ZoneInfo("Europe/Zurich")
"""The time zone of every date shown to a reader (Geneva, ITU headquarters)."""

_COUNCIL_SUFFIX = {"en": "E", "fr": "F", "es": "S", "ru": "R", "ar": "A", "zh": "C"}
_COUNCIL_SYMBOL = re.compile(r"^C\d{2}/[^\s-]+$")


def as_date(value: object) -> dt.date:
    """Read a context date ("YYYY-MM-DD", a date, or an aware datetime taken in Geneva)."""
    if isinstance(value, dt.datetime):
        return as_instant(value).astimezone(GENEVA).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if "T" in value:
            return as_instant(value).astimezone(GENEVA).date()
        return dt.date.fromisoformat(value)
    raise TypeError(f"expected a date as 'YYYY-MM-DD', got {value!r}")


def as_instant(value: object) -> dt.datetime:
    """Read a context instant (ISO-8601 with an offset, or an aware datetime); naive ones are refused."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"expected an ISO-8601 instant, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"refused the naive datetime {value.isoformat()}: an offset is required")
    return value


def format_day(language: str, value: object, weekday: bool = False) -> str:
    """Format a calendar date: "1 February 2019", "1er février 2019" (with the weekday if asked)."""
    day = as_date(value)
    if language in ("en", "fr"):
        text = format_date(day, format="EEEE d MMMM y" if weekday else "d MMMM y", locale=language)
        if language == "fr" and day.day == 1:
            text = re.sub(r"(^|\s)1(\s)", r"\g<1>1er\g<2>", text, count=1)
        elif language == "en" and weekday:
            text = _en_weekday(text)
        return text
    return format_date(day, format="full" if weekday else "long", locale=language)


def format_span(language: str, start: object, end: object) -> str:
    """Format a span of days: "1 February 2019", "20-22 September 2017", "30 January-1 February 2019"."""
    first, last = as_date(start), as_date(end)
    if last < first:
        raise ValueError(f"the span ends ({last}) before it starts ({first})")
    if first == last:
        return format_day(language, first)
    if language not in ("en", "fr") or first.year != last.year:
        return f"{format_day(language, first)} – {format_day(language, last)}"
    if first.month == last.month:
        day = "1er" if language == "fr" and first.day == 1 else str(first.day)
        return f"{day}-{format_day(language, last)}"
    head = format_day(language, first).rsplit(" ", 1)[0]
    return f"{head} - {format_day(language, last)}"


def _en_weekday(text: str) -> str:
    """Put the comma of house style after an English weekday: "Friday, 1 February 2019"."""
    name, _, rest = text.partition(" ")
    return f"{name}, {rest}"


def format_instant(language: str, value: object) -> str:
    """Format an instant in Geneva time: "1 February 2019, 10:30 (Geneva time)"."""
    local = as_instant(value).astimezone(GENEVA)
    day = format_day(language, local.date())
    if language == "fr":
        return f"{day} à {local.hour} h {local.minute:02d} (heure de Genève)"
    if language == "en":
        return f"{day}, {local:%H:%M} (Geneva time)"
    return f"{day} {format_time(local, format='short', locale=language)} (Europe/Zurich)"


def format_number(language: str, value: object) -> str:
    """Format a number with the reader's separators: 12,345 (en), 12 345 (fr)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"expected a number, got {value!r}")
    return format_decimal(value, locale=language)


def format_ordinal(language: str, value: object, gender: str = "f") -> str:
    """Format an ordinal: "12th" (en), "12e" / "1re" / "1er" (fr, feminine by default for "réunion")."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"expected an integer, got {value!r}")
    number = int(value)
    if language == "en":
        suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
        return f"{number}{suffix}"
    if language == "fr":
        return f"{number}{('re' if gender == 'f' else 'er') if number == 1 else 'e'}"
    return str(number)


def council_symbol(language: str, value: object) -> str:
    """Give a Council document symbol the reader's language suffix: "C19/51" -> "C19/51-F"."""
    symbol = str(value)
    if _COUNCIL_SYMBOL.match(symbol):
        return f"{symbol}-{_COUNCIL_SUFFIX.get(language, 'E')}"
    return symbol


def link(value: object) -> str:
    """Pass an http(s) or mailto URL through, refusing any other scheme (no ``javascript:`` in an href)."""
    url = str(value).strip()
    if not re.match(r"^(https?://|mailto:)[^\s\x00-\x1f\"'<>]+$", url, re.IGNORECASE):
        raise ValueError(f"refused the link {url!r}: only http, https and mailto links are allowed")
    return url


def language_names(language: str, codes: Iterable[str]) -> str:
    """Name languages in the reader's language: "Arabic, Chinese and English"."""
    locale = Locale.parse(language)
    names: list[str] = [Locale.parse(code).get_language_name(locale) or code for code in codes]
    names.sort(key=_sort_key)
    return join_words(language, names)


def _sort_key(text: str) -> str:
    """Sort without regard to case or accents ("árabe" among the a's)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()


def join_words(language: str, items: Iterable[object]) -> str:
    """Join words as a sentence would: "a, b and c" (en, no serial comma in UN style), "a, b et c" (fr)."""
    return format_list([str(item) for item in items], locale="en_GB" if language == "en" else language)
