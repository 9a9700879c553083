"""`consultflow tick` and `consultflow upcoming` in a subprocess: replaying the 12th meeting's timeline by hand."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine import Engine
from tests.scenario import convene

BIN = Path(sys.executable).parent / "consultflow"
CLI = str(BIN) if BIN.exists() else shutil.which("consultflow") or "consultflow"


def consultflow(db_url: str, *args: str, code: int = 0) -> str:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("CONSULTFLOW_DATABASE_URL", None)
    result = subprocess.run(
        [CLI, "--db", db_url, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == code, result.stderr
    return result.stdout


def as_json(db_url: str, *args: str) -> Any:
    return json.loads(consultflow(db_url, "--json", *args))


def test_tick_replays_deadlines_and_upcoming_shows_what_is_next(
    make_engine: Callable[..., Engine], db_url: str
) -> None:
    """upcoming lists R01 and R02 with their rules; tick on 2019-01-12 skips them (missed) and closes translation."""
    meeting = convene(make_engine()).meeting.id
    ahead = as_json(db_url, "upcoming", "--now", "2019-01-03", "--days", "8")
    assert [(t["key"], t["rule"], t["workflow"], t["state"], t["due_local"]) for t in ahead] == [
        ("R01", "start - 28 days", "meeting_cycle", "contributions_open", "2019-01-04 08:00 CET"),
        ("R02", "start - 22 days", "meeting_cycle", "contributions_open", "2019-01-10 08:00 CET"),
    ]
    assert all(t["instance"] == meeting and t["status"] == "pending" and not t["overdue"] for t in ahead)

    overdue = as_json(db_url, "upcoming", "--now", "2019-01-12", "--days", "0")
    assert [(t["key"], t["overdue"]) for t in overdue] == [("R01", True), ("R02", True), ("close_translation", True)]
    assert overdue[0]["outlook"] == "its day has passed: processing it now skips it"

    done = as_json(db_url, "tick", "--now", "2019-01-12")
    assert (done["fired"], done["skipped"], done["failed"]) == (1, 2, 0)
    assert [(t["key"], t["outcome"]) for t in done["timers"]] == [
        ("R01", "skipped"),
        ("R02", "skipped"),
        ("close_translation", "fired"),
    ]
    assert done["timers"][0]["detail"] == "missed: due 2019-01-04 08:00 CET, processed 2019-01-12 00:00 CET"

    text = consultflow(db_url, "tick", "--now", "2019-01-21")
    assert "fired    close_contributions" in text
    assert text.rstrip().endswith("as of 2019-01-21 00:00 CET: 1 fired, 1 skipped, 0 failed")

    looking_back = consultflow(db_url, "upcoming", "--now", "2019-01-21", "--days", "14", "--past", "30")
    assert "skipped: missed: due 2019-01-10 08:00 CET, processed 2019-01-12 00:00 CET" in looking_back
    assert "fired: close_translation: contributions_open -> translation_closed" in looking_back
    assert "send R04" in looking_back and "send R05" in looking_back
