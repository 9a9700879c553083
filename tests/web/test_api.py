"""The JSON API does what the CLI does, through the same engine calls: reads with the caller's allowed
triggers, fires with roles, guards, versions and idempotency keys, deadlines, the outbox, reports."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from engine import FixedClock
from storage.unit import database_of
from tests.conftest import at
from tests.scenario import hold_meeting
from tests.web.conftest import Site
from tests.web.world import World, build


@pytest.fixture
def world(site: Site) -> World:
    return build(site.engine)


def test_health_is_open_and_the_schema_is_published_to_callers(client: TestClient, site: Site) -> None:
    """/health needs no log-in; /api/openapi.json lists the endpoints for a token holder."""
    assert client.get("/health").json() == {"status": "ok"}
    schema = client.get("/api/openapi.json", headers=site.headers("ms.fr")).json()
    assert {"/api/instances/{instance_id}/fire", "/api/outbox", "/health"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_show_says_which_triggers_the_caller_may_fire(client: TestClient, site: Site, world: World) -> None:
    """The same meeting: a Member State may submit a contribution, the secretariat may not (and vice versa)."""
    as_ms = client.get(f"/api/instances/{world.meeting}", headers=site.headers("ms.fr")).json()
    as_sec = client.get(f"/api/instances/{world.meeting}", headers=site.headers("sec.alice")).json()
    assert as_ms["instance"]["state"] == "contributions_open"
    permitted = {t["trigger"]: t["permitted"] for t in as_ms["triggers"]}
    assert permitted["submit_contribution"] is True and permitted["cancel"] is False
    assert {t["trigger"]: t["permitted"] for t in as_sec["triggers"]}["submit_contribution"] is False
    fields = {f["name"]: f for t in as_ms["triggers"] if t["trigger"] == "submit_contribution" for f in t["fields"]}
    assert fields["title"]["required"] is True and fields["needs_translation"]["type"] == "bool"
    assert as_ms["deadlines"]["contrib_untranslated"] == "2019-01-20"


def test_fire_goes_through_the_engine_with_audit_and_notices(
    client: TestClient, site: Site, world: World, clock: FixedClock
) -> None:
    """A contribution fired over HTTP is audited as the caller, for their Member State, with its N04 notices."""
    clock.set(at("2019-01-08"))
    response = client.post(
        f"/api/instances/{world.meeting}/fire",
        headers=site.headers("ms.fr"),
        json={"trigger": "submit_contribution", "fields": {"title": "Views of France"}, "note": "by e-mail too"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["fields"]["contributions"][-1]["title"] == "Views of France"
    last = client.get(f"/api/instances/{world.meeting}/history", headers=site.headers("ms.fr")).json()[-1]
    assert (last["actor"], last["role"], last["member_state"], last["note"]) == (
        "ms.fr",
        "member_state",
        "France",
        "by e-mail too",
    )
    notices = client.get(f"/api/outbox?instance_id={world.meeting}", headers=site.headers("sec.alice")).json()
    assert any(m["notice"] == "N04" and m["recipient_id"] == "ms.fr" for m in notices["messages"])


def test_refusals_keep_the_engine_message_and_change_nothing(
    client: TestClient, site: Site, world: World, clock: FixedClock
) -> None:
    """A guard after the deadline (409), a missing field (422), an unknown trigger (422): version unchanged."""
    version = site.engine.get(world.meeting).version
    headers = site.headers("ms.fr")
    url = f"/api/instances/{world.meeting}/fire"
    clock.set(at("2019-01-25"))
    late = client.post(url, headers=headers, json={"trigger": "submit_contribution", "fields": {"title": "Late"}})
    assert late.status_code == 409 and late.json()["error"] == "GuardFailed"
    clock.set(at("2019-01-08"))
    missing = client.post(url, headers=headers, json={"trigger": "submit_contribution", "fields": {}})
    assert missing.status_code == 422 and "title" in missing.json()["detail"]
    unknown = client.post(url, headers=headers, json={"trigger": "dance"})
    assert unknown.status_code == 422 and unknown.json()["error"] == "UnknownTrigger"
    assert site.engine.get(world.meeting).version == version


def test_expected_version_and_idempotency_keys(client: TestClient, site: Site, world: World, clock: FixedClock) -> None:
    """A stale version is a 409 conflict; a retry with the same key returns the first result, once per person."""
    clock.set(at("2019-01-08"))
    version = site.engine.get(world.meeting).version
    url = f"/api/instances/{world.meeting}/fire"
    body = {"trigger": "submit_contribution", "fields": {"title": "Once"}, "idempotency_key": "k-1"}
    stale = client.post(url, headers=site.headers("ms.fr"), json={**body, "expected_version": version - 1})
    assert stale.status_code == 409 and stale.json()["error"] == "Conflict"
    first = client.post(url, headers=site.headers("ms.fr"), json={**body, "expected_version": version})
    again = client.post(url, headers=site.headers("ms.fr"), json={**body, "expected_version": version})
    assert first.json() == again.json() and first.json()["version"] == version + 1
    other = client.post(url, headers=site.headers("ms.ru"), json=body)  # the same key, another person
    assert other.json()["version"] == version + 2
    contributions = site.engine.get(world.meeting).fields["contributions"]
    assert isinstance(contributions, list)
    titles = [c["title"] for c in contributions]
    assert titles.count("Once") == 2


def test_list_filters_and_start(client: TestClient, site: Site, world: World) -> None:
    """Instances filter by workflow and state; the secretariat starts a meeting over the API."""
    headers = site.headers("sec.alice")
    assert [i["id"] for i in client.get("/api/instances?workflow=topic", headers=headers).json()] == [world.topic]
    assert client.get("/api/instances?state=planned", headers=headers).json() == []
    started = client.post(
        "/api/instances",
        headers=headers,
        json={
            "workflow": "meeting_cycle",
            "fields": {"number": 13, "start": "2019-09-20", "end": "2019-09-20", "venue": "Geneva"},
        },
    )
    assert started.status_code == 201 and started.json()["state"] == "planned"
    planned = client.get("/api/instances?state=planned&limit=5", headers=headers).json()
    assert [i["id"] for i in planned] == [started.json()["id"]]


def test_a_date_out_of_the_calendar_is_bad_input(client: TestClient, site: Site) -> None:
    """A meeting on 1 January of year 1 is refused by the engine as a field error: 422, not a server error."""
    fields = {"number": 1, "start": "0001-01-01", "end": "0001-01-01", "venue": "Geneva"}
    response = client.post(
        "/api/instances", headers=site.headers("sec.alice"), json={"workflow": "meeting_cycle", "fields": fields}
    )
    assert response.status_code == 422 and "outside 1900-01-01..2199-12-31" in response.json()["detail"]
    assert site.engine.list(workflow="meeting_cycle") == []


def test_deadlines_of_the_next_days(client: TestClient, site: Site, world: World, clock: FixedClock) -> None:
    """From 2019-01-08 the contribution deadlines of meeting 12 and its reminders fall in the next 14 days."""
    clock.set(at("2019-01-08"))
    upcoming = client.get("/api/deadlines", headers=site.headers("ms.fr")).json()
    named = {(d["name"], d["day"]) for d in upcoming["deadlines"]}
    assert {("contrib_translated", "2019-01-11"), ("contrib_untranslated", "2019-01-20")} <= named
    assert "R02" in {t["timer"]["key"] for t in upcoming["timers"]}


def test_outbox_status_and_retry(client: TestClient, site: Site, world: World) -> None:
    """The secretariat sees counts by status and puts a failed notice back; retrying twice is a 409."""
    headers = site.headers("sec.alice")
    before = client.get("/api/outbox?status=failed", headers=headers).json()
    assert before["counts"]["failed"] == 1 and [m["id"] for m in before["messages"]] == [world.failed_notice]
    assert before["messages"][0]["last_error"] == "550 mailbox unavailable"
    retried = client.post(f"/api/outbox/{world.failed_notice}/retry", headers=headers)
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    assert client.post(f"/api/outbox/{world.failed_notice}/retry", headers=headers).status_code == 409
    assert client.post("/api/outbox/999999/retry", headers=headers).status_code == 404
    assert client.get("/api/outbox", headers=headers).json()["counts"]["failed"] == 0


def test_people_and_me(client: TestClient, site: Site) -> None:
    """The directory as JSON, and the caller's own entry."""
    people = client.get("/api/people", headers=site.headers("chair")).json()
    assert {"sec.alice", "ms.fr", "sh.isoc"} <= {p["id"] for p in people}
    assert client.get("/api/me", headers=site.headers("ms.fr")).json()["member_state"] == "France"


