"""Peak RSS of a process that opens an engine on a SQLite file and fires 10,000 transitions.

A first child creates the database (schema, directory, 100 instances), as ``consultflow`` does once; the
measured child is a fresh interpreter that opens that database, as every later process does, and fires.
The baseline is a child that only starts the interpreter and imports sqlite3, measured in the same run.
Prints both, their difference and ratio, and last ``engine_rss_mib = N (target <= 50)``; exits non-zero on
a miss.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent

SETUP_CHILD = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from consultflow.wiring import open_engine
from engine import Person

engine = open_engine(f"sqlite:///{Path(sys.argv[1]) / 'memory.db'}", workflows=Path(sys.argv[3]))
engine.import_people([Person("sec", "Secretariat", "sec@itu.example", "en", ("secretariat",))])
for _ in range(100):
    engine.start("bench_toggle", "sec", {}, now=datetime(2019, 1, 1, tzinfo=UTC))
engine.close()
print(0)
"""

ENGINE_CHILD = """
import sys, resource
from datetime import UTC, datetime
from pathlib import Path
from consultflow.wiring import open_engine

folder, fires = Path(sys.argv[1]), int(sys.argv[2])
now = datetime(2019, 1, 1, tzinfo=UTC)
engine = open_engine(f"sqlite:///{folder / 'memory.db'}", workflows=Path(sys.argv[3]))
ids = [instance.id for instance in engine.list("bench_toggle")]
states = {instance_id: "a" for instance_id in ids}
for i in range(fires):
    instance_id = ids[i % len(ids)]
    trigger = "flip" if states[instance_id] == "a" else "flop"
    states[instance_id] = engine.fire(instance_id, trigger, "sec", now=now).state
engine.close()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

BASELINE_CHILD = """
import resource, sqlite3
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_mib(code: str, *args: str) -> float:
    """The child's peak resident set (ru_maxrss is in KiB on Linux), in MiB."""
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True).stdout
    return int(out.split()[-1]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fires", type=int, default=10_000)
    args = parser.parse_args()
    baseline = peak_mib(BASELINE_CHILD)
    with tempfile.TemporaryDirectory() as tmp:
        child_args = (tmp, str(args.fires), str(HERE / "workflows"))
        peak_mib(SETUP_CHILD, *child_args)
        engine = peak_mib(ENGINE_CHILD, *child_args)
    assert resource.RUSAGE_SELF is not None  # Linux/macOS only: ru_maxrss is what is measured
    print(f"python + sqlite3 baseline : {baseline:6.1f} MiB")
    print(f"engine, {args.fires} fires   : {engine:6.1f} MiB ({engine - baseline:+.1f} MiB, {engine / baseline:.1f}x)")
    print(f"engine_rss_mib = {engine:.0f} (target <= 50)")
    return 0 if engine <= 50 else 1


if __name__ == "__main__":
    sys.exit(main())
