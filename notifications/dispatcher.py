"""The outbox dispatcher: claim due notices, send them over one reused SMTP connection, record each result.

One batch (:meth:`Dispatcher.send_due`):

1. claim up to ``batch`` due rows for ``lease`` in one short write transaction (``OutboxQueue.claim``;
   two dispatchers never hold the same row);
2. outside any transaction, for each row in turn: ``check_context`` -> ``render_notice`` ->
   ``build_message`` (in a worker thread, so the event loop stays free) -> ``MailSender.send``, over one
   connection kept open between messages;
3. record each result in its own short transaction (the same worker call then prepares the next row's
   message, once the transaction is committed): ``sent`` once the server accepted the message;
   a temporary failure is retried at ``next_attempt`` (exponential backoff with jitter) until
   ``should_give_up``; a permanent one (5xx) is ``failed`` with the server's reply. A
   ``NotificationError`` while rendering or building is ``failed`` too, and nothing is sent.

When the relay cannot be reached at all (refused connection, greeting, STARTTLS or AUTH failure), the
row that found out is retried later, the rest of the batch is given back unattempted, and
:meth:`Dispatcher.run` pauses (5 s, doubling up to 5 min) before trying the relay again. Rows not yet
attempted are also given back when the dispatcher is asked to stop, is cancelled, or comes near the end
of its lease (so a slow relay cannot let another dispatcher claim a row this one may still send).

Delivery is at least once: if the process dies between the server's acceptance and the row's update,
the row is claimed again once its lease has run out and sent again with the same Message-ID
(``message_id_for(row.id, mail_domain)``), so receivers can de-duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from engine.clock import Clock
from engine.ports import OutboxQueue
from engine.records import OutboxMessage
from engine.service import Engine
from notifications.context import check_context
from notifications.errors import NotificationError, UnknownNotice
from notifications.headers import validate_address
from notifications.message import build_message, message_id_for, parse_mailbox
from notifications.rendering import render_notice
from notifications.retry import next_attempt, relay_pause, should_give_up
from notifications.settings import with_body_identity
from notifications.smtp import DeliveryResult, MailSender, SmtpSettings

if TYPE_CHECKING:  # a type only: importing the module would load aiosmtpd, which only the embedded server needs
    from notifications.maildir_server import EmbeddedSmtp

log = logging.getLogger("consultflow.dispatcher")

Result = Literal["sent", "retry", "failed", "released", "lost"]
T = TypeVar("T")

DEFAULT_BATCH = 100
DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_POLL_SECONDS = 5.0
DETAIL_LINES = 20  # beyond this many messages in one batch, report the counts only


class MailTransport(Protocol):
    """What the dispatcher sends through (``MailSender``, or a fake in unit tests)."""

    async def send(self, message: EmailMessage, *, recipients: Sequence[str]) -> DeliveryResult: ...

    async def close(self) -> None: ...


TransportFactory = Callable[[SmtpSettings], MailTransport]


@dataclass(frozen=True)
class Outcome:
    """What the dispatcher did with one outbox row."""

    message_id: int
    notice: str
    to: str
    result: Result
    detail: str


@dataclass(frozen=True)
class DispatchReport:
    """What one or more batches did; ``relay_error`` is set when the relay could not be reached."""

    now: datetime
    claimed: int = 0
    outcomes: tuple[Outcome, ...] = ()
    relay_error: str | None = None

    def _with(self, result: Result) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == result]

    @property
    def sent(self) -> list[Outcome]:
        return self._with("sent")

    @property
    def retried(self) -> list[Outcome]:
        return self._with("retry")

    @property
    def failed(self) -> list[Outcome]:
        return self._with("failed")

    @property
    def released(self) -> list[Outcome]:
        return self._with("released")

    @property
    def lost(self) -> list[Outcome]:
        """Rows whose lease ran out and were claimed by another dispatcher before the result was recorded."""
        return self._with("lost")

    @property
    def attempted(self) -> int:
        return len(self.outcomes) - len(self.released)

    def merged(self, other: DispatchReport) -> DispatchReport:
        return DispatchReport(
            self.now,
            self.claimed + other.claimed,
            self.outcomes + other.outcomes,
            other.relay_error or self.relay_error,
        )

    def summary(self) -> str:
        parts = [f"{len(self.sent)} sent", f"{len(self.retried)} to retry", f"{len(self.failed)} failed"]
        if self.released:
            parts.append(f"{len(self.released)} given back unattempted")
        if self.lost:
            parts.append(f"{len(self.lost)} lost to another dispatcher after the lease ran out")
        text = ", ".join(parts)
        return f"{text}; relay unreachable: {self.relay_error}" if self.relay_error else text


@dataclass(frozen=True)
class _Ahead:
    """The message of row ``row_id``, prepared ahead, or what preparing it raised."""

    row_id: int
    prepared: tuple[EmailMessage, str] | Exception

    def message(self) -> tuple[EmailMessage, str]:
        if isinstance(self.prepared, Exception):
            raise self.prepared
        return self.prepared


@dataclass
class _Batch:
    claimed: list[OutboxMessage]
    outcomes: list[Outcome] = field(default_factory=list)
    relay_error: str | None = None


class Dispatcher:
    """Sends the outbox of one engine through one relay; see the module docstring."""

    def __init__(
        self,
        engine: Engine,
        settings: SmtpSettings,
        *,
        clock: Clock | None = None,
        transport_factory: TransportFactory | None = None,
        token: str | None = None,
        batch: int = DEFAULT_BATCH,
        lease: timedelta = DEFAULT_LEASE,
        rng: random.Random | None = None,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        say: Callable[[str], None] | None = None,
    ) -> None:
        if batch < 1 or lease <= timedelta(0) or poll_seconds <= 0:
            raise ValueError("batch, lease and poll_seconds must be positive")
        self.engine = engine
        self.settings = with_body_identity(settings, engine.catalogue.body)
        self.sender = parse_mailbox(self.settings.sender)
        message_id_for(0, self.settings.mail_domain)  # a bad mail domain is refused now, not per message
        self.clock = clock or engine.clock
        self.transport_factory: TransportFactory = transport_factory or MailSender
        self.token = token or f"dispatcher-{uuid.uuid4().hex}"
        self.batch = batch
        self.lease = lease
        # Stop starting new messages this long before the lease ends: one send may take up to two timeouts
        # (connect, then the message), and the result must be recorded while the row is still ours.
        self.lease_margin = min(lease / 2, timedelta(seconds=2 * self.settings.timeout + 5))
        self.rng = rng or random.Random()
        self.poll_seconds = poll_seconds
        self.say = say or log.info
        self._transport: MailTransport | None = None
        self._wake = asyncio.Event()

    # -- lifecycle ------------------------------------------------------------------------------------

    async def __aenter__(self) -> Dispatcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the SMTP connection, if one is open."""
        transport, self._transport = self._transport, None
        if transport is not None:
            await transport.close()

    def wake(self) -> None:
        """Look at the outbox now (e.g. after a timer batch queued notices); call it on the dispatcher's loop."""
        self._wake.set()

    # -- one batch ------------------------------------------------------------------------------------

    async def send_due(self, stop: asyncio.Event | None = None) -> DispatchReport:
        """Claim the rows due now, send them one by one, record each result; see the module docstring."""
        now = self.clock.now()
        work = _Batch(await self._claim(now))
        pending = list(work.claimed)
        deadline = now + self.lease - self.lease_margin
        ahead: _Ahead | None = None
        try:
            while pending and not (stop is not None and stop.is_set()) and self.clock.now() < deadline:
                row = pending.pop(0)
                prepared = ahead if ahead is not None and ahead.row_id == row.id else None
                outcome, ahead = await self._deliver(row, work, prepared, pending[0] if pending else None)
                work.outcomes.append(outcome)
                _honour_cancellation()
                if work.relay_error is not None:
                    break
        finally:
            # Also on cancellation: what was never attempted goes back to the queue at once. The row in
            # flight (if any) is not given back: the server may have accepted it; its lease decides.
            if pending:
                self._db(lambda q: q.release([r.id for r in pending], self.token))
                work.outcomes.extend(_outcome(r, "released", "not attempted in this batch") for r in pending)
        return DispatchReport(now, len(work.claimed), tuple(work.outcomes), work.relay_error)

    async def flush(self, stop: asyncio.Event | None = None) -> DispatchReport:
        """Send everything due now, batch after batch, until a batch comes back short or the relay is down."""
        total = DispatchReport(self.clock.now())
        while True:
            report = await self.send_due(stop)
            total = total.merged(report)
            done = report.claimed < self.batch or report.attempted == 0
            if done or report.relay_error is not None or (stop is not None and stop.is_set()):
                return total

    async def _claim(self, now: datetime) -> list[OutboxMessage]:
        """Claim in a worker thread; if cancelled meanwhile, let the claim finish and give its rows back."""
        claim = asyncio.ensure_future(
            asyncio.to_thread(self._db, lambda q: q.claim(self.token, now, self.batch, self.lease))
        )
        try:
            return await asyncio.shield(claim)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                rows = await claim
                self._db(lambda q: q.release([r.id for r in rows], self.token))
            raise

    async def _deliver(
        self, row: OutboxMessage, work: _Batch, ahead: _Ahead | None, following: OutboxMessage | None
    ) -> tuple[Outcome, _Ahead | None]:
        """Send ``row`` (its message prepared ``ahead``, or now) and record the result; the worker call that
        records it then prepares the ``following`` row's message, returned for the next turn."""
        try:
            # Off the event loop: rendering and building are bounded (notifications.rendering caps subjects and
            # values), but still CPU work that must not delay timers, other tasks or SIGTERM.
            message, envelope_to = ahead.message() if ahead is not None else await asyncio.to_thread(self._prepare, row)
        except asyncio.CancelledError:
            self._db(lambda q: q.release([row.id], self.token))  # nothing was sent: give it back at once
            raise
        except NotificationError as exc:
            return await self._record(row, "failed", f"not sent: {exc}", then=following)
        except Exception as exc:  # a bug in one notice must not block the queue: fail it, keep going
            detail = f"not sent: internal error {type(exc).__name__}: {exc}"
            return await self._record(row, "failed", detail, then=following)
        if self._transport is None:
            self._transport = self.transport_factory(self.settings)
        result = await self._transport.send(message, recipients=[envelope_to])
        if result.accepted:
            return await self._record(row, "sent", result.reason, then=following)
        if result.status == "permanent":
            return await self._record(row, "failed", result.reason, then=following)
        if result.stage == "connect":
            work.relay_error = result.reason
            following = None  # the batch ends here: nothing to prepare
        attempts = row.attempts + 1
        if should_give_up(attempts):
            detail = f"gave up after {attempts} attempts: {result.reason}"
            return await self._record(row, "failed", detail, then=following)
        retry_at = next_attempt(attempts, self.clock.now(), self.rng)
        return await self._record(row, "retry", result.reason, retry_at, then=following)

    def _prepare(self, row: OutboxMessage) -> tuple[EmailMessage, str]:
        """The message for ``row`` and its envelope recipient; raises NotificationError if it cannot be built."""
        context = check_context(row.context)
        recipient = context["recipient"]
        notice = self.engine.catalogue.notices.get(row.notice)
        if notice is None:
            raise UnknownNotice(row.notice)
        rendered = render_notice(row.notice, recipient["language"], context)
        message = build_message(
            rendered,
            notice=notice,
            sender=self.sender,
            recipient=recipient,
            context=context,
            message_id=message_id_for(row.id, self.settings.mail_domain),
            date=self.clock.now(),
        )
        return message, validate_address(recipient["email"])

    async def _record(
        self,
        row: OutboxMessage,
        result: Result,
        detail: str,
        retry_at: datetime | None = None,
        *,
        then: OutboxMessage | None = None,
    ) -> tuple[Outcome, _Ahead | None]:
        """Write one result in its own transaction; ``lost`` if the row is no longer ours.

        The same worker call then prepares the message of ``then`` (the next row), once the transaction is
        committed: one trip off the event loop per message instead of two. Preparing writes and sends nothing,
        so a message prepared for a row that is not attempted after all (stop, lease, relay down) is dropped.
        """
        token, now, error = self.token, self.clock.now(), detail

        def write(q: OutboxQueue) -> bool:
            if result == "sent":
                return q.mark_sent(row.id, token, now)
            if result == "retry":
                assert retry_at is not None
                return q.mark_retry(row.id, token, retry_at, error)
            return q.mark_failed(row.id, token, error)

        if result == "retry":
            assert retry_at is not None
            detail = f"{detail}; next attempt at {retry_at.isoformat(timespec='seconds')}"
        ours, ahead = await asyncio.to_thread(self._write_then_prepare, write, then)
        if not ours:
            return _outcome(row, "lost", f"{result} not recorded, the row is no longer ours: {detail}"), ahead
        return _outcome(row, result, detail), ahead

    def _write_then_prepare(
        self, write: Callable[[OutboxQueue], bool], then: OutboxMessage | None
    ) -> tuple[bool, _Ahead | None]:
        ours = self._db(write)
        if then is None:
            return ours, None
        try:
            return ours, _Ahead(then.id, self._prepare(then))
        except Exception as exc:  # kept for the row's turn, where it fails that row as preparing it then would
            return ours, _Ahead(then.id, exc)

    def _db(self, action: Callable[[OutboxQueue], T]) -> T:
        with self.engine.storage.write() as unit:
            return action(unit.outbox)

    # -- the loop -------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Send what falls due until ``stop`` is set; waits for the next due row, at most ``poll_seconds``."""
        relay_failures = 0
        try:
            while not stop.is_set():
                delay = self.poll_seconds
                try:
                    report = await self.send_due(stop)
                except Exception as exc:  # the database or a bug: say it, try again after the poll delay
                    self.say(f"mail: error: {type(exc).__name__}: {exc}")
                else:
                    self._tell(report)
                    if report.relay_error is not None:
                        relay_failures += 1
                        delay = relay_pause(relay_failures, self.rng)
                    else:
                        relay_failures = 0
                        full = report.claimed >= self.batch and report.attempted > 0
                        delay = 0.0 if full else await self._until_next_due()
                await self._pause(delay, stop)
        finally:
            await self.close()

    async def _until_next_due(self) -> float:
        due = await asyncio.to_thread(self._db, lambda q: q.next_due())
        if due is None:
            return self.poll_seconds
        wait = (due - self.clock.now()).total_seconds()
        # Due already but not claimed by us: another dispatcher holds it; look again after the poll delay.
        return self.poll_seconds if wait <= 0 else min(wait, self.poll_seconds)

    async def _pause(self, seconds: float, stop: asyncio.Event) -> None:
        if seconds <= 0 or stop.is_set():
            return
        waits = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
            await asyncio.gather(*waits, return_exceptions=True)
            self._wake.clear()

    def _tell(self, report: DispatchReport) -> None:
        if not report.claimed:
            return
        for o in report.outcomes:
            if o.result not in ("sent", "released") or len(report.outcomes) <= DETAIL_LINES:
                self.say(f"mail: {o.result} #{o.message_id} {o.notice} to {o.to}: {o.detail}")
        self.say(f"mail: batch: {report.summary()}")


