"""The CLI says what is allowed but worth a second look (issue 11, item 9) and shows the positions on a topic
(issue 14, item 1)."""

from __future__ import annotations

from tests.acceptance.test_cli import Cli, cli  # noqa: F401 - the fixture

MEETING = ["--set", "number=12", "--set", "start=2019-02-01", "--set", "end=2019-02-01", "--set", "venue=Geneva"]
LATER = ["--set", "number=40", "--set", "start=2027-02-01", "--set", "end=2027-02-01", "--set", "venue=Geneva"]


def test_a_meeting_moved_to_good_friday_is_taken_with_a_warning(cli: Cli) -> None:  # noqa: F811
    # Dates to come (show warns about what is still ahead): Good Friday 2027 is 26 March.
    meeting = cli.json("start", "meeting_cycle", "--as", "sec.alice", *LATER, "--now", "2026-11-20")["id"]
    moved = cli.run("fire", meeting, "postpone", "--as", "sec.alice", "--set", "start=2027-03-26",
                    "--set", "end=2027-03-26", "--set", "change_reason=Room", "--now", "2026-11-25")  # fmt: skip
    assert moved.returncode == 0
    assert "warning: start 2027-03-26 falls on a public holiday (Good Friday)" in moved.stderr
    shown = cli.json("show", meeting, "--now", "2026-11-25")
    assert "start 2027-03-26 falls on a public holiday (Good Friday)" in shown["warnings"]


def test_show_lists_the_latest_position_of_each_member_state(cli: Cli) -> None:  # noqa: F811
    meeting = cli.json("start", "meeting_cycle", "--as", "sec.alice", *MEETING, "--now", "2018-12-01")["id"]
    for trigger, sets, when in [
        ("send_invitation", ["letter_ref=DM-18/1000"], "2018-12-21"),
        ("open_contributions", [], "2018-12-21"),
        ("close_translation", [], "2019-01-12"),
        ("close_contributions", [], "2019-01-21"),
        ("publish_documents", [], "2019-01-25"),
    ]:
        cli.fire(meeting, trigger, "sec.alice", *sets, now=when)
    cli.fire(meeting, "open_session", "chair", now="2019-02-01")
    topic = cli.json("start", "topic", "--as", "ms.fr", "--set", "title=T", "--set", f"meeting={meeting}",
                     "--set", "proposed_by=France", "--now", "2019-01-10")["id"]  # fmt: skip
    cli.fire(topic, "table_topics", "chair")
    cli.fire(topic, "state_position", "ms.us", "position=object")
    cli.fire(topic, "state_position", "ms.us", "position=reserve", "statement=Pending instructions")
    cli.fire(topic, "record_position", "sec.alice", "position=support", "on_behalf_of=Brazil")
    positions = cli.json("show", topic)["positions"]
    latest = [(p["member_state"], p["position"]) for p in positions]
    assert latest == [("Brazil", "support"), ("United States", "reserve")]  # the US's objection was replaced
    text = cli.run("show", topic).stdout
    assert "Pending instructions" in text and "United States" in text
