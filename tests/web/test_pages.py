"""The web desk over HTTP: nothing without logging in, CSRF on every form, rate-limited log-in, pages in
the person's language, one form per trigger the person may fire, and the Group's records kept from others."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from engine import FixedClock
from tests.conftest import at
from tests.web.conftest import PASSWORD, Site, app_routes, csrf_of, log_in
from tests.web.world import World, build

Clients = Callable[[str], TestClient]


@pytest.fixture
def world(site: Site) -> World:
    return build(site.engine)


def _filled(path: str, world: World) -> str:
    return (
        path.replace("{instance_id}", world.meeting)
        .replace("{document_id}", str(world.document))
        .replace("{message_id}", str(world.failed_notice))
        .replace("{token_id}", "1")
    )


def _page_routes(site: Site, method: str) -> list[str]:
    return sorted(p for m, p in app_routes(site) if m == method and not p.startswith(("/api/", "/static", "/health")))


OPEN_PAGES = {"/login"}


def test_nothing_is_reachable_without_logging_in(client: TestClient, site: Site, world: World) -> None:
    """Every page sends an anonymous visitor to the log-in page (keeping where they wanted to go)."""
    pages = _page_routes(site, "GET")
    assert {"/", "/instances", "/instances/{instance_id}", "/outbox", "/people", "/reports", "/account"} <= set(pages)
    for path in pages:
        if path in OPEN_PAGES:
            continue
        response = client.get(_filled(path, world))
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=/"), path
    for path in _page_routes(site, "POST"):
        if path not in ("/login", "/logout"):
            assert client.post(_filled(path, world), data={}).headers["location"] == "/login", path
    assert client.get("/login").status_code == 200
    assert client.get("/health").status_code == 200
    assert client.get("/static/desk.css").status_code == 200


def test_every_form_post_without_its_csrf_token_is_refused(
    session_client: Clients, site: Site, world: World, clock: FixedClock
) -> None:
    """Logged in, each form post with no token, a forged one or another session's token is a 403; nothing moves."""
    clock.set(at("2019-01-08"))
    other = csrf_of(session_client("ms.ru").get("/").text)
    sec = session_client("sec.alice")
    posts = _page_routes(site, "POST")
    assert posts == sorted(
        [
            "/account/password",
            "/account/tokens",
            "/account/tokens/{token_id}/revoke",
            "/instances/{instance_id}/documents",
            "/instances/{instance_id}/fire",
            "/instances/{instance_id}/reports",
            "/login",
            "/logout",
            "/outbox/{message_id}/retry",
            "/start",
        ]
    )
    form = {
        "trigger": "cancel",
        "f.change_reason": "x",
        "workflow": "meeting_cycle",
        "f.number": "13",
        "f.start": "2019-09-20",
        "f.end": "2019-09-20",
        "f.venue": "Geneva",
        "name": "t",
        "language": "en",
        "person": "sec.alice",
        "password": PASSWORD,
        "current": PASSWORD,
        "new": "another long password",
    }
    version = site.engine.get(world.meeting).version
    for path in posts:
        for token in (None, "forged", other):
            data = form if token is None else {**form, "csrf_token": token}
            response = sec.post(_filled(path, world), data=data)
            assert response.status_code == 403, (path, token)
    assert site.engine.get(world.meeting).version == version
    assert len(site.engine.list(workflow="meeting_cycle")) == 1
    assert site.accounts.authenticate("sec.alice", PASSWORD) is not None
    assert sec.get("/").status_code == 200  # still logged in: logout refused too


def test_login_is_rate_limited(client: TestClient, site: Site) -> None:
    """Five wrong passwords for a person, then even the right one waits (429, Retry-After) until the window passes."""
    now = [1000.0]
    site.app.state.desk.limiter.clock = lambda: now[0]
    token = csrf_of(client.get("/login").text)
    attempt = {"person": "ms.fr", "csrf_token": token, "next": "/"}
    for _ in range(5):
        assert client.post("/login", data={**attempt, "password": "wrong guess!"}).status_code == 401
    limited = client.post("/login", data={**attempt, "password": PASSWORD})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    now[0] += 301
    assert client.post("/login", data={**attempt, "password": PASSWORD}).status_code == 303


def test_the_session_cookie_is_signed_and_renewed_at_login(client: TestClient) -> None:
    """The cookie is HttpOnly and SameSite=Lax; logging in changes the CSRF token; a tampered cookie logs out."""
    page = client.get("/login")
    cookie = page.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    before = csrf_of(page.text)
    after = log_in(client, "chair")
    assert after != before
    value = client.cookies["consultflow_session"]
    assert client.get("/").status_code == 200
    client.cookies.clear()
    _payload, _, signed = value.partition(".")
    other = TestClient(client.app, follow_redirects=False)
    log_in(other, "sec.alice")
    forged = other.cookies["consultflow_session"].partition(".")[0]  # the secretariat's payload ...
    other.close()
    client.cookies.set("consultflow_session", f"{forged}.{signed}")  # ... under the chair's signature
    assert client.get("/").status_code == 303


def test_a_new_password_ends_older_sessions(session_client: Clients, site: Site) -> None:
    """Changing one's password logs out the other browsers of that person, not the one that changed it."""
    first, second = session_client("ms.fr"), session_client("ms.fr")
    token = csrf_of(first.get("/account").text)
    changed = first.post("/account/password", data={"csrf_token": token, "current": PASSWORD, "new": "a brand new one"})
    assert changed.status_code == 200
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 303


def test_pages_speak_the_person_language(session_client: Clients) -> None:
    """France's focal point reads French, the secretariat English (directory languages)."""
    fr = session_client("ms.fr").get("/").text
    en = session_client("sec.alice").get("/").text
    assert '<html lang="fr">' in fr and "Tableau de bord" in fr and "En attente de votre action" in fr
    assert '<html lang="en">' in en and "Waiting on you" in en


