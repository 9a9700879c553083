"""Responses of the public confirmed by e-mail (issue 16): kept apart until the link sent to the address is
followed once, before it expires and before the deadline; withdrawn or replaced through a second link."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from engine import Engine, Person
from engine.ports import PendingOutcome
from engine.responses import PUBLIC_PREFIX, counted_responses
from tests.conftest import at
from tests.integration.test_rescheduling import _online_consultation

JANE = Person(f"{PUBLIC_PREFIX}jane@example.org", "Jane Roe", "jane@example.org", "fr", ("public",))
ANSWER = {"name": "Jane Roe", "country": "Kenya", "stakeholder_type": "individual", "answers": "Affordable access."}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _request(engine: Engine, consultation_id: str, token: str, day: str, **kwargs: object) -> PendingOutcome:
    now = at(day)
    return engine.request_public_response(
        consultation_id,
        JANE,
        ANSWER,
        token_hash=_digest(f"c-{token}"),
        manage_hash=_digest(f"m-{token}"),
        ip_hash="ip-1",
        links={"confirm_link": f"https://x.example/c/{token}", "manage_link": f"https://x.example/m/{token}"},
        expires_at=now + timedelta(hours=48),
        now=now,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_response_counts_only_once_confirmed_and_the_link_works_once(engine: Engine) -> None:
    """Requesting writes the pending row and N23 to the address (in French), not a response; confirming
    appends it as the public actor; the same link again says it was used and appends nothing."""
    consultation = _online_consultation(engine)
    _request(engine, consultation.id, "a", "2019-07-20")
    assert counted_responses(engine.get(consultation.id).fields).responses == ()
    (mail,) = [m for m in engine.outbox(instance_id=consultation.id, limit=10_000) if m.notice == "N23"]
    assert (mail.to_email, mail.language, mail.recipient_id) == ("jane@example.org", "fr", "public:jane@example.org")
    item = mail.context["item"]
    assert isinstance(item, dict) and item["confirm_link"] == "https://x.example/c/a"
    pending = engine.pending_response(token_hash=_digest("c-a"))
    assert pending is not None and pending.status == "pending" and pending.payload["country"] == "Kenya"

    done = engine.confirm_public_response(_digest("c-a"), now=at("2019-07-21"))
    assert done.result == "confirmed"
    (response,) = counted_responses(engine.get(consultation.id).fields).responses
    assert response["by"] == "public:jane@example.org"
    assert engine.confirm_public_response(_digest("c-a"), now=at("2019-07-21")).result == "used"
    assert len(counted_responses(engine.get(consultation.id).fields).responses) == 1
    assert engine.confirm_public_response(_digest("nope"), now=at("2019-07-21")).result == "unknown"


def test_a_link_past_its_expiry_or_the_deadline_writes_nothing(engine: Engine) -> None:
    """An expired link and a confirmation after the deadline are refused; the link stays unused."""
    consultation = _online_consultation(engine)  # online until 2019-08-20
    _request(engine, consultation.id, "late", "2019-08-19")
    history = len(engine.history(consultation.id))
    closed = engine.confirm_public_response(_digest("c-late"), now=at("2019-08-21"))
    assert closed.result in ("closed", "expired")
    assert len(engine.history(consultation.id)) == history
    _request(engine, consultation.id, "old", "2019-07-20")
    assert engine.confirm_public_response(_digest("c-old"), now=at("2019-07-23")).result == "expired"
    assert engine.pending_response(token_hash=_digest("c-old")).status == "pending"  # type: ignore[union-attr]
    assert len(engine.history(consultation.id)) == history


def test_withdraw_and_replace_through_the_second_link(engine: Engine) -> None:
    """The manage link withdraws a confirmed response (audited as the public actor); replacing withdraws the
    earlier one and keeps the new one pending until it is confirmed; an unconfirmed one is only given up."""
    consultation = _online_consultation(engine)
    _request(engine, consultation.id, "a", "2019-07-20")
    engine.confirm_public_response(_digest("c-a"), now=at("2019-07-20T11:00:00"))
    replaced = _request(engine, consultation.id, "b", "2019-07-21", replacing=_digest("m-a"))
    assert replaced.result == "queued"
    assert counted_responses(engine.get(consultation.id).fields).responses == ()
    assert engine.confirm_public_response(_digest("c-b"), now=at("2019-07-22")).result == "confirmed"
    assert len(counted_responses(engine.get(consultation.id).fields).responses) == 1
    assert engine.withdraw_public_response(_digest("m-b"), now=at("2019-07-23")).result == "withdrawn"
    assert engine.withdraw_public_response(_digest("m-b"), now=at("2019-07-23")).result == "used"
    assert counted_responses(engine.get(consultation.id).fields).responses == ()
    assert engine.history(consultation.id)[-1].trigger == "withdraw_response"
    _request(engine, consultation.id, "c", "2019-07-24")
    assert engine.withdraw_public_response(_digest("m-c"), now=at("2019-07-24")).result == "cancelled"
    assert engine.confirm_public_response(_digest("c-c"), now=at("2019-07-24")).result == "used"


def test_recent_requests_are_counted_per_address_and_per_client(engine: Engine) -> None:
    """The limits count requests since a time, by address or by hashed client address."""
    consultation = _online_consultation(engine)
    _request(engine, consultation.id, "a", "2019-07-20")
    _request(engine, consultation.id, "b", "2019-07-21")
    assert engine.public_requests_since(at("2019-07-20"), address="jane@example.org") == 2
    assert engine.public_requests_since(at("2019-07-21"), ip_hash="ip-1") == 1
    assert engine.public_requests_since(at("2019-07-20"), ip_hash="ip-2") == 0
