"""The public page in Chromium (issue 16): a member of the public responds, reads the confirmation link in
the embedded Maildir (the dispatcher delivering to the loopback SMTP server), confirms, sees the response
counted, replaces it, withdraws it, and is refused after the deadline (the engine's clock moved, never
slept). Then axe finds no serious or critical violation on the page, in English at 1280 px and in French at
390 px, and screenshots of both go to artifacts/screenshots/."""

from __future__ import annotations

import asyncio
import email
import mailbox
import re
import threading
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from engine import Engine, FixedClock, Instance
from engine.responses import counted_responses
from notifications.dispatcher import Dispatcher
from notifications.maildir_server import EmbeddedSmtp, start_embedded_smtp
from notifications.smtp import SmtpSettings
from tests.conftest import at
from tests.integration.test_rescheduling import _online_consultation
from tests.web.conftest import Site
from tests.web.live import serving
from tests.web.test_accessibility import violations
from tests.web.test_browser import ARTIFACTS, browser  # noqa: F401  (fixture by name)

LINK = re.compile(r"https?://\S+/public/(?:confirm|manage)/[A-Za-z0-9_-]+")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedSmtp]:
    with start_embedded_smtp(tmp_path / "Maildir", keep=1000) as embedded:
        yield embedded


@pytest.fixture
def consultation(engine: Engine, clock: FixedClock) -> Instance:
    made = _online_consultation(engine)  # online until 2019-08-20
    clock.set(at("2019-07-20"))
    return made


def deliver(engine: Engine, server: EmbeddedSmtp, clock: FixedClock) -> None:
    """Send everything due through the dispatcher to the embedded server (its Maildir)."""

    async def go() -> None:
        settings = SmtpSettings(host=server.host, port=server.port, timeout=5)
        async with Dispatcher(engine, settings, clock=clock) as dispatcher:
            await dispatcher.flush()

    # Playwright's sync API runs an event loop in this thread: the dispatcher gets a thread of its own.
    worker = threading.Thread(target=asyncio.run, args=(go(),))
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the dispatcher did not finish"


def newest_links(server: EmbeddedSmtp, address: str) -> tuple[str, str]:
    """The confirmation and manage links of the newest N23 message filed for ``address``."""
    box = mailbox.Maildir(server.maildir, create=False)
    messages = [email.message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.iterkeys()]
    found = [
        m
        for m in messages
        if isinstance(m, EmailMessage) and address in str(m["To"]) and "confirm" in str(m["Subject"])
    ]
    found.sort(key=lambda m: str(m["Date"]) + str(m["Message-ID"]))
    assert found, "no confirmation message was delivered"
    body = found[-1].get_body(("plain",))
    assert body is not None
    links = LINK.findall(body.get_content())
    confirm = next(link for link in links if "/confirm/" in link)
    manage = next(link for link in links if "/manage/" in link)
    return confirm, manage


def fill(page: Page, answers: str) -> None:
    page.get_by_label(re.compile("^Name")).fill("Jane Roe")
    page.get_by_label("Organisation").fill("Open Access Lab")
    page.get_by_label("Country").fill("Kenya")
    page.get_by_label("Stakeholder type").select_option("academia")
    page.get_by_label(re.compile("^Answers")).fill(answers)
    page.get_by_label(re.compile("^E-mail address")).fill("jane@example.org")


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_respond_confirm_replace_withdraw_and_late(
    browser: Browser,  # noqa: F811
    site: Site,
    consultation: Instance,
    server: EmbeddedSmtp,
    clock: FixedClock,
) -> None:
    """The whole walk of a public respondent, through the page and their mailbox."""
    engine = site.engine
    with serving(site.app) as base:
        context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844}, locale="en-GB")
        context.set_default_timeout(30_000)
        page = context.new_page()
        try:
            page.goto(f"/public/consultations/{consultation.id}?lang=en")
            fill(page, "Affordable access matters.")
            page.get_by_role("button", name="Send my response").click()
            expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
            assert counted_responses(engine.get(consultation.id).fields).responses == ()

            deliver(engine, server, clock)
            confirm, _ = newest_links(server, "jane@example.org")
            page.goto(confirm)
            shot(page, "public-confirm-en-390")
            page.get_by_role("button", name="Confirm my response").click()
            expect(page.get_by_role("heading", name="Your response is recorded")).to_be_visible()
            shot(page, "public-recorded-en-390")
            (counted,) = counted_responses(engine.get(consultation.id).fields).responses
            assert counted["answers"] == "Affordable access matters."

            page.get_by_role("link", name="Withdraw or replace my response").click()
            page.get_by_label(re.compile("^Answers")).fill("A better answer.")
            page.get_by_role("button", name="Replace my response").click()
            expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
            assert counted_responses(engine.get(consultation.id).fields).responses == ()
            clock.set(at("2019-07-21"))
            deliver(engine, server, clock)
            confirm, manage = newest_links(server, "jane@example.org")
            page.goto(confirm)
            page.get_by_role("button", name="Confirm my response").click()
            expect(page.get_by_role("heading", name="Your response is recorded")).to_be_visible()
            (counted,) = counted_responses(engine.get(consultation.id).fields).responses
            assert counted["answers"] == "A better answer."

            page.goto(manage)
            shot(page, "public-manage-en-390")
            page.get_by_role("button", name="Withdraw my response").click()
            expect(page.get_by_role("heading", name="Your response is withdrawn")).to_be_visible()
            assert counted_responses(engine.get(consultation.id).fields).responses == ()

            page.goto(f"/public/consultations/{consultation.id}?lang=en")
            fill(page, "One more, too late.")
            page.get_by_role("button", name="Send my response").click()
            deliver(engine, server, clock)
            confirm, _ = newest_links(server, "jane@example.org")
            clock.set(at("2019-08-21"))
            history = len(engine.history(consultation.id))
            page.goto(confirm)
            expect(page.get_by_role("heading", name="The deadline has passed")).to_be_visible()
            shot(page, "public-late-en-390")
            assert len(engine.history(consultation.id)) == history
        finally:
            context.close()


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("fr", 390), ("en", 390), ("fr", 1280)])
def test_the_public_page_is_accessible_at_both_widths(
    browser: Browser,  # noqa: F811
    site: Site,
    consultation: Instance,
    language: str,
    width: int,
    db_url: str,
) -> None:
    """No serious or critical axe violation; nothing wider than the screen; a screenshot kept."""
    with serving(site.app) as base:
        context = browser.new_context(base_url=base, viewport={"width": width, "height": 900}, bypass_csp=True)
        page = context.new_page()
        try:
            page.goto(f"/public/consultations/{consultation.id}?lang={language}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if db_url.startswith("sqlite"):
                shot(page, f"public-{language}-{width}")
            assert violations(page) == []
        finally:
            context.close()
