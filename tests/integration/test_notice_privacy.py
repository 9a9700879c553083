"""The audit note of a step never reaches a notice; the message to the recipients does, labelled by its author's role.

The note ("kept in the audit trail") is what a person records for the record; it may be confidential, and a
Member State may write it. Every notice in English and French is rendered with a note set, and the engine's
own rows for a postponement are delivered to a real SMTP server and read back from its Maildir.
"""

from __future__ import annotations

import asyncio
import copy
import email
import mailbox
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest

from engine import Engine
from notifications.context import NoticeContext, check_context
from notifications.maildir_server import start_embedded_smtp
from notifications.message import Mailbox, build_message, message_id_for
from notifications.rendering import notice_ids, render_notice
from notifications.samples import sample_context, shipped_catalogue
from notifications.smtp import MailSender, SmtpSettings
from storage.repository import Store
from storage.unit import database_of
from tests.conftest import at
from tests.scenario import convene

NOTE = "Internal: France asked us privately to delay; do not circulate"
MESSAGE = "Registrations already made remain valid for the new dates."
SENDER = Mailbox("noreply@consultflow.invalid", "CWG-Internet Secretariat")
NOTICES = shipped_catalogue().notices
CASES = [(notice_id, workflow) for notice_id in notice_ids("en") for workflow in NOTICES[notice_id].workflows]
LABELS = {
    ("en", "secretariat"): "Message from the secretariat:",
    ("fr", "secretariat"): "Message du Secrétariat\u00a0:",
    ("en", "chair"): "Message from the Chair:",
    ("fr", "chair"): "Message du Président\u00a0:",
    ("en", "member_state"): "Message from the Member State (France):",
    ("fr", "member_state"): "Message de l'État Membre (France)\u00a0:",
    ("es", "secretariat"): "Mensaje de la Secretaría:",
    ("ru", "secretariat"): "Сообщение секретариата:",
    ("ar", "secretariat"): "رسالة من الأمانة:",
    ("zh", "secretariat"): "秘书处的信息：",
}
ORIGINAL_DATE = {"en": "1 February 2019", "fr": "1er février 2019", "es": "1 de febrero de 2019",
                 "ru": "1 февраля 2019 года", "ar": "1 فبراير 2019", "zh": "2019年2月1日"}  # fmt: skip


def _with_note(notice_id: str, language: str, workflow: str, **extra: str) -> NoticeContext:
    context = sample_context(notice_id, language, workflow)
    context.pop("message", None)
    context.pop("message_role", None)
    context["note"] = NOTE
    context.update(extra)  # type: ignore[typeddict-item]  # only message and message_role are passed
    return context


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(("notice_id", "workflow"), CASES)
def test_audit_note_never_appears_and_the_message_does(notice_id: str, workflow: str, language: str) -> None:
    """With a note and a message in the context, subject, text and HTML show the message, never the note."""
    rendered = render_notice(
        notice_id, language, _with_note(notice_id, language, workflow, message=MESSAGE, message_role="secretariat")
    )
    for part in (rendered.subject, rendered.text, rendered.html):
        assert NOTE not in part
        assert "Note from the secretariat" not in part and "Note du Secrétariat" not in part
    label = LABELS[(language, "secretariat")]
    assert f"{label}\n{MESSAGE}\n" in rendered.text
    assert MESSAGE in rendered.html and label.replace("'", "&#39;") in rendered.html
    assert MESSAGE not in rendered.subject


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(("notice_id", "workflow"), CASES)
def test_a_context_without_message_keys_renders_without_a_message(notice_id: str, workflow: str, language: str) -> None:
    """Rows queued before the engine wrote `message` (no key at all) still render, with no message block."""
    rendered = render_notice(notice_id, language, _with_note(notice_id, language, workflow))
    assert NOTE not in rendered.text and NOTE not in rendered.html
    assert "Message from" not in rendered.text and "Message du" not in rendered.text


