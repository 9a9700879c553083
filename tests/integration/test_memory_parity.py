"""The in-memory storage keeps the same record as SQL: the 12th meeting replayed on both compares equal.

So tests that run the engine on memory (the planner's, long random walks) say something about SQL too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from engine import Engine, FixedClock
from engine.catalogue import load_catalogue
from engine.directory import read_people_csv
from engine.timers import process_all_due
from storage.memory import MemoryStorage
from tests.conftest import FIXTURES, at
from tests.scenario import convene, escalate_to_council, hold_meeting

Record = tuple[
    list[tuple[str, str, int]], list[tuple[str, str | None, str, str, str]], Counter[str], Counter[str]
]


def _record(engine: Engine) -> Record:
    """Everything but ids and instance names: workflows and states, the audit, timers, and notices sent."""
    instances = sorted(engine.list(), key=lambda i: (i.workflow, i.created_at, i.state))
    order = {i.id: n for n, i in enumerate(instances)}
    audit = [(i.workflow, a.from_state, a.to_state, a.trigger, a.role) for i in instances for a in engine.history(i.id)]
    timers = Counter(f"{t.key}:{t.status}:{t.due_at.isoformat()}" for i in instances for t in engine.timers(i.id))
    notices = Counter(f"{m.notice}:{m.recipient_id}:{m.for_information}" for m in engine.outbox(limit=100_000))
    states = [(i.workflow, i.state, order[i.id]) for i in instances]
    return states, audit, timers, notices


def _replay(engine: Engine) -> Record:
    s = convene(engine)
    process_all_due(engine, at("2019-01-04"))
    hold_meeting(s)
    escalate_to_council(s)
    process_all_due(engine, at("2019-06-30"))
    return _record(engine)


def test_the_twelfth_meeting_on_memory_and_on_sql_leaves_the_same_record(
    make_engine: Callable[..., Engine], clock: FixedClock
) -> None:
    on_sql = _replay(make_engine())
    memory = Engine(MemoryStorage(), load_catalogue(), clock)
    memory.import_people(read_people_csv((FIXTURES / "people.csv").read_text(encoding="utf-8"), "people.csv"))
    on_memory = _replay(memory)
    assert on_memory[0] == on_sql[0]
    assert on_memory[1] == on_sql[1]
    assert on_memory[2] == on_sql[2]
    assert on_memory[3] == on_sql[3]
    assert sum(on_sql[3].values()) > 50 and len(on_sql[1]) > 30  # the replay did go a long way
