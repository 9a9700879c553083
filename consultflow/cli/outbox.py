"""``consultflow outbox send|list|retry`` and ``consultflow notices preview``: the secretariat's view of e-mail.

This is a composition root: the SMTP settings are read from the environment here (``CONSULTFLOW_SMTP_*``,
see ``notifications/settings.py``) and nowhere else. Without ``CONSULTFLOW_SMTP_HOST``, ``outbox send``
starts the embedded loopback server, which files every message in ``consultflow-mail/Maildir`` next to
the SQLite file (or in the working directory for PostgreSQL), and says where.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

from consultflow.cli.app import app
from consultflow.cli.state import MAX_ROW_ID, MAX_ROWS, Options, console, local, parse_when, print_json
from engine.clock import FixedClock
from engine.errors import ConsultflowError, InstanceNotFound, PersonNotFound
from engine.records import OUTBOX_STATUSES, Instance, OutboxMessage, Person, as_outbox_status

# The mail stack (Jinja2, email, icalendar) and the engine service load inside the command that needs them,
# so that `consultflow --help` and the other commands do not pay for them.
if TYPE_CHECKING:
    from engine.service import Engine
    from notifications.context import NoticeContext
    from notifications.dispatcher import Dispatcher, DispatchReport
    from notifications.rendering import RenderedNotice

outbox_app = typer.Typer(help="E-mail notices: what waits, what was sent, what failed; send now.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
notices_app = typer.Typer(help="E-mail notice templates.", no_args_is_help=True)
app.add_typer(notices_app, name="notices")

STATUSES = OUTBOX_STATUSES
NowOption = Annotated[
    str | None,
    typer.Option("--now", help="As of this ISO date/time (Geneva time unless an offset is given); default: now."),
]


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


# -- outbox send ------------------------------------------------------------------------------------------


@outbox_app.command("send")
def send(
    ctx: typer.Context,
    now: NowOption = None,
    batch: Annotated[int, typer.Option("--batch", min=1, max=MAX_ROWS, help="Messages claimed per transaction.")] = 100,
) -> None:
    """Send every notice due now, then exit (a one-shot flush; `consultflow run` does it continuously).

    The relay comes from CONSULTFLOW_SMTP_HOST, _PORT, _TLS (starttls, tls or none), _USER, _PASSWORD and
    _SENDER; without a host, an embedded server on loopback files the mail in a Maildir and this says where.
    Exits 1, with one line on stderr, when anything was not sent: a message failed for good, is to be retried
    after a temporary failure, or the relay could not be reached (the rest stays queued).
    """
    import asyncio

    from notifications.dispatcher import Dispatcher, describe, describe_embedded, start_embedded_relay
    from notifications.settings import mail_folder, smtp_settings_from_env

    options: Options = ctx.obj
    engine = options.engine()
    at = parse_when(now, engine.catalogue.body.calendar.zone())
    clock = FixedClock(at) if at is not None else engine.clock
    settings = smtp_settings_from_env(os.environ, engine.catalogue.body)
    server = None
    if settings is None:
        server, settings = start_embedded_relay(mail_folder(options.db, Path.cwd()), engine)
        where = describe_embedded(server)
    else:
        where = describe(settings)
    try:
        if not options.json:
            _say(f"mail: {where}")
        report = asyncio.run(_flush(Dispatcher(engine, settings, clock=clock, batch=batch)))
    finally:
        if server is not None:
            server.stop()
    if options.json:
        print_json(
            {
                "now": report.now,
                "relay": where,
                "maildir": str(server.maildir) if server is not None else None,
                "sent": len(report.sent),
                "retry": len(report.retried),
                "failed": len(report.failed),
                "released": len(report.released),
                "lost": len(report.lost),
                "relay_error": report.relay_error,
                "messages": [o for o in report.outcomes if o.result != "released"],
            }
        )
    else:
        for o in report.outcomes:
            if o.result != "released":
                _say(f"{o.result:<7} #{o.message_id:<6} {o.notice:<4} {o.to}  {o.detail}")
        _say(f"as of {local(report.now, engine.catalogue.body.calendar.zone())}: {report.summary()}")
    if report.failed or report.retried or report.lost or report.relay_error:
        raise ConsultflowError(f"not everything was sent: {report.summary()} (see `consultflow outbox list`)")


async def _flush(dispatcher: Dispatcher) -> DispatchReport:
    async with dispatcher:
        return await dispatcher.flush()


# -- outbox list / retry ----------------------------------------------------------------------------------


def _message_data(m: OutboxMessage) -> dict[str, Any]:
    return {
        "id": m.id,
        "instance": m.instance_id,
        "notice": m.notice,
        "recipient": m.recipient_id,
        "to": m.to_email,
        "name": m.to_name,
        "language": m.language,
        "for_information": m.for_information,
        "status": m.status,
        "attempts": m.attempts,
        "next_attempt_at": m.next_attempt_at if m.status == "pending" else None,
        "created_at": m.created_at,
        "sent_at": m.sent_at,
        "last_error": m.last_error,
    }


@outbox_app.command("list")
def list_messages(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option("--status", help="pending, sent, failed or superseded (never sent: a later step made it wrong)."),
    ] = None,
    instance: Annotated[str | None, typer.Option("--instance", help="Only the notices of this instance.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_ROWS, help="At most this many, oldest first.")] = 1000,
) -> None:
    """The outbox: each notice, its reader, its status, attempts and last error."""
    options: Options = ctx.obj
    wanted = as_outbox_status(status)
    if status is not None and wanted is None:
        raise ConsultflowError(f"--status must be one of {', '.join(STATUSES)}, not {status!r}")
    engine = options.engine()
    messages = engine.outbox(wanted, instance, limit)
    if options.json:
        print_json([_message_data(m) for m in messages])
        return
    if not messages:
        _say("no messages" + (f" with status {status}" if status else "") + (f" for {instance}" if instance else ""))
        return
    zone = engine.catalogue.body.calendar.zone()
    for m in messages:
        if m.status == "sent" and m.sent_at is not None:
            when = f"sent {local(m.sent_at, zone)}"
        elif m.status == "pending":
            when = f"due {local(m.next_attempt_at, zone)}"
        elif m.status == "superseded":
            when = "never sent"
        else:
            when = "failed"
        copy = " (cc)" if m.for_information else ""
        why = "why" if m.status == "superseded" else "last error"  # a superseded row's reason is no error
        _say(
            f"#{m.id:<6} {m.status:<7} {m.notice + copy:<9} {m.language}  {m.to_name} <{m.to_email}>  "
            f"{m.instance_id}  {when}, {m.attempts} attempt(s)" + (f"  {why}: {m.last_error}" if m.last_error else "")
        )


@outbox_app.command("retry")
def retry(
    ctx: typer.Context,
    message_id: Annotated[
        int | None,
        typer.Argument(metavar="ID", min=0, max=MAX_ROW_ID, help="The outbox message id (`consultflow outbox list`)."),
    ] = None,
    all_failed: Annotated[
        bool, typer.Option("--all-failed", help="Every failed message instead of one (narrow with --notice, --since).")
    ] = False,
    notice: Annotated[
        str | None, typer.Option("--notice", help="With --all-failed: only this notice (N01-N19, N16a, R01-R13).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="With --all-failed: only messages written on or after this ISO date (Geneva)."),
    ] = None,
    now: NowOption = None,
) -> None:
    """Put a failed message (or, with --all-failed, every failed one) back in the queue.

    Queued messages go at the next `outbox send` or with `consultflow run`; after a relay misconfiguration,
    `outbox retry --all-failed --since DATE` queues again everything that failed, in one transaction.
    """
    from notifications.outbox import retry_message

    options: Options = ctx.obj
    if (message_id is None) == (not all_failed):
        raise ConsultflowError("give one message ID or --all-failed (not both)")
    if message_id is not None and (notice is not None or since is not None):
        raise ConsultflowError("--notice and --since go with --all-failed, not with a message ID")
    engine = options.engine()
    zone = engine.catalogue.body.calendar.zone()
    at = parse_when(now, zone) or engine.clock.now()
    if message_id is None:
        _retry_all(options, engine, at, notice, _since(since, zone))
        return
    message = retry_message(engine, message_id, at)  # queued again, with the error it failed with
    if options.json:
        print_json({"id": message_id, "status": message.status})
    else:
        _say(f"#{message_id} {message.notice} to {message.to_email} is queued again (it failed: {message.last_error})")


def _since(text: str | None, zone: ZoneInfo) -> datetime | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ConsultflowError(f"--since expects an ISO date (YYYY-MM-DD), got {text!r}") from None
    return datetime.combine(day, time(0), zone)


def _retry_all(options: Options, engine: Engine, at: datetime, notice: str | None, since: datetime | None) -> None:
    from notifications.outbox import retry_failed

    queued = retry_failed(engine, at, notice=notice, since=since)
    if options.json:
        print_json({"retried": [m.id for m in queued], "count": len(queued)})
        return
    for m in queued:
        _say(f"#{m.id:<6} {m.notice:<4} {m.to_email}  queued again (it failed: {m.last_error})")
    scope = (f" of {notice}" if notice else "") + (f" written since {since.date().isoformat()}" if since else "")
    _say(f"{len(queued)} failed message(s){scope} queued again")


# -- notices preview --------------------------------------------------------------------------------------


@notices_app.command("preview")
def preview(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument(metavar="NOTICE", help="N01-N19, N16a or R01-R13.")],
    lang: Annotated[
        str | None, typer.Option("--lang", help="en, fr, es, ar, ru or zh (default: the reader's).")
    ] = None,
    instance: Annotated[
        str | None, typer.Option("--instance", help="Render for this instance (default: the sample data).")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="The reader, a directory id (default: the first one).")] = None,
    html: Annotated[bool, typer.Option("--html", help="Print the HTML body instead of the text body.")] = False,
) -> None:
    """Render a notice as its reader would get it: the subject, then the body.

    With --instance, the context is built the way the engine builds it, as if the latest step of that
    instance that sends the notice had just happened (the current data, that step's actor and note).
    """
    from notifications.context import LANGUAGES
    from notifications.errors import UnknownLanguage
    from notifications.rendering import render_notice
    from notifications.samples import sample_context

    options: Options = ctx.obj
    if lang is not None and lang not in LANGUAGES:
        raise UnknownLanguage(lang)
    if instance is None:
        context = sample_context(notice_id, lang or "en")
    else:
        context = instance_context(options.engine(), notice_id, instance, lang, to)
    rendered = render_notice(notice_id, context["recipient"]["language"], context)
    _show(notice_id, context, rendered, html, options.json)


def _show(notice_id: str, context: NoticeContext, rendered: RenderedNotice, html: bool, as_json: bool) -> None:
    reader = context["recipient"]
    if as_json:
        print_json(
            {
                "notice": notice_id,
                "language": reader["language"],
                "language_used": rendered.language_used,
                "to": {"id": reader["id"], "name": reader["name"], "email": reader["email"]},
                "subject": rendered.subject,
                "text": rendered.text,
                "html": rendered.html,
            }
        )
        return
    fallback = "" if rendered.language_used == reader["language"] else " (not translated yet: sent in English)"
    _say(f"To: {reader['name']} <{reader['email']}>, language {reader['language']}{fallback}")
    _say(f"Subject: {rendered.subject}")
    _say("")
    _say(rendered.html if html else rendered.text)


def instance_context(
    engine: Engine, notice_id: str, instance_id: str, lang: str | None, to: str | None
) -> NoticeContext:
    """The context the engine would store for ``notice_id`` on this instance now, for reader ``to``."""
    from engine.deadlines import deadline_days
    from engine.notices import notice_context, recipient_data, recipients
    from engine.roles import SYSTEM_ACTOR
    from notifications.context import check_context
    from notifications.errors import UnknownNotice

    notice = engine.catalogue.notices.get(notice_id)
    if notice is None:
        raise UnknownNotice(notice_id)
    subject = engine.get(instance_id)
    definition = engine.definition_of(subject)
    related = _related(engine, subject)
    # The latest step of this instance whose transition sends the notice gives the actor, note and item.
    steps = {t.trigger: t for t in (definition.start, *definition.transitions) if notice_id in t.notices}
    entry = next((h for h in reversed(engine.history(subject.id)) if h.trigger in steps), None)
    actor: Person = SYSTEM_ACTOR
    item: dict[str, object] | None = None
    if entry is not None:
        try:
            actor = engine.person(entry.actor)
        except PersonNotFound:
            actor = SYSTEM_ACTOR
        appended = steps[entry.trigger].append
        items = subject.fields.get(appended) if appended else None
        if isinstance(items, list) and items and isinstance(items[-1], dict):
            item = items[-1]
    days = deadline_days(definition, subject.fields, engine.catalogue.body)
    context = notice_context(
        notice,
        engine.catalogue.body,
        subject,
        related,
        days,
        actor,
        entry.trigger if entry else None,
        entry.note if entry else None,
        entry.at if entry else engine.clock.now(),
        item,
    )
    related_fields = {k: v.fields for k, v in related.items()}
    chosen = recipients(notice, engine.people(), actor, definition, subject.fields, related_fields, item)
    if to is not None:
        reader, for_information = engine.person(to), {p.id: cc for p, cc in chosen}.get(to, False)
    elif chosen:
        reader, for_information = next(((p, cc) for p, cc in chosen if p.language == lang), chosen[0])
    else:
        raise ConsultflowError(f"nobody receives {notice_id} for {subject.id}; name a reader with --to PERSON")
    context["recipient"] = recipient_data(reader, for_information)
    if lang is not None:
        context["recipient"]["language"] = lang
    return check_context(context)


def _related(engine: Engine, subject: Instance) -> dict[str, Instance]:
    """The instances the subject's reference fields point to (as the engine gives them to templates)."""
    found: dict[str, Instance] = {}
    for spec in engine.definition_of(subject).fields.values():
        target = subject.fields.get(spec.name)
        if spec.type == "ref" and isinstance(target, str) and target:
            try:
                found[spec.name] = engine.get(target)
            except InstanceNotFound:
                continue
    return found