def test_reports_generate_and_download_in_every_format(client: TestClient, site: Site, world: World) -> None:
    """Before approval the report is refused (409); after, the chair generates it and anyone of the Group
    downloads md, html and docx; the stored documents are listed."""
    headers = site.headers("chair")
    url = f"/api/instances/{world.meeting}"
    early = client.post(f"{url}/reports", headers=headers, json={"language": "fr", "symbol": "C19/nn"})
    assert early.status_code == 409 and early.json()["error"] == "ReportNotReady"
    hold_meeting(world.scenario)
    made = client.post(f"{url}/reports", headers=headers, json={"language": "fr", "symbol": "C19/nn"})
    assert made.status_code == 201, made.text
    assert made.json()["revision"] == 1 and {d["format"] for d in made.json()["documents"]} == {"md", "html", "docx"}
    reader = site.headers("ms.ru")
    md = client.get(f"{url}/report?language=fr&format=md", headers=reader)
    assert md.headers["content-type"].startswith("text/markdown") and "Conseil" in md.text
    html = client.get(f"{url}/report?language=fr&format=html", headers=reader)
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["content-disposition"].startswith("attachment")
    docx = client.get(f"{url}/report?language=fr&format=docx", headers=reader)
    assert docx.content[:2] == b"PK"
    assert client.get(f"{url}/report?language=en&format=md", headers=reader).status_code == 404
    bad = client.post(f"{url}/reports", headers=headers, json={"language": "xx"})
    assert bad.status_code == 422
    listed = client.get(f"{url}/documents", headers=reader).json()
    assert {d["kind"] for d in listed} == {"agenda", "chair_report"}


def test_tokens_are_shown_once_and_stored_hashed(client: TestClient, site: Site) -> None:
    """A new token works at once; listings never show it, and the database holds only its digest."""
    made = client.post("/api/tokens", headers=site.headers("ms.fr"), json={"name": "my script"}).json()
    assert made["token"].startswith("cf_")
    headers = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/me", headers=headers).json()["id"] == "ms.fr"
    listed = client.get("/api/tokens", headers=headers).json()
    assert made["token"] not in str(listed) and "my script" in {t["name"] for t in listed}
    with database_of(site.engine.storage).read() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash FROM api_token").scalars().all()
    assert made["token"] not in stored and all(len(h) == 64 for h in stored)
