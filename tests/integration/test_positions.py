"""Positions per Member State (issue 14, item 1): stated and changed while the Group considers a topic, by a
focal point or by the secretariat for a Member State in session, each change audited; refused once the chair
has recorded the outcome; the views expressed are each Member State's latest position."""

from __future__ import annotations

import pytest

from engine import Engine
from engine.errors import FieldError, GuardFailed, RoleNotAllowed, TriggerNotAllowed
from engine.positions import latest_positions
from tests.conftest import at
from tests.scenario import Twelfth, convene
from tests.snapshot import snapshot


def _in_session(engine: Engine) -> Twelfth:
    """The 12th meeting in session with China's topic under consideration, and Russia's rival topic."""
    s = convene(engine)
    s.fire("meeting", "close_translation", "system", when="2019-01-12")
    s.fire("meeting", "close_contributions", "system", when="2019-01-21")
    s.fire("meeting", "publish_documents", "sec.alice", {"documents_link": "https://docs.example"}, when="2019-01-25")
    s.fire("meeting", "open_session", "chair", when="2019-02-01")
    s.fire("topic", "table_topics", "chair", when="2019-02-01")
    return s


def test_positions_are_stated_changed_and_summarised(engine: Engine) -> None:
    s = _in_session(engine)
    rival_fields = {"title": "Rival", "meeting": s.meeting.id, "proposed_by": "Russian Federation"}
    rival = engine.start("topic", "ms.ru", rival_fields, now=at("2019-01-10"))
    topic = s.topic.id
    support = {"position": "support", "statement": "We agree."}
    engine.fire(topic, "state_position", "ms.fr", support, now=at("2019-02-01"))
    engine.fire(topic, "state_position", "ms.us", {"position": "object"}, now=at("2019-02-01"))
    engine.fire(topic, "state_position", "ms.ru", {"position": "prefer_other", "other_option": rival.id},
                now=at("2019-02-01"))  # fmt: skip
    engine.fire(topic, "record_position", "sec.alice", {"position": "reserve", "on_behalf_of": "Brazil"},
                now=at("2019-02-01"))  # fmt: skip
    engine.fire(topic, "state_position", "ms.us", {"position": "reserve", "statement": "Pending instructions."},
                now=at("2019-02-01"))  # fmt: skip  (the United States changes its position)
    views = latest_positions(engine.get(topic).fields["positions"])
    assert views.by_position == {
        "support": ("France",),
        "prefer_other": ("Russian Federation",),
        "reserve": ("Brazil", "United States"),
    }
    russia = next(p for p in views.positions if p.member_state == "Russian Federation")
    assert russia.other_option == rival.id
    assert [e.trigger for e in engine.history(topic)].count("state_position") == 4  # every change audited


def test_positions_are_refused_when_wrong_and_after_the_outcome(engine: Engine) -> None:
    s = _in_session(engine)
    topic = s.topic.id
    before = snapshot(engine)
    with pytest.raises(GuardFailed, match="other_option is needed when position is prefer_other"):
        engine.fire(topic, "state_position", "ms.ru", {"position": "prefer_other"}, now=at("2019-02-01"))
    with pytest.raises(FieldError, match="position"):
        engine.fire(topic, "state_position", "ms.ru", {"position": "maybe"}, now=at("2019-02-01"))
    with pytest.raises(GuardFailed, match="on_behalf_of"):
        engine.fire(topic, "record_position", "sec.alice", {"position": "support"}, now=at("2019-02-01"))
    with pytest.raises(RoleNotAllowed):
        engine.fire(topic, "state_position", "sh.isoc", {"position": "support"}, now=at("2019-02-01"))
    assert snapshot(engine) == before
    engine.fire(topic, "record_no_consensus", "chair", {"reason": "objection"}, now=at("2019-02-01"))
    with pytest.raises(TriggerNotAllowed):
        engine.fire(topic, "state_position", "ms.fr", {"position": "support"}, now=at("2019-02-01"))
