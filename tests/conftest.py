"""Shared fixtures: a real SQLite file and a real PostgreSQL schema per test, a fixed clock, the directory."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from consultflow.wiring import open_engine
from engine import Engine, FixedClock
from engine.directory import read_people_csv

FIXTURES = Path(__file__).parent / "fixtures"
POSTGRES_ENV = "CONSULTFLOW_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_url() -> str | None:
    """The PostgreSQL server for tests; under CI its absence is a failure, elsewhere a skip."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: PostgreSQL tests must run in CI")
        pytest.skip(f"{POSTGRES_ENV} is not set")
    return url


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards; the URL puts it first on the search path."""
    base = postgres_url()
    assert base is not None
    admin_url = base.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"cf_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database URL of the backend under test: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'consultflow.db'}"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


def at(text_value: str) -> datetime:
    """A UTC instant from 'YYYY-MM-DD' (10:00 UTC that day) or a full ISO string."""
    if len(text_value) == 10:
        return datetime.fromisoformat(f"{text_value}T10:00:00+00:00")
    value = datetime.fromisoformat(text_value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at("2018-12-01"))


@pytest.fixture
def make_engine(db_url: str, clock: FixedClock) -> Iterator[Callable[..., Engine]]:
    """Open engines on the test database (the directory imported); all are closed after the test."""
    opened: list[Engine] = []

    def make(**kwargs: object) -> Engine:
        engine = open_engine(db_url, clock=clock, **kwargs)  # type: ignore[arg-type]
        opened.append(engine)
        if not engine.people():
            engine.import_people(read_people_csv((FIXTURES / "people.csv").read_text(encoding="utf-8"), "people.csv"))
        return engine

    yield make
    for engine in opened:
        engine.close()


@pytest.fixture
def engine(make_engine: Callable[..., Engine]) -> Engine:
    return make_engine()
