"""People kept in memory between transactions (storage.directory_cache) never outlive a change to the
directory: one made by another process, one rolled back, or one made earlier in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from engine import Engine, Person
from engine.errors import RoleNotAllowed
from tests.conftest import at
from tests.scenario import MEETING_FIELDS, convene

CONTRIBUTION_DAY = at("2019-01-05")


def _contribute(engine: Engine, meeting_id: str, title: str) -> dict[str, object]:
    """Submit a contribution as ms.fr; the item the meeting records for it."""
    after = engine.fire(meeting_id, "submit_contribution", "ms.fr", {"title": title}, now=CONTRIBUTION_DAY)
    items = after.fields["contributions"]
    assert isinstance(items, list)
    item = items[-1]
    assert isinstance(item, dict)
    return item


def test_a_change_made_by_another_process_is_seen_on_the_next_step(make_engine: Callable[..., Engine]) -> None:
    """An engine that has read a person acts on that person's new entry as soon as another engine's change
    commits: the new Member State is recorded, and a role taken away refuses the step."""
    writer, other = make_engine(), make_engine()  # two engines on one database: each keeps its own cache
    meeting_id = convene(writer).meeting.id
    assert _contribute(other, meeting_id, "first")["member_state"] == "France"
    france = other.person("ms.fr")
    writer.import_people([replace(france, member_state="Monaco")])
    assert _contribute(other, meeting_id, "second")["member_state"] == "Monaco"
    writer.import_people([replace(france, roles=("stakeholder",))])
    with pytest.raises(RoleNotAllowed):
        _contribute(other, meeting_id, "third")


def test_a_rolled_back_change_leaves_no_trace(make_engine: Callable[..., Engine]) -> None:
    """A transaction sees its own change to the directory; once it rolls back, nobody does, even after
    another process's change brings the directory to the version the rolled-back one had taken."""
    engine, other = make_engine(), make_engine()
    france = engine.person("ms.fr")

    def change_then_fail() -> None:
        with engine.storage.write() as unit:
            unit.records.upsert_people([replace(france, name="Not Jeanne")])
            changed = unit.records.person("ms.fr")
            assert changed is not None and changed.name == "Not Jeanne"
            assert "Not Jeanne" in {p.name for p in unit.records.people()}
            raise RuntimeError("undo")

    with pytest.raises(RuntimeError, match="undo"):
        change_then_fail()
    other.import_people([replace(france, email="jeanne.dupont@new.example")])
    assert engine.person("ms.fr") == replace(france, email="jeanne.dupont@new.example")
    assert "Not Jeanne" not in {p.name for p in engine.people()}


def test_notices_reach_people_added_by_another_process(make_engine: Callable[..., Engine]) -> None:
    """The recipients of a notice are read from the directory as it is when the step is taken, not as this
    engine last saw it."""
    writer, other = make_engine(), make_engine()
    convene(other)  # the invitation went to the Member States then in the directory
    newcomer = Person("ms.mc", "Anne Rossi", "anne.rossi@gouv.example", "fr", ("member_state",), "Monaco", None)
    writer.import_people([newcomer])
    meeting = other.start("meeting_cycle", "sec.alice", {**MEETING_FIELDS, "number": 13}, now=at("2018-12-01"))
    fields = {"letter_ref": "DM-18/1001", "council_session": "Council 2019", "council_opening": "2019-06-10"}
    other.fire(meeting.id, "send_invitation", "sec.alice", fields, now=at("2018-12-21"))
    invited = {m.recipient_id for m in other.outbox(instance_id=meeting.id) if m.notice == "N01"}
    assert "ms.mc" in invited and "ms.fr" in invited
