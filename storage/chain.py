"""The audit hash chain: how one audit row's content and its predecessor's hash make the row's hash.

Pure functions, no database: the hot path uses them to write a row, ``storage.audit_trail`` to check rows
and exported files, and migration 0005 to back-fill rows written before the chain existed. Changing the
serialisation changes every hash: it would need a new format tag and a migration that re-chains.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

FORMAT = "consultflow-audit-v1"
"""Hashed in front of every row, so that a later serialisation can never collide with this one."""
# Built once: json.dumps with options builds a new encoder on every call, a third of the hashing's cost.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)
GENESIS = "0" * 64
"""The previous hash of an instance's first audit row (and the start of the database-wide fold)."""


@dataclass(frozen=True)
class ChainedRow:
    """An audit row as the chain sees it: its content, the hash it points back to and its own hash."""

    id: int
    instance_id: str
    at: datetime
    actor: str
    role: str
    member_state: str | None
    trigger: str
    from_state: str | None
    to_state: str
    note: str | None
    changes: Mapping[str, Any]
    caused_by: int | None
    version: int
    prev_hash: str | None
    hash: str | None

    def recomputed(self) -> str:
        """The hash this row's content and its stored ``prev_hash`` give."""
        return row_hash(
            self.prev_hash or "",
            self.instance_id,
            self.at,
            self.actor,
            self.role,
            self.member_state,
            self.trigger,
            self.from_state,
            self.to_state,
            self.note,
            self.changes,
            self.caused_by,
            self.version,
        )


def utc_text(at: datetime) -> str:
    """An instant as the chain writes it: UTC, ISO 8601, microseconds (what both databases keep)."""
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at.isoformat()} cannot be stored")
    return (at if at.tzinfo is UTC else at.astimezone(UTC)).isoformat(timespec="microseconds")


def row_hash(
    prev_hash: str,
    instance_id: str,
    at: datetime,
    actor: str,
    role: str,
    member_state: str | None,
    trigger: str,
    from_state: str | None,
    to_state: str,
    note: str | None,
    changes: Mapping[str, Any],
    caused_by: int | None,
    version: int,
) -> str:
    """SHA-256 (hex) of the previous row's hash, a newline, and the row's canonical content: one JSON array,
    keys sorted, no spaces, ASCII only (a lone surrogate that SQLite kept still serialises, and no Unicode
    normalisation can differ between writer and checker)."""
    content = [FORMAT, instance_id, utc_text(at), actor, role, member_state, trigger, from_state, to_state, note]
    body = _ENCODER.encode([*content, changes, caused_by, version]).encode("ascii")
    # A stored hash someone replaced with other text must still hash (to a mismatch), never raise.
    return hashlib.sha256(prev_hash.encode("utf-8", "backslashreplace") + b"\n" + body).hexdigest()


def fold(head: str, audit_id: int, hash_: str) -> str:
    """One step of the database-wide chain: every row's hash in audit id order, folded into one value."""
    return hashlib.sha256(f"{head}:{audit_id}:{hash_}".encode("utf-8", "backslashreplace")).hexdigest()
