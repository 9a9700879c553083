"""The views the Member States expressed on a topic: each one's latest position, grouped.

A Member State may state and change its position while the Group considers the topic (``state_position``,
or ``record_position`` by the secretariat in session); each change is an appended item, so the whole
history stays in the record and the audit. The summary counts the latest position of each Member State:
it is what ``show``, the desk and the Chair's report give as "the views expressed"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from engine.fields import list_items

POSITION_ORDER = ("support", "prefer_other", "reserve", "object")


@dataclass(frozen=True)
class StatedPosition:
    """A Member State's latest position on a topic."""

    member_state: str
    position: str
    other_option: str | None = None  # the topic preferred instead (an instance id)
    statement: str | None = None
    at: str | None = None


@dataclass(frozen=True)
class Views:
    """The latest position of every Member State that stated one, in the order positions are reported."""

    positions: tuple[StatedPosition, ...] = ()
    by_position: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # position -> Member States

    def __bool__(self) -> bool:
        return bool(self.positions)


def latest_positions(items: Sequence[Mapping[str, object]] | object) -> Views:
    """Each Member State's latest position (a later item replaces an earlier one), sorted by position, then
    by Member State name."""
    latest: dict[str, StatedPosition] = {}
    for item in list_items(items):
        member_state = item.get("member_state")
        position = item.get("position")
        if not isinstance(member_state, str) or not member_state or not isinstance(position, str):
            continue
        other, statement, at = item.get("other_option"), item.get("statement"), item.get("at")
        latest[member_state] = StatedPosition(
            member_state,
            position,
            other if isinstance(other, str) and other else None,
            statement if isinstance(statement, str) and statement else None,
            at if isinstance(at, str) else None,
        )
    rank = {p: i for i, p in enumerate(POSITION_ORDER)}
    ordered = sorted(latest.values(), key=lambda p: (rank.get(p.position, len(rank)), p.member_state.casefold()))
    grouped: dict[str, tuple[str, ...]] = {}
    for stated in ordered:
        grouped[stated.position] = (*grouped.get(stated.position, ()), stated.member_state)
    return Views(tuple(ordered), grouped)
