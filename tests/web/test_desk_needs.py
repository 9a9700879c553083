"""What needs me, when (issue 13, items 3, 4 and 6): the dashboard per person, deadlines marked met, past or
upcoming, failed notices grouped by cause with "retry all", the outbox paged and filtered, the instance list
searched by title, and the workflow drawn as an SVG with the current state highlighted."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from engine import FixedClock
from engine.catalogue import load_catalogue
from tests.conftest import at
from tests.web.conftest import Site, csrf_of
from tests.web.world import World, build, fail_one_notice
from web.deadline_status import rules
from web.diagram import svg
from web.failures import cause_of
from web.labels import words_for

Clients = Callable[[str], TestClient]


@pytest.fixture
def world(site: Site) -> World:
    return build(site.engine)


def _section(page: str, heading_id: str) -> str:
    """The text of the dashboard card whose heading has this id."""
    start = page.index(f'id="{heading_id}"')
    return page[start : page.find("</section>", start)]


def test_every_shipped_deadline_says_whose_it_is_and_when_it_is_met() -> None:
    """deadlines.yaml names every deadline of every shipped workflow, and only states that exist."""
    definitions = load_catalogue().definitions
    for name, definition in definitions.items():
        known = rules().get(name, {})
        assert set(definition.deadlines) == set(known), name
        for deadline, rule in known.items():
            assert rule.by, f"{name}/{deadline}: nobody acts by it"
            assert rule.met_in <= set(definition.states), f"{name}/{deadline}: {rule.met_in - set(definition.states)}"


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        ("550 mailbox unavailable", "mailbox"),
        ("553 5.1.3 bad address syntax", "address"),
        ("552 mailbox full", "full"),
        ("554 transaction failed", "rejected"),
        ("521 server does not accept mail", "server"),
        ("invalid address 'x@'", "address"),
        ("KeyError: 'meeting'", "prepare"),
        (None, "prepare"),
    ],
)
def test_failure_causes(error: str | None, cause: str) -> None:
    """A mail server's reply code, or its absence, decides the cause a failed notice is grouped under."""
    assert cause_of(error) == cause


def test_waiting_on_you_lists_only_steps_possible_now(session_client: Clients, world: World, clock: FixedClock) -> None:
    """Before 11 January the secretariat may not close translation: the dashboard does not offer it."""
    clock.set(at("2019-01-08"))
    page = html.unescape(session_client("sec.alice").get("/").text)
    waiting = _section(page, "waiting-h")
    assert "12th meeting — 1 February 2019" in waiting
    assert "Postpone" in waiting and "Close translation" not in waiting


def test_a_member_state_sees_its_own_contribution_deadline_and_not_the_met_invitation(
    session_client: Clients, world: World, clock: FixedClock
) -> None:
    """ms.fr sees the contribution deadlines ahead, in French, and not the invitation deadline (met when convened)."""
    clock.set(at("2018-12-28"))
    page = html.unescape(session_client("ms.fr").get("/").text)
    ahead = _section(page, "deadlines-h")
    assert "Contributions à traduire" in ahead and "11 janv. 2019" in ahead
    assert "Invitation" not in ahead
    waiting = _section(page, "waiting-h")
    assert "Soumettre une contribution" in waiting and "11 janv. 2019" in waiting  # the action with its due date


def test_a_late_deadline_shows_who_acts_the_day_and_days_late(
    session_client: Clients, world: World, clock: FixedClock
) -> None:
    """Past 11 January with translation still open (no timer ran), the deadline is late by so many days."""
    clock.set(at("2019-01-15"))
    page = html.unescape(session_client("sec.alice").get("/").text)
    late = _section(page, "overdue-h")
    assert "Contributions to be translated" in late and "Member State" in late
    assert "Jan 11, 2019" in late and "4 days late" in late


