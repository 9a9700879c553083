"""The installed `consultflow` command in a subprocess: the 12th meeting up to Council's referral, and its errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES

CLI = str(Path(sys.executable).parent / "consultflow") if (Path(sys.executable).parent / "consultflow").exists() \
    else shutil.which("consultflow") or "consultflow"


class Cli:
    """Runs the CLI against one database and returns its output; failures are explicit."""

    def __init__(self, db_url: str, cwd: Path) -> None:
        self.db_url, self.cwd = db_url, cwd

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "COLUMNS": "200"}
        env.pop("CONSULTFLOW_DATABASE_URL", None)
        result = subprocess.run([CLI, "--db", self.db_url, *args], capture_output=True, text=True, cwd=self.cwd,
                                env=env, timeout=120, check=False)
        if ok and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.run("--json", *args).stdout) if args[0] != "--json" else None

    def fire(self, instance: str, trigger: str, person: str, *sets: str, now: str = "2019-02-01") -> dict[str, Any]:
        args = ["fire", instance, trigger, "--as", person, "--now", now]
        for pair in sets:
            args += ["--set", pair]
        result: dict[str, Any] = json.loads(self.run("--json", *args).stdout)
        return result


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Cli:
    runner = Cli(db_url, tmp_path)
    runner.run("people", "import", str(FIXTURES / "people.csv"))
    return runner


def test_twelfth_meeting_through_the_cli_up_to_council_referral(cli: Cli) -> None:
    """Checklist 2, 4 and 6 through the CLI: linked instances appear and the topic is referred back."""
    meeting = json.loads(cli.run("--json", "start", "meeting_cycle", "--as", "sec.alice", "--set", "number=12",
                                 "--set", "start=2019-02-01", "--set", "end=2019-02-01", "--set",
                                 "venue=ITU headquarters, Geneva", "--now", "2018-12-01").stdout)["id"]
    cli.fire(meeting, "send_invitation", "sec.alice", "letter_ref=DM-18/1000", "council_opening=2019-06-10",
             "council_session=Council 2019", now="2018-12-21")
    cli.fire(meeting, "open_contributions", "sec.alice", now="2018-12-21")
    topic = json.loads(cli.run("--json", "start", "topic", "--as", "ms.fr", "--set", "title=Next topic", "--set",
                               f"meeting={meeting}", "--set", "proposed_by=France", "--now", "2019-01-08").stdout)["id"]
    refused = cli.run("fire", meeting, "submit_contribution", "--as", "sh.isoc", "--set", "title=x", "--now",
                      "2019-01-08", ok=False)
    assert refused.returncode == 3 and "Traceback" not in refused.stderr
    assert "sh.isoc may not fire 'submit_contribution'" in refused.stderr
    cli.fire(meeting, "submit_contribution", "ms.fr", "title=Proposal", now="2019-01-08")
    cli.fire(meeting, "close_translation", "sec.alice", now="2019-01-12")
    cli.fire(meeting, "close_contributions", "sec.alice", now="2019-01-21")
    cli.fire(meeting, "publish_documents", "sec.alice", now="2019-01-25")
    cli.fire(meeting, "open_session", "chair")
    cli.fire(topic, "table_topics", "chair")
    cli.fire(topic, "record_no_consensus", "chair", "reason=time_ran_out")
    cli.fire(meeting, "record_decision", "chair", "id=d2", "type=invited", "text=Member States invited",
             "action_owner_kind=all_member_states", "action_due=2019-08-30")
    cli.fire(meeting, "record_decision", "chair", "id=d3", "type=requested", "text=Secretariat to integrate OTTs",
             "action_owner_kind=secretariat", "action_due=2019-09-13")
    cli.fire(meeting, "adjourn", "chair")
    cli.fire(meeting, "circulate_draft_report", "sec.alice", "draft_report_symbol=WG-Internet 12/5")
    approved = cli.fire(meeting, "approve_report", "chair", "report_symbol=WG-Internet 12/5", "report_mode=in_session",
                        "report_approved_on=2019-02-01")
    assert approved["state"] == "report_approved"
    instances = json.loads(cli.run("--json", "list").stdout)
    by_workflow = sorted((i["workflow"], i["state"]) for i in instances)
    assert by_workflow == [("action_item", "open"), ("action_item", "open"), ("escalation", "recorded"),
                           ("meeting_cycle", "report_approved"), ("topic", "escalated")]
    escalation = next(i["id"] for i in instances if i["workflow"] == "escalation")
    cli.fire(escalation, "draft_report", "chair", "report_section=6.3", now="2019-04-20")
    cli.fire(escalation, "submit", "sec.alice", "chair_report_symbol=C19/nn", now="2019-05-10")
    cli.fire(escalation, "place_on_agenda", "council.rec", "agenda_item=ADM 1", now="2019-05-20")
    cli.fire(escalation, "consider", "council.rec", now="2019-06-12")
    decisions = json.dumps([{"topic": topic, "outcome": "referred_back"}])
    cli.fire(escalation, "give_guidance", "council.rec", f"council_decisions={decisions}", now="2019-06-12")
    shown = json.loads(cli.run("--json", "show", topic, "--as", "chair").stdout)
    assert shown["instance"]["state"] == "under_consideration"
    assert {a["trigger"] for a in shown["allowed"] if a["permitted"]} >= {"record_consensus", "record_no_consensus"}
    history = json.loads(cli.run("--json", "history", topic).stdout)
    assert [h["trigger"] for h in history] == ["propose_topic", "table_topics", "record_no_consensus", "escalate",
                                               "refer_back"]
    text = cli.run("history", topic).stdout
    assert "refer_back" in text and "council.rec" in text


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("fire", "nope", "go", "--as", "chair"), 4, "error: no instance 'nope'"),
        (("start", "meeting_cycle", "--as", "nobody"), 4, "error: no person 'nobody'"),
        (("start", "meeting_cycle", "--as", "sec.alice", "--set", "number"), 1, "--set expects NAME=VALUE"),
        (("start", "poll", "--as", "sec.alice"), 1, "error: no workflow named 'poll'"),
        (("start", "meeting_cycle", "--as", "system"), 1, "'system' is consultflow's own actor"),
        (("start", "meeting_cycle", "--as", "sec.alice", "--set", "number=twelve"), 1, "expected a whole number"),
        (("workflows", "diagram", "poll"), 1, "no workflow named 'poll'"),
    ],
)
def test_errors_are_one_line_without_traceback(cli: Cli, args: tuple[str, ...], code: int, message: str) -> None:
    """Bad input gets one clear sentence on stderr, a non-zero exit code and no traceback."""
    result = cli.run(*args, ok=False)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_broken_definition_file_is_reported_by_workflows_check(cli: Cli, tmp_path: Path) -> None:
    """`workflows check FILE` names the file, the line and the reason; valid files are listed."""
    broken = tmp_path / "broken.yaml"
    broken.write_text((FIXTURES.parent.parent / "workflows" / "topic.yaml").read_text(encoding="utf-8")
                      .replace("dest: selected", "dest: chosen", 1), encoding="utf-8")
    result = cli.run("workflows", "check", str(broken), ok=False)
    assert result.returncode == 1 and "broken.yaml: line" in result.stderr and "unknown destination state 'chosen'" \
        in result.stderr
    assert "valid: action_item v3" in cli.run("workflows", "check").stdout


def test_diagram_and_workflow_listing(cli: Cli) -> None:
    """The Mermaid diagram lists every transition; `workflows list --json` shows the versions in force."""
    diagram = cli.run("workflows", "diagram", "escalation").stdout
    assert diagram.startswith("stateDiagram-v2") and "under_consideration --> guidance_given: give_guidance" in diagram
    listing = json.loads(cli.run("--json", "workflows", "list").stdout)
    assert {d["name"] for d in listing["current"]} == {"meeting_cycle", "topic", "consultation", "action_item",
                                                       "escalation"}


def test_a_typo_in_a_condition_fails_workflows_check_with_file_and_line(cli: Cli, tmp_path: Path) -> None:
    """`where: {outcom: ...}` used to load and silently never fire; now the check names the file and line."""
    escalation = tmp_path / "escalation.yaml"
    text = (FIXTURES.parent.parent / "workflows" / "escalation.yaml").read_text(encoding="utf-8")
    escalation.write_text(text.replace("where: {outcome: decided}", "where: {outcom: decided}"), "utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "where: {outcome: decided}" in row)
    result = cli.run("workflows", "check", str(escalation), ok=False)
    assert result.returncode == 1, result.stderr
    assert f"escalation.yaml: line {line}: " in result.stderr and "unknown field 'outcom'" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
