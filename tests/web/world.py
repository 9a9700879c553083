"""A small world to look at: meeting 12 convened with contributions open, a proposed topic, a stored
meeting document and one notice that failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from engine import Engine
from storage.outbox import OutboxQueue
from storage.unit import database_of
from tests.conftest import at
from tests.scenario import Twelfth, convene


@dataclass(frozen=True)
class World:
    """Ids of what ``build`` made."""

    scenario: Twelfth
    meeting: str
    topic: str
    document: int
    failed_notice: int


def fail_one_notice(engine: Engine, error: str = "550 mailbox unavailable") -> int:
    """Claim the oldest pending notice and record it failed, as the dispatcher would."""
    with database_of(engine.storage).write() as conn:
        queue = OutboxQueue(conn)
        claimed = queue.claim("tests", at("2018-12-21"), 1, timedelta(minutes=5))
        assert queue.mark_failed(claimed[0].id, "tests", error)
    return claimed[0].id


def build(engine: Engine) -> World:
    scenario = convene(engine)
    meeting = scenario.meeting.id
    engine.save_documents(meeting, "agenda", "WG-Internet 12/1", "en", {"md": b"# Draft agenda\n"}, "sec.alice")
    document = engine.documents(meeting)[0].id
    return World(scenario, meeting, scenario.topic.id, document, fail_one_notice(engine))
