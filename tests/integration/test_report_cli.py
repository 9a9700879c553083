"""``consultflow report`` in a subprocess, on the 12th meeting recorded through the API: files, revisions, errors."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import docx

from engine import Engine
from tests.conftest import FIXTURES
from tests.scenario import convene, hold_meeting

_BIN = Path(sys.executable).parent / "consultflow"
CLI = str(_BIN) if _BIN.exists() else shutil.which("consultflow") or "consultflow"


def run(db_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("CONSULTFLOW_DATABASE_URL", None)
    return subprocess.run(
        [CLI, "--db", db_url, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120, check=False
    )


def test_report_writes_markdown_to_stdout_and_docx_to_a_file(engine: Engine, db_url: str, tmp_path: Path) -> None:
    """md goes to stdout (status on stderr); --out report.docx writes a .docx; each run is the next revision."""
    s = hold_meeting(convene(engine))
    meeting = s.meeting.id
    translations = str(FIXTURES / "report_cwg12_fr.yaml")
    first = run(db_url, tmp_path, "report", meeting, "--lang", "fr", "--symbol", "C19/nn", "--as", "sec.alice",
                "--translations", translations, "--now", "2019-03-29")  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("| Conseil 2019 | Document C19/nn-F |")
    assert "## 3 Conclusion" in first.stdout and "(voir la Section 2.2.c)" in first.stdout
    assert first.stderr.strip() == "C19/nn-F (fr) revision 1: md written to stdout; docx, html, md stored"
    second = run(db_url, tmp_path, "report", meeting, "--lang", "fr", "--symbol", "C19/nn", "--out", "report.docx",
                 "--translations", translations, "--now", "2019-03-29")  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "C19/nn-F (fr) revision 2: docx written to report.docx; docx, html, md stored"
    document = docx.Document(io.BytesIO((tmp_path / "report.docx").read_bytes()))
    assert [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"][-1] == (
        "3 Conclusion"
    )
    assert {(d.revision, d.format, d.created_by) for d in engine.documents(meeting)} == {
        (r, f, "sec.alice" if r == 1 else "system") for r in (1, 2) for f in ("md", "html", "docx")
    }


def test_report_notes_recorded_texts_left_untranslated(engine: Engine, db_url: str, tmp_path: Path) -> None:
    """Without --translations a French report keeps the recorded English decisions and says which, in one line."""
    s = hold_meeting(convene(engine))
    result = run(db_url, tmp_path, "report", s.meeting.id, "--lang", "fr", "--symbol", "C19/nn", "--format", "html")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "C19-nn-F.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "note: kept as recorded (d2, d3, d4, d5); give --translations FILE for their wording in 'fr'" in (
        result.stderr
    )


def test_report_errors_are_one_line(engine: Engine, db_url: str, tmp_path: Path) -> None:
    """Unknown meeting (exit 4), meeting not yet reported (exit 3), unknown language (exit 1): one line each."""
    s = convene(engine)
    cases = [
        (("report", "meeting_cycle-0000000000", "--lang", "fr"), 4, "no instance 'meeting_cycle-0000000000'"),
        (("report", s.meeting.id, "--lang", "en"), 3, "is in state 'contributions_open'"),
        (("report", s.meeting.id, "--lang", "es"), 1, "no report wording in 'es' (available: en, fr)"),
        (("report", s.topic.id, "--lang", "en"), 1, "is a topic, not a meeting_cycle"),
    ]
    for args, code, message in cases:
        result = run(db_url, tmp_path, *args)
        assert result.returncode == code, (args, result.stderr)
        assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""
    hold_meeting(s)
    result = run(db_url, tmp_path, "report", s.meeting.id, "--lang", "en")
    assert result.returncode == 1 and "has no Chair's report symbol yet" in result.stderr
