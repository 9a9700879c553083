"""No page of the desk shows, as text a person reads, the raw identifier of a state, step or field that has
a label (``contributions_open``, ``close_translation``, ``change_reason``). Ids stay where they belong: in
attributes, the instance id in ``<code class="id">``, the Mermaid source offered for another tool."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from engine import FixedClock
from tests.conftest import at
from tests.web.conftest import PASSWORD, Site
from tests.web.world import World, build
from web.labels import catalogue

Clients = Callable[[str], TestClient]
SKIPPED = {"script", "style", "code", "pre"}  # ids shown on purpose: the instance id, the Mermaid text


class VisibleText(HTMLParser):
    """The text nodes a reader sees (attribute values, scripts and the elements in SKIPPED left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = VisibleText()
    parser.feed(page)
    return " ".join(parser.parts)


def labelled_identifiers(site: Site) -> set[str]:
    """Every state, trigger and field (and list item field) of the shipped workflows that has a label and
    could not be a plain word: it holds an underscore."""
    words = catalogue()
    found = set()
    for name, d in site.engine.catalogue.definitions.items():
        kinds = {
            "states": list(d.states),
            "triggers": [d.start.trigger, *d.triggers],
            "fields": [*d.fields, *(i for f in d.fields.values() for i in f.item)],
        }
        found |= {n for kind, names in kinds.items() for n in names if words.lookup(name, kind, n, "en")}
    return {n for n in found if "_" in n}


def test_the_check_finds_a_raw_identifier() -> None:
    """The text extraction keeps what a reader sees and drops attributes and code."""
    text = visible_text('<p data-state="contributions_open">Open <code>close_translation</code> change_reason</p>')
    assert "change_reason" in text and "contributions_open" not in text and "close_translation" not in text


@pytest.mark.parametrize("person", ["sec.alice", "sec.bruno", "ms.fr", "chair"])
def test_no_page_shows_a_labelled_identifier(
    session_client: Clients, site: Site, clock: FixedClock, person: str
) -> None:
    """Dashboard, lists, the meeting and topic pages, a refused step, the outbox, the start form, reports."""
    world: World = build(site.engine)
    site.accounts.set_password("sec.bruno", PASSWORD)  # a French-speaking secretariat officer
    clock.set(at("2019-01-08"))
    identifiers = labelled_identifiers(site)
    assert {"contributions_open", "close_translation", "change_reason"} <= identifiers
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(sorted(map(re.escape, identifiers))) + r")(?![\w-])")
    client = session_client(person)
    paths = [
        "/",
        "/instances",
        "/instances?state=contributions_open",
        f"/instances/{world.meeting}",
        f"/instances/{world.topic}",
        "/outbox",
        "/start?workflow=meeting_cycle",
        "/reports",
        "/people",
        "/account",
    ]
    seen = {}
    for path in paths:
        response = client.get(path)
        if response.status_code != 200:
            continue  # a page this person may not open (the outbox for a Member State)
        found = sorted(set(pattern.findall(visible_text(response.text))))
        if found:
            seen[path] = found
    assert seen == {}
