"""Phrases a notice writes around a value: the days of a meeting with their preposition, a free text as a sentence.

``engine/formatting.py`` writes a span of days on its own ("23-24 September 2019"), as a heading or a
parenthesis does. In running text French needs the article to agree with the number of days, which the
span alone cannot carry: "qui se tiendra les 23 et 24 septembre 2019", "reportée aux 7 et 8 octobre",
"du 20 au 22 septembre 2017", never "le 23-24 septembre". So the phrase, preposition included, is built
here for the notices, from the ends that ``span_ends`` gives.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from babel.dates import format_interval

from engine.formatting import as_date, format_day, format_ordinal, format_span, span_ends

Preposition = Literal["on", "to"]
"""Why the days are named: when something happens ("on"), or what it is moved to ("to")."""

_ENGLISH = {"on": "on", "to": "to"}
# By language and preposition: one day, two days ("{head}", "{tail}"), a longer span. French: "les 23 et 24
# septembre", "du 20 au 22 septembre"; Spanish: "los días 23 y 24 de septiembre", "del 20 al 22 de septiembre";
# Russian (the month in the genitive, "года" in running text): "23 и 24 сентября 2019 года", "с 20 по 22
# сентября 2019 года", moved "на ..."; Arabic: "يومي 23 و24 سبتمبر 2019", "في الفترة من 20 إلى 22 سبتمبر 2019".
_PHRASES: dict[str, dict[str, tuple[str, str, str]]] = {
    "fr": {
        "on": ("le {tail}", "les {head} et {tail}", "du {head} au {tail}"),
        "to": ("au {tail}", "aux {head} et {tail}", "à la période du {head} au {tail}"),
    },
    "es": {
        "on": ("el {tail}", "los días {head} y {tail}", "del {head} al {tail}"),
        "to": ("al {tail}", "a los días {head} y {tail}", "al período del {head} al {tail}"),
    },
    "ru": {
        "on": ("{tail}", "{head} и {tail}", "с {head} по {tail}"),
        "to": ("на {tail}", "на {head} и {tail}", "на период с {head} по {tail}"),
    },
    "ar": {
        "on": ("يوم {tail}", "يومي {head} و{tail}", "في الفترة من {head} إلى {tail}"),
        "to": ("إلى يوم {tail}", "إلى يومي {head} و{tail}", "إلى الفترة من {head} إلى {tail}"),
    },
}
# Russian dates end "2019 г." on their own (Babel's long format); running text writes the word out.
_RUSSIAN_YEAR = re.compile(r"(\d{4})[\s\u202f\u00a0]г\.")

# A sentence already ends: its punctuation, then closing quotes or brackets (French spaces them: « … »).
_SENTENCE_END = re.compile(r"[.!?…][\s\"'»”’)\]]*$")


def days_phrase(
    language: str, start: object, end: object, preposition: Preposition = "on", *, zone: dt.tzinfo | None = None
) -> str:
    """The days from ``start`` to ``end`` with their preposition, as running text writes them.

    English: "on 1 February 2019", "on 23 and 24 September 2019", "on 20-22 September 2017" ("to ..." alike).
    French: "le 1er février 2019", "les 23 et 24 septembre 2019", "du 20 au 22 septembre 2017"; moved to:
    "au ...", "aux 7 et 8 octobre 2019", "à la période du 20 au 22 septembre 2017". Spanish, Russian and Arabic
    alike (``_PHRASES``). Chinese puts the year first and its prepositions (于, 至) with the verb, so it gets
    Babel's interval alone: "2019年9月23日至24日"; the template writes "将于...举行", "推迟至...".
    """
    first, last = as_date(start, zone), as_date(end, zone)
    head, tail = span_ends(language, first, last)
    days = (last - first).days + 1
    if language in _PHRASES:
        if language == "ru":
            head, tail = russian_year_in_words(head), russian_year_in_words(tail)
        one, two, longer = _PHRASES[language][preposition]
        return (one if days == 1 else two if days == 2 else longer).format(head=head, tail=tail)
    if language == "en":
        if days == 2:
            return f"{_ENGLISH[preposition]} {head} and {tail}"
        return f"{_ENGLISH[preposition]} {format_span(language, first, last)}"
    if language == "zh" and days > 1:
        return format_interval(first, last, "yMMMMd", locale=language)
    return format_span(language, first, last) if days > 1 else format_day(language, first)


def russian_year_in_words(text: str) -> str:
    """A Russian date as running text writes it: "1 февраля 2019 г." -> "1 февраля 2019 года".

    Babel's abbreviation also doubles the full stop of a sentence that ends with a date ("... 2019 г..").
    """
    return _RUSSIAN_YEAR.sub(r"\1 года", text)


# An instant as engine.formatting writes it for languages without a house style ("9 de enero de 2019 17:20
# (hora ...)"), joined as each language's running text joins a day and a time.
_INSTANT_JOINS: dict[str, tuple[re.Pattern[str], str]] = {
    "es": (re.compile(r"^(.*\d{4}) (1):(\d{2}) "), r"\1, a la \2:\3 "),
    "ru": (re.compile(r"^(.*\d{4} года) (\d{1,2}:\d{2}) "), r"\1 в \2 "),
    "ar": (re.compile(r"^(.*\d{4}) (\d{1,2}:\d{2}) "), r"\1، الساعة \2 "),
    "zh": (re.compile(r"^(.*日) (\d{1,2}:\d{2}) \((.*)\)$"), r"\1\2（\3）"),
}
_SPANISH_HOURS = (re.compile(r"^(.*\d{4}) (\d{1,2}):(\d{2}) "), r"\1, a las \2:\3 ")


def instant_phrase(language: str, text: str) -> str:
    """An instant joined as running text joins a day and its time: "9 de enero de 2019, a las 17:20 (...)",
    "9 января 2019 года в 17:20 (...)", "9 يناير 2019، الساعة 5:20 م (...)", "2019年1月9日17:20（中欧标准时间）"."""
    if language == "ru":
        text = russian_year_in_words(text)
    join = _INSTANT_JOINS.get(language)
    if join is None:
        return text
    joined = join[0].sub(join[1], text, count=1)
    if language == "es" and joined == text:  # every hour but one takes "las"
        joined = _SPANISH_HOURS[0].sub(_SPANISH_HOURS[1], text, count=1)
    return joined


def as_sentence(text: object) -> str:
    """A free text closed by one full stop: "to allow more time" -> "to allow more time."; "… ended." stays."""
    words = str(text).rstrip()
    return words if not words or _SENTENCE_END.search(words) else f"{words}."


_ARABIC_UNITS = ("", "الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن", "التاسع")
# Tens in the genitive (-ين): notices name a meeting after a preposition or a noun ("في الاجتماع العشرين").
_ARABIC_TENS = ("", "العاشر", "العشرين", "الثلاثين", "الأربعين", "الخمسين", "الستين", "السبعين", "الثمانين", "التسعين")


def meeting_ordinal(language: str, number: object, gender: str = "f") -> str:
    """A meeting's number as its name takes it: "12th", "12e", "12.ª" (reunión), "12-е" (собрание),
    "الثاني عشر" (الاجتماع, in words up to 99), "第12次" (会议). ``gender`` is that of the noun, for French and
    Spanish ("1er"/"1re", "1.º"/"1.ª"); feminine by default, as "réunion" and "reunión" are."""
    if isinstance(number, bool) or not isinstance(number, (int, str)):
        raise TypeError(f"expected an integer, got {number!r}")
    n = int(number)
    if language == "es":
        return f"{n}.ª" if gender == "f" else f"{n}.º"
    if language == "ru":
        return f"{n}-е"
    if language == "zh":
        return f"第{n}次"
    if language == "ar" and 0 < n < 100:
        return _arabic_ordinal(n)
    return format_ordinal(language, n, gender)


def _arabic_ordinal(n: int) -> str:
    """The masculine ordinal with its article, 1-99: "الأول", "الحادي عشر", "الثاني والعشرين"."""
    tens, units = divmod(n, 10)
    if tens == 0:
        return _ARABIC_UNITS[units]
    unit = "الحادي" if units == 1 else _ARABIC_UNITS[units]
    if tens == 1:
        return f"{unit} عشر" if units else _ARABIC_TENS[1]
    return f"{unit} و{_ARABIC_TENS[tens]}" if units else _ARABIC_TENS[tens]
