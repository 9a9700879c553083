"""Cross-instance invariants: checked on every step that touches a topic, and by `consultflow check`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from engine import Engine
from engine.errors import InvariantBroken
from engine.invariants import check_all
from storage.repository import INSTANCE, Store
from storage.unit import database_of
from tests.conftest import at
from tests.scenario import convene, escalate_to_council, hold_meeting

BIN = Path(sys.executable).parent / "consultflow"
CLI = str(BIN) if BIN.exists() else shutil.which("consultflow") or "consultflow"


def _check(db_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("CONSULTFLOW_DATABASE_URL", None)
    return subprocess.run(
        [CLI, "--db", db_url, "check"], capture_output=True, text=True, cwd=cwd, env=env, timeout=120, check=False
    )


def _doctor(engine: Engine, instance_id: str, state: str) -> None:
    """Write a state by hand, as an old version or a careless script might have."""
    with database_of(engine.storage).write() as conn:
        conn.execute(update(INSTANCE).where(INSTANCE.c.id == instance_id).values(state=state))


def test_check_passes_on_a_record_kept_by_the_engine_and_lists_a_doctored_one(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    s = hold_meeting(convene(engine))
    escalate_to_council(s, "decided")
    clean = _check(db_url, tmp_path)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.startswith("no violation: 1 topic(s)")
    _doctor(engine, s.topic.id, "escalated")
    broken = _check(db_url, tmp_path)
    assert broken.returncode == 1
    assert f"violation: {s.topic.id}: an escalated topic has exactly one open escalation naming it: it has 0" in (
        broken.stderr
    )
    assert "Traceback" not in broken.stderr and broken.stderr.strip().endswith("1 violation(s) in 1 topic(s)")


def test_a_step_that_would_break_an_invariant_is_refused_and_writes_nothing(engine: Engine) -> None:
    """A consultation started on a topic whose record was doctored to `selected` without Council: refused."""
    s = hold_meeting(convene(engine))
    escalation = engine.linked(s.meeting.id, "meeting", "escalation")[0]
    _doctor(engine, s.topic.id, "selected")  # Council never decided it: the escalation still waits
    with database_of(engine.storage).read() as conn:
        assert [v.rule for v in check_all(Store(conn))] == ["an open escalation names a topic that is escalated"]
    before = len(engine.list())
    with pytest.raises(InvariantBroken, match=f"{escalation.id} waits for Council.*nothing was written"):
        engine.start("consultation", "sec.alice", {"topic": s.topic.id, "title": "C"}, now=at("2019-06-20"))
    assert len(engine.list()) == before and engine.get(s.topic.id).state == "selected"


def test_council_noting_without_guidance_gives_the_topic_back(engine: Engine) -> None:
    """Never left escalated: a note without guidance returns the topic to the Group, and the record agrees."""
    s = hold_meeting(convene(engine))
    escalation = engine.linked(s.meeting.id, "meeting", "escalation")[0]
    steps = [
        ("draft_report", "chair", {"report_section": "6.3"}, "2019-04-20"),
        ("submit", "sec.alice", {"chair_report_symbol": "C19/nn"}, "2019-05-10"),
        ("place_on_agenda", "council.rec", {"agenda_item": "ADM 1", "plenary_date": "2019-06-12"}, "2019-05-20"),
        ("consider", "council.rec", {}, "2019-06-12"),
        ("note_only", "council.rec", {"summary_record": "C19/xx"}, "2019-06-12"),
    ]
    for trigger, actor, fields, when in steps:
        escalation = engine.fire(escalation.id, trigger, actor, fields, now=at(when))
    assert engine.get(s.topic.id).state == "under_consideration"
    with database_of(engine.storage).read() as conn:
        assert check_all(Store(conn)) == []
