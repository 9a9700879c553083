"""Audiences that match the words (issue 11, item 7): a reminder that says "you have not yet ..." goes only to
those who have not."""

from __future__ import annotations

from engine import Engine
from engine.timers import process_all_due
from tests.conftest import at
from tests.integration.test_rescheduling import _online_consultation
from tests.scenario import convene


def _recipients(engine: Engine, instance_id: str, notice: str) -> set[str]:
    return {m.recipient_id for m in engine.outbox(instance_id=instance_id, limit=10_000) if m.notice == notice}


def test_the_closing_reminder_goes_to_the_stakeholders_who_have_not_responded(engine: Engine) -> None:
    consultation = _online_consultation(engine)  # online until 2019-08-20; R08 on 2019-08-06 and 2019-08-17
    engine.fire(consultation.id, "submit_response", "sh.isoc",
                {"name": "Grace Ocampo", "answers": "Open standards."}, now=at("2019-07-15"))  # fmt: skip
    process_all_due(engine, at("2019-08-06T06:30:00+00:00"))  # R08a, 08:00 in Geneva on its day
    stakeholders = {p.id for p in engine.people() if "stakeholder" in p.roles}
    assert _recipients(engine, consultation.id, "R08") == stakeholders - {"sh.isoc"}


def test_nobody_registered_means_no_registered_without_contribution_reminder(engine: Engine) -> None:
    s = convene(engine)
    for day in ("2019-01-04", "2019-01-10"):  # R01 and R02, each at 08:00 in Geneva on its day
        process_all_due(engine, at(f"{day}T07:30:00+00:00"))
    assert _recipients(engine, s.meeting.id, "R01")  # R01 addresses every Member State
    assert _recipients(engine, s.meeting.id, "R02") == set()  # R02 says "has registered": nobody has
