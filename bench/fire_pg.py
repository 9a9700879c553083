"""Persisted fire() on PostgreSQL against a psycopg floor measured in the same run, with round trips per step.

The floor is one psycopg connection doing what a step must at least do: UPDATE the instance, INSERT the
audit row, COMMIT (psycopg sends the BEGIN). Also timed: the engine's own statements sent by psycopg on the
engine's schema with no Python of ours (what the schema's indexes, foreign keys and row lock cost). All
run in fresh schemas that are dropped afterwards, in alternating rounds (the best round of each is kept,
so another process's burst on this shared machine does not land on one side only). Round trips are
counted from libpq's protocol trace: every Sync or simple Query the client sends is one wait for the
server. Last line: ``fire_pg_vs_floor = X.Xx (target <= 1.5x)``; exits non-zero on a miss.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg.pq import Trace

from consultflow.wiring import open_engine
from engine import Engine, Person
from storage.unit import database_of

HERE = Path(__file__).parent
NOW = datetime(2019, 1, 1, tzinfo=UTC)
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A new schema first on the search path of the URL it yields; dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


class RoundTrips:
    """Counts the client's waits for the server on traced libpq connections (Sync and simple Query messages)."""

    def __init__(self, file: IO[str]) -> None:
        self.file = file
        self.traced: list[Any] = []

    def trace(self, connection: psycopg.Connection[Any]) -> None:
        # libpq buffers the trace in its own FILE on a duplicate descriptor; untrace() flushes and closes it.
        connection.pgconn.trace(os.dup(self.file.fileno()))
        connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
        self.traced.append(connection.pgconn)

    def take(self) -> int:
        """Stop tracing; the round trips traced since the last call."""
        for pgconn in self.traced:
            pgconn.untrace()
        self.traced.clear()
        self.file.seek(0)
        waits = ("Sync", "Query")
        count = sum(1 for line in self.file if line.startswith("F") and line.split("\t")[2].strip() in waits)
        self.file.seek(0)
        self.file.truncate()
        return count


def _engine(url: str, instances: int) -> tuple[Engine, list[str]]:
    engine = open_engine(url, workflows=HERE / "workflows")
    engine.import_people([Person("sec", "Secretariat", "sec@itu.example", "en", ("secretariat",))])
    return engine, [engine.start("bench_toggle", "sec", {}, now=NOW).id for _ in range(instances)]


def engine_round(engine: Engine, ids: list[str], states: dict[str, str], fires: int) -> float:
    started = time.perf_counter()
    for i in range(fires):
        instance_id = ids[i % len(ids)]
        trigger = "flip" if states[instance_id] == "a" else "flop"
        states[instance_id] = engine.fire(instance_id, trigger, "sec", now=NOW).state
    return (time.perf_counter() - started) / fires


class Floor:
    """The least a step costs on one psycopg connection: UPDATE + INSERT, COMMIT."""

    def __init__(self, url: str, instances: int) -> None:
        self.conn = psycopg.connect(url)
        self.conn.execute(
            "CREATE TABLE floor_instance (id TEXT PRIMARY KEY, state TEXT NOT NULL, version INT NOT NULL)"
        )
        self.conn.execute(
            "CREATE TABLE floor_audit (id BIGSERIAL PRIMARY KEY, instance_id TEXT, at TIMESTAMPTZ, actor TEXT,"
            " trigger TEXT, from_state TEXT, to_state TEXT)"
        )
        self.ids = [uuid.uuid4().hex for _ in range(instances)]
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO floor_instance VALUES (%s, 'a', 1)", [(i,) for i in self.ids])
        self.conn.commit()
        self.versions = dict.fromkeys(self.ids, 1)

    def round(self, fires: int) -> float:
        conn, versions = self.conn, self.versions
        started = time.perf_counter()
        for i in range(fires):
            instance_id = self.ids[i % len(self.ids)]
            version = versions[instance_id]
            conn.execute(
                "UPDATE floor_instance SET state = %s, version = version + 1 WHERE id = %s AND version = %s",
                ("b" if version % 2 else "a", instance_id, version),
            )
            conn.execute(
                "INSERT INTO floor_audit (instance_id, at, actor, trigger, from_state, to_state)"
                " VALUES (%s, %s, 'sec', 'flip', 'a', 'b')",
                (instance_id, NOW),
            )
            conn.commit()
            versions[instance_id] = version + 1
        return (time.perf_counter() - started) / fires


