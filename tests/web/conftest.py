"""Fixtures of the web tests: the app on the test database and clock, accounts for the directory, clients.

Passwords are hashed with cheap argon2 parameters here (the real ones cost ~50 ms per log-in on purpose).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from engine import Engine
from web import AccountService, Passwords, WebSettings, api, create_app, login, pages

PASSWORD = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PEOPLE = ("sec.alice", "chair", "vc.amina", "ms.fr", "ms.ru", "sh.isoc", "council.rec")


@dataclass
class Site:
    """The app under test, its engine, accounts, and a personal API token per person."""

    app: FastAPI
    engine: Engine
    accounts: AccountService
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, person: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[person]}"}


def app_routes(site: Site) -> set[tuple[str, str]]:
    """(method, path template) of every route of the app (HEAD left out): its own and its routers'."""
    found = set()
    for route in [*site.app.routes, *api.router.routes, *pages.router.routes, *login.router.routes]:
        path, methods = getattr(route, "path", ""), getattr(route, "methods", None) or set()
        found |= {(m, path) for m in methods if m != "HEAD"}
    return found


SECRET = "test-signing-key-" + "x" * 32


def make_site(engine: Engine, settings: WebSettings | None = None) -> Site:
    """The app on ``engine`` with an account and a token for each of ``PEOPLE``."""
    accounts = AccountService(engine, Passwords(FAST))
    for person in PEOPLE:
        accounts.set_password(person, PASSWORD)
    app = create_app(engine, settings or WebSettings(secret_key=SECRET), accounts=accounts)
    site = Site(app, engine, accounts)
    site.tokens = {p: accounts.create_token(p, "tests").secret for p in PEOPLE}
    return site


@pytest.fixture
def site(engine: Engine) -> Site:
    return make_site(engine)


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    """An HTTP client on the app, not logged in (cookies kept between requests)."""
    with TestClient(site.app, follow_redirects=False) as c:
        yield c


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def log_in(client: TestClient, person: str, password: str = PASSWORD) -> str:
    """Log ``client`` in through the log-in form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"person": person, "password": password, "csrf_token": token, "next": "/"})
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


@pytest.fixture
def session_client(site: Site) -> Iterator[Callable[[str], TestClient]]:
    """Clients logged in through the log-in form, one per person asked for; all closed afterwards."""
    opened: list[TestClient] = []

    def make(person: str) -> TestClient:
        c = TestClient(site.app, follow_redirects=False)
        c.__enter__()
        opened.append(c)
        log_in(c, person)
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)
