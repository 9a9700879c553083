"""The directory kept in memory between transactions, for as long as its version in the database holds.

Every change to the directory moves ``directory_version`` in its own transaction (``Store.upsert_people``),
and a step reads that version with its instance, in the same statement. People read under one version are
kept under it; a transaction that sees another version drops them all and reads again. A transaction that
changed the directory itself reads around the cache: what it sees is not committed yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from engine.records import Person


@dataclass
class _Snapshot:
    version: int
    people: dict[str, Person | None] = field(default_factory=dict)
    everyone: list[Person] | None = None


class DirectoryCache:
    """People by id (and the whole directory) as of one directory version, shared by the transactions of one
    process on one database. Safe across threads: a new version replaces the snapshot instead of clearing it,
    so a reader holding the old one never sees it half emptied."""

    def __init__(self) -> None:
        self._snapshot = _Snapshot(version=-1)

    def _at(self, version: int) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot.version != version:
            snapshot = self._snapshot = _Snapshot(version)
        return snapshot

    def person(self, version: int, person_id: str, read: Callable[[], Person | None]) -> Person | None:
        people = self._at(version).people
        if person_id in people:
            return people[person_id]
        found = people[person_id] = read()
        return found

    def people(self, version: int, read: Callable[[], list[Person]]) -> list[Person]:
        snapshot = self._at(version)
        if snapshot.everyone is None:
            snapshot.everyone = read()
            snapshot.people.update((p.id, p) for p in snapshot.everyone)
        return list(snapshot.everyone)
