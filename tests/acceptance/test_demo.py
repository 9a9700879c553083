"""`consultflow demo` end to end: the 12th meeting replayed on a fresh folder, mail and reports included."""

from __future__ import annotations

import mailbox
import subprocess
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

import docx

from engine.catalogue import SHIPPED
from engine.directory import read_people_csv
from tests.acceptance.test_cli import CLI

PEOPLE = read_people_csv((SHIPPED / "scenarios" / "cwg12-people.csv").read_text(encoding="utf-8"), "people")
MEMBER_STATES = sum("member_state" in p.roles for p in PEOPLE)


def test_demo_replays_the_twelfth_meeting(tmp_path: Path) -> None:
    """The demo exits 0, prints the timeline, files every notice in the Maildir and writes both reports."""
    out = tmp_path / "demo"
    result = subprocess.run(
        [CLI, "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    for line in (
        "sec.alice fires send_invitation on meeting",
        "R01 fired",
        "close_contributions fired",
        "chair fires approve_report on meeting",
        "Chair's report written (fr, en)",
        "council.rec fires give_guidance on escalation",
        "overdue fired",
    ):
        assert line in result.stdout, line

    messages = [message_from_bytes(m.as_bytes(), policy=policy.default) for m in mailbox.Maildir(out / "Maildir")]
    notices = Counter(str(m["X-Consultflow-Notice"]) for m in messages)
    assert notices["N01"] == MEMBER_STATES + 6  # every focal point, plus the chair and five vice-chairs for information
    for reminder in ("R01", "R02", "R03", "R04", "R05"):
        assert notices[reminder] > 0, reminder
    assert notices["N17"] >= 3 and notices["N16"] > 0
    french = [m for m in messages if m["X-Consultflow-Notice"] == "N01" and m["Content-Language"] == "fr"]
    assert french and "réunion" in str(french[0]["Subject"])
    assert len({m["Message-ID"] for m in messages}) == len(messages)

    reports = out / "reports"
    french_report = (reports / "C19-54-F.md").read_text(encoding="utf-8")
    assert "douzième réunion du GTC-Internet, tenue le 1er février 2019" in french_report
    assert "(voir la Section 2.2.c)" in french_report
    assert "## 2 Activities" in (reports / "C19-54-E.md").read_text(encoding="utf-8")
    headings = [
        p.text
        for p in docx.Document(str(reports / "C19-54-F.docx")).paragraphs
        if p.style is not None and p.style.name.startswith("Heading")
    ]
    assert "3 Conclusion" in headings
    assert (out / "consultflow.db").exists()


def test_demo_refuses_a_folder_that_already_holds_a_database(tmp_path: Path) -> None:
    """Running the demo twice into one folder is refused in one line instead of mixing two replays."""
    (tmp_path / "consultflow.db").write_bytes(b"")
    result = subprocess.run(
        [CLI, "demo", "--out", str(tmp_path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1 and "already exists" in result.stderr and "Traceback" not in result.stderr
