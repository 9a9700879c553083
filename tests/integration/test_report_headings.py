"""The report's headings in Arabic, Chinese, Russian and Spanish (issue 14, item 5): every heading there, none
left in English, each marked as needing a translator's review; English and French are reviewed wording."""

from __future__ import annotations

import re

import pytest
from babel import Locale

from reports import heading_languages, headings, needs_review
from reports.wording import HEADING_KEYS

FACTS = {"name": "<NAME>", "code": "<CODE>", "year": 2019, "place": "<PLACE>", "days": "<DAYS>", "item": "<ITEM>",
         "symbol": "<SYMBOL>", "ordinal": "<ORDINAL>"}  # fmt: skip
SCRIPTS = {"ar": r"[\u0600-\u06ff]", "ru": r"[\u0400-\u04ff]", "zh": r"[\u4e00-\u9fff]", "es": r"[a-záéíóúñ]"}
SAME_IN_SPANISH = {"Original"}  # "Original: inglés" is the Spanish usage too


def said(language: str, key: str) -> str:
    """The heading at ``key`` in ``language``, with the facts as placeholders and the original's name in it."""
    original = Locale.parse(language).languages["en"]
    return headings(language).say(key, **FACTS, language=original)


def test_the_six_un_languages_have_headings() -> None:
    """Arabic, Chinese, English, French, Russian and Spanish."""
    assert heading_languages() == ("ar", "en", "es", "fr", "ru", "zh")


@pytest.mark.parametrize("language", ["ar", "es", "ru", "zh"])
def test_no_heading_is_left_in_english(language: str) -> None:
    """Each heading differs from the English one, is written in the language's script, keeps no English word."""
    for key in HEADING_KEYS:
        english, text = said("en", key), said(language, key)
        if not re.search("[A-Za-z]", re.sub(r"<[A-Z]+>", "", english)):
            continue  # "<PLACE>, <DAYS>": facts only, nothing to translate but the punctuation
        assert text != english, key
        words = set(re.findall(r"[A-Za-z]{3,}", re.sub(r"<[A-Z]+>", "", english)))
        left = set(re.findall(r"[A-Za-z]{3,}", re.sub(r"<[A-Z]+>", "", text)))
        assert not (left & words) - (SAME_IN_SPANISH if language == "es" else set()), (key, text)
        without_facts = re.sub(r"<[A-Z]+>|2019", "", text)
        assert re.search(SCRIPTS[language], without_facts, re.IGNORECASE), (key, text)
    assert needs_review(language)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_english_and_french_headings_are_the_report_wording(language: str) -> None:
    """The languages the report is written in take their headings from wording.yaml, reviewed."""
    assert said(language, "labels.conclusion") == "Conclusion" and not needs_review(language)
