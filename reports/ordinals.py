"""Ordinals spelt out in words, as a report writes a meeting's number: "twelfth", "douzième".

A small table per language covers 1 to 99 (CWG-Internet holds about two meetings a year); beyond that the
figure is written with its ordinal suffix ("100th", "100e"), which is also what ITU documents do. French
ordinals are feminine, because the noun they qualify is "réunion".
"""

from __future__ import annotations

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


def spelled_ordinal(language: str, number: int) -> str:
    """The ordinal of ``number`` in words ("twelfth", "douzième"); outside 1-99, a figure with its suffix."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"expected a whole number, got {number!r}")
    if language not in ("en", "fr"):
        raise ValueError(f"no ordinals for language {language!r}")
    if not 1 <= number <= 99:
        return numeric_ordinal(language, number)
    return _english_ordinal(number) if language == "en" else _french_ordinal(number)


def numeric_ordinal(language: str, number: int) -> str:
    """The ordinal as a figure: "12th", "101st"; "12e", "1re" in French (feminine)."""
    if language == "fr":
        return f"{number}{'re' if number == 1 else 'e'}"
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
