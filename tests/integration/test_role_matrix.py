"""Every (role, trigger) pair is checked, generated from the shipped definitions rather than listed by hand."""

from __future__ import annotations

from engine import Engine
from engine.errors import ConsultflowError, DecidedElsewhere, RoleNotAllowed
from engine.records import AuditDraft
from engine.roles import DIRECTORY_ROLES, SYSTEM_ACTOR
from storage.repository import Store
from storage.unit import database_of
from tests.conftest import at

# One person per directory role, holding that role only (see tests/fixtures/people.csv). None of them is the
# proposer of the topic (France) or the owner of the action item (a Member State nobody represents).
PERSON_FOR_ROLE = {
    "secretariat": "sec.alice",
    "chair": "chair",
    "vice_chair": "vc.amina",
    "member_state": "ms.ru",
    "stakeholder": "sh.isoc",
    "council": "council.rec",
}


def _force_state(engine: Engine, instance_id: str, state: str) -> None:
    """Test set-up: put an instance in a state directly (the engine's own paths are what is under test)."""
    with database_of(engine.storage).write() as conn:
        store = Store(conn)
        loaded = store.instance(instance_id)
        assert loaded is not None
        before = loaded[0]
        step = AuditDraft(at("2019-01-01"), SYSTEM_ACTOR, "system", "set_up", before.state, state, None, {})
        assert store.advance_instance(instance_id, before.version, before.fields, step, None) is not None


def _instances(engine: Engine) -> dict[str, str]:
    meeting = engine.start(
        "meeting_cycle",
        "sec.alice",
        {"number": 1, "start": "2019-02-01", "end": "2019-02-01", "venue": "Geneva"},
        now=at("2018-12-01"),
    )
    topic = engine.start("topic", "ms.fr", {"title": "t", "meeting": meeting.id, "proposed_by": "France"})
    other = engine.start("topic", "ms.fr", {"title": "u", "meeting": meeting.id, "proposed_by": "France"})
    _force_state(engine, topic.id, "not_agreed")
    _force_state(engine, other.id, "selected")
    escalation = engine.start("escalation", "chair", {"options": [{"topic": topic.id}], "meeting": meeting.id})
    consultation = engine.start("consultation", "sec.alice", {"topic": other.id, "title": "c"})
    item = engine.start(
        "action_item",
        "sec.alice",
        {"meeting": meeting.id, "text": "x", "owner_kind": "member_state", "owner": "Atlantis", "due": "2019-09-13"},
    )
    return {
        "meeting_cycle": meeting.id,
        "topic": topic.id,
        "escalation": escalation.id,
        "consultation": consultation.id,
        "action_item": item.id,
    }


def test_every_role_not_allowed_is_refused_and_every_allowed_role_gets_past_the_role_check(engine: Engine) -> None:
    """For each transition and source state: roles outside its list get RoleNotAllowed, roles in it never do."""
    instances = _instances(engine)
    checked, problems = 0, []
    for name, definition in engine.catalogue.definitions.items():
        for spec in definition.transitions:
            for source in spec.sources:
                _force_state(engine, instances[name], source)
                for role in sorted(DIRECTORY_ROLES):
                    audit_before = len(engine.history(instances[name]))
                    try:
                        engine.fire(instances[name], spec.trigger, PERSON_FOR_ROLE[role], {}, now=at("2019-01-05"))
                        outcome = "fired"
                    except (RoleNotAllowed, DecidedElsewhere):
                        outcome = "refused"
                    except ConsultflowError:
                        outcome = "past role check"
                    # A decision taken on another instance (only_by) is refused to everyone, by hand.
                    expected_refused = role not in spec.roles or spec.only_by is not None
                    if expected_refused != (outcome == "refused"):
                        problems.append(f"{name}.{spec.trigger} from {source} as {role}: {outcome}")
                    if outcome == "refused" and len(engine.history(instances[name])) != audit_before:
                        problems.append(f"{name}.{spec.trigger} as {role}: refused but audited")
                    checked += 1
                    if outcome == "fired":
                        _force_state(engine, instances[name], source)
    assert not problems, "\n".join(problems)
    assert checked > 300


def test_starting_a_workflow_is_refused_to_roles_not_listed(engine: Engine) -> None:
    """The start trigger of each workflow is refused to every directory role it does not list."""
    for name, definition in engine.catalogue.definitions.items():
        for role in sorted(DIRECTORY_ROLES - set(definition.start.roles)):
            try:
                engine.start(name, PERSON_FOR_ROLE[role], {})
            except RoleNotAllowed:
                continue
            raise AssertionError(f"{name}: starting as {role} was not refused by role")
