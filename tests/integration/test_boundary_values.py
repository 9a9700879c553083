"""Values are checked where they enter: what is stored can always be shown and mailed later (issue 12).
A refused value names the field and the problem in one sentence, and nothing is written."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from engine import Engine
from engine.directory import read_people_csv
from engine.errors import DirectoryError, FieldError
from tests.acceptance.test_cli import CLI
from tests.conftest import at
from tests.scenario import MEETING_FIELDS, convene
from tests.snapshot import snapshot


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"venue": "Gen\ud800eva"}, "venue: contains an invalid character (U+D800"),
        ({"venue": "x" * 1_000_000}, "venue: 1,000,000 characters; this field holds at most 500"),
        ({"start": 20270201}, "start: '20270201' is not a date (YYYY-MM-DD)"),
        ({"start": "20270201"}, "start: '20270201' is not a date (YYYY-MM-DD)"),
        ({"number": 10**12}, "number: 1000000000000 is out of range"),
        ({"venue": "Geneva\u2028Bcc: all"}, "venue: contains a line break"),
        ({"end": "2019-01-31"}, "end 2019-01-31 is before start 2019-02-01"),
    ],
)
def test_a_value_that_could_not_be_shown_or_sent_is_refused_at_the_start(
    engine: Engine, fields: dict[str, object], problem: str
) -> None:
    before = snapshot(engine)
    with pytest.raises(FieldError) as refused:
        engine.start("meeting_cycle", "sec.alice", {**MEETING_FIELDS, **fields}, now=at("2018-12-01"))
    assert problem in str(refused.value) and "\n" not in str(refused.value)
    assert snapshot(engine) == before


@pytest.mark.parametrize("link", ["www.itu.int/agenda", "javascript:alert(1)", "https://", "https://a b.example"])
def test_a_link_that_is_not_a_web_address_is_refused_and_a_wrong_one_can_be_corrected(
    engine: Engine, link: str
) -> None:
    """The invitation's links are checked when set; once sent, the secretariat can still put one right."""
    meeting = engine.start("meeting_cycle", "sec.alice", MEETING_FIELDS, now=at("2018-12-01"))
    invitation = {"letter_ref": "DM-18/1000", "agenda_link": link}
    with pytest.raises(FieldError, match=r"agenda_link: .* is not a web address"):
        engine.fire(meeting.id, "send_invitation", "sec.alice", invitation, now=at("2018-12-21"))
    sent = engine.fire(meeting.id, "send_invitation", "sec.alice", {"letter_ref": "DM-18/1000",
                       "agenda_link": "https://www.itu.int/agenda-old"}, now=at("2018-12-21"))  # fmt: skip
    fixed = engine.fire(
        sent.id, "correct_details", "sec.alice", {"agenda_link": "https://www.itu.int/agenda"}, now=at("2018-12-22")
    )
    assert (fixed.state, fixed.fields["agenda_link"]) == ("convened", "https://www.itu.int/agenda")
    assert engine.history(sent.id)[-1].changes["agenda_link"] == [
        "https://www.itu.int/agenda-old",
        "https://www.itu.int/agenda",
    ]


def test_lists_have_a_bound(engine: Engine) -> None:
    s = convene(engine)
    with pytest.raises(FieldError, match="questions: 1001 items; this list holds at most 1000"):
        engine.start(
            "topic",
            "ms.fr",
            {"title": "T", "meeting": s.meeting.id, "proposed_by": "France", "questions": ["q"] * 1001},
            now=at("2019-01-08"),
        )


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Jane\u2028Doe", "contains a line break"),
        ("Jane\x0bDoe", "contains a line break"),
        ("Jane\x85Doe", "contains a line break"),
        ("Jane\x01Doe", "contains the control character 0x01"),
        ("Jane\x00Doe", "contains the control character 0x00"),
        ("J" * 301, "name has 301 characters; at most 300"),
    ],
)
def test_a_directory_name_that_no_notice_could_carry_is_refused(name: str, problem: str) -> None:
    header = "id,name,email,language,roles,member_state,organisation"
    text = f"{header}\nms.x,{name},x@example.org,en,member_state,France,\n"
    with pytest.raises(DirectoryError, match=problem):
        read_people_csv(text, "people.csv")


def test_a_person_id_has_a_bound() -> None:
    text = f"id,name,email,language,roles,member_state,organisation\n{'x' * 101},X,x@example.org,en,secretariat,,\n"
    with pytest.raises(DirectoryError, match="the id has 101 characters; at most 100"):
        read_people_csv(text, "people.csv")


def test_bytes_that_are_not_utf8_on_the_command_line_are_refused_in_one_line(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    """`--set venue=$'Gen\\xffeva'`: Python hands the CLI a lone surrogate; it is refused, nothing stored."""
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("CONSULTFLOW_DATABASE_URL", None)
    args = [CLI.encode(), b"--db", db_url.encode(), b"start", b"meeting_cycle", b"--as", b"sec.alice",
            b"--set", b"number=12", b"--set", b"start=2019-02-01", b"--set", b"end=2019-02-01",
            b"--set", b"venue=Gen\xffeva"]  # fmt: skip
    result = subprocess.run(args, capture_output=True, cwd=tmp_path, env=env, timeout=120, check=False)
    stderr = result.stderr.decode("utf-8", "replace").strip().splitlines()
    assert result.returncode == 1, stderr
    assert len(stderr) == 1 and "venue: contains an invalid character" in stderr[0], stderr
    assert engine.list("meeting_cycle") == []
