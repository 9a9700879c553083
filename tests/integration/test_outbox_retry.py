"""After a relay refused everything: `outbox send` fails in one line, `outbox retry --all-failed` (narrowed by
notice or date) queues the failed messages again in one command, and they are then delivered. Real database,
real SMTP server on loopback, the installed CLI."""

from __future__ import annotations

import mailbox
from collections import Counter
from pathlib import Path

import pytest

from engine import Engine
from notifications.errors import UnknownNotice
from notifications.maildir_server import ServerBehaviour, start_embedded_smtp
from notifications.outbox import retry_failed
from tests.acceptance.test_outbox_cli import DUE, Cli
from tests.conftest import at
from tests.scenario import convene

LATER = "2019-01-09T11:00:00+00:00"


@pytest.fixture
def cli(engine: Engine, db_url: str, tmp_path: Path) -> Cli:
    """The CLI on the test database, where the 12th meeting has been convened."""
    convene(engine)
    return Cli(db_url, tmp_path)


def test_send_fails_in_one_line_then_retry_all_failed_by_notice_and_date(cli: Cli, tmp_path: Path) -> None:
    """A relay that refuses every message: exit 1 with one line on stderr; --all-failed --notice queues only that
    notice, --since after the messages were written queues none, --all-failed the rest; then all are sent."""
    behaviour = ServerBehaviour(data_reply="554 5.7.1 Relay access denied")
    with start_embedded_smtp(tmp_path / "relay", behaviour=behaviour) as server:
        cli.relay(server)
        refused = cli.run("outbox", "send", "--now", DUE, code=1)
        (line,) = refused.stderr.splitlines()
        assert line.startswith("error: not everything was sent: 0 sent, 0 to retry, ")
        failed = cli.json("outbox", "list", "--status", "failed")
        by_notice = Counter(m["notice"] for m in failed)
        assert len(by_notice) >= 2, by_notice
        first = sorted(by_notice)[0]

        one = cli.json("outbox", "retry", "--all-failed", "--notice", first, "--now", LATER)
        assert one["count"] == by_notice[first]
        assert cli.json("outbox", "retry", "--all-failed", "--since", "2030-01-01", "--now", LATER)["count"] == 0
        text = cli.run("outbox", "retry", "--all-failed", "--since", "2018-01-01", "--now", LATER).stdout
        rest = len(failed) - by_notice[first]
        assert f"{rest} failed message(s) written since 2018-01-01 queued again" in text
        assert "554 5.7.1 Relay access denied" in text  # each message says what it failed with
        assert cli.json("outbox", "list", "--status", "failed") == []

        behaviour.data_reply = None
        sent = cli.json("outbox", "send", "--now", LATER)
        assert sent["sent"] == len(failed) and sent["failed"] == 0
    assert len(mailbox.Maildir(tmp_path / "relay", create=False)) == len(failed)


def test_retry_refuses_ambiguous_or_unknown_requests_in_one_line(cli: Cli) -> None:
    """Neither an id nor --all-failed, both, --notice with an id, an unknown notice or a bad date: exit 1 or 4,
    one line, nothing queued."""
    for args, code, words in [
        ((), 1, "give one message ID or --all-failed"),
        (("1", "--all-failed"), 1, "give one message ID or --all-failed"),
        (("1", "--notice", "N01"), 1, "--notice and --since go with --all-failed"),
        (("--all-failed", "--notice", "N99"), 1, "Unknown notice 'N99'"),
        (("--all-failed", "--since", "last week"), 1, "--since expects an ISO date"),
    ]:
        result = cli.run("outbox", "retry", *args, code=code)
        (line,) = result.stderr.splitlines()
        assert line.startswith("error: ") and words in line, line


def test_retry_failed_queues_only_failed_messages_in_one_transaction(engine: Engine) -> None:
    """The library call the desk uses too: nothing failed, nothing queued; an unknown notice is refused."""
    convene(engine)
    assert retry_failed(engine, at("2019-01-09")) == []
    with pytest.raises(UnknownNotice):
        retry_failed(engine, at("2019-01-09"), notice="N99")
