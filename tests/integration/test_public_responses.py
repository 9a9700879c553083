"""A response from the public (issue 16, item 2, the engine's part): someone outside the directory, once
their address is confirmed, responds through the same fire() as everyone, as a `public` actor, with the
deadline, guards and audit applied; their receipt goes to the address they confirmed."""

from __future__ import annotations

import pytest

from engine import Engine, Person
from engine.errors import GuardFailed, RoleNotAllowed
from engine.responses import PUBLIC_PREFIX, counted_responses
from tests.conftest import at
from tests.integration.test_rescheduling import _online_consultation

JANE = Person(f"{PUBLIC_PREFIX}jane@example.org", "Jane Roe", "jane@example.org", "en", ("public",))


def test_a_confirmed_member_of_the_public_responds_and_gets_the_receipt(engine: Engine) -> None:
    consultation = _online_consultation(engine)
    answer = {"name": "Jane Roe", "country": "Kenya", "stakeholder_type": "individual", "answers": "Affordable access."}
    after = engine.fire(consultation.id, "submit_response", JANE, answer, now=at("2019-07-20"))
    (response,) = counted_responses(after.fields).responses
    assert response["by"] == "public:jane@example.org"
    last = engine.history(consultation.id)[-1]
    assert (last.actor, last.role, last.trigger) == ("public:jane@example.org", "public", "submit_response")
    receipts = [m for m in engine.outbox(instance_id=consultation.id, limit=10_000) if m.notice == "N12"]
    assert [m.to_email for m in receipts if not m.for_information] == ["jane@example.org"]
    engine.fire(consultation.id, "withdraw_response", JANE, {}, now=at("2019-07-21"))
    assert counted_responses(engine.get(consultation.id).fields).responses == ()


def test_the_public_is_held_to_the_deadline_and_to_responding(engine: Engine) -> None:
    consultation = _online_consultation(engine)  # online until 2019-08-20
    with pytest.raises(GuardFailed):
        engine.fire(consultation.id, "submit_response", JANE, {"name": "Jane", "answers": "Late"}, now=at("2019-08-21"))
    with pytest.raises(RoleNotAllowed):
        engine.fire(consultation.id, "mark_spam", JANE, {"response": 1}, now=at("2019-07-21"))
