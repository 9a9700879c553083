"""Persisted fire() throughput on a SQLite WAL file against a raw sqlite3 floor measured in the same run.

The floor and the engines run in alternating rounds and the best round of each counts. Prints the engine's
time per transition, the floor's (one UPDATE + one INSERT per commit, WAL, synchronous=NORMAL),
the engine's own statements sent raw on its schema (what the indexes and wider rows cost before any
Python), the engine's ratio to the floor (target <= 4x), and the engine's time per transition with 100k
stored instances against 1k (target <= 1.3x). Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from consultflow.wiring import open_engine
from engine import Engine, Person
from storage.unit import database_of

HERE = Path(__file__).parent
NOW = datetime(2019, 1, 1, tzinfo=UTC)


def _engine(folder: Path, instances: int) -> tuple[Engine, list[str]]:
    engine = open_engine(f"sqlite:///{folder / 'engine.db'}", workflows=HERE / "workflows")
    engine.import_people([Person("sec", "Secretariat", "sec@itu.example", "en", ("secretariat",))])
    ids = [engine.start("bench_toggle", "sec", {}, now=NOW).id for _ in range(min(instances, 1000))]
    if instances > 1000:  # the rest in bulk: the same rows the engine writes, without paying 100k starts
        _bulk_instances(engine, instances - 1000)
    return engine, ids


def _bulk_instances(engine: Engine, count: int) -> None:
    from storage.repository import INSTANCE, Store

    with database_of(engine.storage).write() as conn:
        definition_id = Store(conn).definition_row("bench_toggle", 1)
        assert definition_id is not None
        rows = [
            {
                "id": f"bench_toggle-{uuid.uuid4().hex[:10]}",
                "workflow": "bench_toggle",
                "definition_id": definition_id[0],
                "state": "a",
                "fields": {},
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for _ in range(count)
        ]
        for i in range(0, count, 5000):
            conn.execute(INSTANCE.insert(), rows[i : i + 5000])


class EngineSide:
    """An engine on its own SQLite file with ``instances`` stored, firing flip/flop on random ones."""

    def __init__(self, folder: Path, instances: int) -> None:
        self.engine, self.ids = _engine(folder, instances)
        self.states = dict.fromkeys(self.ids, "a")
        self.rng = random.Random(7)

    def round(self, fires: int) -> float:
        engine, states = self.engine, self.states
        order = [self.rng.choice(self.ids) for _ in range(fires)]
        started = time.perf_counter()
        for instance_id in order:
            trigger = "flip" if states[instance_id] == "a" else "flop"
            states[instance_id] = engine.fire(instance_id, trigger, "sec", now=NOW).state
        return (time.perf_counter() - started) / fires


class FloorSide:
    """Raw sqlite3, WAL, synchronous=NORMAL: BEGIN IMMEDIATE, one UPDATE, one INSERT, COMMIT per transition."""

    def __init__(self, folder: Path, instances: int) -> None:
        self.conn = conn = sqlite3.connect(folder / "floor.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE instance (id TEXT PRIMARY KEY, state TEXT NOT NULL, version INTEGER NOT NULL)")
        conn.execute(
            "CREATE TABLE audit (id INTEGER PRIMARY KEY, instance_id TEXT, at TEXT, actor TEXT, "
            "trigger TEXT, from_state TEXT, to_state TEXT)"
        )
        self.ids = [uuid.uuid4().hex for _ in range(instances)]
        conn.executemany("INSERT INTO instance VALUES (?, 'a', 1)", [(i,) for i in self.ids])
        self.versions = dict.fromkeys(self.ids, 1)
        self.rng = random.Random(7)

    def round(self, fires: int) -> float:
        conn, versions = self.conn, self.versions
        order = [self.rng.choice(self.ids) for _ in range(fires)]
        started = time.perf_counter()
        for instance_id in order:
            version = versions[instance_id]
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "UPDATE instance SET state = ?, version = version + 1 WHERE id = ? AND version = ?",
                ("b" if version % 2 else "a", instance_id, version),
            )
            conn.execute(
                "INSERT INTO audit (instance_id, at, actor, trigger, from_state, to_state) "
                "VALUES (?, ?, 'sec', 'flip', 'a', 'b')",
                (instance_id, NOW.isoformat()),
            )
            conn.execute("COMMIT")
            versions[instance_id] = version + 1
        return (time.perf_counter() - started) / fires


class SchemaSide:
    """The engine's own statements per step, raw sqlite3 on a copy of the engine's database: the instance read
    (with its definition and the directory version), the UPDATE that moves it and its chain head, the audit
    INSERT, COMMIT. What the schema costs (its indexes, foreign keys and wider rows) before any Python of ours."""

    def __init__(self, folder: Path, engine_db: Path) -> None:
        from storage import hotpath

        self.conn = conn = sqlite3.connect(folder / "schema.db", isolation_level=None)
        with sqlite3.connect(engine_db) as source:  # the backup API copies what is still in the WAL, too
            source.backup(conn)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        self.read, self.update, self.insert = hotpath._INSTANCE, hotpath._UPDATE, hotpath._AUDIT
        self.versions = dict(conn.execute("SELECT id, version FROM instance"))
        self.ids = list(self.versions)
        self.rng = random.Random(7)

    def round(self, fires: int) -> float:
        conn, versions, at = self.conn, self.versions, NOW.isoformat(sep=" ")
        order = [self.rng.choice(self.ids) for _ in range(fires)]
        started = time.perf_counter()
        for instance_id in order:
            version = versions[instance_id]
            state, before = ("b", "a") if version % 2 else ("a", "b")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(self.read, (instance_id,)).fetchone()
            conn.execute(self.update, (state, "{}", version + 1, at, "f" * 64, instance_id, version))
            conn.execute(
                self.insert,
                (instance_id, at, "sec", "secretariat", None, "flip", before, state, None, "{}", None,
                 version + 1, "e" * 64, "f" * 64),
            )  # fmt: skip
            conn.execute("COMMIT")
            versions[instance_id] = version + 1
        return (time.perf_counter() - started) / fires


def best_of(rounds: int, fires: int, *sides: EngineSide | FloorSide | SchemaSide) -> list[float]:
    """Run the sides in alternation; the best round of each (a burst of another process on this shared
    machine then cannot land on one side only)."""
    best = [float("inf")] * len(sides)
    for _ in range(rounds):
        for i, side in enumerate(sides):
            best[i] = min(best[i], side.round(fires))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fires", type=int, default=3000, help="transitions per side, over all rounds")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folders = [Path(tmp) / name for name in ("floor", "small", "large", "schema")]
        for folder in folders:
            folder.mkdir()
        small_side = EngineSide(folders[1], 1000)
        sides = (
            FloorSide(folders[0], 1000),
            small_side,
            EngineSide(folders[2], args.large),
            SchemaSide(folders[3], folders[1] / "engine.db"),
        )
        floor, small, large, schema = best_of(args.rounds, args.fires // args.rounds, *sides)
        sides[0].conn.close()
        sides[3].conn.close()
        sides[1].engine.close()
        sides[2].engine.close()
    ratio, scale = small / floor, large / small
    print(f"raw sqlite3 floor      : {floor * 1e6:8.1f} us per transition ({1 / floor:8.0f} tx/s)")
    print(
        f"engine's SQL, raw      : {schema * 1e6:8.1f} us per transition ({schema / floor:.1f}x the floor: the schema)"
    )
    print(f"engine, 1k instances   : {small * 1e6:8.1f} us per transition ({1 / small:8.0f} tx/s)")
    print(f"engine, {args.large // 1000}k instances : {large * 1e6:8.1f} us per transition ({1 / large:8.0f} tx/s)")
    print(f"large_vs_small = {scale:.2f}x (target <= 1.3x)")
    print(f"fire_vs_floor = {ratio:.1f}x (target <= 4x)")
    return 0 if ratio <= 4 and scale <= 1.3 else 1


if __name__ == "__main__":
    sys.exit(main())
