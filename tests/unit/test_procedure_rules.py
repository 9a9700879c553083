"""Dates that agree and starts that accept only what they declare, on the in-memory storage (no database)."""

from __future__ import annotations

import pytest

from engine import Engine, FixedClock, Instance
from engine.catalogue import load_catalogue
from engine.directory import read_people_csv
from engine.errors import FieldError, GuardFailed
from storage.memory import MemoryStorage
from tests.conftest import FIXTURES, at
from tests.scenario import MEETING_FIELDS, convene, escalate_to_council, hold_meeting

CATALOGUE = load_catalogue()


@pytest.fixture
def engine() -> Engine:
    engine = Engine(MemoryStorage(), CATALOGUE, FixedClock(at("2018-12-01")))
    engine.import_people(read_people_csv((FIXTURES / "people.csv").read_text(encoding="utf-8"), "people.csv"))
    return engine


def test_a_meeting_cannot_end_before_it_starts(engine: Engine) -> None:
    with pytest.raises(FieldError, match="end 2019-01-31 is before start 2019-02-01"):
        engine.start("meeting_cycle", "sec.alice", {**MEETING_FIELDS, "end": "2019-01-31"}, now=at("2018-12-01"))
    assert engine.list() == []


def test_postponing_to_an_end_before_the_new_start_is_refused(engine: Engine) -> None:
    meeting = engine.start("meeting_cycle", "sec.alice", MEETING_FIELDS, now=at("2018-12-01"))
    change = {"start": "2019-03-12", "end": "2019-03-11", "change_reason": "room"}
    with pytest.raises(FieldError, match="end 2019-03-11 is before start 2019-03-12"):
        engine.fire(meeting.id, "postpone", "sec.alice", change, now=at("2018-12-10"))
    assert engine.get(meeting.id) == meeting


def test_a_proposer_cannot_set_what_a_later_step_decides(engine: Engine) -> None:
    """Council's order and the reason for no consensus are not the proposer's to give."""
    meeting = engine.start("meeting_cycle", "sec.alice", MEETING_FIELDS, now=at("2018-12-01"))
    fields = {"title": "T", "meeting": meeting.id, "proposed_by": "France", "order": 1}
    with pytest.raises(
        FieldError, match=r"unknown field\(s\) order; accepted here: title, meeting, proposed_by, questions"
    ):
        engine.start("topic", "ms.fr", fields, now=at("2019-01-08"))


def test_an_open_consultation_is_not_recorded_held_before_its_date(engine: Engine) -> None:
    consultation = _compiled_consultation(engine)
    with pytest.raises(GuardFailed, match=r"it is 2019-09-19, before oc_date \(2019-09-20\)"):
        engine.fire(consultation.id, "hold_oc", "chair", now=at("2019-09-19"))
    assert engine.fire(consultation.id, "hold_oc", "chair", now=at("2019-09-20")).state == "oc_held"


def test_a_consultation_deadline_before_it_opens_is_refused(engine: Engine) -> None:
    s = hold_meeting(convene(engine))
    escalate_to_council(s, "decided")
    consultation = engine.start("consultation", "sec.alice", {"topic": s.topic.id, "title": "C"}, now=at("2019-06-20"))
    dates = {"form_link": "https://f.example", "opens_on": "2019-07-01", "online_deadline": "2019-06-30",
             "oc_date": "2019-09-20"}  # fmt: skip
    with pytest.raises(FieldError, match="online_deadline 2019-06-30 is before opens_on 2019-07-01"):
        engine.fire(consultation.id, "announce", "sec.alice", dates, now=at("2019-06-21"))


def test_results_are_not_presented_before_the_meeting_they_go_to(engine: Engine) -> None:
    """A guard reads a field of the referenced meeting (`not_before_day: meeting.start`)."""
    later = engine.start("meeting_cycle", "sec.alice", {**MEETING_FIELDS, "number": 13, "start": "2019-10-01",
                                                        "end": "2019-10-01"}, now=at("2019-06-01"))  # fmt: skip
    consultation = _compiled_consultation(engine, later.id)
    consultation = engine.fire(consultation.id, "hold_oc", "chair", now=at("2019-09-20"))
    with pytest.raises(GuardFailed, match=r"it is 2019-09-25, before meeting.start \(2019-10-01\)"):
        engine.fire(consultation.id, "present_results", "chair", now=at("2019-09-25"))
    assert engine.fire(consultation.id, "present_results", "chair", now=at("2019-10-01")).state == "presented"


def test_a_topic_is_decided_while_its_meeting_is_in_session(engine: Engine) -> None:
    """Tabled, agreed or not agreed in session only: after the approved report it could never be escalated."""
    s = convene(engine)
    with pytest.raises(GuardFailed, match=r"meeting\.state is 'contributions_open', expected one of"):
        engine.fire(s.topic.id, "table_topics", "chair", now=at("2019-01-10"))
    assert engine.get(s.topic.id).state == "proposed"


def _compiled_consultation(engine: Engine, meeting_id: str | None = None) -> Instance:
    """A consultation on a topic Council selected, announced, run online and compiled (OC on 2019-09-20)."""
    s = hold_meeting(convene(engine))
    escalate_to_council(s, "decided")
    fields = {"topic": s.topic.id, "title": "C", **({"meeting": meeting_id} if meeting_id else {})}
    consultation = engine.start("consultation", "sec.alice", fields, now=at("2019-06-20"))
    steps = [
        ("announce", "sec.alice", {"form_link": "https://f.example", "opens_on": "2019-07-01",
                                   "online_deadline": "2019-09-01", "oc_date": "2019-09-20"}, "2019-06-21"),
        ("open_online", "sec.alice", {}, "2019-07-01"),
        ("close_online", "sec.alice", {}, "2019-09-02"),
        ("publish_compilation", "sec.alice", {"compilation_symbol": "OPCWGINT9/2"}, "2019-09-10"),
    ]  # fmt: skip
    for trigger, actor, values, when in steps:
        consultation = engine.fire(consultation.id, trigger, actor, values, now=at(when))
    return consultation
