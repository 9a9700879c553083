"""Definitions load when valid and are rejected with file, place and reason when not (one test per case)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.catalogue import SHIPPED, load_catalogue
from engine.errors import DefinitionError
from engine.loader import check_links, parse_definition

NOTICES = {"N01", "R01"}
VALID = """\
name: sample
version: 1
title: {en: Sample, fr: Exemple}
fields:
  start: {type: date, required: true}
  label: {type: text}
  items:
    type: list
    item:
      text: {type: text, required: true}
deadlines:
  soon: start - 3 days
states:
  draft: {initial: true}
  open: {}
  done: {final: true}
start:
  trigger: create
  roles: [secretariat]
  requires: [start]
  sets: [label]
constraints:
  - {field: start, not_before: start}
transitions:
  - trigger: publish
    source: draft
    dest: open
    roles: [secretariat]
    sets: [label]
    notices: [N01]
  - trigger: finish
    source: open
    dest: done
    roles: [chair, system]
    guards: [{after: soon}]
timers:
  - {key: finish, deadline: soon, fire: finish, while: [open]}
  - {key: R01, rule: start - 7 days, notice: R01, while: [open]}
"""


def _parse(text: str) -> object:
    return parse_definition(text, "sample.yaml", NOTICES)


def test_shipped_workflows_load_and_link() -> None:
    """The five shipped workflows (and their notices and body) validate together."""
    catalogue = load_catalogue()
    assert set(catalogue.definitions) == {"meeting_cycle", "topic", "consultation", "action_item", "escalation"}
    assert catalogue.body.calendar.timezone == "Europe/Zurich"


def test_the_valid_sample_loads() -> None:
    """The sample the broken cases start from is itself valid, so each case tests only its own mutation."""
    definition = parse_definition(VALID, "sample.yaml", NOTICES)
    assert definition.initial == "draft" and definition.finals == frozenset({"done"})


BROKEN = [
    ("unknown source state", ("source: open\n", "source: opened\n"), "unknown source state 'opened'"),
    ("unknown destination", ("dest: done\n", "dest: finished\n"), "unknown destination state 'finished'"),
    ("unreachable state", ("  open: {}\n", "  open: {}\n  limbo: {}\n"), "unreachable state(s) from 'draft': limbo"),
    ("no allowed role", ("roles: [chair, system]", "roles: []"), "no role is allowed to fire it"),
    ("unknown role", ("roles: [chair, system]", "roles: [chair, king]"), "unknown role 'king'"),
    ("unknown guard", ("guards: [{after: soon}]", "guards: [quorum]"), "unknown guard 'quorum'"),
    ("guard on unknown deadline", ("guards: [{after: soon}]", "guards: [{after: later}]"), "unknown deadline 'later'"),
    ("unknown field set", ("sets: [label]", "sets: [colour]"), "unknown field 'colour'"),
    ("deadline on unknown field", ("soon: start - 3 days", "soon: opening - 3 days"), "unknown field 'opening'"),
    ("deadline on a text field", ("soon: start - 3 days", "soon: label - 3 days"), "needs a date field"),
    ("unreadable deadline rule", ("soon: start - 3 days", "soon: three days before start"), "cannot read deadline"),
    ("duplicate key", ("  open: {}\n", "  open: {}\n  open: {}\n"), "duplicate key 'open'"),
    ("two initial states", ("  open: {}\n", "  open: {initial: true}\n"), "exactly one state must be initial"),
    ("no final state", ("  done: {final: true}\n", "  done: {}\n"), "at least one state must be final"),
    (
        "duplicate transition",
        (
            "  - trigger: finish\n",
            "  - trigger: publish\n    source: draft\n    dest: open\n    roles: [chair]\n  - trigger: finish\n",
        ),
        "duplicate transition: 'publish' from 'draft'",
    ),
    ("unknown notice", ("notices: [N01]", "notices: [N99]"), "unknown notice 'N99'"),
    ("unknown field type", ("label: {type: text}", "label: {type: colour}"), "unknown type 'colour'"),
    ("enum without values", ("label: {type: text}", "label: {type: enum}"), "needs a list of values"),
    ("timer trigger without system role", ("roles: [chair, system]", "roles: [chair]"), "must allow the role 'system'"),
    (
        "timer in unknown state",
        ("while: [open]}\n  - {key: R01", "while: [shut]}\n  - {key: R01"),
        "unknown state 'shut'",
    ),
    ("missing title", ("title: {en: Sample, fr: Exemple}", "title: {en: Sample}"), "missing the fr title"),
    ("invalid YAML", ("states:\n", "states:\n  [\n"), "not valid YAML"),
    ("unknown top-level key", ("version: 1\n", "version: 1\ncolour: blue\n"), "unknown key(s) ['colour']"),
    ("required field not asked at the start", ("  requires: [start]\n", ""), "required field(s) start must be given"),
    ("constraint on a text field", ("not_before: start}", "not_before: label}"), "not_before must name a date field"),
    ("constraint with an unknown key", ("not_before: start}", "not_after: start}"), "unknown key(s) ['not_after']"),
]


@pytest.mark.parametrize(("case", "change", "reason"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_definition_is_rejected_with_place_and_reason(case: str, change: tuple[str, str], reason: str) -> None:
    """Each kind of mistake is rejected, naming the file and the reason (and the place where there is one)."""
    old, new = change
    assert old in VALID, case
    with pytest.raises(DefinitionError) as rejected:
        _parse(VALID.replace(old, new, 1))
    assert rejected.value.source == "sample.yaml"
    assert reason in str(rejected.value), str(rejected.value)


def test_final_state_with_outgoing_transition_is_rejected() -> None:
    """A final state is final: a transition out of it is a mistake."""
    text = VALID.replace("timers:\n", "  - {trigger: reopen, source: done, dest: open, roles: [chair]}\ntimers:\n")
    with pytest.raises(DefinitionError, match="final state 'done' has outgoing transitions"):
        _parse(text)


def test_non_final_state_without_a_way_out_is_rejected() -> None:
    """A reachable state that is not final and cannot be left is a trap, and is rejected."""
    text = VALID.replace("  open: {}\n", "  open: {}\n  stuck: {}\n").replace(
        "timers:\n", "  - {trigger: jam, source: open, dest: stuck, roles: [chair]}\ntimers:\n"
    )
    with pytest.raises(DefinitionError, match="non-final state 'stuck' has no way out"):
        _parse(text)


def test_roles_that_cannot_see_an_instance_cannot_act_on_it() -> None:
    """With visible_to set, every directory role allowed on a transition must be among those who can see it."""
    text = VALID.replace("version: 1\n", "version: 1\nvisible_to: [secretariat, member_state]\n")
    with pytest.raises(DefinitionError, match=r"finish.roles: role\(s\) chair may fire it but cannot see"):
        _parse(text)
    assert _parse(text.replace("roles: [chair, system]", "roles: [member_state, system]"))


def test_errors_carry_the_line_number() -> None:
    """The place in a message starts with the line of the offending block."""
    with pytest.raises(DefinitionError, match=r"line \d+: transitions\[1\] \(finish\)"):
        _parse(VALID.replace("roles: [chair, system]", "roles: [chair, king]"))


def test_links_to_unknown_workflows_are_rejected() -> None:
    """An effect starting a workflow that does not exist is caught by the cross-file check."""
    catalogue = load_catalogue()
    text = (SHIPPED / "topic.yaml").read_text(encoding="utf-8")
    assert "    roles: [proposer]\n" in text
    text = text.replace(
        "    roles: [proposer]\n", "    roles: [proposer]\n    effects: [{start: poll, fields: {}}]\n", 1
    )
    broken = parse_definition(text, "topic.yaml", catalogue.notices)
    with pytest.raises(DefinitionError, match="starts unknown workflow 'poll'"):
        check_links({**catalogue.definitions, "topic": broken})


def test_two_files_with_one_workflow_name_are_rejected(tmp_path: Path) -> None:
    """Workflow names are unique across the folder."""
    for name in ("notices.yaml", "body.yaml", "topic.yaml"):
        (tmp_path / name).write_text((SHIPPED / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "topic_copy.yaml").write_text((SHIPPED / "topic.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"workflow .topic. is already defined in topic\.yaml"):
        load_catalogue(tmp_path, files=[tmp_path / "topic.yaml", tmp_path / "topic_copy.yaml"])


ONLY_BY_CASES = [
    (
        "roles besides only_by",
        "only_by: {workflow: escalation, via: escalation}}",
        "only_by: {workflow: escalation, via: escalation}, roles: [chair]}",
        "give it no roles",
    ),
    (
        "unknown deciding workflow",
        "{workflow: escalation, via: escalation}}",
        "{workflow: council, via: escalation}}",
        "unknown workflow 'council'",
    ),
    (
        "via not naming this workflow",
        "{workflow: escalation, via: escalation}}",
        "{workflow: escalation, via: meeting}}",
        "'meeting' is neither a ref field of escalation naming a topic nor one of topic naming an escalation",
    ),
    (
        "nothing fires it",
        "dest: not_taken, only_by: {workflow: escalation, via: escalation}}",
        "dest: not_taken, only_by: {workflow: consultation, via: topic}}",
        "no step of consultation fires 'council_not_taken' on its topic",
    ),
]


@pytest.mark.parametrize(("case", "old", "new", "reason"), ONLY_BY_CASES, ids=[c[0] for c in ONLY_BY_CASES])
def test_only_by_is_checked_against_the_deciding_workflow(case: str, old: str, new: str, reason: str) -> None:
    """A decision taken elsewhere names a workflow that exists, refers to this one, and has a step that fires it."""
    catalogue = load_catalogue()
    text = (SHIPPED / "topic.yaml").read_text(encoding="utf-8")
    assert old in text, case

    def load() -> None:
        broken = parse_definition(text.replace(old, new, 1), "topic.yaml", catalogue.notices)
        check_links({**catalogue.definitions, "topic": broken})

    with pytest.raises(DefinitionError, match=re.escape(reason)):
        load()


def test_a_loop_that_never_reaches_a_final_state_is_rejected() -> None:
    """Every state must lead, somehow, to a final one: two states that only lead to each other are a trap."""
    text = VALID.replace("  open: {}\n", "  open: {}\n  ping: {}\n  pong: {}\n").replace(
        "timers:\n",
        "  - {trigger: serve, source: open, dest: ping, roles: [chair]}\n"
        "  - {trigger: back, source: ping, dest: pong, roles: [chair]}\n"
        "  - {trigger: forth, source: pong, dest: ping, roles: [chair]}\ntimers:\n",
    )
    with pytest.raises(DefinitionError, match="no final state can be reached from: ping, pong"):
        _parse(text)


def test_every_shipped_state_can_reach_a_final_state() -> None:
    """No path loses an instance: from each state of each shipped workflow, some final state is reachable."""
    for definition in load_catalogue().definitions.values():
        edges = {s: {s if t.dest == "=" else t.dest for t in definition.triggers_from(s)} for s in definition.states}
        for state in definition.states:
            seen, todo = {state}, [state]
            while todo:
                for nxt in edges[todo.pop()] - seen:
                    seen.add(nxt)
                    todo.append(nxt)
            assert seen & definition.finals, f"{definition.name}: {state} never ends"


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            "{not_before_day: meeting.start}",
            "{not_before_day: meeting.begin}",
            "'begin' is not a field of meeting_cycle",
        ),
        (
            "{not_before_day: meeting.start}",
            "{not_before_day: topic_x.start}",
            "'topic_x' in 'topic_x.start' is not a ref",
        ),
        ("{not_before_day: oc_date}", "{present: meeting.start}", "guard 'present' reads this instance's fields only"),
    ],
)
def test_a_guard_reading_a_referenced_instance_names_a_ref_and_a_field_of_its_workflow(
    old: str, new: str, reason: str
) -> None:
    catalogue = load_catalogue()
    text = (SHIPPED / "consultation.yaml").read_text(encoding="utf-8")
    assert old in text

    def load() -> None:
        broken = parse_definition(text.replace(old, new, 1), "consultation.yaml", catalogue.notices)
        check_links({**catalogue.definitions, "consultation": broken})

    with pytest.raises(DefinitionError, match=re.escape(reason)):
        load()


def test_a_guard_on_a_referenced_instances_state_names_its_states() -> None:
    catalogue = load_catalogue()
    text = (SHIPPED / "topic.yaml").read_text(encoding="utf-8")
    old = "{field_in: {field: meeting.state, values: [in_session]}}"
    assert old in text
    broken = parse_definition(
        text.replace(old, "{field_in: {field: meeting.state, values: [in_sesion]}}", 1), "topic.yaml", catalogue.notices
    )
    with pytest.raises(DefinitionError, match=r"\['in_sesion'\] are not states of meeting_cycle"):
        check_links({**catalogue.definitions, "topic": broken})
