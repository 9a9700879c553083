"""The desk and the public page in the ITU's six languages (issue 14, item 5): a reader whose directory language
is Spanish, Russian, Arabic or Chinese reads the dashboard, a meeting and a topic page in it, with no English
label left, ``lang`` on every page and ``dir="rtl"`` for Arabic; the public page follows ``?lang=``; dates are
Babel's in each locale; and the drafted languages stay marked as awaiting a translator's review."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from engine import Engine, FixedClock, Instance
from tests.conftest import at
from tests.integration.test_rescheduling import _online_consultation
from tests.web.conftest import PASSWORD, Site
from tests.web.test_no_raw_identifiers import visible_text
from tests.web.world import World, build
from web.i18n import LANGUAGES, MESSAGES, day_text, direction, language_for, translation_status
from web.labels import FILE as LABELS_FILE
from web.public import WORDS_FILE
from web.titles import day_span, long_day, meeting_title

Clients = Callable[[str], TestClient]
READERS = {"es": "ms.br", "ru": "ms.ru", "ar": "ms.sa", "zh": "ms.cn"}  # Member States' focal points (fixtures)
DRAFTED = ("es", "ru", "ar", "zh")
HTML_TAG = re.compile(r"<html\b[^>]*>")


def entries(node: object) -> Iterator[Mapping[str, Any]]:
    """Every ``{en: ..., fr: ...}`` entry of a word file."""
    if isinstance(node, Mapping):
        if "en" in node and not isinstance(node["en"], Mapping):
            yield node
            return
        for value in node.values():
            yield from entries(value)


def english_words(language: str) -> set[str]:
    """The English texts of the desk (labels, page words, public words) whose ``language`` text differs, without
    their placeholders' surroundings: what must not be read on a page in ``language``."""
    texts: set[str] = set()
    for path in (LABELS_FILE, WORDS_FILE):
        for entry in entries(yaml.safe_load(path.read_text(encoding="utf-8"))):
            if str(entry["en"]) != str(entry.get(language)):
                texts.add(str(entry["en"]))
    texts |= {text for key, text in MESSAGES["en"].items() if MESSAGES[language].get(key) != text}
    found = set()
    for text in texts:
        for part in re.split(r"\{\w+\}", text):  # the fixed words between the placeholders
            part = part.strip(" :;,.()“”'")
            if len(part) >= 4 and re.search(r"[A-Za-z]{3}", part):
                found.add(part)
    return found


def english_left(page: str, language: str) -> list[str]:
    """English words of the desk read on ``page`` (whole text nodes, or phrases of three words or more)."""
    text = html.unescape(visible_text(page))
    nodes = {n.strip(" :;,.()") for n in re.split(r"\s*\n\s*|\s{2,}", text)}
    left = []
    for words in english_words(language):
        if words in nodes or (words.count(" ") >= 2 and re.search(rf"(?<![\w-]){re.escape(words)}(?![\w-])", text)):
            left.append(words)
    return sorted(left)


def test_every_language_has_every_page_word_with_the_same_placeholders() -> None:
    """i18n's messages: six languages, each with every English key and the same ``{placeholders}``."""
    assert LANGUAGES == ("en", "fr", "es", "ru", "ar", "zh")
    for language in LANGUAGES:
        assert set(MESSAGES[language]) == set(MESSAGES["en"]), language
        for key, english in MESSAGES["en"].items():
            wanted = sorted(re.findall(r"\{\w+\}", english))
            assert sorted(re.findall(r"\{\w+\}", MESSAGES[language][key])) == wanted, (language, key)
            if language in DRAFTED and english.strip() and key not in ("choose.none", "colon", "comma", "arrow", "no"):
                assert MESSAGES[language][key] != english, (language, key)


@pytest.mark.parametrize("path", [LABELS_FILE, WORDS_FILE], ids=["labels", "public_words"])
def test_every_word_file_entry_has_six_languages_with_the_same_placeholders(path: Any) -> None:
    """labels.yaml and public_words.yaml: no entry lacks a language or loses a placeholder in it."""
    for entry in entries(yaml.safe_load(path.read_text(encoding="utf-8"))):
        wanted = sorted(re.findall(r"\{\w+\}", str(entry["en"])))
        for language in LANGUAGES:
            assert entry.get(language), (entry["en"], language)
            assert sorted(re.findall(r"\{\w+\}", str(entry[language]))) == wanted, (entry["en"], language)


