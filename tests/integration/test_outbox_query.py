"""The outbox listing query: filters, newest first, paging; the same answers on SQL and in memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consultflow.wiring import open_engine
from engine import FixedClock
from engine.directory import read_people_csv
from engine.records import OutboxMessage
from storage.memory import MemoryStorage
from tests.conftest import FIXTURES

NOW = datetime(2019, 1, 8, 9, tzinfo=UTC)


def _rows(instance_id: str) -> list[dict[str, object]]:
    return [
        {
            "instance_id": instance_id,
            "notice": ("N01", "N02", "N03")[i % 3],
            "recipient_id": ("ms.fr", "ms.ru")[i % 2],
            "to_email": "x@example.org",
            "to_name": "X",
            "language": "en",
            "context": {},
            "status": "failed" if i % 5 == 0 else "sent",
            "attempts": 1,
            "next_attempt_at": NOW,
            "created_at": NOW + timedelta(days=i),
            "last_error": None,
            "sent_at": None,
            "for_information": False,
        }
        for i in range(30)
    ]


def _listings(storage: object, instance_id: str) -> dict[str, list[tuple[str, str, str, datetime]]]:
    def key(messages: list[OutboxMessage]) -> list[tuple[str, str, str, datetime]]:
        return [(m.notice, m.recipient_id, m.status, m.created_at) for m in messages]

    with storage.write() as unit:  # type: ignore[attr-defined]
        unit.records.insert_outbox(_rows(instance_id))
    with storage.read() as unit:  # type: ignore[attr-defined]
        q = unit.outbox
        everything = q.page(limit=100)
        ids = [m.id for m in everything]
        assert ids == sorted(ids, reverse=True)
        return {
            "all": key(everything),
            "page2": key(q.page(offset=10, limit=10)),
            "failed": key(q.page(status="failed")),
            "n02_ru": key(q.page(notice="N02", recipients=["ms.ru"])),
            "nobody": key(q.page(recipients=[])),
            "days": key(q.page(written_from=NOW + timedelta(days=3), written_before=NOW + timedelta(days=7))),
            "cursor": key(q.page(before_id=ids[4], limit=3)),
        }


def test_the_outbox_page_filters_and_pages_alike_on_sql_and_in_memory(db_url: str) -> None:
    """Every filter, the offset and the cursor give the same newest-first rows on the database and in memory."""
    engine = open_engine(db_url, clock=FixedClock(NOW))
    try:
        engine.import_people(read_people_csv((FIXTURES / "people.csv").read_text("utf-8"), "people.csv"))
        fields = {"number": 1, "start": "2019-09-23", "end": "2019-09-24", "venue": "Geneva"}
        instance_id = engine.start("meeting_cycle", "sec.alice", fields).id
        sql = _listings(engine.storage, instance_id)
    finally:
        engine.close()
    memory = MemoryStorage()
    assert _listings(memory, instance_id) == sql
    assert len(sql["failed"]) == 6 and {s for _, _, s, _ in sql["failed"]} == {"failed"}
    assert sql["n02_ru"] and all(n == "N02" and r == "ms.ru" for n, r, _, _ in sql["n02_ru"])
    assert sql["nobody"] == [] and len(sql["days"]) == 4 and len(sql["page2"]) == 10 and len(sql["cursor"]) == 3
