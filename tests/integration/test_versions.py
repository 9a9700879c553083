"""Running instances keep the definition version they started with; a changed file needs a new version."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from engine import Engine
from engine.catalogue import SHIPPED
from engine.errors import DefinitionChanged, UnknownTrigger
from tests.conftest import at

MEETING = {"number": 12, "start": "2019-02-01", "end": "2019-02-01", "venue": "Geneva"}
EXTRA = """
  - trigger: hold_briefing
    source: convened
    dest: "="
    roles: [secretariat]
"""


def _changed_copy(tmp_path: Path, version: int) -> Path:
    folder = tmp_path / f"workflows-v{version}"
    shutil.copytree(SHIPPED, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__", "scenarios"))
    path = folder / "meeting_cycle.yaml"
    text = path.read_text(encoding="utf-8").replace("version: 1\n", f"version: {version}\n", 1)
    text = text.replace("\ntimers:\n", EXTRA + "\ntimers:\n", 1)
    path.write_text(text, encoding="utf-8")
    return folder


def test_running_instances_keep_their_version_after_the_yaml_changes(
    make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    """An instance started on v1 keeps v1's triggers; a new start uses v2; `workflows list` data shows both."""
    old_engine = make_engine()
    old = old_engine.start("meeting_cycle", "sec.alice", MEETING, now=at("2018-12-01"))
    old = old_engine.fire(old.id, "send_invitation", "sec.alice", {"letter_ref": "DM-1"}, now=at("2018-12-21"))

    new_engine = make_engine(workflows=_changed_copy(tmp_path, 2))
    with pytest.raises(UnknownTrigger, match="hold_briefing"):
        new_engine.fire(old.id, "hold_briefing", "sec.alice", now=at("2018-12-22"))
    assert new_engine.get(old.id).definition_version == 1
    assert new_engine.definition_of(old.id).version == 1

    fresh = new_engine.start("meeting_cycle", "sec.alice", MEETING, now=at("2018-12-01"))
    fresh = new_engine.fire(fresh.id, "send_invitation", "sec.alice", {"letter_ref": "DM-2"}, now=at("2018-12-21"))
    assert new_engine.fire(fresh.id, "hold_briefing", "sec.alice", now=at("2018-12-22")).definition_version == 2
    in_use = {(name, version): count for name, version, _, count in new_engine.definitions_in_use()}
    assert in_use[("meeting_cycle", 1)] == 1 and in_use[("meeting_cycle", 2)] == 1


def test_changing_a_file_without_a_new_version_is_refused(make_engine: Callable[..., Engine], tmp_path: Path) -> None:
    """A definition whose content changed under the same version cannot start instances: it says what to do."""
    make_engine().start("meeting_cycle", "sec.alice", MEETING, now=at("2018-12-01"))
    changed = make_engine(workflows=_changed_copy(tmp_path, 1))
    with pytest.raises(DefinitionChanged, match="give it version 2"):
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
    assert (second.definition_version, second.definition_hash) == (1, first.definition_hash)
    assert [(n, v) for n, v, _, _ in commented.definitions_in_use() if n == "meeting_cycle"] == [("meeting_cycle", 1)]
