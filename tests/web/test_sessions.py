"""Sessions that end: log-out and a new password end a session server-side; the log-in limiter is bounded
and exact under concurrency; a hidden instance is refused exactly as an unknown one."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, Site, csrf_of, log_in
from tests.web.world import build
from web.ratelimit import LoginLimiter
from web.settings import SESSION_COOKIE


def _copy_of(client: TestClient, site: Site) -> TestClient:
    """Another client holding the same session cookie (a cookie captured from the browser)."""
    copy = TestClient(site.app, follow_redirects=False)
    copy.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
    return copy


def test_a_captured_cookie_no_longer_works_after_logout(client: TestClient, site: Site) -> None:
    """After log-out, the cookie captured while logged in is sent to the log-in page, not let in."""
    token = log_in(client, "sec.alice")
    with _copy_of(client, site) as captured:
        assert captured.get("/").status_code == 200
        assert client.post("/logout", data={"csrf_token": token}).status_code == 303
        answer = captured.get("/")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
        assert captured.get("/api/instances").status_code == 401
    log_in(client, "sec.alice")  # a new log-in works
    assert client.get("/").status_code == 200


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(client: TestClient, site: Site) -> None:
    """The session that changed the password goes on; a cookie captured before stops working."""
    token = log_in(client, "ms.fr")
    with _copy_of(client, site) as captured:
        changed = client.post(
            "/account/password", data={"csrf_token": token, "current": PASSWORD, "new": "a brand new password"}
        )
        assert changed.status_code == 200
        assert client.get("/").status_code == 200
        assert captured.get("/").status_code == 303


def test_the_limiter_forgets_the_least_recently_used_keys() -> None:
    """15,000 different ids tried keep at most ``max_keys`` entries; the address still counts every try."""
    limiter = LoginLimiter(attempts=5, window=300, max_keys=1000)
    for n in range(15_000):
        keys = {f"person:guess{n}": 5, "address:10.0.0.1": 1_000_000}
        assert limiter.attempt(keys) == 0
    assert len(limiter) <= 1000
    assert limiter.retry_after({"address:10.0.0.1": 15_000}) > 0


def test_the_per_address_limit_is_exact_with_four_threads() -> None:
    """4 threads making 23 failed attempts from one address against a limit of 20: exactly 20 get through."""
    limiter = LoginLimiter(attempts=5, window=300)
    passed: list[int] = []
    lock, start = threading.Lock(), threading.Barrier(4)

    def worker(first: int) -> None:
        start.wait()
        for n in range(first, 23, 4):
            keys = {f"person:p{n}": 5, "address:192.0.2.1": 20}
            if limiter.attempt(keys) == 0:  # the password check would fail: the attempt stays counted
                with lock:
                    passed.append(n)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(passed) == 20


def test_a_successful_login_does_not_count_against_the_address() -> None:
    """An attempt counted up front is taken back from the address when the password was right."""
    limiter = LoginLimiter(attempts=5, window=300)
    keys = {"person:a": 5, "address:x": 2}
    for _ in range(5):
        assert limiter.attempt(keys) == 0
        limiter.succeeded("person:a", keys)
    assert limiter.retry_after({"address:x": 1}) == 0


def test_hidden_and_unknown_instances_get_the_same_404(client: TestClient, site: Site) -> None:
    """A stakeholder asking for a Group meeting, or for an id that does not exist, gets the same answer."""
    world = build(site.engine)
    log_in(client, "sh.isoc")
    hidden = client.get(f"/instances/{world.meeting}")
    unknown = client.get("/instances/meeting_cycle-0000000000")
    assert hidden.status_code == unknown.status_code == 404
    assert "DM-18/1000" not in hidden.text
    assert hidden.text.replace(world.meeting, "X") == unknown.text.replace("meeting_cycle-0000000000", "X")
    headers = site.headers("sh.isoc")
    api_hidden = client.get(f"/api/instances/{world.meeting}", headers=headers)
    api_unknown = client.get("/api/instances/meeting_cycle-0000000000", headers=headers)
    assert api_hidden.status_code == api_unknown.status_code == 404
    assert api_hidden.json()["error"] == api_unknown.json()["error"]
    document = client.get(f"/instances/{world.meeting}/documents/{world.document}")
    assert document.status_code == 404 and b"Draft agenda" not in document.content
    token = csrf_of(client.get("/").text)
    fired = client.post(f"/instances/{world.meeting}/fire", data={"csrf_token": token, "trigger": "send_invitation"})
    assert fired.status_code == 404
