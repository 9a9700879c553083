"""Deliver messages over SMTP with aiosmtplib and classify every outcome.

``MailSender.send`` never raises for an SMTP or network failure: it returns a DeliveryResult that
says ``sent``, ``partial`` (accepted for some envelope recipients only), ``temporary`` (retry later)
or ``permanent`` (give up, with the server's reason). The rules:

- a 5xx reply to MAIL, RCPT or DATA is permanent; a 4xx reply is temporary;
- connection refused, disconnects, timeouts and other network errors are temporary;
- failures before the message is offered (greeting, EHLO, STARTTLS, AUTH) are temporary whatever
  their code: they concern the relay or our settings, not this message, so retrying is right;
- aiosmtplib raises nothing when only some recipients are refused: the returned dict is inspected.

In ``reuse`` mode one connection is kept open between messages (reconnecting when the server has
dropped it, checking it with NOOP after an idle spell, recycling it after ``recycle_after``
messages); in ``per_message`` mode every message gets its own connection (for the benchmark).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from types import MappingProxyType, TracebackType
from typing import Literal

import aiosmtplib

from notifications.errors import InvalidMessageInput
from notifications.message import parse_mailbox

TlsMode = Literal["none", "starttls", "tls"]
DeliveryStatus = Literal["sent", "partial", "temporary", "permanent"]
SendMode = Literal["reuse", "per_message"]
Stage = Literal["connect", "send"]

DEFAULT_SENDER = "CWG-Internet <noreply@consultflow.invalid>"
DEFAULT_MAIL_DOMAIN = "consultflow.invalid"


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to relay mail. The password is never shown by repr() or str()."""

    host: str
    port: int
    tls: TlsMode = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    sender: str = DEFAULT_SENDER
    mail_domain: str = DEFAULT_MAIL_DOMAIN
    ca_file: str | None = None
    """PEM file of the certificate authorities to trust for TLS instead of the system's (a private relay)."""

    def __post_init__(self) -> None:
        if self.tls not in ("none", "starttls", "tls"):
            raise InvalidMessageInput(f"SMTP TLS mode must be none, starttls or tls, not {self.tls!r}.")
        if not 0 < self.port < 65536:
            raise InvalidMessageInput(f"SMTP port must be between 1 and 65535, not {self.port}.")
        if self.timeout <= 0:
            raise InvalidMessageInput(f"SMTP timeout must be positive, not {self.timeout}.")
        if (self.username is None) != (self.password is None):
            raise InvalidMessageInput("Give both an SMTP username and a password, or neither.")
        parse_mailbox(self.sender)


