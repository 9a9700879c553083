"""The installed `consultflow outbox` and `consultflow notices preview` commands in a subprocess."""

from __future__ import annotations

import json
import mailbox
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine import Engine
from notifications.maildir_server import EmbeddedSmtp, ServerBehaviour, free_port, start_embedded_smtp
from tests.conftest import at
from tests.scenario import convene

BIN = Path(sys.executable).parent / "consultflow"
CLI = str(BIN) if BIN.exists() else shutil.which("consultflow") or "consultflow"
DUE = "2019-01-09T10:00:00+00:00"  # after everything convene() queues
PASSWORD = "pw-never-shown-7f3a"


class Cli:
    """Runs the CLI on one database with a given SMTP environment (none by default)."""

    def __init__(self, db_url: str, cwd: Path) -> None:
        self.db_url, self.cwd = db_url, cwd
        self.smtp: dict[str, str] = {}

    def run(self, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULTFLOW_SMTP_")}
        env.pop("CONSULTFLOW_DATABASE_URL", None)
        env |= {"COLUMNS": "200", **self.smtp}
        result = subprocess.run(
            [CLI, "--db", self.db_url, *args], capture_output=True, text=True, cwd=self.cwd, env=env, timeout=120
        )
        assert result.returncode == code, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
        assert "Traceback" not in result.stderr
        return result

    def json(self, *args: str, code: int = 0) -> Any:
        return json.loads(self.run("--json", *args, code=code).stdout)

    def relay(self, server: EmbeddedSmtp) -> None:
        self.smtp = {
            "CONSULTFLOW_SMTP_HOST": server.host,
            "CONSULTFLOW_SMTP_PORT": str(server.port),
            "CONSULTFLOW_SMTP_TLS": "none",
        }


@pytest.fixture
def cli(engine: Engine, db_url: str, tmp_path: Path) -> Cli:
    """The CLI on the test database, where the 12th meeting has been convened."""
    convene(engine)
    return Cli(db_url, tmp_path)


def test_send_without_a_relay_files_the_mail_in_the_embedded_maildir(cli: Cli, tmp_path: Path) -> None:
    """With no SMTP host, `outbox send` starts the embedded server, says where the Maildir is, and sends all."""
    due = [m for m in cli.json("outbox", "list", "--status", "pending") if m["next_attempt_at"] <= DUE]
    result = cli.run("outbox", "send", "--now", DUE)
    maildir = tmp_path / "consultflow-mail" / "Maildir"  # next to the SQLite file, or in the working directory
    assert f"files mail in {maildir}" in result.stdout
    assert f"{len(due)} sent, 0 to retry, 0 failed" in result.stdout
    assert len(mailbox.Maildir(maildir, create=False)) == len(due)
    sent = cli.json("outbox", "list", "--status", "sent")
    assert sorted(m["id"] for m in sent) == sorted(m["id"] for m in due)
    assert {m["attempts"] for m in sent} == {1}
    again = cli.json("outbox", "send", "--now", DUE)  # nothing is due any more
    assert again["sent"] == 0 and again["maildir"] == str(maildir)


def test_list_filters_by_status_and_instance(cli: Cli) -> None:
    """`outbox list` shows every row, or those of one status or instance, as text or JSON."""
    every = cli.json("outbox", "list")
    assert every and {m["status"] for m in every} == {"pending"}
    meeting = every[0]["instance"]
    mine = cli.json("outbox", "list", "--instance", meeting)
    assert mine and {m["instance"] for m in mine} == {meeting} and len(mine) < len(every)
    assert cli.json("outbox", "list", "--status", "failed") == []
    text = cli.run("outbox", "list", "--instance", meeting).stdout
    assert "Иван Петров <ivan.petrov@mid.example>" in text and "pending" in text
    refused = cli.run("outbox", "list", "--status", "lost", code=1)
    assert refused.stderr.strip() == "error: --status must be one of pending, sent, failed, superseded, not 'lost'"


def test_a_superseded_notice_is_listed_as_never_sent_with_the_step_that_superseded_it(
    engine: Engine, cli: Cli
) -> None:
    """The invitation still queued when the meeting is postponed is superseded: listed as never sent, with why."""
    meeting = cli.json("outbox", "list")[0]["instance"]
    moved = {"start": "2019-03-11", "end": "2019-03-11", "change_reason": "No room"}
    engine.fire(meeting, "postpone", "sec.alice", moved, now=at("2019-01-05"))
    text = cli.run("outbox", "list", "--status", "superseded").stdout
    assert "superseded N01" in text and "never sent, 0 attempt(s)  why: superseded by postpone" in text
    assert "failed" not in text and "last error" not in text


def test_a_550_then_retry_puts_the_message_back_in_the_queue(cli: Cli, tmp_path: Path) -> None:
    """A refused message is listed as failed with the reason; `outbox retry` queues it again, once."""
    behaviour = ServerBehaviour(rcpt_replies={"ivan.petrov@mid.example": "550 5.1.1 Unknown mailbox"})
    with start_embedded_smtp(tmp_path / "relay", behaviour=behaviour) as server:
        cli.relay(server)
        sent = cli.json("outbox", "send", "--now", DUE, code=1)  # exit 1: a message failed for good
        assert sent["failed"] == 1 and sent["relay_error"] is None
        failed = cli.json("outbox", "list", "--status", "failed")
        assert [m["to"] for m in failed] == ["ivan.petrov@mid.example"]
        assert "550 5.1.1 Unknown mailbox" in failed[0]["last_error"]
        number = str(failed[0]["id"])

        queued = cli.run("outbox", "retry", number, "--now", "2019-01-09T11:00:00+00:00")
        assert f"#{number} N01 to ivan.petrov@mid.example is queued again" in queued.stdout
        assert cli.run("outbox", "retry", number, code=3).stderr.strip() == (
            f"error: outbox message {number} is pending, not failed; only failed messages can be retried"
        )
        behaviour.rcpt_replies.clear()
        assert cli.json("outbox", "send", "--now", "2019-01-09T11:00:00+00:00")["sent"] == 1
    assert cli.json("outbox", "list", "--status", "failed") == []
    missing = cli.run("outbox", "retry", "999999", code=4)
    assert missing.stderr.strip() == "error: no outbox message 999999 (see `consultflow outbox list`)"


def test_an_unreachable_relay_fails_the_run_without_showing_the_password(cli: Cli) -> None:
    """Connection refused: exit 1, the rows stay queued, and the password appears nowhere in the output."""
    cli.smtp = {
        "CONSULTFLOW_SMTP_HOST": "127.0.0.1",
        "CONSULTFLOW_SMTP_PORT": str(free_port()),
        "CONSULTFLOW_SMTP_TLS": "none",
        "CONSULTFLOW_SMTP_USER": "cwg-robot",
        "CONSULTFLOW_SMTP_PASSWORD": PASSWORD,
    }
    result = cli.run("outbox", "send", "--now", DUE, code=1)
    assert "relay unreachable: cannot connect" in result.stdout and "as cwg-robot" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    as_json = cli.run("--json", "outbox", "send", "--now", DUE, code=1)
    assert PASSWORD not in as_json.stdout + as_json.stderr
    assert {m["status"] for m in cli.json("outbox", "list")} == {"pending"}


def test_invalid_smtp_settings_are_one_line(cli: Cli) -> None:
    """A bad TLS mode or port is refused before anything is claimed, in one line naming the variable."""
    cli.smtp = {"CONSULTFLOW_SMTP_HOST": "smtp.example.org", "CONSULTFLOW_SMTP_TLS": "ssl3"}
    assert cli.run("outbox", "send", code=1).stderr.strip() == (
        "error: CONSULTFLOW_SMTP_TLS must be starttls, tls or none, not 'ssl3'"
    )
    cli.smtp = {"CONSULTFLOW_SMTP_HOST": "smtp.example.org", "CONSULTFLOW_SMTP_PORT": "smtp"}
    assert "CONSULTFLOW_SMTP_PORT must be a port number" in cli.run("outbox", "send", code=1).stderr


def test_preview_renders_a_notice_for_an_instance_and_from_the_samples(cli: Cli) -> None:
    """`notices preview` shows the subject and body a reader gets, for an instance or the sample data."""
    meeting = cli.json("outbox", "list")[0]["instance"]
    french = cli.run("notices", "preview", "N01", "--lang", "fr", "--instance", meeting).stdout
    assert "To: Jeanne Dupont <jeanne.dupont@diplomatie.example>, language fr" in french
    assert "Subject: GTC-Internet\u00a0: invitation à la 12e réunion, 1er février 2019" in french
    assert "DM-18/1000" in french
    russian = cli.json("notices", "preview", "N01", "--lang", "ru", "--instance", meeting)
    assert russian["to"]["name"] == "Иван Петров" and russian["language_used"] == "ru"
    sample = cli.json("notices", "preview", "R03", "--lang", "fr")
    assert sample["subject"].startswith("Rappel") and "<html" in sample["html"].lower()
    html = cli.run("notices", "preview", "N01", "--html").stdout
    assert "</html>" in html.lower()
    unknown = cli.run("notices", "preview", "N99", code=1)
    assert unknown.stderr.startswith("error: Unknown notice 'N99'")
    assert cli.run("notices", "preview", "N01", "--lang", "de", code=1).stderr.startswith("error: Unknown language")
