"""Every API endpoint refuses an anonymous caller (401) and a caller whose roles do not allow it (403),
with the engine deciding roles and visibility: a stakeholder never sees the Group's meeting."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from engine import FixedClock
from tests.conftest import at
from tests.web.conftest import Site, app_routes
from tests.web.world import World, build


@dataclass(frozen=True)
class Call:
    """One endpoint, how to call it, and who lacks the role for it (None: every logged-in person may)."""

    method: str
    route: str
    path: str
    body: dict[str, object] | None = None
    outsider: str | None = None
    refused_with: int = 403


def calls(w: World, site: Site) -> list[Call]:
    m = w.meeting
    other_token = site.accounts.tokens("ms.ru")[0].id
    return [
        Call("GET", "/api/me", "/api/me"),
        Call("GET", "/api/people", "/api/people", outsider="sh.isoc"),
        Call("GET", "/api/instances", "/api/instances", outsider="sh.isoc", refused_with=200),
        Call(
            "POST",
            "/api/instances",
            "/api/instances",
            {
                "workflow": "meeting_cycle",
                "fields": {"number": 13, "start": "2019-09-20", "end": "2019-09-20", "venue": "Geneva"},
            },
            outsider="ms.fr",
        ),
        Call("GET", "/api/instances/{instance_id}", f"/api/instances/{m}", outsider="sh.isoc", refused_with=404),
        Call(
            "POST",
            "/api/instances/{instance_id}/fire",
            f"/api/instances/{m}/fire",
            {"trigger": "submit_contribution", "fields": {"title": "Views"}},
            outsider="sec.alice",
        ),
        Call(
            "GET",
            "/api/instances/{instance_id}/history",
            f"/api/instances/{m}/history",
            outsider="sh.isoc",
            refused_with=404,
        ),
        Call(
            "GET",
            "/api/instances/{instance_id}/documents",
            f"/api/instances/{m}/documents",
            outsider="sh.isoc",
            refused_with=404,
        ),
        Call(
            "GET",
            "/api/instances/{instance_id}/documents/{document_id}",
            f"/api/instances/{m}/documents/{w.document}",
            outsider="sh.isoc",
            refused_with=404,  # a hidden instance answers as an unknown one (no existence oracle)
        ),
        Call(
            "POST",
            "/api/instances/{instance_id}/reports",
            f"/api/instances/{m}/reports",
            {"language": "en"},
            outsider="ms.fr",
        ),
        Call(
            "GET",
            "/api/instances/{instance_id}/report",
            f"/api/instances/{m}/report",
            outsider="sh.isoc",
            refused_with=404,
        ),
        Call("GET", "/api/deadlines", "/api/deadlines?days=60", outsider="sh.isoc", refused_with=200),
        Call("GET", "/api/outbox", "/api/outbox", outsider="ms.fr"),
        Call("POST", "/api/outbox/{message_id}/retry", f"/api/outbox/{w.failed_notice}/retry", outsider="chair"),
        Call("GET", "/api/tokens", "/api/tokens"),
        Call("POST", "/api/tokens", "/api/tokens", {"name": "script"}),
        Call("DELETE", "/api/tokens/{token_id}", f"/api/tokens/{other_token}", outsider="ms.fr", refused_with=404),
    ]


@pytest.fixture
def world(site: Site) -> World:
    return build(site.engine)


def _send(client: TestClient, call: Call, headers: dict[str, str]) -> int:
    return client.request(call.method, call.path, json=call.body, headers=headers).status_code


def test_the_table_covers_every_api_endpoint(site: Site, world: World) -> None:
    """A new endpoint cannot escape these tests: the table names every /api route of the app."""
    routes = {
        (method, path) for method, path in app_routes(site) if path.startswith("/api/") and path != "/api/openapi.json"
    }
    assert routes == {(c.method, c.route) for c in calls(world, site)}


def test_every_endpoint_refuses_an_anonymous_caller(client: TestClient, site: Site, world: World) -> None:
    """No token, a malformed header, an unknown token: 401 with a Bearer challenge, and the schema too."""
    for call in calls(world, site):
        for headers in ({}, {"Authorization": "Basic c2VjOnNlYw=="}, {"Authorization": "Bearer cf_forged"}):
            response = client.request(call.method, call.path, json=call.body, headers=headers)
            assert response.status_code == 401, (call.path, headers)
            assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/openapi.json").status_code == 401


def test_a_revoked_token_is_refused(client: TestClient, site: Site) -> None:
    """Revoking a token through the API makes it useless at once."""
    headers = site.headers("ms.fr")
    mine = client.get("/api/tokens", headers=headers).json()
    assert client.delete(f"/api/tokens/{mine[0]['id']}", headers=headers).status_code == 204
    assert client.get("/api/me", headers=headers).status_code == 401


def test_every_endpoint_refuses_a_caller_without_the_role(client: TestClient, site: Site, world: World) -> None:
    """Each endpoint refuses the person whose roles do not allow it, and nothing is changed or shown."""
    before = site.engine.get(world.meeting)
    for call in calls(world, site):
        if call.outsider is None:
            continue
        status = _send(client, call, site.headers(call.outsider))
        assert status == call.refused_with, (call.path, call.outsider, status)
    assert site.engine.get(world.meeting).version == before.version
    assert [m.id for m in site.engine.list(workflow="meeting_cycle")] == [world.meeting]  # nothing started
    shown = client.get("/api/instances", headers=site.headers("sh.isoc")).json()
    assert shown == []  # the meeting and the topic are the Group's
    upcoming = client.get("/api/deadlines?days=60", headers=site.headers("sh.isoc")).json()
    assert upcoming["deadlines"] == upcoming["timers"] == []


def test_the_people_with_the_role_get_through(client: TestClient, site: Site, world: World, clock: FixedClock) -> None:
    """The same table with a person who holds the role: no refusal (only state-dependent answers)."""
    allowed = {
        "/api/people": "ms.fr",
        "/api/instances/{instance_id}": "ms.fr",
        "/api/instances/{instance_id}/fire": "ms.fr",
        "/api/instances/{instance_id}/history": "ms.fr",
        "/api/instances/{instance_id}/documents": "ms.fr",
        "/api/instances/{instance_id}/documents/{document_id}": "ms.fr",
        "/api/outbox": "sec.alice",
        "/api/outbox/{message_id}/retry": "sec.alice",
    }
    clock.set(at("2019-01-08"))
    for call in calls(world, site):
        if call.route in allowed and (call.method, call.route) != ("GET", "/api/instances"):
            status = _send(client, call, site.headers(allowed[call.route]))
            assert status in (200, 201), (call.path, status)
