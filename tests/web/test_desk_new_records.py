"""What the engine learnt today, on the desk in words, in English and French (real requests against the app on
a SQLite file): the warnings on an instance's dates still ahead ("To check", and after the step that gave
them), the Member States' positions on a topic (each one's latest, how often it changed, the topic preferred
by its title), a meeting's registrations, its silence procedure (the end date while open, the objections),
and the dashboard's deadlines for the new deadlines. Never a raw identifier."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from engine import Engine, FixedClock, Instance
from engine.catalogue import load_catalogue
from tests.conftest import at
from tests.scenario import Twelfth, draft_report
from tests.web.conftest import PASSWORD, Site, csrf_of
from tests.web.test_browser import ARTIFACTS, base_url, browser, shot  # noqa: F401  (fixtures by name)
from tests.web.test_browser import log_in as browser_log_in
from tests.web.test_no_raw_identifiers import labelled_identifiers, visible_text
from tests.web.world import World, build
from web.deadline_status import rules, status_of
from web.labels import words_for
from web.warnings import date_warnings

Clients = Callable[[str], TestClient]
OFFICERS = {"en": "sec.alice", "fr": "sec.bruno"}


@pytest.fixture
def world(site: Site) -> World:
    site.accounts.set_password("sec.bruno", PASSWORD)  # the French-speaking secretariat officer
    return build(site.engine)


def _text(response_text: str) -> str:
    """What a reader sees, one space between words."""
    return " ".join(html.unescape(visible_text(response_text)).split())


def _section(page: str, heading_id: str) -> str:
    start = page.index(">", page.index(f'id="{heading_id}"')) + 1
    return _text(page[start : page.find("</section>", start)])


def _no_raw_identifier(site: Site, page: str) -> None:
    identifiers = labelled_identifiers(site)
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(sorted(map(re.escape, identifiers))) + r")(?![\w-])")
    assert sorted(set(pattern.findall(visible_text(page)))) == []


# -- 1. warnings -------------------------------------------------------------------------------------------


def _between(page: str, start: str, end: str) -> str:
    """The text a reader sees from the first ``start`` to the next ``end`` after it."""
    first = page.index(start)
    return _text(page[first : page.index(end, first)])


def _postpone(client: TestClient, meeting: str, fields: dict[str, str]) -> str:
    """Postpone through the desk's form: the preview first, then the confirmed post; follows the redirect."""
    page = client.get(f"/instances/{meeting}").text
    form = {"csrf_token": csrf_of(page), "trigger": "postpone", **{f"f.{k}": v for k, v in fields.items()}}
    preview = client.post(f"/instances/{meeting}/fire", data=form)
    assert preview.status_code == 200 and 'name="confirmed"' in preview.text, _text(preview.text)[:3000]
    done = client.post(f"/instances/{meeting}/fire", data={**form, "confirmed": "yes"})
    assert done.status_code == 303, done.text
    return str(done.headers["location"])


