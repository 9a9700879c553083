"""What every command shares: global options, the engine they open, how results are printed."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.console import Console

from consultflow.defaults import DATABASE_ENV, DEFAULT_URL, WORKFLOWS_ENV
from engine.errors import ConsultflowError

if TYPE_CHECKING:  # the service (catalogue, calendars) loads with the first command that opens an engine
    from engine.service import Engine


@dataclass
class Options:
    """The global options, read once at the edge (the only place environment variables are read)."""

    db: str = DEFAULT_URL
    json: bool = False
    debug: bool = False
    workflows: Path | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, db: str | None, as_json: bool, debug: bool, workflows: Path | None) -> Options:
        env_workflows = os.environ.get(WORKFLOWS_ENV)
        return cls(
            db=db or os.environ.get(DATABASE_ENV) or DEFAULT_URL,
            json=as_json,
            debug=debug,
            workflows=workflows or (Path(env_workflows) if env_workflows else None),
        )

    def engine(self) -> Engine:
        if self._engine is None:
            # Storage (SQLAlchemy, Alembic) loads when a command first needs the database, not for --help.
            from consultflow.wiring import open_engine

            self._engine = open_engine(self.db, workflows=self.workflows)
        return self._engine


MAX_ROW_ID = 2**63 - 1
"""The largest id or version a database column holds (a larger one is a usage error, not a driver overflow)."""
MAX_DAYS = 3660
"""The widest window, in days, that `upcoming` looks ahead or back (ten years)."""
MIN_YEAR, MAX_YEAR = 1900, 2999
"""The years `--now` may name (a date near year 1 or 9999 overflows once deadlines are added to it)."""
MAX_ROWS = 1_000_000
"""The most rows one `--limit` or `--batch` may ask for."""

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


def plain(value: Any) -> Any:
    """JSON-ready form of records, dates and mappings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: plain(getattr(value, k)) for k in value.__dataclass_fields__}
    return value


def print_json(value: Any) -> None:
    console.print_json(json.dumps(plain(value), ensure_ascii=False))


def parse_sets(pairs: list[str] | None) -> dict[str, str]:
    """``--set NAME=VALUE`` pairs; a pair without '=' is a usage error stated in one line."""
    values: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ConsultflowError(f"--set expects NAME=VALUE, got {pair!r}")
        values[name.strip()] = value
    return values


def parse_when(text: str | None, zone: ZoneInfo) -> datetime | None:
    """``--now``: an ISO date or date-time; without an offset it is read in the body's time zone."""
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ConsultflowError(f"--now expects an ISO date or date-time, got {text!r}") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:  # deadlines and windows are computed years around it
        raise ConsultflowError(f"--now must be between the years {MIN_YEAR} and {MAX_YEAR}, got {text!r}")
    if len(text) == 10:  # a bare date means the start of that local day
        parsed = datetime.combine(parsed.date(), time(0))
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


def local(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
