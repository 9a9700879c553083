"""The installed `consultflow audit verify|head|export` commands in a subprocess, on a demo database."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from consultflow.cli.demo import SCENARIO
from consultflow.replay import Replay, load_scenario
from consultflow.wiring import open_engine
from engine.clock import FixedClock
from storage.db import Database
from tests.acceptance.test_cli import CLI
from tests.conftest import at


def run(db_url: str | None, *args: str, code: int = 0, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CONSULTFLOW_DATABASE_URL"} | {"COLUMNS": "200"}
    db = ["--db", db_url] if db_url else []
    result = subprocess.run([CLI, *db, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)
    assert result.returncode == code, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database left by `consultflow demo` (made once; each test works on its own copy)."""
    out = tmp_path_factory.mktemp("audit-demo") / "demo"
    run(None, "demo", "--out", str(out))
    return out / "consultflow.db"


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.db"
    source, target = sqlite3.connect(demo_db), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return copy


def _pg_demo(url: str) -> None:
    """The demo's scenario replayed on PostgreSQL (`consultflow demo` itself writes a SQLite file)."""
    engine = open_engine(url, clock=FixedClock(at("2018-12-01")))
    try:
        no_reports = Replay(engine, deliver=lambda _now: 0, report=lambda *_args: [])
        no_reports.run(load_scenario(SCENARIO, engine.catalogue.body.calendar.zone()))
    finally:
        engine.close()


def _first_meeting_rows(url: str) -> list[tuple[int, str]]:
    database = Database(url)
    try:
        with database.read() as conn:
            found = conn.execute(
                text(
                    "SELECT id, instance_id FROM audit WHERE instance_id = "
                    "(SELECT instance_id FROM audit ORDER BY id LIMIT 1) ORDER BY id"
                )
            ).all()
    finally:
        database.dispose()
    return [(r[0], r[1]) for r in found]


def test_a_fresh_demo_verifies_and_a_field_changed_with_sqlite3_is_named(demo_copy: Path) -> None:
    """A fresh demo database verifies (exit 0); after one note is changed with the sqlite3 module, verify
    exits 1 and names that row; a head taken before still matches the rows (the hashes were not touched)."""
    url = f"sqlite:///{demo_copy}"
    assert "chain intact" in run(url, "audit", "verify").stdout
    head = run(url, "audit", "head").stdout.strip()
    rows = _first_meeting_rows(url)
    victim, instance = rows[1]
    with sqlite3.connect(demo_copy) as conn:
        conn.execute("UPDATE audit SET note = 'inserted later' WHERE id = ?", (victim,))
    result = run(url, "audit", "verify", code=1)
    assert result.stdout.splitlines()[0] == (
        f"audit row {victim} of {instance}: hash does not match its content (changed after it was written)"
    )
    assert "BROKEN (1 breaks)" in result.stdout
    reported = json.loads(run(url, "--json", "audit", "verify", code=1).stdout)
    assert (reported["ok"], reported["breaks"][0]["audit_id"]) == (False, victim)
    named = run(url, "audit", "verify", "--head", head, code=1).stdout.splitlines()
    assert [line.split(":")[0] for line in named if line.startswith("audit row")] == [
        f"audit row {victim} of {instance}"
    ]