@dataclass(frozen=True)
class RecipientRefusal:
    """The server's refusal of one envelope recipient."""

    code: int
    message: str

    @property
    def temporary(self) -> bool:
        """Whether the refusal may go away (4xx)."""
        return 400 <= self.code < 500


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one message; ``reason`` is the server's reply or the error.

    ``stage`` says whether it failed while reaching the relay (``connect``: greeting, EHLO, STARTTLS,
    AUTH; the relay is unusable, not this message) or while offering the message (``send``).
    """

    status: DeliveryStatus
    reason: str
    code: int | None = None
    refused: Mapping[str, RecipientRefusal] = field(default_factory=lambda: MappingProxyType({}))
    stage: Stage = "send"

    @property
    def accepted(self) -> bool:
        """Whether the server took the message for at least one recipient (do not resend it whole)."""
        return self.status in ("sent", "partial")

    @property
    def retry_recipients(self) -> tuple[str, ...]:
        """Recipients refused with a 4xx reply, to try again in a new message."""
        return tuple(addr for addr, refusal in self.refused.items() if refusal.temporary)


def classify_failure(exc: BaseException, stage: Stage) -> DeliveryResult:
    """Turn an exception raised while connecting (``connect``) or sending (``send``) into a result."""
    return replace(_classify(exc, stage), stage=stage)


def _classify(exc: BaseException, stage: Stage) -> DeliveryResult:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refused = {r.recipient: RecipientRefusal(r.code, r.message) for r in exc.recipients}
        temporary = any(refusal.temporary for refusal in refused.values())
        reason = "; ".join(f"{addr}: {r.code} {r.message}" for addr, r in refused.items())
        code = max((r.code for r in refused.values()), default=None)
        return DeliveryResult(
            "temporary" if temporary else "permanent",
            f"all recipients refused ({reason})",
            code,
            MappingProxyType(refused),
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException) and stage == "send":
        reply = f"{exc.code} {exc.message}".strip()
        if 500 <= exc.code < 600:
            return DeliveryResult("permanent", reply, exc.code)
        return DeliveryResult("temporary", reply, exc.code)
    if isinstance(exc, aiosmtplib.SMTPNotSupported) and stage == "send":
        return DeliveryResult("permanent", f"server cannot take this message: {exc}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return DeliveryResult("temporary", f"{stage} failed: {exc.code} {exc.message}".strip(), exc.code)
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        return DeliveryResult("temporary", f"server disconnected during {stage}: {exc}")
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return DeliveryResult("temporary", f"timed out during {stage}: {exc}".rstrip(": "))
    if isinstance(exc, aiosmtplib.SMTPConnectError | OSError):
        return DeliveryResult("temporary", f"cannot connect: {exc}")
    return DeliveryResult("temporary", f"{type(exc).__name__} during {stage}: {exc}")


class MailSender:
    """Sends messages through one SMTP relay; use as ``async with MailSender(settings) as sender``."""

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        mode: SendMode = "reuse",
        recycle_after: int = 100,
        idle_check_after: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.mode = mode
        self.recycle_after = recycle_after
        self.idle_check_after = idle_check_after
        self._clock = clock
        self._client: aiosmtplib.SMTP | None = None
        self._sent_on_connection = 0
        self._last_used = 0.0
        self._lock = asyncio.Lock()
        self.connections_opened = 0
        self.envelope_sender = parse_mailbox(settings.sender).email

    async def __aenter__(self) -> MailSender:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def send(
        self, message: EmailMessage | bytes, *, recipients: Sequence[str], sender: str | None = None
    ) -> DeliveryResult:
        """Send ``message`` to exactly ``recipients`` (the envelope; headers are not consulted).

        ``message`` may also be given already flattened (CRLF line ends, as
        ``aiosmtplib.email.flatten_message`` makes it), which the benchmark uses to time SMTP alone.
        """
        if not recipients:
            raise InvalidMessageInput("A message needs at least one envelope recipient.")
        async with self._lock:
            try:
                client = await self._connection()
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                return classify_failure(exc, "connect")
            try:
                envelope_from, envelope_to = sender or self.envelope_sender, list(recipients)
                if isinstance(message, bytes):
                    refused, reply = await client.sendmail(envelope_from, envelope_to, message)
                else:
                    refused, reply = await client.send_message(message, sender=envelope_from, recipients=envelope_to)
            except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as exc:
                if isinstance(exc, ValueError):  # aiosmtplib refuses an address it cannot send
                    return DeliveryResult("permanent", f"address refused before sending: {exc}")
                # After a reply to MAIL/RCPT/DATA aiosmtplib has reset the envelope; anything else
                # leaves the connection in doubt, so drop it.
                answered = isinstance(exc, aiosmtplib.SMTPResponseException | aiosmtplib.SMTPRecipientsRefused)
                if not (answered and client.is_connected):
                    self._discard()
                return classify_failure(exc, "send")
            except BaseException:
                self._discard()  # cancelled mid-conversation: never reuse that connection
                raise
            await self._after_message()
            if refused:
                details = {addr: RecipientRefusal(r.code, r.message) for addr, r in refused.items()}
                listed = "; ".join(f"{a}: {r.code} {r.message}" for a, r in details.items())
                return DeliveryResult("partial", f"{reply}; refused {listed}", 250, MappingProxyType(details))
            return DeliveryResult("sent", reply, 250)

    async def close(self) -> None:
        """Say QUIT and close the connection, if one is open."""
        async with self._lock:
            await self._quit()

    async def _connection(self) -> aiosmtplib.SMTP:
        """The open connection, after checking it still works; a new one otherwise."""
        client = self._client
        if client is not None and client.is_connected:
            if self._clock() - self._last_used < self.idle_check_after:
                return client
            try:
                await client.noop()
                return client
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                self._discard()
        elif client is not None:
            self._discard()
        settings = self.settings
        client = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            username=settings.username,
            password=settings.password,
            timeout=settings.timeout,
            use_tls=settings.tls == "tls",
            start_tls=settings.tls == "starttls",
            local_hostname=settings.mail_domain,
            cert_bundle=settings.ca_file,
        )
        try:
            await asyncio.wait_for(client.connect(), timeout=settings.timeout)
        except BaseException:
            client.close()
            raise
        self.connections_opened += 1
        self._client, self._sent_on_connection, self._last_used = client, 0, self._clock()
        return client

    async def _after_message(self) -> None:
        """Count the message and end the connection when the mode or the recycling limit says so."""
        self._sent_on_connection += 1
        self._last_used = self._clock()
        if self.mode == "per_message" or self._sent_on_connection >= self.recycle_after:
            await self._quit()

    async def _quit(self) -> None:
        """End the current connection politely, ignoring a server that is already gone."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await asyncio.wait_for(client.quit(), timeout=self.settings.timeout)
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            pass
        finally:
            client.close()

    def _discard(self) -> None:
        """Drop the current connection without a word."""
        client, self._client = self._client, None
        if client is not None:
            client.close()
