"""Dry runs through the installed CLI (issue 14, item 3): `fire --dry-run` prints the plan of a step and writes
nothing; `upcoming --notices` lists what the reminders will send, and `--preview` renders one of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from consultflow.wiring import open_engine
from tests.acceptance.test_cli import Cli
from tests.conftest import FIXTURES
from tests.snapshot import snapshot

POSTPONE = ("postpone", "--as", "sec.alice", "--set", "start=2019-03-15", "--set", "end=2019-03-15",
            "--set", "change_reason=venue", "--now", "2018-12-22")


def _rows(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = open_engine(db_url)
    try:
        return snapshot(engine)
    finally:
        engine.close()


def _cli(db_url: str, cwd: Path) -> Cli:
    runner = Cli(db_url, cwd)
    runner.run("people", "import", str(FIXTURES / "people.csv"))
    return runner


def _open_meeting(cli: Cli) -> str:
    """A 12th meeting convened, contributions open, two delegations registered (R02 goes to them)."""
    meeting: str = cli.json("start", "meeting_cycle", "--as", "sec.alice", "--set", "number=12", "--set",
                            "start=2019-02-01", "--set", "end=2019-02-01", "--set", "venue=ITU headquarters, Geneva",
                            "--now", "2018-12-01")["id"]
    cli.fire(meeting, "send_invitation", "sec.alice", "letter_ref=DM-18/1000", "council_opening=2019-06-10",
             "council_session=Council 2019", now="2018-12-21")
    cli.fire(meeting, "open_contributions", "sec.alice", now="2018-12-21")
    cli.fire(meeting, "register", "ms.ru", "head_of_delegation=Ivan Petrov", now="2018-12-21")
    cli.fire(meeting, "register", "ms.cn", "head_of_delegation=Wang Fang", now="2018-12-21")
    return meeting


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'consultflow.db'}"


def test_a_postponement_dry_run_shows_its_plan_and_writes_nothing(db_url: str, tmp_path: Path) -> None:
    """The new state, the dates and deadlines moved, the timers moved and N02 per language; not one row changes."""
    cli = _cli(db_url, tmp_path)
    meeting = _open_meeting(cli)
    before = _rows(db_url)

    plan = json.loads(cli.run("--json", "fire", meeting, *POSTPONE, "--dry-run").stdout)
    assert plan["dry_run"] is True and plan["written"] is False
    assert (plan["from_state"], plan["to_state"]) == ("contributions_open", "contributions_open")
    assert plan["fields"]["start"] == {"old": "2019-02-01", "new": "2019-03-15"}
    assert plan["deadlines"]["contrib_translated"] == {"old": "2019-01-11", "new": "2019-02-22"}
    moved = {t["key"]: (t["from_local"], t["to_local"]) for t in plan["timers"]["moved"]}
    assert moved["R01"] == ("2019-01-04 08:00 CET", "2019-02-15 08:00 CET")
    assert moved["close_translation"] == ("2019-01-12 00:00 CET", "2019-02-23 00:00 CET")
    (n02,) = plan["notices"]
    assert n02["notice"] == "N02" and n02["recipients"] == n02["to"] + n02["cc"] > 0
    assert n02["languages"]["fr"] == {"to": 1, "cc": 1}  # ms.fr, and vc.amina for information
    assert set(n02["languages"]) == {"ar", "en", "es", "fr", "ru", "zh"}
    assert plan["superseded"] == {"N01": 9}  # the invitations still queued state the old dates

    text = cli.run("fire", meeting, *POSTPONE, "--dry-run").stdout
    assert "nothing was written" in text
    assert "contributions_open -> contributions_open" in text
    assert "timer moved: R01 (send R01) 2019-01-04 08:00 CET -> 2019-02-15 08:00 CET" in text
    assert "notice N02" in text and "fr 1 to, 1 cc" in text
    assert "queued notices superseded (never sent): N01 x9" in text

    assert _rows(db_url) == before
    fired = cli.fire(meeting, "postpone", "sec.alice", "start=2019-03-15", "end=2019-03-15", "change_reason=venue",
                     now="2018-12-22")
    assert (fired["state"], fired["version"]) == (plan["to_state"], plan["version"])


def test_an_approval_dry_run_lists_the_steps_it_causes(sqlite_url: str, tmp_path: Path) -> None:
    """Approving the report plans the action items and the escalation (with the topic escalated), recursively."""
    cli = _cli(sqlite_url, tmp_path)
    meeting = _open_meeting(cli)
    topic = cli.json("start", "topic", "--as", "ms.fr", "--set", "title=Next topic", "--set", f"meeting={meeting}",
                     "--set", "proposed_by=France", "--now", "2019-01-08")["id"]
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
    before = _rows(sqlite_url)
    approve = ("fire", meeting, "approve_report", "--as", "chair", "--set", "report_symbol=WG-Internet 12/5",
               "--set", "report_mode=in_session", "--set", "report_approved_on=2019-02-01", "--now", "2019-02-01",
               "--dry-run")

    plan = json.loads(cli.run("--json", *approve).stdout)
    assert plan["to_state"] == "report_approved"

    def steps(step: dict[str, Any]) -> list[dict[str, Any]]:
        return [step, *(s for effect in step["effects"] for s in steps(effect))]

    caused = [(s["workflow"], s["trigger"], s["to_state"], s["new_instance"]) for s in steps(plan)[1:]]
    assert caused.count(("action_item", "create", "open", True)) == 2, caused
    assert any(w == "escalation" and new for w, _, _, new in caused), caused
    assert ("topic", "escalate", "escalated", False) in caused, caused

    text = cli.run(*approve).stdout
    assert "causes:" in text and "(action_item): create by chair" in text and "(escalation)" in text
    assert f"{topic} (topic): escalate" in text
    assert _rows(sqlite_url) == before


def test_a_refused_dry_run_exits_like_the_real_step(sqlite_url: str, tmp_path: Path) -> None:
    """Same one-line refusal, same exit code, nothing written."""
    cli = _cli(sqlite_url, tmp_path)
    meeting = _open_meeting(cli)
    step = ("fire", meeting, "submit_contribution", "--as", "sh.isoc", "--set", "title=Views", "--now", "2019-01-05")
    before = _rows(sqlite_url)
    dry = cli.run(*step, "--dry-run", ok=False)
    assert _rows(sqlite_url) == before
    real = cli.run(*step, ok=False)
    assert (dry.returncode, dry.stderr) == (real.returncode, real.stderr) == (3, real.stderr)
    assert "sh.isoc may not fire 'submit_contribution'" in dry.stderr and dry.stdout == ""
    unknown = cli.run("fire", "nope", "go", "--as", "chair", "--dry-run", ok=False)
    assert unknown.returncode == 4 and "no instance 'nope'" in unknown.stderr


def test_upcoming_notices_lists_the_reminders_with_their_readers(sqlite_url: str, tmp_path: Path) -> None:
    """R01 and R02 within 30 days, with recipients per language; --preview renders one for a French reader."""
    cli = _cli(sqlite_url, tmp_path)
    meeting = _open_meeting(cli)
    before = _rows(sqlite_url)

    listed = cli.json("upcoming", "--notices", "--days", "30", "--now", "2018-12-21")
    by_notice = {r["notice"]: r for r in listed}
    assert set(by_notice) >= {"R01", "R02"}
    assert all(r["instance"] == meeting and r["title"] == "12th meeting — 1 February 2019" for r in listed)
    assert by_notice["R01"]["due_local"] == "2019-01-04 08:00 CET"
    assert by_notice["R01"]["recipients"] == 6 and by_notice["R01"]["languages"]["fr"] == {"to": 1, "cc": 0}
    assert by_notice["R02"]["languages"] == {"ru": {"to": 1, "cc": 0}, "zh": {"to": 1, "cc": 0}}  # registered

    text = cli.run("upcoming", "--notices", "--days", "30", "--now", "2018-12-21").stdout
    assert f"timer {by_notice['R02']['timer']}  R02" in text and "2 recipient(s), 2 to, 0 cc: ru 1 to · zh 1 to" in text

    shown = cli.run("upcoming", "--preview", str(by_notice["R01"]["timer"]), "--lang", "fr", "--now", "2018-12-21")
    assert "To: Jeanne Dupont <jeanne.dupont@diplomatie.example>, language fr" in shown.stdout
    assert "Subject: " in shown.stdout and "12e réunion" in shown.stdout
    rendered = cli.json("upcoming", "--preview", str(by_notice["R02"]["timer"]), "--lang", "ru", "--now", "2018-12-21")
    assert rendered["notice"] == "R02" and rendered["to"]["id"] == "ms.ru" and rendered["subject"]

    missing = cli.run("upcoming", "--preview", "99999", ok=False)
    assert missing.returncode == 4 and "no pending reminder with id 99999" in missing.stderr
    assert _rows(sqlite_url) == before
