"""axe-core (vendored, tests/web/vendor/) finds no serious or critical violation on the log-in page, the
dashboard, an instance page and the outbox, in English at laptop width and in French at phone width.

The desk's Content-Security-Policy allows only its own scripts, so the checking context bypasses it to
inject axe; the pages themselves are served as they always are."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from engine import FixedClock
from tests.conftest import at
from tests.web.conftest import PASSWORD, Site
from tests.web.test_browser import base_url, browser, log_in  # noqa: F401  (fixtures by name)
from tests.web.world import build

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"  # 4.14.1, see vendor/README.md
SEVERE = ("serious", "critical")


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules and best practices)."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + n.failureSummary)}));
        }"""
    )
    return [v for v in found if v["impact"] in SEVERE]


def test_the_vendored_axe_is_the_one_noted() -> None:
    """The file in vendor/ is axe-core 4.14.1 as published (its licence header kept)."""
    content = AXE.read_bytes()
    assert hashlib.sha256(content).hexdigest() == AXE_SHA256
    assert content.startswith(b"/*! axe v4.14.1") and b"Mozilla Public" in content[:400]


def test_axe_reports_what_it_should(browser: Browser) -> None:  # noqa: F811
    """The checker itself: an unlabelled input and an image without text are reported as critical."""
    page = browser.new_page()
    try:
        page.set_content('<!doctype html><html lang="en"><title>t</title><main><input><img src="x.png"></main></html>')
        assert {v["id"] for v in violations(page)} >= {"label", "image-alt"}
    finally:
        page.close()


# English on a laptop, French on a phone: both languages and both widths, in two runs instead of four.
@pytest.mark.parametrize(("person", "language", "width"), [("sec.alice", "en", 1280), ("sec.bruno", "fr", 390)])
def test_no_serious_or_critical_violation(
    browser: Browser,  # noqa: F811
    base_url: str,  # noqa: F811
    site: Site,
    clock: FixedClock,
    person: str,
    language: str,
    width: int,
) -> None:
    """Log-in page, dashboard, the meeting's page (with its forms) and the outbox pass axe."""
    world = build(site.engine)
    site.accounts.set_password("sec.bruno", PASSWORD)
    clock.set(at("2019-01-08"))
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": width, "height": 900},
        bypass_csp=True,
        locale="fr-CH" if language == "fr" else "en-GB",
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        page.goto("/login")
        found["login"] = violations(page)
        log_in(page, person)
        for name, path in (("dashboard", "/"), ("instance", f"/instances/{world.meeting}"), ("outbox", "/outbox")):
            page.goto(path)
            assert page.evaluate("document.documentElement.lang") == language
            found[name] = violations(page)
    finally:
        context.close()
    assert {k: v for k, v in found.items() if v} == {}, json.dumps(found, ensure_ascii=False, indent=1)