class SchemaFloor:
    """The engine's own statements per step on the engine's schema, sent by psycopg with no Python of ours:
    the instance read (locked, prepared), the one statement that moves the instance and writes its audit row,
    COMMIT (psycopg sends its BEGIN alone: one round trip more than the engine). What the schema costs."""

    def __init__(self, url: str, ids: list[str]) -> None:
        from psycopg.types.json import Jsonb

        from storage import hotpath

        self.conn = psycopg.connect(url)
        self.jsonb = Jsonb
        self.read = hotpath._INSTANCE.replace("?", "%s") + " FOR UPDATE OF i"
        self.step = hotpath._STEP_PG
        self.ids = ids
        self.versions = dict.fromkeys(ids, 1)

    def round(self, fires: int) -> float:
        conn, versions, jsonb = self.conn, self.versions, self.jsonb
        started = time.perf_counter()
        for i in range(fires):
            instance_id = self.ids[i % len(self.ids)]
            version = versions[instance_id]
            state, before = ("b", "a") if version % 2 else ("a", "b")
            conn.execute(self.read, (instance_id,), prepare=True).fetchone()
            conn.execute(
                self.step,
                (state, jsonb({}), version + 1, NOW, "f" * 64, instance_id, version, NOW, "sec", "secretariat",
                 None, "flip", before, state, None, jsonb({}), None, version + 1, "e" * 64, "f" * 64),
                prepare=True,
            ).fetchone()  # fmt: skip
            conn.commit()
            versions[instance_id] = version + 1
        return (time.perf_counter() - started) / fires


def best_of(rounds: int, *sides: Callable[[], float]) -> list[float]:
    """Run the sides in alternation ``rounds`` times; the best time of each."""
    best = [float("inf")] * len(sides)
    for _ in range(rounds):
        for i, side in enumerate(sides):
            best[i] = min(best[i], side())
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--fires", type=int, default=500, help="transitions per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryFile("w+") as trace_file, fresh_schema(args.url) as url, fresh_schema(args.url) as raw:
        counter = RoundTrips(trace_file)
        floor = Floor(raw, 200)
        engine, all_ids = _engine(url, 400)
        ids, schema_ids = all_ids[:200], all_ids[200:]  # the engine's instances, and those of its SQL sent raw
        states = dict.fromkeys(ids, "a")
        sql_engine = database_of(engine.storage).engine
        engine_round(engine, ids, states, 50)  # warm: the pooled connection opened, statements prepared
        with sql_engine.connect() as conn:  # the pool's one connection, which the next fires reuse
            counter.trace(conn.connection.driver_connection)  # type: ignore[arg-type]
        engine_round(engine, ids, states, 100)
        engine_trips = counter.take() / 100
        counter.trace(floor.conn)
        floor.round(100)
        floor_trips = counter.take() / 100
        schema = SchemaFloor(url, schema_ids)
        floor_s, engine_s, schema_s = best_of(
            args.rounds,
            lambda: floor.round(args.fires),
            lambda: engine_round(engine, ids, states, args.fires),
            lambda: schema.round(args.fires),
        )
        engine.close()
        floor.conn.close()
        schema.conn.close()
    ratio = engine_s / floor_s
    print(f"psycopg floor   : {floor_s * 1e6:8.1f} us per transition, {floor_trips:.1f} round trips")
    schema_ratio = schema_s / floor_s
    print(f"engine's SQL    : {schema_s * 1e6:8.1f} us per transition, 4.0 round trips ({schema_ratio:.1f}x the floor)")
    print(f"engine.fire     : {engine_s * 1e6:8.1f} us per transition, {engine_trips:.1f} round trips")
    print(f"fire_pg_vs_floor = {ratio:.1f}x (target <= 1.5x)")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
