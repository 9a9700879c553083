"""Mail throughput: 2,000 notices to a loopback SMTP server in another process, reused connection vs one per message.

The messages are rendered and built once, before any timing (building costs about as much as sending on
loopback and is the same in both modes); then only ``MailSender.send`` is timed, first over one reused
connection (``mode="reuse"``, recycled every 100 messages as the dispatcher does), then with a new
connection per message (TCP, greeting, EHLO, ..., QUIT). The server is aiosmtpd in a child process that
accepts and discards (no disk). The same is measured with STARTTLS when ``openssl`` can make a
self-signed certificate, since a real relay always costs a TLS handshake per connection.

Prints messages per second for each mode, their ratio, and as its last line the plain-loopback ratio
against the target (>= 3x); exits non-zero when the target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from aiosmtplib.email import flatten_message

from notifications.context import LANGUAGES
from notifications.message import Mailbox, build_message, message_id_for
from notifications.rendering import render_notice
from notifications.samples import sample_context, shipped_catalogue
from notifications.smtp import MailSender, SendMode, SmtpSettings

TARGET = 3.0
SENDER = Mailbox("cwg-internet@consultflow.invalid", "CWG-Internet")
NOW = datetime(2018, 12, 21, 9, tzinfo=UTC)
Built = list[tuple[EmailMessage, str]]
Batch = Built | list[tuple[bytes, str]]


# -- the server (child process) ---------------------------------------------------------------------------


class _Sink:
    """Accepts every message and keeps nothing (the bench measures the client, not a disk)."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 2.0.0 Accepted"


def serve(port: int, cert: str | None, key: str | None) -> None:
    """Run the sink on 127.0.0.1:port (STARTTLS offered and required when a certificate is given) until stdin ends."""
    from aiosmtpd.controller import Controller

    context = None
    if cert and key:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
    controller = Controller(
        _Sink(),
        hostname="127.0.0.1",
        port=port,
        server_hostname="bench.smtp.local",
        ready_timeout=10.0,
        tls_context=context,
        require_starttls=context is not None,
    )
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # the parent closes our stdin to stop us
    finally:
        controller.stop()


@contextmanager
def server_process(tls: tuple[Path, Path] | None) -> Iterator[int]:
    """A sink server in a child process; yields its port."""
    from notifications.maildir_server import free_port

    port = free_port()
    args = [sys.executable, __file__, "--serve", str(port)]
    if tls:
        args += ["--cert", str(tls[0]), "--key", str(tls[1])]
    child = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready", "the SMTP server did not start"
        yield port
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()


def self_signed(folder: Path) -> tuple[Path, Path] | None:
    """A certificate for 127.0.0.1 made with openssl, or None when openssl is missing or fails."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = folder / "cert.pem", folder / "key.pem"
    result = subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        capture_output=True,
        check=False,
    )
    return (cert, key) if result.returncode == 0 else None


# -- the client -------------------------------------------------------------------------------------------


def build_messages(count: int) -> tuple[Built, float]:
    """``count`` distinct notices (every notice in every language, round robin) and the build time per message."""
    notices = shipped_catalogue().notices
    kinds = [(notice, language) for notice in sorted(notices) for language in LANGUAGES]
    contexts = {kind: sample_context(*kind) for kind in kinds}
    batch: Built = []
    started = time.perf_counter()
    for number in range(count):
        notice, language = kinds[number % len(kinds)]
        context = contexts[notice, language]
        message = build_message(
            render_notice(notice, language, context),
            notice=notices[notice],
            sender=SENDER,
            recipient=context["recipient"],
            context=context,
            message_id=message_id_for(number + 1, "consultflow.invalid"),
            date=NOW,
        )
        batch.append((message, context["recipient"]["email"]))
    return batch, (time.perf_counter() - started) / count


async def _send_all(settings: SmtpSettings, batch: Batch, mode: SendMode) -> tuple[float, int]:
    async with MailSender(settings, mode=mode) as sender:
        started = time.perf_counter()
        for message, to in batch:
            result = await sender.send(message, recipients=[to])
            if result.status != "sent":
                raise SystemExit(f"message not accepted ({mode}): {result.status} {result.reason}")
        elapsed = time.perf_counter() - started
        return elapsed, sender.connections_opened


def rate(settings: SmtpSettings, batch: Batch, mode: SendMode, rounds: int) -> tuple[float, int]:
    """Messages per second (median over ``rounds``) and connections opened per round."""
    results = [asyncio.run(_send_all(settings, batch, mode)) for _ in range(rounds)]
    return len(batch) / statistics.median(elapsed for elapsed, _ in results), results[0][1]


def measure(label: str, settings: SmtpSettings, batch: Batch, rounds: int) -> float:
    """Print both modes and their ratio for one server; returns the ratio."""
    asyncio.run(_send_all(settings, batch[:50], "reuse"))  # warm-up: imports, TLS context, server code paths
    reuse, reuse_connections = rate(settings, batch, "reuse", rounds)
    single, single_connections = rate(settings, batch, "per_message", rounds)
    ratio = reuse / single
    for mode, speed, connections in (("reuse", reuse, reuse_connections), ("per message", single, single_connections)):
        print(f"{label:<28} {mode:<11}: {speed:6.0f} msg/s ({1000 / speed:5.2f} ms each, {connections} connections)")
    print(f"{label:<28} ratio      : {ratio:.1f}x")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per plain mode (median reported)")
    parser.add_argument("--tls-rounds", type=int, default=1, help="timed rounds per STARTTLS mode")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--cert", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.cert, args.key)
        return 0

    batch, build = build_messages(args.messages)
    size = statistics.mean(len(bytes(m)) for m, _ in batch[:200])
    print(f"{args.messages} notices built once, before timing: {build * 1000:.2f} ms each, ~{size / 1024:.0f} KiB each")
    flat = [(flatten_message(m), to) for m, to in batch]
    with server_process(None) as port:
        settings = SmtpSettings(host="127.0.0.1", port=port, timeout=30)
        plain = measure("plain, MailSender.send", settings, batch, args.rounds)
        measure("plain, SMTP only (flattened)", settings, flat, args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        tls = self_signed(Path(tmp))
        if tls is None:
            print("STARTTLS: not measured (openssl is not available)")
        else:
            with server_process(tls) as port:
                settings = SmtpSettings(host="127.0.0.1", port=port, tls="starttls", timeout=30, ca_file=str(tls[0]))
                measure("STARTTLS, MailSender.send", settings, batch, args.tls_rounds)
    print(f"reuse_vs_per_message = {plain:.1f}x (target >= {TARGET:g}x)")
    return 0 if plain >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
