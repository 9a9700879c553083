"""How the desk's pages answer with years of records against a young database, measured in the same run.

Two SQLite files hold the same 50 active meetings (what a secretariat has in hand at one time) and the same
people; the small one has 100 instances and 1,000 outbox rows, the large one 10,000 instances (the rest
closed or cancelled, bulk-inserted as storage writes them) and 100,000 outbox rows (mostly sent, some
failed). Each round asks each database, in alternation, for the secretariat's dashboard, the instance
list, a title search, the outbox's first page, its failed page and a notice filter; the best round counts
(a burst of another process on this shared machine then cannot land on one side only). Prints each page's
time on both sides and, last, ``desk_10k_vs_100`` (target <= 1.5x); exits non-zero when it is missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from consultflow.wiring import open_engine
from engine import Engine, FixedClock
from engine.directory import read_people_csv
from storage.repository import INSTANCE, OUTBOX, Store
from storage.unit import database_of
from web import AccountService, Passwords, WebSettings, create_app

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2019, 1, 8, 9, tzinfo=UTC)
ACTIVE = 50
PAGES = ("/", "/instances", "/instances?q=meeting+99", "/outbox", "/outbox?status=failed", "/outbox?notice=N01")


def _meetings(engine: Engine, count: int) -> list[str]:
    ids = []
    for n in range(count):
        made = engine.start(
            "meeting_cycle",
            "sec.alice",
            {"number": 100 + n, "start": "2019-09-23", "end": "2019-09-24", "venue": "Geneva"},
            now=NOW - timedelta(days=30),
        )
        ids.append(made.id)
    for meeting in ids[: count // 2]:  # half convened: their invitation wrote a notice per Member State
        engine.fire(meeting, "send_invitation", "sec.alice", {"letter_ref": "DM-19/1"}, now=NOW - timedelta(days=7))
    return ids


def _bulk(engine: Engine, instances: int, outbox: int) -> None:
    """Finished meetings and delivered notices, as storage writes them, without paying for each step."""
    with database_of(engine.storage).write() as conn:
        store = Store(conn)
        definition = store.definition_row("meeting_cycle", engine.catalogue.definition("meeting_cycle").version)
        assert definition is not None
        rows = [
            {
                "id": f"meeting_cycle-{uuid.uuid4().hex[:10]}",
                "workflow": "meeting_cycle",
                "definition_id": definition[0],
                "state": "closed" if i % 4 else "cancelled",
                "fields": {"number": i, "start": "2010-02-01", "end": "2010-02-01", "venue": "Geneva"},
                "version": 1,
                "created_at": NOW - timedelta(days=3000),
                "updated_at": NOW - timedelta(days=2000),
            }
            for i in range(instances)
        ]
        for i in range(0, len(rows), 5000):
            conn.execute(INSTANCE.insert(), rows[i : i + 5000])
        model = engine.outbox(limit=1)[0]  # a real row's context, so subjects render as they would
        notes = [
            {
                "instance_id": model.instance_id,
                "notice": model.notice,
                "recipient_id": model.recipient_id,
                "to_email": model.to_email,
                "to_name": model.to_name,
                "language": model.language,
                "context": dict(model.context),
                "status": "failed" if i % 50 == 0 else "sent",
                "attempts": 1,
                "next_attempt_at": NOW - timedelta(days=1000),
                "created_at": NOW - timedelta(days=1000),
                "last_error": "550 mailbox unavailable" if i % 50 == 0 else None,
                "sent_at": None if i % 50 == 0 else NOW - timedelta(days=1000),
                "for_information": False,
            }
            for i in range(outbox)
        ]
        for i in range(0, len(notes), 5000):
            conn.execute(OUTBOX.insert(), notes[i : i + 5000])


class Side:
    """A desk on its own database, logged in as the secretariat."""

    def __init__(self, folder: Path, instances: int, outbox: int) -> None:
        folder.mkdir()
        clock = FixedClock(NOW)
        self.engine = engine = open_engine(f"sqlite:///{folder / 'desk.db'}", clock=clock)
        people = (ROOT / "tests" / "fixtures" / "people.csv").read_text(encoding="utf-8")
        engine.import_people(read_people_csv(people, "people.csv"))
        _meetings(engine, ACTIVE)
        written = len(engine.outbox(limit=outbox))
        _bulk(engine, instances - ACTIVE, outbox - written)
        accounts = AccountService(engine, Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)))
        accounts.set_password("sec.alice", "bench password")
        app = create_app(engine, WebSettings(secret_key="bench-" + "x" * 40), accounts=accounts)
        self.client = TestClient(app, follow_redirects=False)
        self.client.__enter__()
        token = _csrf(self.client.get("/login").text)
        answer = self.client.post(
            "/login", data={"person": "sec.alice", "password": "bench password", "csrf_token": token, "next": "/"}
        )
        assert answer.status_code == 303, answer.text

    def round(self) -> dict[str, float]:
        times = {}
        for page in PAGES:
            started = time.perf_counter()
            answer = self.client.get(page)
            times[page] = time.perf_counter() - started
            assert answer.status_code == 200, (page, answer.status_code)
        return times


def _csrf(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--large", type=int, default=10_000, help="instances on the large side")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = Side(Path(tmp) / "small", 100, 1_000)
        large = Side(Path(tmp) / "large", args.large, args.large * 10)
        small.round(), large.round()  # warm both: templates compiled, caches filled
        best_small = dict.fromkeys(PAGES, float("inf"))
        best_large = dict.fromkeys(PAGES, float("inf"))
        for _ in range(args.rounds):
            for best, side in ((best_small, small), (best_large, large)):
                for page, spent in side.round().items():
                    best[page] = min(best[page], spent)
    for page in PAGES:
        ratio = best_large[page] / best_small[page]
        small_ms, large_ms = best_small[page] * 1e3, best_large[page] * 1e3
        print(f"{page:28} small {small_ms:7.1f} ms   large {large_ms:7.1f} ms   {ratio:5.2f}x")
    total_small, total_large = sum(best_small.values()), sum(best_large.values())
    ratio = total_large / total_small
    print(f"all pages: small {total_small * 1e3:.1f} ms, large {total_large * 1e3:.1f} ms")
    print(f"desk_10k_vs_100 = {ratio:.2f}x (target <= 1.5x)")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
