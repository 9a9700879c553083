"""SMTP settings from the environment, the mail identity of the body, and where the embedded server files mail.

Only the composition root (the CLI) calls these, passing ``os.environ``; nothing here reads the
environment by itself. The password goes into :class:`SmtpSettings` (whose ``repr`` hides it) and
nowhere else: it is never printed, logged or written to the database.

==============================  ====================================================================
``CONSULTFLOW_SMTP_HOST``       the relay; unset or empty means "use the embedded Maildir server"
``CONSULTFLOW_SMTP_PORT``       default 587 for ``starttls``, 465 for ``tls``, 25 for ``none``
``CONSULTFLOW_SMTP_TLS``        ``starttls`` (default), ``tls`` (implicit, port 465) or ``none``
``CONSULTFLOW_SMTP_USER``       login, with ``CONSULTFLOW_SMTP_PASSWORD`` (both or neither)
``CONSULTFLOW_SMTP_SENDER``     the From address, e.g. ``CWG-Internet <cwg@itu.example>``; default: body.yaml
``CONSULTFLOW_SMTP_CA_FILE``    PEM certificate authorities to trust instead of the system's
``CONSULTFLOW_SMTP_TIMEOUT``    seconds per SMTP operation (default 30)
==============================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import cast

from engine.body import Body
from notifications.errors import InvalidSettings, NotificationError
from notifications.smtp import DEFAULT_MAIL_DOMAIN, DEFAULT_SENDER, SmtpSettings, TlsMode

HOST, PORT, TLS = "CONSULTFLOW_SMTP_HOST", "CONSULTFLOW_SMTP_PORT", "CONSULTFLOW_SMTP_TLS"
USER, PASSWORD, SENDER = "CONSULTFLOW_SMTP_USER", "CONSULTFLOW_SMTP_PASSWORD", "CONSULTFLOW_SMTP_SENDER"
CA_FILE, TIMEOUT = "CONSULTFLOW_SMTP_CA_FILE", "CONSULTFLOW_SMTP_TIMEOUT"
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "tls": 465, "none": 25}
MAIL_FOLDER = "consultflow-mail"
"""The data folder of the embedded server, next to the SQLite file (or in the working directory)."""


def body_sender(body: Body) -> str:
    """The From of the body's notices: body.yaml's ``sender``, with the body's code as display name."""
    name, address = parseaddr(body.sender)
    return body.sender if name else formataddr((body.code, address or body.sender))


def with_body_identity(settings: SmtpSettings, body: Body) -> SmtpSettings:
    """``settings`` with the body's sender and mail domain where they were left at their defaults."""
    return replace(
        settings,
        sender=body_sender(body) if settings.sender == DEFAULT_SENDER else settings.sender,
        mail_domain=body.mail_domain if settings.mail_domain == DEFAULT_MAIL_DOMAIN else settings.mail_domain,
    )


def smtp_settings_from_env(environ: Mapping[str, str], body: Body) -> SmtpSettings | None:
    """The relay named by ``CONSULTFLOW_SMTP_*`` with the body's identity, or None when no host is set."""
    host = environ.get(HOST, "").strip()
    if not host:
        return None
    tls = environ.get(TLS, "").strip().lower() or "starttls"
    if tls not in DEFAULT_PORTS:
        raise InvalidSettings(f"{TLS} must be starttls, tls or none, not {tls!r}")
    port = _port(environ.get(PORT, "").strip(), DEFAULT_PORTS[tls])
    timeout = _seconds(environ.get(TIMEOUT, "").strip(), 30.0)
    username = environ.get(USER) or None
    password = environ.get(PASSWORD) or None
    if (username is None) != (password is None):
        raise InvalidSettings(f"set both {USER} and {PASSWORD}, or neither")
    try:
        return SmtpSettings(
            host=host,
            port=port,
            tls=cast(TlsMode, tls),
            username=username,
            password=password,
            timeout=timeout,
            sender=environ.get(SENDER, "").strip() or body_sender(body),
            mail_domain=body.mail_domain,
            ca_file=environ.get(CA_FILE, "").strip() or None,
        )
    except NotificationError as exc:  # never echo the password: the messages name fields, not values
        raise InvalidSettings(f"invalid SMTP settings ({HOST}, {PORT}, {TLS}, {SENDER}...): {exc}") from None


def _port(text: str, default: int) -> int:
    if not text:
        return default
    if not text.isdigit():
        raise InvalidSettings(f"{PORT} must be a port number, not {text!r}")
    return int(text)


def _seconds(text: str, default: float) -> float:
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise InvalidSettings(f"{TIMEOUT} must be a number of seconds, not {text!r}") from None


def mail_folder(database_url: str, cwd: Path) -> Path:
    """Where the embedded server keeps its Maildir: ``consultflow-mail/`` next to a SQLite file, else in ``cwd``."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if database_url.startswith(prefix):
            path = database_url[len(prefix) :].split("?", 1)[0]
            if path and path != ":memory:":
                return (cwd / path).resolve().parent / MAIL_FOLDER
    return cwd.resolve() / MAIL_FOLDER
