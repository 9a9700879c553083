"""A value stored before the boundary checked values (here a lone surrogate written straight into SQLite, as an
older version could) is shown escaped on the desk and in the API: never a 500 (issue 12, item 1)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from engine.errors import DatabaseError
from storage.unit import database_of
from tests.web.conftest import Site
from tests.web.world import World, build


@pytest.fixture
def world(site: Site) -> World:
    return build(site.engine)


@pytest.fixture
def doctored(site: Site, world: World) -> str | None:
    """The meeting's venue set to a lone surrogate behind the engine's back. SQLite keeps it, as an older
    version could have; PostgreSQL's jsonb refuses it at write time (None: nothing stored to show)."""
    instance = site.engine.get(world.meeting)
    fields = {**instance.fields, "venue": "Gen\ud800eva"}
    database = database_of(site.engine.storage)
    try:
        with database.write() as conn:
            conn.execute(
                text("UPDATE instance SET fields = :fields WHERE id = :id"),
                {"fields": json.dumps(fields, ensure_ascii=True), "id": world.meeting},
            )
    except DatabaseError:
        assert not database.is_sqlite
        return None
    assert database.is_sqlite, "PostgreSQL stored a lone surrogate"
    return world.meeting


def test_the_api_shows_the_value_escaped(client: TestClient, site: Site, doctored: str | None) -> None:
    if doctored is None:
        return  # PostgreSQL: such a value cannot be stored at all (checked by the fixture)
    answer = client.get(f"/api/instances/{doctored}", headers=site.headers("sec.alice"))
    assert answer.status_code == 200
    assert answer.json()["instance"]["fields"]["venue"] == "Gen\\ud800eva"  # shown escaped, as on the desk
    listing = client.get("/api/instances", headers=site.headers("sec.alice"))
    assert listing.status_code == 200


def test_the_desk_shows_the_value_escaped(session_client: Callable[[str], TestClient], doctored: str | None) -> None:
    if doctored is None:
        return  # PostgreSQL: such a value cannot be stored at all (checked by the fixture)
    page = session_client("sec.alice").get(f"/instances/{doctored}")
    assert page.status_code == 200 and "Gen\\ud800eva" in page.text
    assert session_client("sec.alice").get("/instances").status_code == 200
