"""No step commits what its notices cannot carry: the notices a step writes are rendered and built inside
the step, and a failure refuses it with the notice named, nothing written (issue 12, item 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from consultflow.wiring import open_engine
from engine import Engine, FixedClock
from engine.catalogue import SHIPPED
from engine.directory import read_people_csv
from engine.errors import NoticeUnsendable
from tests.conftest import FIXTURES, at
from tests.scenario import MEETING_FIELDS
from tests.snapshot import snapshot


def test_a_step_whose_notice_cannot_be_rendered_is_refused_whole(db_url: str, tmp_path: Path) -> None:
    """A definition that sends the meeting invitation (N01) from an action item: its template finds none of
    the meeting's fields, so creating the item is refused, naming N01, instead of failing later at send time."""
    folder = tmp_path / "workflows"
    shutil.copytree(SHIPPED, folder)
    definition = folder / "action_item.yaml"
    text = definition.read_text(encoding="utf-8")
    assert "  notices: [N17]\n" in text
    definition.write_text(text.replace("  notices: [N17]\n", "  notices: [N17, N01]\n", 1), encoding="utf-8")
    engine: Engine = open_engine(db_url, workflows=folder, clock=FixedClock(at("2018-12-01")))
    try:
        engine.import_people(read_people_csv((FIXTURES / "people.csv").read_text(encoding="utf-8"), "people.csv"))
        meeting = engine.start("meeting_cycle", "sec.alice", MEETING_FIELDS, now=at("2018-12-01"))
        before = snapshot(engine)
        fields = {"meeting": meeting.id, "text": "SG report", "owner_kind": "secretariat", "due": "2019-09-13"}
        with pytest.raises(NoticeUnsendable, match=r"notice N01 \(\w+\) could not be sent with these values: .*number"):
            engine.start("action_item", "sec.alice", fields, now=at("2019-02-02"))
        assert snapshot(engine) == before
    finally:
        engine.close()


def test_the_shipped_notices_of_a_step_are_checked_and_written(engine: Engine) -> None:
    """The check passes what can be sent: the invitation goes to the outbox as before."""
    meeting = engine.start("meeting_cycle", "sec.alice", MEETING_FIELDS, now=at("2018-12-01"))
    engine.fire(meeting.id, "send_invitation", "sec.alice", {"letter_ref": "DM-18/1000"}, now=at("2018-12-21"))
    assert any(m.notice == "N01" for m in engine.outbox(instance_id=meeting.id))
