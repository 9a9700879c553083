"""Checking the audit chain: every row against its content and its predecessor, every instance against its
head, and the database-wide head (a fold of every row's hash in id order) against one exported earlier.

The check itself (``check``) is pure and works on rows from the database or from an exported file; the
reads below give it the rows of one consistent snapshot. See docs/audit.md for what this proves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, func, select, text

from engine.errors import ConsultflowError
from storage.chain import GENESIS, ChainedRow, fold
from storage.repository import AUDIT, INSTANCE

MAX_BREAKS = 100
"""Breaks listed at most: a rewritten table would otherwise print one line per row."""


@dataclass(frozen=True)
class Break:
    """One place where the stored trail does not match what was written."""

    instance_id: str
    audit_id: int | None
    what: str

    def __str__(self) -> str:
        if self.audit_id is None:
            return f"instance {self.instance_id}: {self.what}"
        return f"audit row {self.audit_id} of {self.instance_id}: {self.what}"


@dataclass(frozen=True)
class Head:
    """The database-wide chain head: the fold of every row's hash up to ``last_id`` (0 for no rows)."""

    last_id: int
    rows: int
    digest: str

    @property
    def token(self) -> str:
        """What ``audit head`` prints and ``audit verify --head`` takes back: ``LAST_ID:DIGEST``."""
        return f"{self.last_id}:{self.digest}"


def parse_head(token: str) -> tuple[int, str]:
    """``LAST_ID:DIGEST`` as printed by ``consultflow audit head``; anything else is refused in one sentence."""
    last, sep, digest = token.strip().partition(":")
    digest = digest.lower()
    if not sep or not last.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ConsultflowError(
            f"--head expects LAST_ID:SHA256 as `consultflow audit head` prints it, got {token[:100]!r}"
        )
    return int(last), digest


@dataclass
class Verdict:
    """What a check found: the rows and instances it saw, the breaks, the head it computed."""

    rows: int = 0
    instances: int = 0
    breaks: list[Break] = field(default_factory=list)
    more_breaks: int = 0
    head: Head = field(default_factory=lambda: Head(0, 0, GENESIS))

    @property
    def ok(self) -> bool:
        return not self.breaks

    def add(self, found: Break) -> None:
        if len(self.breaks) < MAX_BREAKS:
            self.breaks.append(found)
        else:
            self.more_breaks += 1


def check(
    rows: Iterable[ChainedRow],
    heads: Mapping[str, str | None] | None = None,
    expected_head: tuple[int, str] | None = None,
) -> Verdict:
    """Check ``rows`` (in audit id order): each row's hash against its content, each row's link against the
    row before it of its instance; with ``heads`` (instance id -> stored chain head) each instance's last row
    against its head; with ``expected_head`` the database-wide fold up to that id against the digest."""
    verdict = Verdict()
    last: dict[str, tuple[int, str]] = {}  # instance id -> (id, hash) of its newest row so far
    digest, count, last_id = GENESIS, 0, 0
    at_expected: str | None = GENESIS if expected_head is not None and expected_head[0] == 0 else None
    for row in rows:
        stored = row.hash or ""
        before = last.get(row.instance_id)
        problem = None
        if row.recomputed() != stored:
            problem = "hash does not match its content (changed after it was written)"
        elif before is None and row.prev_hash != GENESIS:
            problem = "the rows before it are missing (it does not start its chain)"
        elif before is not None and row.prev_hash != before[1]:
            problem = f"a row before it is missing (it does not follow row {before[0]})"
        if problem is not None:
            verdict.add(Break(row.instance_id, row.id, problem))
        last[row.instance_id] = (row.id, stored)
        digest, count, last_id = fold(digest, row.id, stored), count + 1, row.id
        if expected_head is not None and row.id <= expected_head[0]:
            at_expected = digest
    verdict.rows, verdict.instances = count, len(last)
    verdict.head = Head(last_id, count, digest)
    if heads is not None:
        _check_heads(verdict, last, heads)
    if expected_head is not None and at_expected != expected_head[1]:
        verdict.add(
            Break(
                "(all)",
                None,
                f"the database-wide head at row {expected_head[0]} is not the one given: rows up to it were "
                "changed, removed or re-chained since that head was taken",
            )
        )
    return verdict


def _check_heads(verdict: Verdict, last: Mapping[str, tuple[int, str]], heads: Mapping[str, str | None]) -> None:
    for instance_id, newest in last.items():
        if instance_id not in heads:
            verdict.add(Break(instance_id, newest[0], "its instance row is missing"))
        elif heads[instance_id] != newest[1]:
            verdict.add(
                Break(instance_id, newest[0], "a row after it is missing (the instance's chain head is not this row)")
            )
    for instance_id, head in heads.items():
        if head is not None and instance_id not in last:
            verdict.add(Break(instance_id, None, "all its audit rows are missing (its chain head names a row)"))


# -- reads ------------------------------------------------------------------------------------------------


def _chained(r: Row[Any]) -> ChainedRow:
    values = r._mapping
    return ChainedRow(**{name: values[name] for name in ChainedRow.__dataclass_fields__})


def rows(conn: Connection, instance_id: str | None = None, up_to: int | None = None) -> Iterator[ChainedRow]:
    """The audit rows in id order (of one instance, or up to an id), streamed."""
    query = select(AUDIT).order_by(AUDIT.c.id)
    if instance_id is not None:
        query = query.where(AUDIT.c.instance_id == instance_id)
    if up_to is not None:
        query = query.where(AUDIT.c.id <= up_to)
    for r in conn.execution_options(yield_per=2000).execute(query):
        yield _chained(r)


def instance_heads(conn: Connection) -> dict[str, str | None]:
    """Every instance's stored chain head (None before its first audit row)."""
    return {r.id: r.audit_hash for r in conn.execute(select(INSTANCE.c.id, INSTANCE.c.audit_hash))}


def instance_exists(conn: Connection, instance_id: str) -> bool:
    return conn.execute(select(INSTANCE.c.id).where(INSTANCE.c.id == instance_id)).first() is not None


def settled_last_id(conn: Connection) -> int:
    """The newest audit id below which no row can still appear, on a write transaction.

    On PostgreSQL a writer that drew an id may commit after one that drew a later id; a SHARE lock waits
    for every transaction that inserted audit rows to end (and holds new ones back only until this
    transaction ends, so the caller commits at once). On SQLite writers are serial: the newest committed
    id is already settled.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE audit IN SHARE MODE"))
    return int(conn.execute(select(func.coalesce(func.max(AUDIT.c.id), 0))).scalar_one())