@pytest.mark.parametrize(("language", "role"), sorted(LABELS))
def test_message_is_labelled_with_its_authors_role_in_the_readers_language(language: str, role: str) -> None:
    """The label names the role the author acted in, and the Member State when a Member State wrote it."""
    context = _with_note("N04", language, "meeting_cycle", message=MESSAGE, message_role=role)
    assert f"{LABELS[(language, role)]}\n{MESSAGE}" in render_notice("N04", language, context).text


@pytest.mark.parametrize(("language", "label"), [("en", "Message:"), ("fr", "Message\u00a0:")])
def test_message_of_an_unknown_or_missing_role_gets_a_plain_label(language: str, label: str) -> None:
    """A role without a label (or none given) still shows the message, under a plain "Message:"."""
    for extra in ({"message_role": "rapporteur"}, {}):
        context = _with_note("N02", language, "meeting_cycle", message=MESSAGE, **extra)
        assert f"\n{label}\n{MESSAGE}\n" in render_notice("N02", language, context).text


def test_message_is_escaped_in_html() -> None:
    """A message is the author's free text: markup in it is shown, not interpreted."""
    context = _with_note("N02", "en", "meeting_cycle", message="<b>See</b> you", message_role="chair")
    html = render_notice("N02", "en", context).html
    assert "&lt;b&gt;See&lt;/b&gt; you" in html and "<b>See" not in html


def _bodies(message: email.message.Message) -> tuple[str, str]:
    assert isinstance(message, EmailMessage)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_delivered_postponement_shows_the_message_and_not_the_note(engine: Engine, tmp_path: Path) -> None:
    """A postponement fired with a note reaches the Maildir in en and fr without the note, with the message."""
    s = convene(engine)
    fields = {"start": "2019-03-04", "end": "2019-03-05", "change_reason": "at the request of the Chair."}
    engine.fire(s.meeting.id, "postpone", "sec.alice", fields, note=NOTE, message=MESSAGE, now=at("2018-12-28"))
    with database_of(engine.storage).read() as conn:
        rows = [r for r in Store(conn).outbox(instance_id=s.meeting.id) if r.notice == "N02"]
    assert {row.language for row in rows} >= {"en", "fr"}
    built = []
    for row in rows:
        context = check_context(copy.deepcopy(row.context))
        assert context["note"] == NOTE  # the engine keeps it in the row; the template must drop it
        assert (context["message"], context["message_role"]) == (MESSAGE, "secretariat")
        changes = context["changes"]
        assert changes is not None and changes["start"] == ["2019-02-01", "2019-03-04"]  # the original dates
        rendered = render_notice("N02", row.language, context)
        built.append(
            build_message(
                rendered,
                notice=engine.catalogue.notices["N02"],
                sender=SENDER,
                recipient=context["recipient"],
                context=context,
                message_id=message_id_for(row.id, "consultflow.invalid"),
                date=at("2018-12-28"),
            )
        )
    with start_embedded_smtp(tmp_path / "Maildir", keep=0) as server:
        settings = SmtpSettings(host=server.host, port=server.port, timeout=5)

        async def send_all() -> list[str]:
            async with MailSender(settings) as sender:
                return [(await sender.send(m, recipients=[str(m["To"].addresses[0].addr_spec)])).status for m in built]

        assert set(asyncio.run(send_all())) == {"sent"}
        delivered = [
            email.message_from_bytes(m.as_bytes(), policy=default_policy)
            for m in mailbox.Maildir(server.maildir, create=False)
        ]
    assert len(delivered) == len(built)
    languages = set()
    for message in delivered:
        text, html = _bodies(message)
        language = str(message["Content-Language"])
        languages.add(language)
        for part in (str(message["Subject"]), text, html):
            assert NOTE not in part
        assert MESSAGE in text and MESSAGE in html
        assert LABELS[(language, "secretariat")] in text
        assert "Chair.." not in text  # the reason's own full stop is not doubled
        assert ORIGINAL_DATE[language] in text  # the original date
    assert {"en", "fr"} <= languages
