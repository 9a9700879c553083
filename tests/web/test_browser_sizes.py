"""The secretariat officer's walk through the desk in English (sec.alice) and French (sec.bruno), on a laptop
(1280 px) and a phone (390 px): what waits on them, the 12th meeting opened by its title, a step that must wait
and why, a postponement previewed and confirmed, the audit line in words; never a raw state or step name, no
sideways scrolling. Screenshots go to artifacts/screenshots/ (kept by CI as artifacts) for a person to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from engine import FixedClock
from tests.conftest import at
from tests.web.conftest import PASSWORD, Site
from tests.web.test_browser import ARTIFACTS, base_url, browser, log_in, shot  # noqa: F401  (fixtures by name)
from tests.web.world import build

WORDS = {
    "en": ("12th meeting — 1 February 2019", "Contributions open", "Possible once the deadline"),
    "fr": ("12e réunion — 1er février 2019", "Contributions ouvertes", "Possible une fois l'échéance"),
}
WAITING = {"en": "Waiting on you", "fr": "En attente de votre action"}
POSTPONED = {  # the confirmation's notice, the success notice, the audit line
    "en": ("Meeting changed", "Done: Postpone the meeting.", "Postpone the meeting — by Alice Martin (Secretariat)"),
    "fr": (
        "Modification de la réunion",
        "Fait : Reporter la réunion.",
        "Reporter la réunion — par Bruno Keller (Secrétariat)",
    ),
}


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize(("person", "language"), [("sec.alice", "en"), ("sec.bruno", "fr")])
def test_secretariat_reads_the_desk_in_words(
    browser: Browser,  # noqa: F811
    base_url: str,  # noqa: F811
    site: Site,
    clock: FixedClock,
    db_url: str,
    person: str,
    language: str,
    width: int,
) -> None:
    """The dashboard says what waits and links the meeting by its title; its page shows the state's label and why
    a step must wait; postponing shows the notice it sends before it is confirmed, then the audit line in words."""
    world = build(site.engine)
    site.accounts.set_password("sec.bruno", PASSWORD)
    clock.set(at("2019-01-08"))
    title, state, reason = WORDS[language]
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        log_in(page, person)
        expect(page.get_by_role("heading", name=WAITING[language])).to_be_visible()
        expect(page.get_by_role("link", name=title).first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot(page, f"dashboard-{language}-{width}", db_url)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{language}-{width}-top.png"))  # what fits on one screen
        page.get_by_role("link", name=title).first.click()
        expect(page.locator(".badge")).to_have_text(state)
        expect(page.locator("#why-close_translation")).to_contain_text(reason)
        assert world.meeting in page.locator("h1").inner_text()  # the id, as secondary text
        shot(page, f"instance-{language}-{width}", db_url)
        page.screenshot(path=str(ARTIFACTS / f"instance-{language}-{width}-top.png"))
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth)"
            ".slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
        )
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), wide

        sends, done, audit = POSTPONED[language]
        postpone = page.locator("form[data-trigger='postpone']")
        expect(postpone.locator("[name='f.start']")).to_have_value("2019-02-01")  # pre-filled from the meeting
        postpone.locator("[name='f.start']").fill("2019-03-01")
        postpone.locator("[name='f.end']").fill("2019-03-01")
        postpone.locator("[name='f.change_reason']").fill("Room unavailable")
        postpone.locator("button[type=submit]").click()
        expect(page.locator("section.confirm")).to_contain_text(sends)
        shot(page, f"postpone-preview-{language}-{width}", db_url)
        assert site.engine.get(world.meeting).fields["start"] == "2019-02-01"  # nothing written before confirming
        page.locator("form[data-confirm='postpone'] button[type=submit]").click()
        expect(page.locator("p.notice.success")).to_contain_text(done)
        expect(page.locator(".timeline li").first).to_contain_text(audit)
        shot(page, f"postponed-{language}-{width}", db_url)
        assert site.engine.get(world.meeting).fields["start"] == "2019-03-01"
    finally:
        context.close()
