"""The desk read in Arabic and Chinese (and Spanish, Russian) in Chromium at 1280 px: the dashboard and the 12th
meeting's page in the reader's language, Arabic laid out right to left (the header mirrored, the table text
starting on the right), no sideways scrolling, and glyphs drawn from real fonts (.ci/run installs the Noto
fonts). Screenshots go to artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from engine import FixedClock
from tests.conftest import at
from tests.web.conftest import PASSWORD, Site
from tests.web.test_browser import ARTIFACTS, base_url, browser, log_in, shot  # noqa: F401  (fixtures by name)
from tests.web.world import build
from web.i18n import MESSAGES
from web.labels import words_for

READERS = {"ar": "ms.sa", "zh": "ms.cn", "es": "ms.br", "ru": "ms.ru"}


@pytest.mark.parametrize("language", ["ar", "zh", "es", "ru"])
def test_the_desk_in_a_reader_language(
    browser: Browser,  # noqa: F811
    base_url: str,  # noqa: F811
    site: Site,
    clock: FixedClock,
    db_url: str,
    language: str,
) -> None:
    """Dashboard and meeting page in ``language``; for Arabic the brand sits right of the navigation."""
    world = build(site.engine)
    person = READERS[language]
    site.accounts.set_password(person, PASSWORD)
    clock.set(at("2019-01-08"))
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        log_in(page, person)
        expect(page.get_by_role("heading", name=MESSAGES[language]["dash.title"])).to_be_visible()
        rtl = page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
        assert rtl == (language == "ar")
        brand = page.locator(".brand").bounding_box()
        nav = page.locator("header nav").bounding_box()
        assert brand is not None and nav is not None
        assert (brand["x"] > nav["x"]) == rtl  # the header reads from the right in Arabic
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot(page, f"dashboard-{language}-1280", db_url)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{language}-1280-top.png"))
        page.goto(f"/instances/{world.meeting}")
        expect(page.locator(".badge")).to_have_text(words_for(language).state("meeting_cycle", "contributions_open"))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot(page, f"instance-{language}-1280", db_url)
        page.screenshot(path=str(ARTIFACTS / f"instance-{language}-1280-top.png"))
        figure = page.locator("figure.diagram")
        # The drawing keeps its left-to-right layout (arrows' words right of their arrows), scrolled to its start.
        assert figure.evaluate("e => getComputedStyle(e).direction") == "ltr"
        assert figure.evaluate("e => e.scrollLeft") == 0
        figure.screenshot(path=str(ARTIFACTS / f"diagram-{language}-1280.png"))
    finally:
        context.close()
