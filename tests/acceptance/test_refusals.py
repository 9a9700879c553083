"""Every step the procedure forbids, tried at the CLI as a careless user would: one line on stderr naming the
problem, the documented exit code (3: not allowed; 1: a value the step does not take), nothing written."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine import Engine
from tests.acceptance.test_cli import CLI
from tests.conftest import at
from tests.integration.test_procedure_links import _meeting_up_to_session
from tests.scenario import convene, hold_meeting


@dataclass(frozen=True)
class Refusal:
    """A command, the exit code it must end with, and words its one line must contain."""

    args: list[str]
    code: int
    words: str
    instance: str  # whose history must not change


def _escalated(engine: Engine) -> tuple[str, str]:
    """The 12th meeting held: its topic escalated, its escalation recorded; (topic, escalation)."""
    s = hold_meeting(convene(engine))
    (escalation,) = engine.linked(s.meeting.id, "meeting", "escalation")
    return s.topic.id, escalation.id


def _considered(engine: Engine) -> tuple[str, str]:
    """The escalation before Council: drafted, submitted, on the agenda, under consideration."""
    topic, escalation = _escalated(engine)
    for trigger, actor, fields, when in [
        ("draft_report", "chair", {"report_section": "6.3"}, "2019-04-20"),
        ("submit", "sec.alice", {"chair_report_symbol": "C19/54"}, "2019-05-06"),
        ("place_on_agenda", "council.rec", {"agenda_item": "ADM 8"}, "2019-05-20"),
        ("consider", "council.rec", {}, "2019-06-12"),
    ]:
        engine.fire(escalation, trigger, actor, fields, now=at(when))
    return topic, escalation


def council_decides_by_hand(engine: Engine) -> Refusal:
    topic, _ = _escalated(engine)
    args = ["fire", topic, "council_decides_topic", "--as", "council.rec", "--set", "order=1"]
    return Refusal(args, 3, "give_guidance on its escalation", topic)


def refer_back_an_escalated_topic_by_hand(engine: Engine) -> Refusal:
    topic, escalation = _escalated(engine)
    return Refusal(["fire", topic, "refer_back", "--as", "chair"], 3, f"on its escalation {escalation}", topic)


def not_taken_by_hand(engine: Engine) -> Refusal:
    topic, _ = _escalated(engine)
    return Refusal(["fire", topic, "council_not_taken", "--as", "council.rec"], 3, "cannot be fired by hand", topic)


def guidance_before_consideration(engine: Engine) -> Refusal:
    topic, escalation = _escalated(engine)
    decisions = json.dumps([{"topic": topic, "outcome": "referred_back"}])
    args = ["fire", escalation, "give_guidance", "--as", "council.rec", "--set", f"council_decisions={decisions}"]
    return Refusal(args, 3, "recorded", escalation)


def guidance_that_skips_an_order(engine: Engine) -> Refusal:
    topic, escalation = _considered(engine)
    decisions = json.dumps([{"topic": topic, "outcome": "decided", "order": 2}])
    args = ["fire", escalation, "give_guidance", "--as", "council.rec", "--now", "2019-06-12",
            "--set", f"council_decisions={decisions}"]  # fmt: skip
    return Refusal(args, 3, "the topics decided need the orders 1 to 1", escalation)


def guidance_that_forgets_an_option(engine: Engine) -> Refusal:
    _, escalation = _considered(engine)
    args = ["fire", escalation, "give_guidance", "--as", "council.rec", "--now", "2019-06-12",
            "--set", "council_decisions=[]"]  # fmt: skip
    return Refusal(args, 3, "no decision for", escalation)


def input_to_council_after_its_deadline(engine: Engine) -> Refusal:
    _, escalation = _considered(engine)
    args = ["fire", escalation, "record_late_input", "--as", "sec.alice", "--now", "2019-06-12",
            "--set", "symbol=C19/99", "--set", "on_behalf_of=France"]  # fmt: skip
    return Refusal(args, 3, "late_reason is not set", escalation)


def a_consultation_for_a_topic_council_did_not_select(engine: Engine) -> Refusal:
    topic, _ = _escalated(engine)
    args = ["start", "consultation", "--as", "sec.alice", "--set", f"topic={topic}", "--set", "title=C"]
    return Refusal(args, 3, "start_consultation", topic)


def a_proposer_setting_councils_order(engine: Engine) -> Refusal:
    meeting = convene(engine).meeting.id
    args = ["start", "topic", "--as", "ms.fr", "--set", "title=T", "--set", f"meeting={meeting}",
            "--set", "proposed_by=France", "--set", "order=1"]  # fmt: skip
    return Refusal(args, 1, "unknown field(s) order", meeting)


def admitting_a_contribution_of_another_kind(engine: Engine) -> Refusal:
    meeting = _meeting_up_to_session(engine, 13, "2019-10-01").id
    args = ["fire", meeting, "admit_contribution", "--as", "chair", "--now", "2019-10-01", "--set", "title=Late",
            "--set", "on_behalf_of=France", "--set", "kind=contribution"]  # fmt: skip
    return Refusal(args, 3, "kind is 'contribution', expected one of ['requested_by_meeting']", meeting)


def admitting_a_contribution_for_nobody(engine: Engine) -> Refusal:
    meeting = _meeting_up_to_session(engine, 13, "2019-10-01").id
    args = ["fire", meeting, "admit_contribution", "--as", "chair", "--now", "2019-10-01", "--set", "title=Late",
            "--set", "kind=requested_by_meeting"]  # fmt: skip
    return Refusal(args, 3, "on_behalf_of is not set", meeting)


CASES: list[Callable[[Engine], Refusal]] = [
    council_decides_by_hand,
    refer_back_an_escalated_topic_by_hand,
    not_taken_by_hand,
    guidance_before_consideration,
    guidance_that_skips_an_order,
    guidance_that_forgets_an_option,
    input_to_council_after_its_deadline,
    a_consultation_for_a_topic_council_did_not_select,
    a_proposer_setting_councils_order,
    admitting_a_contribution_of_another_kind,
    admitting_a_contribution_for_nobody,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_a_forbidden_step_is_refused_in_one_line_and_writes_nothing(
    case: Callable[[Engine], Refusal], engine: Engine, db_url: str, tmp_path: Path
) -> None:
    refusal = case(engine)
    history = [h.id for h in engine.history(refusal.instance)]
    counts = {w: len(engine.list(w)) for w in ("topic", "escalation", "consultation", "action_item")}
    outbox = len(engine.outbox(limit=100_000))
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("CONSULTFLOW_DATABASE_URL", None)
    result = subprocess.run(
        [CLI, "--db", db_url, *refusal.args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
        check=False,
    )  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert result.returncode == refusal.code, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and refusal.words in lines[0], lines
    assert [h.id for h in engine.history(refusal.instance)] == history
    assert {w: len(engine.list(w)) for w in counts} == counts
    assert len(engine.outbox(limit=100_000)) == outbox
