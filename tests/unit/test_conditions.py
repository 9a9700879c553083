"""The condition language of `when:` and `where:`: what it means, and what it refuses when a file loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.catalogue import SHIPPED, load_catalogue
from engine.conditions import ConditionError, parse_condition
from engine.definition import FieldSpec
from engine.errors import DefinitionError

SCHEMA = {
    "outcome": FieldSpec("outcome", "enum", values=("topic_decided", "referred_back")),
    "order": FieldSpec("order", "int"),
    "urgent": FieldSpec("urgent", "bool"),
    "title": FieldSpec("title", "text"),
    "items": FieldSpec("items", "list"),
}


@pytest.mark.parametrize(
    ("raw", "values", "holds"),
    [
        ({}, {}, True),
        ({"outcome": "topic_decided"}, {"outcome": "topic_decided"}, True),
        ({"outcome": "topic_decided"}, {"outcome": "referred_back"}, False),
        ({"outcome": ["topic_decided", "referred_back"]}, {"outcome": "referred_back"}, True),
        ({"outcome": ["topic_decided"]}, {}, False),
        ({"has": "title"}, {"title": "T"}, True),
        ({"has": "title"}, {"title": ""}, False),
        ({"has": ["title", "items"]}, {"title": "T", "items": []}, False),
        ({"order": 2, "urgent": True}, {"order": 2, "urgent": True}, True),
        ({"order": None}, {}, True),
    ],
)
def test_a_condition_holds_when_every_entry_does(
    raw: dict[str, object], values: dict[str, object], holds: bool
) -> None:
    assert parse_condition(raw, SCHEMA).holds(values) is holds


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({"outcom": "topic_decided"}, "unknown field 'outcom'"),
        ({"has": "titel"}, "unknown field 'titel'"),
        ({"outcome": "topic_decidd"}, "'topic_decidd' is not a value of outcome"),
        ({"outcome": ["topic_decided", "refered_back"]}, "'refered_back' is not a value of outcome"),
        ({"order": "2"}, "order is a whole number"),
        ({"urgent": "yes"}, "urgent is yes/no"),
        ({"title": 3}, "title is text"),
        ({"items": "x"}, "only 'has: items' can test it"),
        ({"outcome": []}, "lists no values"),
        ({"outcome": {"in": ["a"]}}, "a value or a list of values"),
    ],
)
def test_a_condition_that_cannot_mean_anything_is_refused(raw: dict[str, object], reason: str) -> None:
    with pytest.raises(ConditionError, match=reason):
        parse_condition(raw, SCHEMA)


def _copy_with(tmp_path: Path, file: str, old: str, new: str) -> Path:
    for path in SHIPPED.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if path.name == file:
            assert old in text, f"{old!r} not in {file}"
            text = text.replace(old, new, 1)
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    return tmp_path


TYPOS = [
    ("escalation.yaml", "where: {outcome: decided}", "where: {outcom: decided}", "unknown field 'outcom'"),
    (
        "escalation.yaml",
        "where: {outcome: decided}",
        "where: {outcome: decidd}",
        "'decidd' is not a value of outcome",
    ),
    (
        "meeting_cycle.yaml",
        "where: {has: action_owner_kind}",
        "where: {has: action_ownr}",
        "unknown field 'action_ownr'",
    ),
    (
        "action_item.yaml",
        "{when: {owner_kind: chair}, role: chair}",
        "{when: {owner_knd: chair}, role: chair}",
        "unknown field 'owner_knd'",
    ),
    (
        "action_item.yaml",
        "when: {owner_kind: all_member_states}}",
        "when: {owner_kind: all_states}}",
        "'all_states' is not a value of owner_kind",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "reason"), TYPOS, ids=[t[3] for t in TYPOS])
def test_a_typo_in_a_shipped_condition_fails_the_load_with_file_and_line(
    tmp_path: Path, file: str, old: str, new: str, reason: str
) -> None:
    folder = _copy_with(tmp_path, file, old, new)
    with pytest.raises(DefinitionError) as refused:
        load_catalogue(folder)
    message = str(refused.value)
    assert message.startswith(f"{file}: line ") and reason in message, message


def test_a_linked_where_is_checked_against_the_linked_workflow(tmp_path: Path) -> None:
    """`where:` of a `linked` effect names fields of the linked workflow: checked when the folder is linked."""
    old = "linked: {workflow: topic, via: meeting, state: not_agreed}"
    folder = _copy_with(tmp_path, "meeting_cycle.yaml", old, old + "\n        where: {proposed_bye: France}")
    with pytest.raises(
        DefinitionError, match=r"meeting_cycle\.yaml: line \d+: .*unknown field 'proposed_bye'.* of topic"
    ):
        load_catalogue(folder)
