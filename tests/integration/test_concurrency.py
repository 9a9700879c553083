"""Two processes firing on one instance: one transition, one clear conflict, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier

from consultflow.wiring import open_engine
from engine import Engine
from engine.errors import Conflict, ConsultflowError
from tests.conftest import at
from tests.scenario import convene


def _fire(
    url: str,
    instance_id: str,
    version: int,
    title: str,
    barrier: Barrier,
    results: multiprocessing.Queue[tuple[str, str]],
) -> None:
    engine = open_engine(url)
    try:
        barrier.wait(timeout=30)
        engine.fire(
            instance_id,
            "submit_contribution",
            "ms.fr",
            {"title": title},
            now=at("2019-01-05"),
            expected_version=version,
        )
        results.put(("ok", title))
    except Conflict as exc:
        results.put(("conflict", str(exc)))
    except ConsultflowError as exc:
        results.put(("error", str(exc)))
    finally:
        engine.close()


def test_two_processes_one_transition_one_conflict(engine: Engine, db_url: str) -> None:
    """Both processes read version v and fire at once: exactly one commits, the other gets Conflict."""
    s = convene(engine)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=_fire, args=(db_url, s.meeting.id, s.meeting.version, f"p{i}", barrier, results))
        for i in range(2)
    ]
    for worker in workers:
        worker.start()
    outcomes = sorted(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
    assert [kind for kind, _ in outcomes] == ["conflict", "ok"], outcomes
    assert "reload it and try again" in outcomes[0][1]
    after = engine.get(s.meeting.id)
    assert after.version == s.meeting.version + 1
    assert len(after.fields["contributions"]) == 1  # type: ignore[arg-type]
    assert [h.trigger for h in engine.history(s.meeting.id)].count("submit_contribution") == 1
