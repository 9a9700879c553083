"""The desk in words: instances by title, states and steps by label, refusals as sentences, and steps that
e-mail a whole group shown with what they send before they are confirmed."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient

from engine import FixedClock
from tests.conftest import at
from tests.web.conftest import Site, csrf_of
from tests.web.world import World, build
from web.labels import words_for
from web.titles import day_span, ordinal

Clients = Callable[[str], TestClient]


@pytest.fixture
def world(site: Site) -> World:
    return build(site.engine)


@pytest.mark.parametrize(
    ("first", "last", "language", "expected"),
    [
        (date(2019, 2, 1), None, "en", "1 February 2019"),
        (date(2019, 2, 1), date(2019, 2, 1), "fr", "1er février 2019"),
        (date(2019, 9, 23), date(2019, 9, 24), "en", "23–24 September 2019"),
        (date(2019, 9, 23), date(2019, 9, 24), "fr", "23-24 septembre 2019"),
        (date(2019, 9, 30), date(2019, 10, 1), "en", "30 September – 1 October 2019"),
    ],
)
def test_day_spans(first: date, last: date | None, language: str, expected: str) -> None:
    """A meeting's days are written once, the French first of the month as 1er."""
    assert day_span(first, last, language) == expected


def test_ordinals() -> None:
    """12th / 12e; 1st / 1re; 11th, 22nd."""
    assert [ordinal(n, "en") for n in (1, 2, 3, 11, 12, 22)] == ["1st", "2nd", "3rd", "11th", "12th", "22nd"]
    assert [ordinal(n, "fr") for n in (1, 12)] == ["1re", "12e"]


def test_pages_name_instances_by_title(session_client: Clients, world: World) -> None:
    """The dashboard and the list link the meeting by its title in the reader's language; the id is secondary."""
    sec = session_client("sec.alice")
    page = html.unescape(sec.get("/").text)
    assert f'<a href="/instances/{world.meeting}">12th meeting — 1 February 2019</a>' in page
    assert ">contributions_open<" not in page and "Contributions open" in page
    listing = html.unescape(session_client("ms.fr").get("/instances").text)
    assert f'<a href="/instances/{world.meeting}">12e réunion — 1er février 2019</a>' in listing
    assert "Contributions ouvertes" in listing and "Cycle" not in listing


def test_instance_page_in_words(session_client: Clients, world: World) -> None:
    """States, steps, fields, roles and the audit trail read as words; a refused step says why, with its date."""
    page = html.unescape(session_client("sec.alice").get(f"/instances/{world.meeting}").text)
    assert '<strong class="badge" data-state="contributions_open">Contributions open</strong>' in page
    assert "Possible once the deadline “Contributions to be translated” has passed, after 11 January 2019." in page
    assert ">Venue<" in page and ">change_reason<" not in page
    assert re.search(r"<strong>Send the invitation</strong> — by Alice Martin \(Secretariat\)", page)
    fr = html.unescape(session_client("ms.fr").get(f"/instances/{world.meeting}").text)
    assert "Soumettre une contribution" in fr and "Lieu" in fr and "Secrétariat" in fr


def test_a_step_that_mails_every_member_state_is_confirmed_first(
    session_client: Clients, site: Site, world: World, clock: FixedClock
) -> None:
    """Postponing first shows the notice, its recipients and one rendered message, writing nothing; the
    confirmation posts the same values and fires."""
    clock.set(at("2019-01-08"))
    sec = session_client("sec.alice")
    page = sec.get(f"/instances/{world.meeting}").text
    version = site.engine.get(world.meeting).version
    form = {
        "csrf_token": csrf_of(page),
        "trigger": "postpone",
        "f.change_reason": "Room unavailable",
        "f.start": "2019-03-01",
        "f.end": "2019-03-01",
        "expected_version": str(version),
        "idempotency_key": "p1",
    }
    preview = sec.post(f"/instances/{world.meeting}/fire", data=form)
    text = html.unescape(preview.text)
    member_states = [p for p in site.engine.people() if "member_state" in p.roles]
    assert preview.status_code == 200 and 'data-confirm="postpone"' in text
    sent = re.search(
        r"Meeting changed \(postponed or cancelled\)</strong> <span class=\"hint\">\(N02\)</span> — to (\d+) people",
        text,
    )
    assert sent is not None and int(sent.group(1)) >= len(member_states)
    assert "What one recipient receives" in text
    assert site.engine.get(world.meeting).version == version  # nothing written yet
    carried = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', preview.text))
    assert carried["f.change_reason"] == "Room unavailable" and carried["confirmed"] == "yes"
    done = sec.post(f"/instances/{world.meeting}/fire", data={**form, "confirmed": "yes"})
    assert done.status_code == 303
    after = site.engine.get(world.meeting)  # the state it lands in follows the new dates (definition 4)
    assert after.fields["start"] == "2019-03-01" and site.engine.history(world.meeting)[-1].trigger == "postpone"


def test_cancel_is_styled_as_destructive(session_client: Clients, world: World) -> None:
    """Cancelling the meeting is a red button that warns it will ask for confirmation."""
    page = session_client("sec.alice").get(f"/instances/{world.meeting}").text
    assert 'class="step danger" data-trigger="cancel"' in page
    assert '<button type="submit" class="danger">Cancel the meeting…</button>' in page


def test_a_step_names_every_state_it_may_lead_to(session_client: Clients, site: Site, world: World) -> None:
    """A step whose guarded alternatives lead to different states (postponing lands where the new dates put the
    meeting) names them all in its legend, not only the first."""
    definition = site.engine.definition_of(site.engine.get(world.meeting))
    dests = list(dict.fromkeys(a.dest for a in definition.alternatives("postpone", "contributions_open")))
    labels = [words_for("en").state("meeting_cycle", d) for d in dests]
    expected = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]
    page = html.unescape(session_client("sec.alice").get(f"/instances/{world.meeting}").text)
    legend = re.search(r'data-trigger="postpone">\s*<fieldset>\s*<legend>(.*?)</legend>', page, re.S)
    assert legend is not None and f"leads to {expected}<" in legend.group(1)
