"""Steps that record a decision taken on another instance follow from that instance only (`only_by`).

Fired by hand they are refused with one sentence naming the instance to act on, and nothing is written;
as effects they happen as before. The topic can no longer be `escalated` without an escalation, nor
`selected` by Council while its escalation still waits.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import Engine
from engine.errors import DecidedElsewhere
from tests.conftest import at
from tests.scenario import Twelfth, convene, draft_report, escalate_to_council, hold_meeting

BIN = Path(sys.executable).parent / "consultflow"
CLI = str(BIN) if BIN.exists() else shutil.which("consultflow") or "consultflow"


def _not_agreed(engine: Engine) -> Twelfth:
    s = draft_report(convene(engine))
    assert engine.get(s.topic.id).state == "not_agreed"
    return s


def test_escalating_by_hand_is_refused_until_an_escalation_names_the_topic(engine: Engine) -> None:
    s = _not_agreed(engine)
    with pytest.raises(
        DecidedElsewhere, match="it follows from record on an escalation naming it, and there is none yet"
    ):
        engine.fire(s.topic.id, "escalate", "chair", now=at("2019-02-01"))
    assert engine.get(s.topic.id).state == "not_agreed" and engine.history(s.topic.id)[-1].trigger != "escalate"


def test_council_cannot_decide_a_topic_by_hand_while_its_escalation_waits(engine: Engine) -> None:
    s = hold_meeting(convene(engine))
    escalation = engine.linked(s.meeting.id, "meeting", "escalation")[0]
    before = engine.get(s.topic.id)
    with pytest.raises(DecidedElsewhere) as refused:
        engine.fire(s.topic.id, "council_decides_topic", "council.rec", {"order": 1}, now=at("2019-06-12"))
    message = str(refused.value)
    expected = f"on {s.topic.id}: it follows from give_guidance on its escalation {escalation.id} (now recorded)"
    assert message.endswith(f"{expected}; fire that instead")
    assert engine.get(s.topic.id) == before
    with pytest.raises(DecidedElsewhere, match="refer_back"):
        engine.fire(s.topic.id, "refer_back", "chair", now=at("2019-06-12"))
    assert engine.get(s.topic.id) == before


def test_through_the_escalation_the_same_steps_happen(engine: Engine) -> None:
    s = hold_meeting(convene(engine))
    escalate_to_council(s, "decided")
    topic = engine.get(s.topic.id)
    assert (topic.state, engine.history(topic.id)[-1].trigger) == ("selected", "council_decides_topic")


def test_a_cancelled_consultation_gives_the_topic_back_for_another(engine: Engine) -> None:
    """No path loses the topic: cancelling its consultation returns it to `selected`."""
    s = hold_meeting(convene(engine))
    escalate_to_council(s, "decided")
    fields = {"topic": s.topic.id, "title": "Next topic", "questions": '["Q1?"]'}
    consultation = engine.start("consultation", "sec.alice", fields, now=at("2019-06-20"))
    with pytest.raises(DecidedElsewhere, match=f"close on its consultation {consultation.id} \\(now draft\\)"):
        engine.fire(s.topic.id, "complete", "sec.alice", now=at("2019-06-21"))
    engine.fire(consultation.id, "cancel", "chair", {"change_reason": "Council asked to wait"}, now=at("2019-06-21"))
    assert engine.get(s.topic.id).state == "selected"
    again = engine.start("consultation", "sec.alice", fields, now=at("2019-06-22"))
    assert engine.get(s.topic.id).state == "in_consultation" and again.state == "draft"


def test_the_cli_refuses_in_one_line_with_exit_3(engine: Engine, db_url: str, tmp_path: Path) -> None:
    s = hold_meeting(convene(engine))
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("CONSULTFLOW_DATABASE_URL", None)
    args = ["--db", db_url, "fire", s.topic.id, "council_decides_topic", "--as", "council.rec", "--set", "order=1"]
    result = subprocess.run(
        [CLI, *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("error: 'council_decides_topic' cannot be fired by hand on ")
    assert "give_guidance on its escalation" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert engine.get(s.topic.id).state == "escalated"
