"""The notices of the engine's new steps, from the contexts the engine writes, delivered through the embedded
SMTP server and decoded as a reader's client would: the registration deadline, a postponement until further
notice and the meeting reconvened, a rescheduled open consultation meeting, the acting Chair's message, a
report approved by silence and the one N08 that lists the options put to Council."""

from __future__ import annotations

import asyncio
import email
import mailbox
from collections.abc import Iterable
from email import policy
from email.message import EmailMessage
from pathlib import Path

import icalendar

from engine import Engine
from engine.records import OutboxMessage
from engine.timers import process_all_due
from notifications.context import check_context
from notifications.maildir_server import start_embedded_smtp
from notifications.message import Mailbox, build_message, message_id_for
from notifications.rendering import render_notice
from notifications.smtp import MailSender, SmtpSettings
from tests.conftest import at
from tests.scenario import convene, draft_report, escalate_to_council, hold_meeting

SENDER = Mailbox("noreply@consultflow.invalid", "CWG-Internet Secretariat")


def _rows(engine: Engine, instance_id: str, notice: str, language: str, after: int = 0) -> list[OutboxMessage]:
    """The outbox rows of ``notice`` for ``instance_id`` read in ``language``, written after row ``after``."""
    return [
        m
        for m in engine.outbox(instance_id=instance_id, limit=10_000)
        if m.notice == notice and m.language == language and m.id > after
    ]


def _delivered(engine: Engine, rows: Iterable[OutboxMessage], maildir: Path) -> dict[int, EmailMessage]:
    """Each row rendered, built, sent to the embedded server and read back from its Maildir, by row id."""
    built = []
    for row in rows:
        context = check_context(row.context)
        message = build_message(
            render_notice(row.notice, row.language, context),
            notice=engine.catalogue.notices[row.notice],
            sender=SENDER,
            recipient=context["recipient"],
            context=context,
            message_id=message_id_for(row.id, "consultflow.invalid"),
            date=at("2019-03-01"),
        )
        built.append((row.id, message, row.to_email))
    with start_embedded_smtp(maildir, keep=1000) as server:
        settings = SmtpSettings(host=server.host, port=server.port, tls="none", timeout=5, sender=SENDER.email)

        async def send() -> list[str]:
            async with MailSender(settings) as sender:
                return [(await sender.send(m, recipients=[to])).status for _, m, to in built]

        assert asyncio.run(send()) == ["sent"] * len(built)
    box = mailbox.Maildir(maildir, create=False)
    arrived = [email.message_from_bytes(box.get_bytes(key), policy=policy.default) for key in box.iterkeys()]
    by_id = {str(m["Message-ID"]): m for m in arrived if isinstance(m, EmailMessage)}
    return {row_id: by_id[message_id_for(row_id, "consultflow.invalid")] for row_id, _, _ in built}


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return " ".join(str(part.get_content()).replace("\u00a0", " ").split())