def test_a_stakeholder_never_sees_the_group_records(session_client: Clients, world: World) -> None:
    """The meeting page, its document and the directory are refused to a stakeholder; lists leave them out."""
    sh = session_client("sh.isoc")
    page = sh.get(f"/instances/{world.meeting}")
    # A hidden instance answers exactly as an unknown one: its existence is not given away.
    assert page.status_code == 404 and "no instance" in page.text and "DM-18/1000" not in page.text
    document = sh.get(f"/instances/{world.meeting}/documents/{world.document}")
    assert document.status_code == 404 and b"Draft agenda" not in document.content
    assert sh.get("/people").status_code == 403
    assert world.meeting not in sh.get("/instances").text
    assert world.meeting not in sh.get("/").text
    member = session_client("ms.ru").get(f"/instances/{world.meeting}/documents/{world.document}")
    assert member.status_code == 200 and member.content == b"# Draft agenda\n"


def _forms(page: str) -> list[str]:
    form = r'<form method="post" action="/instances/[^"]+/fire" class="step[^"]*" data-trigger="([^"]+)"'
    return re.findall(form, page)


def _disabled(page: str) -> list[str]:
    return re.findall(r'<div class="step impossible" data-trigger="([^"]+)"', page)


def test_one_form_per_trigger_the_person_may_fire(session_client: Clients, world: World) -> None:
    """A Member State gets the contribution and registration forms only; the secretariat gets its own steps and
    not those; a step whose guard refuses now (closing translation before its deadline) is shown disabled."""
    ms = session_client("ms.fr").get(f"/instances/{world.meeting}").text
    sec = session_client("sec.alice").get(f"/instances/{world.meeting}").text
    assert sorted(_forms(ms)) == ["register", "submit_contribution"]
    assert 'name="f.title"' in ms and '<label for="submit_contribution-title">' in ms
    assert "submit_contribution" not in _forms(sec) and {"cancel", "postpone"} <= set(_forms(sec))
    assert _disabled(sec) == ["close_translation", "withdraw_acting_chair"]  # none designated yet: nothing to withdraw
    assert "close_translation" not in _forms(sec)
    assert "class current" in sec and 'aria-current="step">Contributions open' in sec  # the diagram's highlight
    assert "Send the invitation" in sec  # the audit trail, in words


def test_firing_from_the_page(session_client: Clients, site: Site, world: World, clock: FixedClock) -> None:
    """The form fires through the engine and redirects; a refusal re-renders with the message and what was typed."""
    clock.set(at("2019-01-08"))
    ms = session_client("ms.fr")
    token = csrf_of(ms.get(f"/instances/{world.meeting}").text)
    version = site.engine.get(world.meeting).version
    ok = ms.post(
        f"/instances/{world.meeting}/fire",
        data={
            "csrf_token": token,
            "trigger": "submit_contribution",
            "f.title": "Vues de la France",
            "f.needs_translation": "yes",
            "expected_version": str(version),
            "idempotency_key": "a1",
            "note": "n",
        },
    )
    assert ok.status_code == 303 and ok.headers["location"].endswith("?done=submit_contribution")
    assert "Fait : Soumettre une contribution" in ms.get(ok.headers["location"]).text
    clock.set(at("2019-01-25"))
    late = ms.post(
        f"/instances/{world.meeting}/fire",
        data={
            "csrf_token": token,
            "trigger": "submit_contribution",
            "f.title": "Trop tard",
            "expected_version": str(version + 1),
        },
    )
    refused = "L'échéance « Contributions (sans traduction) » est passée le 20 janvier 2019."
    assert late.status_code == 409 and refused in html.unescape(late.text) and 'value="Trop tard"' in late.text
    assert site.engine.get(world.meeting).version == version + 1


def test_outbox_page_and_retry(session_client: Clients, world: World) -> None:
    """The secretariat sees the notices (N01 to the Member States) and retries the failed one from the page."""
    sec = session_client("sec.alice")
    page = sec.get("/outbox").text
    assert page.count('data-notice="N01"') >= 6 and 'data-status="failed"' in page
    retried = sec.post(f"/outbox/{world.failed_notice}/retry", data={"csrf_token": csrf_of(page)})
    assert retried.status_code == 200 and f"{world.failed_notice} is back in the queue" in retried.text
    assert session_client("ms.fr").get("/outbox").status_code == 403


def test_tokens_from_the_account_page(session_client: Clients, client: TestClient) -> None:
    """A token made on the account page is shown once, works on the API, and stops working when revoked."""
    me = session_client("vc.amina")
    made = me.post("/account/tokens", data={"csrf_token": csrf_of(me.get("/account").text), "name": "laptop"})
    token = re.search(r"<code class=\"token\" data-token>([^<]+)</code>", made.text)
    assert token is not None
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    assert token.group(1) not in me.get("/account").text
    token_id = client.get("/api/tokens", headers=headers).json()[-1]["id"]
    me.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(me.get("/account").text)})
    assert client.get("/api/me", headers=headers).status_code == 401


def test_security_headers(session_client: Clients) -> None:
    """Pages forbid framing and foreign scripts, and are not cached."""
    response = session_client("chair").get("/")
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


def test_the_login_redirects_only_within_the_site(client: TestClient) -> None:
    """A crafted ``next`` pointing elsewhere lands on the dashboard."""
    token = csrf_of(client.get("/login").text)
    for target, expected in (("//evil.example/", "/"), ("https://evil.example", "/"), ("/outbox", "/outbox")):
        client.cookies.clear()
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login", data={"person": "chair", "password": PASSWORD, "csrf_token": token, "next": target}
        )
        assert response.headers["location"] == expected
