"""A refused or failing step writes nothing: no state, no audit row, no timer, no notice, no linked instance."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine import Engine
from engine.errors import (
    ConsultflowError,
    FieldError,
    GuardFailed,
    KeyReused,
    RoleNotAllowed,
    TriggerNotAllowed,
    UnknownTrigger,
)
from storage.repository import INSTANCE, Store
from storage.unit import database_of
from tests.conftest import at
from tests.scenario import convene, hold_meeting
from tests.snapshot import snapshot


@pytest.mark.parametrize(
    ("trigger", "actor", "fields", "error"),
    [
        ("no_such_trigger", "sec.alice", {}, UnknownTrigger),
        ("adjourn", "chair", {}, TriggerNotAllowed),
        ("submit_contribution", "sh.isoc", {"title": "x"}, RoleNotAllowed),
        ("submit_contribution", "ms.fr", {}, FieldError),
        ("submit_contribution", "ms.fr", {"title": "x", "pages": "3"}, FieldError),
        ("postpone", "sec.alice", {"start": "2019-03-01", "end": "2019-03-01"}, FieldError),
        ("postpone", "sec.alice", {"start": "2019-02-30", "end": "2019-03-01", "change_reason": "x"}, FieldError),
        ("postpone", "sec.alice", {"start": "0001-01-01", "end": "0001-01-01", "change_reason": "x"}, FieldError),
        ("postpone", "sec.alice", {"start": "9999-12-31", "end": "9999-12-31", "change_reason": "x"}, FieldError),
        ("close_contributions", "system", {}, TriggerNotAllowed),
        ("close_translation", "system", {}, GuardFailed),
    ],
)
def test_refused_fire_writes_nothing(
    engine: Engine, trigger: str, actor: str, fields: dict[str, object], error: type[ConsultflowError]
) -> None:
    """Each kind of refusal raises its own error and leaves every table exactly as it was."""
    s = convene(engine)
    before = snapshot(engine)
    with pytest.raises(error):
        engine.fire(s.meeting.id, trigger, actor, fields, now=at("2019-01-05"))
    assert snapshot(engine) == before


def test_failing_linked_effect_rolls_back_the_whole_step(engine: Engine) -> None:
    """If one action item cannot be created, the report is not approved and nothing else is written either."""
    s = convene(engine)
    for trigger, actor, when in [
        ("close_translation", "system", "2019-01-12"),
        ("close_contributions", "system", "2019-01-21"),
        ("publish_documents", "sec.alice", "2019-01-25"),
        ("open_session", "chair", ""),
    ]:
        s.fire("meeting", trigger, actor, when=when or "2019-02-01")
    s.fire("topic", "table_topics", "chair")
    s.fire("topic", "record_no_consensus", "chair", {"reason": "objection"})
    # An action without a due date, as recorded before record_decision required one: the action_item
    # workflow requires it, so its start must fail when the report is approved.
    s.fire(
        "meeting",
        "record_decision",
        "chair",
        {"id": "d1", "type": "requested", "text": "x", "action_owner_kind": "secretariat", "action_due": "2019-09-13"},
    )
    with database_of(engine.storage).write() as conn:
        store = Store(conn)
        loaded = store.instance(s.meeting.id)
        assert loaded is not None
        meeting = loaded[0]
        fields = {**meeting.fields, "decisions": [
            {k: v for k, v in d.items() if k != "action_due"} for d in meeting.fields["decisions"]  # type: ignore[attr-defined]
        ]}  # fmt: skip
        conn.execute(INSTANCE.update().where(INSTANCE.c.id == meeting.id).values(fields=fields))
    s.fire("meeting", "adjourn", "chair")
    s.fire("meeting", "circulate_draft_report", "sec.alice", {"draft_report_symbol": "WG-Internet 12/5"})
    before = snapshot(engine)
    with pytest.raises(FieldError, match="due"):
        engine.fire(
            s.meeting.id,
            "approve_report",
            "chair",
            {"report_symbol": "WG-Internet 12/5", "report_mode": "in_session", "report_approved_on": "2019-02-01"},
            now=at("2019-02-01"),
        )
    assert snapshot(engine) == before
    assert engine.get(s.topic.id).state == "not_agreed"


def test_unknown_references_are_refused(engine: Engine) -> None:
    """A ref field must name an instance of the declared workflow, a person field a person of the directory."""
    s = convene(engine)
    before = snapshot(engine)
    with pytest.raises(FieldError, match="not an instance of meeting_cycle"):
        engine.start("topic", "ms.fr", {"title": "t", "meeting": s.topic.id, "proposed_by": "France"})
    with pytest.raises(FieldError, match="no person"):
        engine.fire(s.meeting.id, "designate_acting_chair", "chair", {"acting_chair": "nobody"}, now=at("2019-01-05"))
    assert snapshot(engine) == before


def test_naive_now_is_refused(engine: Engine) -> None:
    """Time is explicit: a datetime without a zone is refused instead of guessed."""
    from datetime import datetime

    from engine.errors import NaiveDatetime

    with pytest.raises(NaiveDatetime):
        engine.start(
            "meeting_cycle",
            "sec.alice",
            {"number": 1, "start": "2019-01-01", "end": "2019-01-01", "venue": "Geneva"},
            now=datetime(2018, 1, 1),
        )


def test_idempotency_key_returns_the_first_result(engine: Engine, make_engine: Callable[..., Engine]) -> None:
    """A retried fire with the same key returns the first result and does not transition twice."""
    s = convene(engine)
    first = engine.fire(
        s.meeting.id,
        "submit_contribution",
        "ms.fr",
        {"title": "once"},
        now=at("2019-01-05"),
        idempotency_key="ms.fr/contribution/1",
    )
    again = make_engine().fire(
        s.meeting.id,
        "submit_contribution",
        "ms.fr",
        {"title": "once"},
        now=at("2019-01-06"),
        idempotency_key="ms.fr/contribution/1",
    )
    assert again == first
    assert len(engine.get(s.meeting.id).fields["contributions"]) == 1  # type: ignore[arg-type]
    assert [h.trigger for h in engine.history(s.meeting.id)].count("submit_contribution") == 1


@pytest.mark.parametrize(
    ("instance", "trigger", "fields", "words"),
    [
        ("topic", "withdraw", {}, "'withdraw' on topic-"),
        ("meeting", "submit_contribution", {"title": "twice"}, "with other values or by another person"),
    ],
)
def test_an_idempotency_key_reused_for_another_call_is_refused(
    engine: Engine, instance: str, trigger: str, fields: dict[str, object], words: str
) -> None:
    """fire(A, key=k) then fire(B, other, key=k) used to return A and fire nothing: now a clear conflict."""
    s = convene(engine)
    key = "ms.fr/contribution/1"
    engine.fire(s.meeting.id, "submit_contribution", "ms.fr", {"title": "once"}, now=at("2019-01-05"),
                idempotency_key=key)  # fmt: skip
    before = snapshot(engine)
    target = s.meeting.id if instance == "meeting" else s.topic.id
    with pytest.raises(KeyReused, match="was first used for 'submit_contribution' on meeting_cycle-") as refused:
        engine.fire(target, trigger, "ms.fr", fields, now=at("2019-01-06"), idempotency_key=key)
    assert words in str(refused.value) and snapshot(engine) == before


def test_an_idempotency_key_has_the_same_bound_on_every_backend(engine: Engine) -> None:
    s = convene(engine)
    with pytest.raises(FieldError, match="idempotency key: 1 to 200 printable characters, got 201"):
        engine.fire(s.meeting.id, "submit_contribution", "ms.fr", {"title": "x"}, now=at("2019-01-05"),
                    idempotency_key="k" * 201)  # fmt: skip


def test_expected_version_conflict_writes_nothing(engine: Engine) -> None:
    """A fire that expects an older version is refused as a conflict, naming both versions."""
    from engine.errors import Conflict

    s = convene(engine)
    before = snapshot(engine)
    with pytest.raises(Conflict, match=f"expected version {s.meeting.version - 1}"):
        engine.fire(
            s.meeting.id,
            "submit_contribution",
            "ms.fr",
            {"title": "x"},
            now=at("2019-01-05"),
            expected_version=s.meeting.version - 1,
        )
    assert snapshot(engine) == before


def test_report_approval_side_effects_commit_together(engine: Engine) -> None:
    """The approval's audit row, its notices, its action items and their timers are all there after the commit."""
    s = hold_meeting(convene(engine))
    items = engine.linked(s.meeting.id, "meeting", "action_item")
    assert all(engine.timers(i.id, ("pending",)) for i in items)
    assert engine.history(s.meeting.id)[-1].trigger == "approve_report"


