"""The messy scenario end to end (issue 11, "Done when"): a meeting postponed twice, once until further notice,
during a relay outage; the Chair replaced after the session; a consultation whose OC follows its meeting and
whose deadline is extended. No delivered message quotes a date that was no longer true when it was delivered."""

from __future__ import annotations

import mailbox
from collections import Counter
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import cast

from consultflow.wiring import open_engine
from engine import Engine
from engine.catalogue import SHIPPED
from engine.records import AuditEntry, OutboxMessage
from tests.acceptance.test_two_topics import _demo, _meeting

SCENARIO = SHIPPED / "scenarios" / "reschedule.yaml"
# The dates each kind of record's notices state, which must hold when a message is delivered.
QUOTED = {"meeting_cycle": ("start", "end"), "consultation": ("online_deadline", "oc_date", "meeting")}


def _fields_when_sent(history: list[AuditEntry], message: OutboxMessage) -> dict[str, object]:
    """The instance's fields as they were when ``message`` was delivered (the audit replayed up to then)."""
    sent_at = cast(datetime, message.sent_at)
    fields: dict[str, object] = {}
    for entry in history:
        # Steps at the very instant of delivery come after it (a replay delivers, then takes the step).
        if entry.at < sent_at or entry.at <= message.created_at:
            for name, change in entry.changes.items():
                if isinstance(change, list) and len(change) == 2:
                    fields[name] = change[1]
    return fields


def test_no_delivered_message_quotes_a_date_that_no_longer_held(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = _demo(SCENARIO, out)
    assert result.returncode == 0, result.stderr
    engine: Engine = open_engine(f"sqlite:///{out / 'consultflow.db'}")
    try:
        m31, m32 = _meeting(engine, 31), _meeting(engine, 32)
        (consultation,) = engine.list("consultation")
        checked = 0
        for instance in (m31, m32, consultation):
            history = engine.history(instance.id)
            for message in engine.outbox(instance_id=instance.id, limit=10_000):
                if message.status != "sent":
                    continue
                quoted = cast(dict[str, object], cast(dict[str, object], message.context["instance"])["fields"])
                then = _fields_when_sent(history, message)
                for name in QUOTED[instance.workflow]:
                    assert quoted.get(name) == then.get(name), (message.notice, message.id, name)
                checked += 1
        assert checked > 100

        by_status = Counter((m.notice, m.status) for m in engine.outbox(instance_id=m31.id, limit=10_000))
        assert by_status[("R02", "superseded")] > 0  # "due tomorrow" for 15 November, queued in the outage
        assert by_status[("N02", "superseded")] > 0  # "postponed to January", overtaken before the relay was back
        assert by_status[("N02", "sent")] > 0 and by_status[("N01", "sent")] > 0

        triggers = [e.trigger for e in engine.history(m31.id)]
        assert [
            t for t in triggers if t in ("postpone", "postpone_indefinitely", "reconvene")
        ] == ["postpone", "postpone_indefinitely", "reconvene"]
        approval = next(e for e in engine.history(m31.id) if e.trigger == "approve_report")
        assert approval.actor == "vc.amina"
        assert consultation.fields["oc_date"] == "2028-11-03" and consultation.fields["online_deadline"] == "2028-06-30"
        assert consultation.state == "online_closed"
        assert "meeting_moved" in [e.trigger for e in engine.history(consultation.id)]
        assert any(m.notice == "N20" and m.status == "sent" for m in engine.outbox(instance_id=consultation.id))
    finally:
        engine.close()

    # What Member States read: the notice of the postponement until further notice names no new date.
    indefinitely = [
        message_from_bytes(m.as_bytes(), policy=policy.default)
        for m in mailbox.Maildir(out / "Maildir", create=False)
    ]
    texts = [
        cast(EmailMessage, m.get_body(("plain",))).get_content()
        for m in indefinitely
        if "until further notice" in str(m["Subject"])
    ]
    assert texts and all("will now be held" not in text for text in texts)