def _honour_cancellation() -> None:
    """Raise CancelledError if this task was cancelled but the cancellation got lost on the way.

    On Python 3.11, ``asyncio.wait_for`` (which aiosmtplib awaits every server reply with) returns the
    reply and drops the cancellation when both arrive together (python/cpython#86296, fixed in 3.12);
    the task's ``cancelling()`` count still shows it, so the batch stops at the next message.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _outcome(row: OutboxMessage, result: Result, detail: str) -> Outcome:
    return Outcome(row.id, row.notice, row.to_email, result, detail)


async def run_dispatcher(
    engine: Engine,
    settings: SmtpSettings | None,
    clock: Clock | None,
    stop: asyncio.Event,
    *,
    mail_folder: Path | None = None,
    say: Callable[[str], None] | None = None,
    batch: int = DEFAULT_BATCH,
    lease: timedelta = DEFAULT_LEASE,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> None:
    """Run a dispatcher until ``stop``: the one call ``consultflow run`` needs.

    With ``settings`` None (no relay configured), an embedded SMTP server is started on loopback filing
    every message in ``mail_folder / "Maildir"`` (``say`` tells where), and stopped at the end. Use it as
    a daemon task: ``functools.partial(run_dispatcher, engine, settings, clock, mail_folder=..., say=...)``.
    """
    tell = say or log.info
    server: EmbeddedSmtp | None = None
    if settings is None:
        if mail_folder is None:
            raise ValueError("without SMTP settings, give the mail_folder for the embedded server")
        embedded, relay = await asyncio.to_thread(start_embedded_relay, mail_folder, engine)
        server = embedded
        tell(f"mail: no SMTP host configured; {describe_embedded(embedded)}")
    else:
        relay = settings
        tell(f"mail: relay {describe(relay)}")
    try:
        dispatcher = Dispatcher(
            engine, relay, clock=clock, say=tell, batch=batch, lease=lease, poll_seconds=poll_seconds
        )
        await dispatcher.run(stop)
    finally:
        if server is not None:
            await asyncio.to_thread(server.stop)


def start_embedded_relay(mail_folder: Path, engine: Engine) -> tuple[EmbeddedSmtp, SmtpSettings]:
    """Start the loopback Maildir server in ``mail_folder / "Maildir"``; returns it and the settings to reach it."""
    from notifications.maildir_server import start_embedded_smtp  # imports aiosmtpd: only when needed

    mail_folder.mkdir(parents=True, exist_ok=True)
    server = start_embedded_smtp(mail_folder / "Maildir", keep=0)
    settings = with_body_identity(SmtpSettings(host=server.host, port=server.port, timeout=10), engine.catalogue.body)
    return server, settings


def describe_embedded(server: EmbeddedSmtp) -> str:
    """Where the embedded server listens and files mail."""
    return (
        f"the embedded server {server.host}:{server.port} files mail in {server.maildir} (`mutt -f {server.maildir}`)"
    )


def describe(settings: SmtpSettings) -> str:
    """The relay in words, without the password."""
    login = f", as {settings.username}" if settings.username else ""
    return f"{settings.host}:{settings.port} ({settings.tls}{login}), from {settings.sender}"
