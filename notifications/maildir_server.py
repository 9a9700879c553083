"""An SMTP server on loopback that files every message in a Maildir: the embedded default and the test server.

When no relay is configured, ``consultflow run`` starts one so the whole mail path stays real on a
laptop: messages are readable with any mail client that opens a Maildir (``mutt -f PATH``). Tests use
the same server and its ``behaviour`` to inject failures: refuse connections for a while, answer
MAIL/RCPT/DATA with a 4xx/5xx reply, or drop the connection.

aiosmtpd 1.4.6 cannot listen on port 0 (aio-libs/aiosmtpd#388), so a free port is found by binding
a socket to port 0 first; ``hostname="127.0.0.1"`` avoids the ``::1`` attempt and ``server_hostname``
avoids a ``getfqdn()`` DNS lookup.
"""

from __future__ import annotations

import asyncio
import mailbox
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

LOOPBACK = "127.0.0.1"
SERVER_HOSTNAME = "consultflow.smtp.local"

Command = Literal["mail", "rcpt", "data"]


@dataclass
class ServerBehaviour:
    """Faults to inject; the test may change them while the server runs (plain attribute writes)."""

    mail_reply: str | None = None
    """Reply to every MAIL FROM instead of 250, e.g. ``"451 4.3.0 Try again later"``."""
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    """Reply to RCPT TO for these addresses (lower case), e.g. ``{"x@y.org": "550 5.1.1 No such user"}``."""
    data_reply: str | None = None
    """Reply at the end of DATA instead of accepting the message."""
    disconnect_at: Command | None = None
    """Drop the connection without a reply when this command arrives."""
    data_delay: float = 0.0
    """Seconds to wait at the end of DATA before filing and answering (a slow relay)."""


@dataclass(frozen=True)
class ReceivedMessage:
    """One message the server accepted: the envelope, the raw bytes and the connection number."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    connection: int


class MaildirHandler:
    """aiosmtpd handler: applies the behaviour, then files each accepted message once per recipient."""

    def __init__(self, maildir: Path, behaviour: ServerBehaviour, keep: int) -> None:
        self.maildir = mailbox.Maildir(maildir, create=True)
        self.behaviour = behaviour
        self.received: deque[ReceivedMessage] = deque(maxlen=keep)
        self.messages_received = 0
        self.connections = 0
        self._lock = threading.Lock()

    def connection_opened(self) -> int:
        """Count a new connection and return its number (1, 2, ...)."""
        with self._lock:
            self.connections += 1
            return self.connections

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self._drop("mail", server):
            return "421 4.3.0 Closing connection"
        if self.behaviour.mail_reply:
            return self.behaviour.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self._drop("rcpt", server):
            return "421 4.3.0 Closing connection"
        reply = self.behaviour.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._drop("data", server):
            return "421 4.3.0 Closing connection"
        if self.behaviour.data_delay > 0:
            await asyncio.sleep(self.behaviour.data_delay)
        if self.behaviour.data_reply:
            return self.behaviour.data_reply
        content = envelope.original_content or b""
        mail_from = envelope.mail_from or ""
        for rcpt in envelope.rcpt_tos:
            delivered = f"Return-Path: <{mail_from}>\r\nDelivered-To: {rcpt}\r\n".encode("ascii", "replace")
            self.maildir.add(delivered + content)
        connection = getattr(server, "connection_number", 0)
        with self._lock:
            self.messages_received += 1
            self.received.append(ReceivedMessage(mail_from, tuple(envelope.rcpt_tos), content, connection))
        return "250 2.0.0 Message accepted for delivery"

    def _drop(self, command: Command, server: SMTP) -> bool:
        """Close the connection abruptly if the behaviour says so for ``command``."""
        transport = server.transport
        if self.behaviour.disconnect_at != command or transport is None:
            return False
        if isinstance(transport, asyncio.Transport):
            transport.abort()
        else:
            transport.close()
        return True


class _CountingSMTP(SMTP):
    """aiosmtpd's SMTP protocol, numbering each connection for the handler."""

    connection_number = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.transport is None:  # not the STARTTLS re-entry
            self.connection_number = self.event_handler.connection_opened()
        super().connection_made(transport)


class _Controller(Controller):
    """A Controller whose connections are counted."""

    def factory(self) -> SMTP:
        return _CountingSMTP(self.handler, **self.SMTP_kwargs)


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that was free a moment ago (there is a small race, acceptable on loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedSmtp:
    """A running loopback SMTP server writing to ``maildir``; stop it with ``stop()`` or ``with``."""

    def __init__(self, maildir: Path, behaviour: ServerBehaviour, keep: int, port: int | None) -> None:
        self.host = LOOPBACK
        self.maildir = maildir
        self.behaviour = behaviour
        self.handler = MaildirHandler(maildir, behaviour, keep)
        self.port = port or free_port()
        self._controller: _Controller | None = None
        self.accept_connections()

    @property
    def received(self) -> list[ReceivedMessage]:
        """The last accepted messages (as many as ``keep``), oldest first."""
        return list(self.handler.received)

    @property
    def messages_received(self) -> int:
        """How many messages were accepted since the start."""
        return self.handler.messages_received

    @property
    def connections(self) -> int:
        """How many SMTP connections clients opened since the start."""
        return self.handler.connections

    @property
    def accepting(self) -> bool:
        """Whether the server is listening (False while it refuses connections)."""
        return self._controller is not None

    def refuse_connections(self) -> None:
        """Stop listening: clients get 'connection refused' until accept_connections()."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def accept_connections(self) -> None:
        """Listen (again) on the same port."""
        if self._controller is not None:
            return
        controller = _Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            server_hostname=SERVER_HOSTNAME,
            ready_timeout=10.0,
        )
        controller.start()
        # Controller.start() connects once to check the server is up; that is not a client.
        with self.handler._lock:
            self.handler.connections -= 1
        self._controller = controller

    def stop(self) -> None:
        """Stop the server (idempotent)."""
        self.refuse_connections()

    def __enter__(self) -> EmbeddedSmtp:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmbeddedSmtp({self.host}:{self.port} -> {self.maildir})"


def start_embedded_smtp(
    maildir: Path, *, behaviour: ServerBehaviour | None = None, keep: int = 100, port: int | None = None
) -> EmbeddedSmtp:
    """Start a loopback SMTP server filing messages in ``maildir``; ``keep`` bounds ``received``."""
    return EmbeddedSmtp(Path(maildir), behaviour or ServerBehaviour(), keep, port)
