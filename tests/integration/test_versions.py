"""Running instances keep the definition version they started with; a changed file needs a new version."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from engine import Engine
from engine.catalogue import SHIPPED, load_catalogue
from engine.errors import DefinitionChanged, UnknownTrigger
from storage.repository import Store
from storage.unit import database_of
from tests.conftest import at

SHIPPED_VERSION = load_catalogue().definition("meeting_cycle").version
MEETING = {"number": 12, "start": "2019-02-01", "end": "2019-02-01", "venue": "Geneva"}
EXTRA = """
  - trigger: hold_briefing
    source: convened
    dest: "="
    roles: [secretariat]
"""


def _changed_copy(tmp_path: Path, version: int) -> Path:
    """The shipped folder with a new trigger in meeting_cycle, which says ``version``."""
    folder = tmp_path / f"workflows-v{version}"
    shutil.copytree(SHIPPED, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__", "scenarios"))
    path = folder / "meeting_cycle.yaml"
    text = path.read_text(encoding="utf-8").replace(f"version: {SHIPPED_VERSION}\n", f"version: {version}\n", 1)
    text = text.replace("\ntimers:\n", EXTRA + "\ntimers:\n", 1)
    path.write_text(text, encoding="utf-8")
    return folder


def test_running_instances_keep_their_version_after_the_yaml_changes(
    make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    """An instance started on vN keeps vN's triggers; a new start uses vN+1; `workflows list` data shows both."""
    v, next_v = SHIPPED_VERSION, SHIPPED_VERSION + 1
    old_engine = make_engine()
    old = old_engine.start("meeting_cycle", "sec.alice", MEETING, now=at("2018-12-01"))
    old = old_engine.fire(old.id, "send_invitation", "sec.alice", {"letter_ref": "DM-1"}, now=at("2018-12-21"))

    new_engine = make_engine(workflows=_changed_copy(tmp_path, next_v))
    with pytest.raises(UnknownTrigger, match="hold_briefing"):
        new_engine.fire(old.id, "hold_briefing", "sec.alice", now=at("2018-12-22"))
    assert new_engine.get(old.id).definition_version == v
    assert new_engine.definition_of(old.id).version == v

    fresh = new_engine.start("meeting_cycle", "sec.alice", MEETING, now=at("2018-12-01"))
    fresh = new_engine.fire(fresh.id, "send_invitation", "sec.alice", {"letter_ref": "DM-2"}, now=at("2018-12-21"))
    assert new_engine.fire(fresh.id, "hold_briefing", "sec.alice", now=at("2018-12-22")).definition_version == next_v
    in_use = {(name, version): count for name, version, _, count in new_engine.definitions_in_use()}
    assert in_use[("meeting_cycle", v)] == 1 and in_use[("meeting_cycle", next_v)] == 1


def test_changing_a_file_without_a_new_version_is_refused(make_engine: Callable[..., Engine], tmp_path: Path) -> None:
    """A definition whose content changed under the same version cannot start instances: it says what to do."""
    make_engine().start("meeting_cycle", "sec.alice", MEETING, now=at("2018-12-01"))
    changed = make_engine(workflows=_changed_copy(tmp_path, SHIPPED_VERSION))
    with pytest.raises(DefinitionChanged, match=f"give it version {SHIPPED_VERSION + 1}"):
        changed.start("meeting_cycle", "sec.alice", MEETING, now=at("2018-12-01"))


def test_a_comment_only_change_is_not_a_new_version(make_engine: Callable[..., Engine], tmp_path: Path) -> None:
    """Comments and layout are not the definition: the same version starts instances, on the text stored first."""
    first = make_engine().start("meeting_cycle", "sec.alice", MEETING, now=at("2018-12-01"))
    folder = tmp_path / "commented"
    shutil.copytree(SHIPPED, folder)
    path = folder / "meeting_cycle.yaml"
    path.write_text(
        "# A note for the next reader, nothing more.\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8"
    )
    commented = make_engine(workflows=folder)
    second = commented.start("meeting_cycle", "sec.alice", MEETING, now=at("2018-12-01"))
    assert (second.definition_version, second.definition_hash) == (SHIPPED_VERSION, first.definition_hash)
    in_use = [(n, v) for n, v, _, _ in commented.definitions_in_use() if n == "meeting_cycle"]
    assert in_use == [("meeting_cycle", SHIPPED_VERSION)]


def test_instances_of_a_version_stored_before_starts_declared_their_fields_still_run(
    make_engine: Callable[..., Engine],
) -> None:
    """A database from before this rule holds definitions whose start lists no fields: they load and run."""
    engine = make_engine()
    text = (SHIPPED / "meeting_cycle.yaml").read_text(encoding="utf-8")
    old = text.replace("  requires: [number, start, end, venue]\n  sets: [council_session, council_opening]\n", "")
    old = old.replace(f"version: {SHIPPED_VERSION}\n", "version: 1\n", 1)
    assert old != text
    with database_of(engine.storage).write() as conn:
        store = Store(conn)
        row = store.register_definition("meeting_cycle", 1, "old-hash", "meeting_cycle.yaml", old, at("2018-11-01"))
        store.insert_instance("meeting_cycle-0ld", "meeting_cycle", row, "planned", MEETING, at("2018-11-01"))
    fired = engine.fire(
        "meeting_cycle-0ld", "send_invitation", "sec.alice", {"letter_ref": "DM-0"}, now=at("2018-12-21")
    )
    assert (fired.state, fired.definition_version) == ("convened", 1)