WARNED = {
    "en": (
        "To check",
        "“First day” and “Last day” (19 April 2019) fall on a public holiday in Geneva (Good Friday).",
        "The deadline “Contributions (no translation)” (7 April 2019) falls on a Sunday.",
        "“Chair's report to Council” (13 May 2019) does not fall after “Last day” (4 June 2019).",
        "This step gave dates to check:",
    ),
    "fr": (
        "À vérifier",
        "« Premier jour » et « Dernier jour » (19 avril 2019) tombent un jour férié à Genève (Vendredi saint).",
        "L'échéance « Contributions (sans traduction) » (7 avril 2019) tombe un dimanche.",
        "« Rapport du Président au Conseil » (13 mai 2019) ne tombe pas après « Dernier jour » (4 juin 2019).",
        "Cette étape a donné des dates à vérifier :",
    ),
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_warnings_are_shown_in_words_after_the_step_and_on_the_page(
    session_client: Clients, site: Site, world: World, clock: FixedClock, language: str
) -> None:
    """A meeting moved to Good Friday: the step is taken, its confirmation lists what to check, and the page's
    "To check" box says it with the labels, the weekday and the holiday's name in the reader's language."""
    clock.set(at("2019-01-05"))
    heading, holiday, sunday, order, after_step = WARNED[language]
    officer = session_client(OFFICERS[language])
    assert holiday not in html.unescape(officer.get(f"/instances/{world.meeting}").text)  # not yet
    easter = {"start": "2019-04-19", "end": "2019-04-19", "change_reason": "Room found"}
    location = _postpone(officer, world.meeting, easter)
    assert "new=" in location
    page = officer.get(location).text
    done = _between(page, 'class="notice to-check"', "</div>")
    assert after_step in done and holiday in done and sunday in done
    box = _section(page, "checks-h")
    assert box.startswith(heading) and holiday in box and sunday in box
    _no_raw_identifier(site, page)

    # Moved again past the Chair's report: the new warning is the order; the earlier ones are gone.
    clock.set(at("2019-01-06"))
    later = {"start": "2019-06-03", "end": "2019-06-04", "change_reason": "Later still"}
    page = officer.get(_postpone(officer, world.meeting, later)).text
    assert order in _section(page, "checks-h") and holiday not in page
    # The same facts as the engine's warnings, one for one.
    engine_lines = site.engine.warnings(site.engine.get(world.meeting), now=at("2019-01-06"))
    assert len(engine_lines) == sum(len(k.split(",")) for k in re.findall(r'data-check="([^"]+)"', page))


def test_the_desk_finds_what_the_engine_warns_of(site: Site, world: World) -> None:
    """web/warnings.py says in words exactly the warnings engine/warnings.py gives, in the same order."""
    engine = site.engine
    s = world.scenario
    for fields in (
        {"start": "2019-04-19", "end": "2019-04-19", "change_reason": "Room"},
        {"start": "2019-06-03", "end": "2019-06-04", "change_reason": "Later"},
        {"start": "2019-12-25", "end": "2019-12-26", "change_reason": "Christmas"},
    ):
        moved = s.fire("meeting", "postpone", "sec.alice", fields, when="2019-01-05")
        lines = engine.warnings(moved, now=at("2019-01-05"))
        worded = date_warnings(
            engine.definition_of(moved), moved.fields, engine.catalogue.body, words_for("en"), since=date(2019, 1, 5)
        )
        assert sorted(k.split(":")[1] for w in worded for k in w.keys) == sorted(_named(line) for line in lines)
    christmas = date_warnings(engine.definition_of(moved), moved.fields, engine.catalogue.body, words_for("fr"))
    assert any("Noël" in w.text for w in christmas)


def _named(line: str) -> str:
    """The identifier an engine warning names first ("deadline posting 2019-..." -> posting)."""
    words = line.split()
    return words[1] if words[0] == "deadline" else words[0]


# -- 2. positions ----------------------------------------------------------------------------------------


def _in_session(engine: Engine, s: Twelfth) -> None:
    s.fire("meeting", "close_translation", "system", when="2019-01-12")
    s.fire("meeting", "close_contributions", "system", when="2019-01-21")
    s.fire("meeting", "publish_documents", "sec.alice", {"documents_link": "https://docs.example"}, when="2019-01-25")
    s.fire("meeting", "open_session", "chair", when="2019-02-01")
    s.fire("topic", "table_topics", "chair", when="2019-02-01")


def stated_positions(engine: Engine, world: World) -> Instance:
    """France supports, the United States changes its mind twice, Russia prefers its own topic, the
    secretariat records Brazil's reservation in session."""
    s = world.scenario
    _in_session(engine, s)
    rival_fields = {"title": "Rival topic on OTTs", "meeting": world.meeting, "proposed_by": "Russian Federation"}
    rival = engine.start("topic", "ms.ru", rival_fields, now=at("2019-01-10"))
    topic = world.topic

    def state(who: str, fields: dict[str, str], trigger: str = "state_position") -> None:
        engine.fire(topic, trigger, who, fields, now=at("2019-02-01T14:30:00+00:00"))

    state("ms.fr", {"position": "support", "statement": "France supports this topic."})
    state("ms.us", {"position": "object"})
    state("ms.ru", {"position": "prefer_other", "other_option": rival.id, "statement": "Ours is more urgent."})
    state("sec.alice", {"position": "reserve", "on_behalf_of": "Brazil"}, "record_position")
    state("ms.us", {"position": "reserve", "statement": "Pending instructions."})
    state("ms.us", {"position": "support", "statement": "Instructions received."})
    return rival


POSITIONS = {
    "en": (
        "Positions of Member States",
        ("France", "supports", "France supports this topic."),
        ("United States", "supports", "Instructions received.", "changed twice"),
        ("Russian Federation", "prefers another topic", "Rival topic on OTTs", "Ours is more urgent."),
        ("Brazil", "reserves its position"),
    ),
    "fr": (
        "Positions des États Membres",
        ("France", "appuie", "France supports this topic."),
        ("United States", "appuie", "Instructions received.", "modifiée deux fois"),
        ("Russian Federation", "préfère un autre thème", "Rival topic on OTTs", "Ours is more urgent."),
        ("Brazil", "réserve sa position"),
    ),
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_topic_shows_each_member_states_latest_position(
    session_client: Clients, site: Site, world: World, clock: FixedClock, language: str
) -> None:
    rival = stated_positions(site.engine, world)
    clock.set(at("2019-02-01T16:00:00+00:00"))
    page = session_client(OFFICERS[language]).get(f"/instances/{world.topic}").text
    heading, *rows = POSITIONS[language]
    box = _section(page, "positions-h")
    assert box.startswith(heading)
    shown = [_text(r) for r in re.findall(r"<tr data-position=\"\w+\">(.*?)</tr>", page, re.S)]
    assert len(shown) == 4  # one row per Member State: the United States' earlier positions left out
    for expected in rows:
        row = next(r for r in shown if r.startswith(expected[0]))
        assert all(part in row for part in expected), (expected, row)
    assert "Pending instructions." not in box and "objects" not in box and "s'oppose" not in box
    assert f'<a href="/instances/{rival.id}">Rival topic on OTTs</a>' in page  # the topic preferred, linked
    assert "Feb 1, 2019 15:30" in box or "1 févr. 2019 15:30" in box  # when, Geneva time
    _no_raw_identifier(site, page)


def test_a_position_is_recorded_by_choosing_from_lists(
    session_client: Clients, site: Site, world: World, clock: FixedClock
) -> None:
    """The secretariat picks the Member State and the topic preferred from lists (titles, not ids); the
    audit line says for whom and what; a Member State is not offered "for the Member State"."""
    rival = stated_positions(site.engine, world)
    clock.set(at("2019-02-01T16:00:00+00:00"))
    officer = session_client("sec.alice")
    page = officer.get(f"/instances/{world.topic}").text
    form = page[
        page.index('data-trigger="record_position"') : page.index(
            "</form>", page.index('data-trigger="record_position"')
        )
    ]
    assert f'<option value="{rival.id}">Rival topic on OTTs</option>' in form
    assert '<option value="Saudi Arabia">Saudi Arabia</option>' in form
    data = {"csrf_token": csrf_of(page), "trigger": "record_position", "expected_version": "",
            "f.position": "prefer_other", "f.other_option": rival.id, "f.on_behalf_of": "Saudi Arabia"}  # fmt: skip
    assert officer.post(f"/instances/{world.topic}/fire", data=data).status_code == 303
    page = html.unescape(officer.get(f"/instances/{world.topic}").text)
    assert "Positions of Member States: added: Saudi Arabia — prefers another topic" in _text(page)
    ms_page = session_client("ms.fr").get(f"/instances/{world.topic}").text
    assert 'data-trigger="state_position"' in ms_page and "f.on_behalf_of" not in ms_page


def test_a_topic_without_positions_says_so(session_client: Clients, world: World) -> None:
    page = session_client("sec.bruno").get(f"/instances/{world.topic}").text
    assert "Aucun État Membre n'a encore exprimé de position." in _section(page, "positions-h")


# -- 3. registrations and the silence procedure ---------------------------------------------------------------


REGISTRATIONS = {
    "en": ("Registrations (2)", "Member State", "Head of delegation", "Delegates", "Received", "Jan 3, 2019 11:00"),
    "fr": ("Inscriptions (2)", "État Membre", "Chef de délégation", "Délégués", "Reçue le", "3 janv. 2019 11:00"),
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_meeting_lists_its_registrations(
    session_client: Clients, site: Site, world: World, clock: FixedClock, language: str
) -> None:
    engine = site.engine
    engine.fire(world.meeting, "register", "ms.fr", {"head_of_delegation": "Jeanne Dupont", "delegates": 3},
                now=at("2019-01-03"))  # fmt: skip
    engine.fire(world.meeting, "record_registration", "sec.alice",
                {"head_of_delegation": "Ana Souza", "delegates": 2, "on_behalf_of": "Brazil"},
                now=at("2019-01-04"))  # fmt: skip
    clock.set(at("2019-01-08"))
    page = session_client(OFFICERS[language]).get(f"/instances/{world.meeting}").text
    box = _section(page, "registrations-h")
    assert all(word in box for word in REGISTRATIONS[language]), box
    assert "France Jeanne Dupont 3" in box and "Brazil Ana Souza 2" in box
    assert "Jeanne Dupont" not in _between(page, 'id="fields-h"', "</section>")  # not twice: in its own table
    _no_raw_identifier(site, page)


SILENCE = {
    "en": (
        "Under silence procedure until 25 February 2019: unless a Member State breaks silence by the end of that day",
        "WG-Internet 12/5",
        "Objections breaking silence (1)",
        "Russian Federation Paragraph 6.3 does not reflect our intervention.",
    ),
    "fr": (
        "Procédure d'approbation tacite jusqu'au 25 février 2019 : sauf si un État Membre rompt le silence",
        "WG-Internet 12/5",
        "Objections rompant le silence (1)",
        "Russian Federation Paragraph 6.3 does not reflect our intervention.",
    ),
}


def _under_silence(s: Twelfth, opened_on: str) -> None:
    fields = {"report_symbol": "WG-Internet 12/5", "silence_opened_on": opened_on}
    s.fire("meeting", "open_silence_procedure", "chair", fields, when=opened_on)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_silence_procedure_shows_its_end_and_the_objections(
    session_client: Clients, site: Site, world: World, clock: FixedClock, language: str
) -> None:
    """Opened on 11 February it ends on 25 February (10 working days); Russia breaks it, the chair opens it
    again: the new end date is prominent and the objection is in a table."""
    s = draft_report(world.scenario)
    _under_silence(s, "2019-02-11")
    clock.set(at("2019-02-12"))
    officer = session_client(OFFICERS[language])
    ending, symbol, objections, objection = SILENCE[language]
    page = officer.get(f"/instances/{world.meeting}").text
    notice = _between(page, 'class="notice silence"', "</p>")
    assert ending in notice and symbol in notice
    assert 'data-silence-end="2019-02-25"' in page
    assert "silence_breaks-h" not in page  # no objection yet
    objected = {"objection": "Paragraph 6.3 does not reflect our intervention."}
    site.engine.fire(world.meeting, "break_silence", "ms.ru", objected, now=at("2019-02-20"))
    clock.set(at("2019-02-21"))
    page = officer.get(f"/instances/{world.meeting}").text
    assert 'class="notice silence"' not in page  # back with the chair
    box = _section(page, "silence_breaks-h")
    assert box.startswith(objections) and objection in box
    _no_raw_identifier(site, page)


def test_the_dashboard_gives_member_states_the_registration_and_the_open_silence(
    session_client: Clients, site: Site, world: World, clock: FixedClock
) -> None:
    """Registration closes on 11 January for the Member States; the silence deadline is theirs only while a
    silence procedure is open: once broken, it no longer applies to anyone."""
    clock.set(at("2019-01-02"))
    ahead = _section(session_client("ms.fr").get("/").text, "deadlines-h")
    assert "Inscription" in ahead and "11 janv. 2019" in ahead
    s = draft_report(world.scenario)
    _under_silence(s, "2019-02-11")
    clock.set(at("2019-02-12"))
    site.accounts.set_password("ms.us", PASSWORD)
    us = session_client("ms.us")
    assert "End of the silence procedure" in _section(us.get("/").text, "deadlines-h")
    site.engine.fire(world.meeting, "break_silence", "ms.ru", {"objection": "No."}, now=at("2019-02-20"))
    clock.set(at("2019-02-21"))
    assert "End of the silence procedure" not in _section(us.get("/").text, "deadlines-h")
    page = _text(session_client("sec.alice").get(f"/instances/{world.meeting}").text)
    assert "End of the silence procedure 25 February 2019 no longer applies" in page


def test_every_deadline_rule_names_states_that_exist() -> None:
    """only_in (like met_in) names states of the workflow: the silence deadline applies under silence only."""
    definitions = load_catalogue().definitions
    for name, known in rules().items():
        for deadline, rule in known.items():
            assert rule.only_in is None or rule.only_in <= set(definitions[name].states), (name, deadline)
    meeting = definitions["meeting_cycle"]
    today, day = date(2019, 2, 12), date(2019, 2, 25)
    assert status_of(meeting, "silence_procedure", "silence", day, today) == "upcoming"
    assert status_of(meeting, "report_draft", "silence", day, today) == "void"
    assert status_of(meeting, "report_approved", "silence", day, today) == "met"


# -- in a browser, at a laptop's and a phone's width -----------------------------------------------------------


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_screens_of_positions_and_warnings(
    browser: Browser,  # noqa: F811
    base_url: str,  # noqa: F811
    site: Site,
    world: World,
    clock: FixedClock,
    db_url: str,
    language: str,
    width: int,
) -> None:
    """A topic with positions and a meeting moved to Good Friday, in Chromium: the words are there, nothing
    scrolls sideways; screenshots in artifacts/screenshots/ for a person to look at."""
    stated_positions(site.engine, world)
    clock.set(at("2019-02-01T16:00:00+00:00"))
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        browser_log_in(page, OFFICERS[language])
        page.goto(f"/instances/{world.topic}")
        heading, *_ = POSITIONS[language]
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        expect(page.locator("table.positions tbody tr")).to_have_count(4)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot(page, f"topic-positions-{language}-{width}", db_url)
        box = page.locator("section[aria-labelledby='positions-h']")
        box.screenshot(path=str(ARTIFACTS / f"topic-positions-{language}-{width}-table.png"))

        # A second meeting, planned and moved to Good Friday through the desk.
        clock.set(at("2019-01-05"))
        meeting = site.engine.start("meeting_cycle", "sec.alice", PLANNED, now=at("2019-01-04"))
        page.goto(f"/instances/{meeting.id}")
        postpone = page.locator("form[data-trigger='postpone']")
        postpone.locator("[name='f.start']").fill("2019-04-19")
        postpone.locator("[name='f.end']").fill("2019-04-19")
        postpone.locator("[name='f.change_reason']").fill("Room found")
        postpone.locator("button[type=submit]").click()
        confirm = page.locator("form[data-confirm='postpone'] button[type=submit]")
        if confirm.count():
            confirm.click()
        heading, holiday, *_ = WARNED[language]
        expect(page.locator(".notice.to-check")).to_contain_text(holiday)
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot(page, f"meeting-warnings-{language}-{width}", db_url)
        page.screenshot(path=str(ARTIFACTS / f"meeting-warnings-{language}-{width}-top.png"))  # one screen
        box = page.locator("section[aria-labelledby='checks-h']")
        box.screenshot(path=str(ARTIFACTS / f"meeting-warnings-{language}-{width}-box.png"))
    finally:
        context.close()


PLANNED = {"number": 13, "start": "2019-09-23", "end": "2019-09-24", "venue": "ITU headquarters, Geneva"}
