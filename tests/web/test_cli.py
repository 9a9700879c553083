"""The commands: `consultflow accounts` (password from stdin, a token printed once, list, revoke) and
`consultflow serve` answering on loopback (health open, pages behind the log-in, API behind a token)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "consultflow"
PEOPLE = Path(__file__).resolve().parents[1] / "fixtures" / "people.csv"


def cf(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "--db", db_url, *args], input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def db(db_url: str) -> str:
    assert cf(db_url, "people", "import", str(PEOPLE)).returncode == 0
    return db_url


def test_accounts_commands(db: str) -> None:
    """A password from stdin creates the account; a token prints once and is listed without its secret."""
    made = cf(db, "accounts", "set-password", "sec.alice", stdin="correct horse battery\n")
    assert made.returncode == 0 and "account created for sec.alice" in made.stdout
    again = cf(db, "accounts", "set-password", "sec.alice", stdin="another long password\n")
    assert "password changed" in again.stdout
    short = cf(db, "accounts", "set-password", "sec.alice", stdin="short\n")
    assert short.returncode == 1 and short.stderr.startswith("error: a password needs at least 10")
    unknown = cf(db, "accounts", "set-password", "nobody", stdin="correct horse battery\n")
    assert unknown.returncode == 4
    token = cf(db, "--json", "accounts", "token", "sec.alice", "--name", "reporting script")
    secret = json.loads(token.stdout)["token"]
    assert secret.startswith("cf_")
    listed = cf(db, "accounts", "tokens", "sec.alice")
    assert "reporting script" in listed.stdout and secret not in listed.stdout
    assert cf(db, "accounts", "revoke", "sec.alice", "1").returncode == 0
    assert "no active token 1" in cf(db, "accounts", "revoke", "sec.alice", "1").stderr


def test_serve_answers_on_loopback(db: str, tmp_path: Path) -> None:
    """`consultflow serve` starts, /health answers, a page redirects to the log-in, the API wants a token."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    secret = json.loads(cf(db, "--json", "accounts", "token", "ms.fr", "--name", "t").stdout)["token"]
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(BIN), "--db", db, "serve", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=os.environ
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/health")
                health = conn.getresponse()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
                time.sleep(0.1)
        assert health.status == 200 and json.loads(health.read()) == {"status": "ok"}
        conn.request("GET", "/outbox")
        page = conn.getresponse()
        page.read()
        assert page.status == 303 and page.getheader("location") == "/login?next=/outbox"
        conn.request("GET", "/api/me")
        refused = conn.getresponse()
        refused.read()
        assert refused.status == 401
        conn.request("GET", "/api/me", headers={"Authorization": f"Bearer {secret}"})
        assert json.loads(conn.getresponse().read())["member_state"] == "France"
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