def test_the_drafted_languages_await_a_translators_review() -> None:
    """Like the notices' meta.yaml, web/translations_status.yaml marks es, ru, ar and zh as machine drafts."""
    status = translation_status()
    assert set(status) == set(LANGUAGES)
    assert status["en"] == "source" and status["fr"] == "reviewed"
    assert all(status[lang] in ("machine-draft", "reviewed") for lang in DRAFTED)


def test_language_and_direction() -> None:
    """The directory's language wins; a browser's first choice among the six otherwise; Arabic is rtl."""
    assert language_for("zh") == "zh" and language_for("de") == "en"
    assert language_for(None, "ar-SA,ar;q=0.9") == "ar" and language_for(None, "es-419") == "es"
    assert language_for(None, "de-CH,fr;q=0.8") == "en"
    assert direction("ar") == "rtl" and {direction(lang) for lang in LANGUAGES if lang != "ar"} == {"ltr"}


def test_dates_in_each_locale() -> None:
    """Babel writes the day in each language; meeting titles name the meeting in it."""
    day = date(2019, 2, 1)
    assert long_day(day, "es") == "1 de febrero de 2019"
    assert long_day(day, "ru").startswith("1 февраля 2019")
    assert long_day(day, "zh") == "2019年2月1日"
    assert "فبراير" in long_day(day, "ar")
    assert day_text(day, "zh") == "2019年2月1日"
    assert day_span(date(2019, 9, 23), date(2019, 9, 24), "es") == "23–24 de septiembre de 2019"
    fields = {"number": 12, "start": "2019-02-01"}
    assert meeting_title(fields, "es") == "12.ª reunión — 1 de febrero de 2019"
    assert meeting_title(fields, "ru") is not None and meeting_title(fields, "ru").startswith("12-е собрание")  # type: ignore[union-attr]
    assert meeting_title(fields, "zh") == "第12次会议 — 2019年2月1日"
    assert (meeting_title(fields, "ar") or "").startswith("الاجتماع 12")


@pytest.fixture
def world(site: Site) -> World:
    return build(site.engine)


@pytest.mark.parametrize("language", DRAFTED)
def test_desk_pages_leave_no_english_label(
    session_client: Clients, site: Site, world: World, clock: FixedClock, language: str
) -> None:
    """The dashboard, the meeting and the topic pages of a focal point reading ``language``."""
    person = READERS[language]
    site.accounts.set_password(person, PASSWORD)
    clock.set(at("2019-01-08"))
    client = session_client(person)
    for path in ("/", f"/instances/{world.meeting}", f"/instances/{world.topic}", "/instances"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        tag = HTML_TAG.search(response.text)
        assert tag is not None
        expected = f'<html lang="{language}" dir="rtl">' if language == "ar" else f'<html lang="{language}">'
        assert tag.group(0) == expected, path
        assert english_left(response.text, language) == [], path
    page = html.unescape(client.get("/").text)
    assert MESSAGES[language]["dash.waiting"] in page or MESSAGES[language]["dash.title"] in page


@pytest.fixture
def consultation(engine: Engine, clock: FixedClock) -> Instance:
    made = _online_consultation(engine)  # online from 2019-07-01 until 2019-08-20
    clock.set(at("2019-07-20"))
    return made


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_public_page_follows_lang(client: TestClient, consultation: Instance, language: str) -> None:
    """``?lang=`` picks any of the six; Arabic is right to left; the other languages are offered by name."""
    response = client.get(f"/public/consultations/{consultation.id}?lang={language}")
    assert response.status_code == 200 and response.headers["content-language"] == language
    tag = HTML_TAG.search(response.text)
    assert tag is not None
    assert ('dir="rtl"' in tag.group(0)) == (language == "ar") and f'lang="{language}"' in tag.group(0)
    for code in LANGUAGES:
        if code != language:
            assert f'href="?lang={code}" hreflang="{code}" lang="{code}"' in response.text
    if language not in ("en", "fr"):
        assert english_left(response.text, language) == []
