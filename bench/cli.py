"""How fast the CLI starts: `consultflow --help` against `python -c "import typer"`, and `consultflow show ID`
against `python -c "import sqlmodel"`, each the median of ``--runs`` fresh processes, measured in one run.

Prints both pairs and their ratios; the last line is ``cli_help_vs_typer = X.Xx (target <= 4x)``. Exits
non-zero when a target is missed (``show`` against ``import sqlmodel``: target <= 2x).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
CLI = str(Path(PYTHON).parent / "consultflow")


def median_seconds(command: list[str], runs: int) -> float:
    """The median wall time of ``runs`` fresh processes (one warm-up run first, for the file cache)."""
    subprocess.run(command, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        db = f"sqlite:///{Path(folder) / 'cli.db'}"
        created = subprocess.run(
            [CLI, "--db", db, "--json", "start", "meeting_cycle", "--as", "sec", "--set", "number=1",
             "--set", "start=2030-01-10", "--set", "end=2030-01-10", "--set", "venue=Geneva"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if created.returncode != 0:  # no directory yet: import one person, then start
            people = Path(folder) / "people.csv"
            people.write_text(
                "id,name,email,language,roles,member_state,organisation\nsec,Sec,sec@itu.example,en,secretariat,,\n"
            )
            subprocess.run([CLI, "--db", db, "people", "import", str(people)], capture_output=True, check=True)
            created = subprocess.run(created.args, capture_output=True, text=True, check=True)
        instance = created.stdout.split('"id": "', 1)[1].split('"', 1)[0]
        typer_s = median_seconds([PYTHON, "-c", "import typer"], runs)
        help_s = median_seconds([CLI, "--help"], runs)
        sqlmodel_s = median_seconds([PYTHON, "-c", "import sqlmodel"], runs)
        show_s = median_seconds([CLI, "--db", db, "show", instance], runs)
    help_ratio, show_ratio = help_s / typer_s, show_s / sqlmodel_s
    print(f"import typer          {typer_s * 1000:7.0f} ms")
    print(f"consultflow --help    {help_s * 1000:7.0f} ms   {help_ratio:.1f}x")
    print(f"import sqlmodel       {sqlmodel_s * 1000:7.0f} ms")
    print(f"consultflow show ID   {show_s * 1000:7.0f} ms   {show_ratio:.1f}x (target <= 2x)")
    print(f"cli_help_vs_typer = {help_ratio:.1f}x (target <= 4x)")
    return 0 if help_ratio <= 4 and show_ratio <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