def test_the_instance_page_marks_each_deadline(session_client: Clients, world: World, clock: FixedClock) -> None:
    """Invitation met, contributions upcoming, then past once their day has gone."""
    clock.set(at("2019-01-08"))
    sec = session_client("sec.alice")
    page = sec.get(f"/instances/{world.meeting}").text
    statuses = dict(re.findall(r'<dt>([^<]+)</dt><dd data-status="(\w+)"', html.unescape(page)))
    assert statuses["Invitation"] == "met"
    assert statuses["Contributions to be translated"] == "upcoming"
    clock.set(at("2019-01-13"))
    later = html.unescape(sec.get(f"/instances/{world.meeting}").text)
    assert (
        dict(re.findall(r'<dt>([^<]+)</dt><dd data-status="(\w+)"', later))["Contributions to be translated"] == "past"
    )


def test_failed_notices_are_grouped_by_cause_in_words_and_retried_together(
    session_client: Clients, site: Site, world: World
) -> None:
    """Two notices refused for an unknown mailbox form one group, in words; "retry all" queues both again."""
    second = fail_one_notice(site.engine, "550 5.1.1 user unknown")
    sec = session_client("sec.alice")
    page = html.unescape(sec.get("/").text)
    group = _section(page, "failed-h")
    assert "The recipient's mail server does not know this mailbox" in group
    assert "Retry all (2)" in group and "550 5.1.1 user unknown" in group
    answer = sec.post(f"/outbox/{world.failed_notice}/retry", data={"csrf_token": csrf_of(page), "same_cause": "yes"})
    assert answer.status_code == 200 and "2 notice(s) back in the queue." in html.unescape(answer.text)
    statuses = {m.id: m.status for m in site.engine.outbox(limit=1000)}
    assert statuses[world.failed_notice] == statuses[second] == "pending"


def test_the_outbox_pages_and_filters(session_client: Clients, site: Site, world: World) -> None:
    """50 messages a page with a next page; notice and recipient filters; each row has its subject and language."""
    sec = session_client("sec.alice")
    total = len(site.engine.outbox(limit=10_000))
    first = html.unescape(sec.get("/outbox").text)
    assert first.count("<tr data-notice=") == min(total, 50)
    if total > 50:
        assert 'rel="next"' in first
        assert html.unescape(sec.get("/outbox?page=2").text).count("<tr data-notice=") == min(total - 50, 50)
    one = site.engine.outbox(limit=1)[0]
    by_notice = html.unescape(sec.get(f"/outbox?notice={one.notice}").text)
    assert set(re.findall(r'<tr data-notice="(\w+)"', by_notice)) == {one.notice}
    by_person = html.unescape(sec.get(f"/outbox?person={one.to_email.upper()}").text)
    assert one.to_email in by_person and by_person.count("<tr data-notice=") >= 1
    assert all(m in by_person for m in ("·", one.language.upper()))
    assert sec.get("/outbox?since=2019-02-30").status_code == 200  # not a day: ignored, not an error


def test_the_instance_list_is_searched_by_title(session_client: Clients, world: World) -> None:
    """Searching "12th meeting" finds the meeting and not the topic; "consultation topic" finds the topic."""
    sec = session_client("sec.alice")
    found = html.unescape(sec.get("/instances?q=12th+meeting").text)
    assert world.meeting in found and world.topic not in found
    topic = html.unescape(sec.get("/instances?q=open+consultation+topic").text)
    assert world.topic in topic and world.meeting not in topic


def test_the_diagram_is_drawn_with_the_current_state_highlighted(session_client: Clients, world: World) -> None:
    """The instance page carries an inline SVG (no script) whose current state is marked; fr and en draw the
    same states in the same places, only the words differ."""
    page = session_client("sec.alice").get(f"/instances/{world.meeting}").text
    assert "<svg" in page and "<script" not in page
    assert re.search(r'<g class="state" data-state="contributions_open" data-current="true">', page)
    meeting = load_catalogue().definitions["meeting_cycle"]
    en, fr = (str(svg(meeting, words_for(lang), "held", "m")) for lang in ("en", "fr"))
    shapes = re.compile(r"<(?:rect|line|path|circle)[^>]*>")
    assert shapes.findall(en) == shapes.findall(fr)
    assert ">Contributions open<" in en and ">Contributions ouvertes<" in fr
