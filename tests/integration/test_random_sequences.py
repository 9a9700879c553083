"""Random trigger sequences never leave an undeclared state, and every committed change has exactly one audit row."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Engine
from engine.errors import ConsultflowError
from tests.conftest import at

ACTORS = ["sec.alice", "chair", "vc.amina", "ms.fr", "ms.ru", "sh.isoc", "council.rec", "system"]
# A plausible value for each field a meeting trigger may ask for (wrong ones are part of the game too).
VALUES: dict[str, object] = {
    "letter_ref": "DM-18/1",
    "start": "2019-03-01",
    "end": "2019-03-02",
    "change_reason": "venue",
    "title": "t",
    "needs_translation": "no",
    "id": "d9",
    "type": "noted",
    "text": "x",
    "draft_report_symbol": "WG 12/5",
    "report_symbol": "WG 12/5",
    "report_mode": "in_session",
    "report_approved_on": "2019-02-01",
    "chair_report_symbol": "C19/1",
    "action_required": "note",
    "council_outcome": "noted",
    "acting_chair": "vc.amina",
    "council_opening": "2019-06-10",
}


def _fields_for(engine: Engine, trigger: str, give: bool) -> dict[str, object]:
    if not give:
        return {}
    definition = engine.catalogue.definition("meeting_cycle")
    names: set[str] = set()
    for spec in definition.transitions_for(trigger):
        names |= set(spec.accepted_fields)
        if spec.append:
            names |= {n for n, f in definition.fields[spec.append].item.items() if f.required}
    return {n: VALUES[n] for n in names if n in VALUES}


ROLE_PERSON = {
    "secretariat": "sec.alice",
    "chair": "chair",
    "vice_chair": "vc.amina",
    "member_state": "ms.fr",
    "stakeholder": "sh.isoc",
    "council": "council.rec",
    "system": "system",
}
ALL_TRIGGERS = ["send_invitation", "submit_contribution", "close_translation", "approve_report", "postpone", "bogus"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None)
@given(data=st.data())
def test_random_sequences_keep_the_instance_consistent(engine: Engine, data: st.DataObject) -> None:
    """After any sequence of fires (allowed or not), the state is declared and len(audit) equals the version."""
    definition = engine.catalogue.definition("meeting_cycle")
    meeting = engine.start(
        "meeting_cycle",
        "sec.alice",
        {"number": 12, "start": "2019-02-01", "end": "2019-02-01", "venue": "Geneva"},
        now=at("2018-12-01"),
    )
    when = at("2018-12-20")
    committed = 0
    for _ in range(data.draw(st.integers(min_value=1, max_value=40), label="steps")):
        state = engine.get(meeting.id).state
        # Mostly triggers and roles that make sense from here, sometimes anything: both paths are exercised.
        possible = list(definition.triggers_from(state))
        if data.draw(st.integers(0, 5), label="explore"):  # mostly stay away from the final `cancel`
            possible = [t for t in possible if t.trigger != "cancel"] or possible
        spec = data.draw(st.sampled_from(possible), label="transition") if possible else None
        trigger = (
            spec.trigger
            if spec and data.draw(st.integers(0, 4), label="sensible")
            else data.draw(st.sampled_from(ALL_TRIGGERS), label="any trigger")
        )
        roles = list(spec.roles) if spec else []
        sensible_actor: int = data.draw(st.integers(0, 4), label="sensible actor")
        if roles and sensible_actor:
            actor = ROLE_PERSON[data.draw(st.sampled_from(roles), label="role")]
        else:
            actor = data.draw(st.sampled_from(ACTORS), label="any actor")
        when += timedelta(days=data.draw(st.integers(min_value=0, max_value=4), label="days"))
        try:
            engine.fire(
                meeting.id,
                trigger,
                actor,
                _fields_for(engine, trigger, bool(data.draw(st.integers(0, 4), label="fields"))),
                now=when,
            )
            committed += 1
        except ConsultflowError:
            pass
        current = engine.get(meeting.id)
        assert current.state in definition.states
        assert current.version == 1 + committed
    for instance in engine.list():
        assert len(engine.history(instance.id)) == instance.version, instance.id
