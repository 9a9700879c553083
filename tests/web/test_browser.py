"""The desk in a real browser (Playwright driving Debian's Chromium) against the app served by uvicorn on
loopback: the secretariat convenes a meeting and sees the convocations in the outbox, a Member State
contributes, a stakeholder is kept from a meeting document, the chair records no consensus and escalates.
Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from engine import FixedClock
from tests.conftest import at
from tests.scenario import convene
from tests.web.conftest import PASSWORD, Site
from tests.web.live import serving
from tests.web.world import build

# Upper bounds against a hang on a loaded CI machine (5 s by default; test_browser_sizes shares
# it), never timing assertions.
expect.set_options(timeout=30_000)

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; missing it fails in CI (.ci/run installs it) and skips elsewhere."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: browser tests must run in CI")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def base_url(site: Site) -> Iterator[str]:
    with serving(site.app) as url:
        yield url


@pytest.fixture
def open_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page, sized like a laptop screen."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page: Page, name: str, db_url: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    backend = "sqlite" if db_url.startswith("sqlite") else "postgres"
    page.screenshot(path=str(ARTIFACTS / f"{name}-{backend}.png"), full_page=True)


def log_in(page: Page, person: str) -> None:
    page.goto("/login")
    page.get_by_label(re.compile("Directory id|Identifiant")).fill(person)
    page.get_by_label(re.compile("Password|Mot de passe")).fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))


def fire(page: Page, trigger: str, done: str, **fields: str) -> None:
    """Fill the trigger's form (``fields`` by name; a select takes its value, a checkbox "yes"), press its button,
    confirm when the step first shows what it will send, and see ``done`` (the step's label) in the success
    notice."""
    form = page.locator(f"form[data-trigger='{trigger}']")
    for name, value in fields.items():
        control = form.locator(f"[name='f.{name}']")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        elif control.get_attribute("type") == "checkbox":
            control.set_checked(value == "yes")
        else:
            control.fill(value)
    form.locator("button[type=submit]").click()
    confirm = page.locator(f"form[data-confirm='{trigger}']")
    if confirm.count():
        confirm.locator("button[type=submit]").click()
    expect(page.locator("p.notice.success")).to_contain_text(done)


def test_secretariat_convenes_a_meeting_and_sees_the_convocations(
    open_page: Page, site: Site, clock: FixedClock, db_url: str
) -> None:
    """Start meeting 12 and send the invitation from the desk; the outbox lists N01 for each Member State."""
    page = open_page
    log_in(page, "sec.alice")
    page.get_by_role("link", name="Start").click()
    page.get_by_label("Workflow").select_option("meeting_cycle")
    page.get_by_role("button", name="Choose").click()
    start = page.locator("form[data-workflow='meeting_cycle']")
    start.get_by_label(re.compile("^Meeting number")).fill("12")
    start.get_by_label(re.compile("^First day")).fill("2019-02-01")
    start.get_by_label(re.compile("^Last day")).fill("2019-02-01")
    start.get_by_label(re.compile("^Venue")).fill("ITU headquarters, Geneva")
    start.get_by_role("button", name=re.compile("Plan the meeting")).click()
    expect(page.locator(".badge")).to_have_text("Planned")
    expect(page.get_by_role("heading", level=1)).to_contain_text("12th meeting — 1 February 2019")
    meeting_url = page.url.split("?")[0]
    clock.set(at("2018-12-21"))
    page.reload()
    page.locator("form[data-trigger='send_invitation'] [name='f.letter_ref']").fill("DM-18/1000")
    page.locator("form[data-trigger='send_invitation'] [name='f.council_opening']").fill("2019-06-10")
    page.locator("form[data-trigger='send_invitation'] button[type=submit]").click()
    expect(page.locator("section.confirm")).to_contain_text("Meeting invitation")
    shot(page, "confirm-invitation", db_url)
    page.locator("form[data-confirm='send_invitation'] button[type=submit]").click()
    expect(page.locator("p.notice.success")).to_contain_text("Send the invitation")
    expect(page.locator(".badge")).to_have_text("Convened")
    fire(page, "open_contributions", "Open contributions")
    expect(page.locator(".badge")).to_have_text("Contributions open")
    expect(page.locator("pre.mermaid")).to_contain_text("class contributions_open current")
    expect(page.locator("[data-trigger='close_translation'] button")).to_be_disabled()
    expect(page.locator("#why-close_translation")).to_contain_text("after 11 January 2019")
    shot(page, "instance-meeting", db_url)

    page.get_by_role("link", name="Outbox").click()
    invitations = page.locator("tr[data-notice='N01']")
    member_states = [p for p in site.engine.people() if "member_state" in p.roles]
    expect(invitations.filter(has_not_text="cc")).to_have_count(len(member_states))
    for person in member_states:
        expect(invitations.filter(has_text=person.email).first).to_be_visible()
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name=re.compile("Deadlines in the next 14 days"))).to_be_visible()
    shot(page, "dashboard-secretariat", db_url)

    page.set_viewport_size({"width": 800, "height": 1100})  # a tablet held upright: one column, no sideways scroll
    page.goto(meeting_url)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "instance-tablet", db_url)


def test_member_state_submits_a_contribution(open_page: Page, site: Site, clock: FixedClock, db_url: str) -> None:
    """France's focal point finds the meeting waiting on them (in French) and submits a contribution."""
    meeting = convene(site.engine).meeting.id
    clock.set(at("2019-01-08"))
    page = open_page
    log_in(page, "ms.fr")
    expect(page.get_by_role("heading", name=re.compile("En attente de votre action"))).to_be_visible()
    shot(page, "dashboard-member-state", db_url)
    page.get_by_role("link", name="12e réunion — 1er février 2019").first.click()
    fire(
        page,
        "submit_contribution",
        "Soumettre une contribution",
        title="Proposition pour le prochain thème",
        needs_translation="yes",
    )
    expect(page.locator("table.fields")).to_contain_text("Proposition pour le prochain thème")
    expect(page.locator(".timeline")).to_contain_text("(France)")
    shot(page, "instance-after-contribution", db_url)
    assert site.engine.history(meeting)[-1].actor == "ms.fr"


def test_stakeholder_cannot_open_a_meeting_document(open_page: Page, site: Site) -> None:
    """A stakeholder gets a refusal for the meeting's document and its page, and never sees it listed."""
    world = build(site.engine)
    page = open_page
    log_in(page, "sh.isoc")
    response = page.goto(f"/instances/{world.meeting}/documents/{world.document}")
    assert response is not None and response.status == 404  # as an unknown instance: no existence oracle
    expect(page.get_by_role("alert")).to_contain_text("no instance")
    assert "Draft agenda" not in page.content()
    response = page.goto(f"/instances/{world.meeting}")
    assert response is not None and response.status == 404
    page.goto("/instances")
    expect(page.get_by_text(world.meeting)).to_have_count(0)


def test_chair_records_no_consensus_and_is_not_offered_to_escalate_by_hand(
    open_page: Page, site: Site, clock: FixedClock, db_url: str
) -> None:
    """In session, the chair records no consensus (time ran out) by keyboard, confirming the notice to the Member
    States; escalating is not offered: it follows from the meeting's approved report, which starts the escalation."""
    s = convene(site.engine)
    s.fire("meeting", "close_translation", "system", when="2019-01-12")
    s.fire("meeting", "close_contributions", "system", when="2019-01-21")
    s.fire(
        "meeting", "publish_documents", "sec.alice", {"documents_link": "https://docs.example/12"}, when="2019-01-25"
    )
    s.fire("meeting", "open_session", "chair")
    s.fire("topic", "table_topics", "chair")
    clock.set(at("2019-02-01"))
    page = open_page
    log_in(page, "chair")
    page.goto(f"/instances/{s.topic.id}")
    form = page.locator("form[data-trigger='record_no_consensus']")
    form.locator("[name='f.reason']").select_option("time_ran_out")
    form.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("section.confirm")).to_contain_text("Decision on the topic")  # N10 to every Member State
    page.locator("form[data-confirm='record_no_consensus'] button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("p.notice.success")).to_contain_text("Record no consensus")
    expect(page.locator(".badge")).to_have_text("No consensus")
    expect(page.locator("form[data-trigger='escalate']")).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text("Record no consensus")
    shot(page, "instance-topic-not-agreed", db_url)
    topic = site.engine.get(s.topic.id)
    assert (topic.state, topic.fields["reason"]) == ("not_agreed", "time_ran_out")