def test_a_deleted_row_and_a_rewritten_chain_are_caught(demo_copy: Path) -> None:
    """Deleting a row names the row after it; re-chaining every hash after an edit passes on its own but not
    against the head exported before."""
    url = f"sqlite:///{demo_copy}"
    head = run(url, "audit", "head").stdout.strip()
    rows = _first_meeting_rows(url)
    with sqlite3.connect(demo_copy) as conn:
        conn.execute("DELETE FROM audit WHERE id = ?", (rows[2][0],))
    assert run(url, "audit", "verify", code=1).stdout.startswith(
        f"audit row {rows[3][0]} of {rows[3][1]}: a row before it is missing (it does not follow row {rows[1][0]})"
    )
    with sqlite3.connect(demo_copy) as conn:  # a forger with write access rewrites the whole table
        conn.execute("UPDATE audit SET hash = 'x' || hash")
        conn.execute("UPDATE audit SET prev_hash = 'x' || prev_hash")
    assert sum(line.startswith("audit row") for line in run(url, "audit", "verify", code=1).stdout.splitlines()) > 1
    result = run(url, "audit", "verify", "--head", head, code=1)
    assert "the database-wide head at row" in result.stdout


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_writes_the_hashes_and_verify_checks_the_file(demo_copy: Path, tmp_path: Path, fmt: str) -> None:
    """`audit export` writes every row with its hashes; `audit verify --file` accepts it, and refuses it once
    a note in the file is changed."""
    url = f"sqlite:///{demo_copy}"
    rows = _first_meeting_rows(url)
    instance = rows[0][1]
    out = tmp_path / f"trail.{fmt}"
    run(url, "audit", "export", "--instance", instance, "--format", fmt, "--output", str(out))
    text_out = out.read_text(encoding="utf-8")
    stdout = run(url, "audit", "export", "--instance", instance, "--format", fmt).stdout
    assert stdout == text_out
    assert run(None, "audit", "verify", "--file", str(out)).stdout.endswith(
        f"{len(rows)} audit rows of 1 instance, chain intact\n"
    )
    if fmt == "jsonl":
        first = json.loads(text_out.splitlines()[0])
        assert (first["id"], len(first["hash"]), first["prev_hash"]) == (rows[0][0], 64, "0" * 64)
    out.write_text(text_out.replace("secretariat", "chair", 1), encoding="utf-8")
    assert "hash does not match its content" in run(None, "audit", "verify", "--file", str(out), code=1).stdout


def test_bad_input_is_one_sentence(demo_copy: Path, tmp_path: Path) -> None:
    """A malformed head, an unknown instance, an unknown format and a file that is no export: one line each."""
    url = f"sqlite:///{demo_copy}"
    assert run(url, "audit", "verify", "--head", "12:nothex", code=1).stderr.strip() == (
        "error: --head expects LAST_ID:SHA256 as `consultflow audit head` prints it, got '12:nothex'"
    )
    assert "no instance 'nope'" in run(url, "audit", "export", "--instance", "nope", code=4).stderr
    assert "--format" in run(url, "audit", "export", "--instance", "x", "--format", "xml", code=1).stderr
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    assert run(None, "audit", "verify", "--file", str(other), code=1).stderr.strip() == (
        f"error: {other} is not an audit export: its header is not "
        "id,instance_id,at,actor,role,member_state,trigger,from_state,to_state,note,changes,caused_by,version,"
        "prev_hash,hash"
    )


@pytest.mark.postgres
def test_postgres_demo_verifies_and_a_changed_field_is_named(pg_schema_url: str, tmp_path: Path) -> None:
    """The demo's scenario on PostgreSQL verifies (exit 0); one field changed with SQL is named (exit 1);
    its export verifies as a file."""
    _pg_demo(pg_schema_url)
    assert "chain intact" in run(pg_schema_url, "audit", "verify").stdout
    head = run(pg_schema_url, "audit", "head").stdout.strip()
    assert run(pg_schema_url, "audit", "verify", "--head", head).returncode == 0
    rows = _first_meeting_rows(pg_schema_url)
    out = tmp_path / "trail.csv"
    run(pg_schema_url, "audit", "export", "--instance", rows[0][1], "--format", "csv", "--output", str(out))
    assert "chain intact" in run(None, "audit", "verify", "--file", str(out)).stdout
    database = Database(pg_schema_url)
    try:
        with database.write() as conn:
            conn.execute(text("UPDATE audit SET actor = 'someone.else' WHERE id = :id"), {"id": rows[1][0]})
    finally:
        database.dispose()
    assert run(pg_schema_url, "audit", "verify", code=1).stdout.splitlines()[0] == (
        f"audit row {rows[1][0]} of {rows[1][1]}: hash does not match its content (changed after it was written)"
    )