@pytest.mark.parametrize(
    "title",
    [
        "Proposal\r\nBcc: attacker@evil.example",
        "Proposal\nBcc: attacker@evil.example",
        "Proposal\u2028Bcc: x",
        "Proposal\x00",
    ],
)
def test_line_breaks_in_single_line_fields_are_refused_before_anything_is_written(engine: Engine, title: str) -> None:
    """A value that could smuggle a header into a notice is refused at the step, so no row or notice exists."""
    s = convene(engine)
    before = snapshot(engine)
    with pytest.raises(FieldError, match="title: contains"):
        engine.fire(s.meeting.id, "submit_contribution", "ms.fr", {"title": title}, now=at("2019-01-05"))
    assert snapshot(engine) == before


def test_multiline_fields_keep_paragraphs(engine: Engine) -> None:
    """Fields declared multiline (the question put to Council) accept line breaks, normalised to \\n; not \\x07."""
    s = hold_meeting(convene(engine))
    escalation = engine.linked(s.meeting.id, "meeting", "escalation")[0]
    with pytest.raises(FieldError, match="question: contains the control character 0x07"):
        engine.fire(
            escalation.id, "draft_report", "chair", {"report_section": "6.3", "question": "A\x07"}, now=at("2019-04-20")
        )
    drafted = engine.fire(
        escalation.id,
        "draft_report",
        "chair",
        {"report_section": "6.3", "question": "Option A: OTTs\r\nOption B: gender divide"},
        now=at("2019-04-20"),
    )
    assert drafted.fields["question"] == "Option A: OTTs\nOption B: gender divide"