def _event(message: EmailMessage) -> tuple[str, icalendar.cal.Component]:
    (payload, *_) = [p.get_payload(decode=True) for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert isinstance(payload, bytes)
    calendar = icalendar.Calendar.from_ical(payload)
    return str(calendar["METHOD"]), calendar.walk("VEVENT")[0]


def test_postponed_until_further_notice_then_reconvened(engine: Engine, tmp_path: Path) -> None:
    """N02 of postpone_indefinitely names no new date and withdraws the entry; reconvene's N01 invites again,
    same UID, higher SEQUENCE, with the registration deadline of the new dates (start - 21 days)."""
    s = convene(engine)
    s.fire("meeting", "correct_details", "sec.alice", {"registration_link": "https://r.example/12"}, "2018-12-22")
    invitation = _rows(engine, s.meeting.id, "N01", "en")[0]
    assert "registration" in check_context(invitation.context)["deadlines"]
    reason = {"change_reason": "The venue is not available"}
    s.fire("meeting", "postpone_indefinitely", "sec.alice", reason, "2019-01-05")
    postponed = _rows(engine, s.meeting.id, "N02", "en") + _rows(engine, s.meeting.id, "N02", "fr")
    s.fire("meeting", "reconvene", "sec.alice", {"start": "2019-09-23", "end": "2019-09-24"}, "2019-03-01")
    assert s.meeting.state == "contributions_open"
    reconvened = _rows(engine, s.meeting.id, "N01", "en", after=max(m.id for m in postponed))
    mails = _delivered(engine, [invitation, *postponed, reconvened[0]], tmp_path / "Maildir")

    first, later = mails[invitation.id], mails[reconvened[0].id]
    english = next(mails[m.id] for m in postponed if m.language == "en")
    french = next(mails[m.id] for m in postponed if m.language == "fr")
    assert str(english["Subject"]) == "CWG-Internet: 12th meeting postponed until further notice"
    assert "which was to be held on 1 February 2019, has been postponed until further notice." in _text(english)
    assert "Reason: The venue is not available." in _text(english)
    assert "will now be held" not in _text(english) and "recalculated" not in _text(english)
    assert str(french["Subject"]) == "GTC-Internet\u00a0: 12e réunion reportée jusqu'à nouvel avis"
    assert "qui devait se tenir le 1er février 2019, a été reportée jusqu'à nouvel avis." in _text(french)
    assert "désormais" not in _text(french)

    (method_1, event_1), (method_2, event_2), (method_3, event_3) = map(_event, (first, english, later))
    assert (method_1, method_2, method_3) == ("REQUEST", "CANCEL", "REQUEST")
    assert str(event_2["STATUS"]) == "CANCELLED" and str(event_3["STATUS"]) == "CONFIRMED"
    assert event_1["UID"] == event_2["UID"] == event_3["UID"]
    assert event_1.decoded("SEQUENCE") < event_2.decoded("SEQUENCE") < event_3.decoded("SEQUENCE")
    assert "to be held on 23 and 24 September 2019" in _text(later)
    assert "register online at https://r.example/12 by 2 September 2019." in _text(later)  # 23 September - 21 days


def test_rescheduled_open_consultation_meeting(engine: Engine, tmp_path: Path) -> None:
    """N13 of reschedule_oc names the OC's old and new dates and the reason, not a deadline extension."""
    s = hold_meeting(convene(engine))
    escalate_to_council(s, "decided")
    consultation = engine.start("consultation", "sec.alice", {"topic": s.topic.id, "title": "C"}, now=at("2019-06-20"))
    dates = {"form_link": "https://f.example", "opens_on": "2019-07-01", "online_deadline": "2019-08-20",
             "oc_date": "2019-09-20"}  # fmt: skip
    engine.fire(consultation.id, "announce", "sec.alice", dates, now=at("2019-06-21"))
    engine.fire(consultation.id, "open_online", "sec.alice", now=at("2019-07-01"))
    moved = {"oc_date": "2019-10-04", "change_reason": "The room is needed for another meeting"}
    engine.fire(consultation.id, "reschedule_oc", "sec.alice", moved, now=at("2019-07-15"))
    rows = [*_rows(engine, consultation.id, "N13", "en")[:1], *_rows(engine, consultation.id, "N13", "fr")[:1]]
    assert rows
    for row_id, message in _delivered(engine, rows, tmp_path / "Maildir").items():
        text = _text(message)
        if message["Content-Language"] == "fr":
            assert "a été déplacée du 20 septembre 2019 au 4 octobre 2019." in text and "prorogé" not in text
            assert "réunion déplacée au 4 octobre 2019" in str(message["Subject"])
        else:
            assert '"C" has been moved from 20 September 2019 to 4 October 2019.' in text, row_id
            assert "Reason: The room is needed for another meeting." in text and "extended" not in text
            assert str(message["Subject"]) == "CWG-Internet open consultation meeting moved to 4 October 2019: C"


def test_report_approved_by_silence_and_the_acting_chair_reports_to_council(engine: Engine, tmp_path: Path) -> None:
    """N07 from the silence timer says the report was approved by silence; the acting Chair's N08 labels the
    message "from the acting Chair" and, kept once for the meeting and its escalation, lists the options."""
    s = draft_report(convene(engine))
    s.fire("meeting", "open_silence_procedure", "chair",
           {"report_symbol": "WG-Internet 12/5", "silence_opened_on": "2019-02-11"}, when="2019-02-11")  # fmt: skip
    process_all_due(engine, at("2019-02-25T23:00:00+00:00"))
    assert engine.get(s.meeting.id).state == "report_approved"
    approved = _rows(engine, s.meeting.id, "N07", "en")[:1] + _rows(engine, s.meeting.id, "N07", "fr")[:1]

    escalation = engine.linked(s.meeting.id, "meeting", "escalation")[0]
    engine.fire(escalation.id, "draft_report", "chair", {"report_section": "6.3"}, now=at("2019-04-20"))
    engine.fire(s.meeting.id, "designate_acting_chair", "sec.alice", {"acting_chair": "vc.amina"}, now=at("2019-04-25"))
    report = {"chair_report_symbol": "C19/54", "action_required": "note_and_guidance"}
    engine.fire(s.meeting.id, "submit_chair_report", "vc.amina", report, now=at("2019-05-06"),
                message="The Chair is unable to attend; I submit the report on the Group's behalf.")  # fmt: skip
    submitted = [m for m in engine.outbox(instance_id=s.meeting.id, limit=10_000) if m.notice == "N08"]
    assert submitted and all(m.context.get("message_role") == "acting_chair" for m in submitted)
    kept = [m for m in submitted if m.context.get("with_instances")]
    assert kept, "once_per_document kept the meeting's copy for the escalation's readers"
    mails = _delivered(engine, [*approved, *kept[:1]], tmp_path / "Maildir")

    for row in approved:
        text = _text(mails[row.id])
        if row.language == "en":
            assert "approved under the silence procedure" in str(mails[row.id]["Subject"])
            assert "has been approved under the silence procedure, no Member State having broken silence by " \
                   "25 February 2019." in text  # fmt: skip
        else:
            assert "aucun État Membre n'ayant rompu le silence dans le délai fixé au 25 février 2019." in text
    n08 = _text(mails[kept[0].id])
    acting = {"en": "Message from the acting Chair:", "fr": "Message du Président par intérim :"}.get(kept[0].language)
    assert acting is None or acting in n08
    assert "Next open consultation topic" in n08  # the escalation's option (the topic left without consensus)
