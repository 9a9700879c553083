"""Dates as the reader writes them, through Babel: "1 February 2019", "1er février 2019".

English follows UN/ITU house style (day month year, no comma); French writes the first of the month
"1er". A span of days shares what its two ends share: "20" and "22 September 2017".
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date


def format_day(language: str, day: date, *, month: bool = True, year: bool = True) -> str:
    """One day in the reader's language, optionally without its year (and month)."""
    pattern = "d MMMM y" if year else "d MMMM" if month else "d"
    text = format_date(day, format=pattern, locale=language)
    if language == "fr" and day.day == 1:
        first, _, rest = text.partition(" ")
        text = f"{first}er {rest}".rstrip() if first == "1" else text
    return text


def span_ends(language: str, start: date, end: date) -> tuple[str, str]:
    """The two ends of a span as written between "from ... to ..." (or "du ... au ...").

    The first end drops the year when both ends share it, and the month too when they share that.
    """
    if end < start:
        raise ValueError(f"the meeting ends ({end}) before it starts ({start})")
    same_year = start.year == end.year
    same_month = same_year and start.month == end.month
    first = format_day(language, start, month=not same_month, year=not same_year)
    return first, format_day(language, end)
