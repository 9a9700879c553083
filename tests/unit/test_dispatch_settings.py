"""SMTP settings from the environment, the mail folder, the relay pause and the dispatch report (pure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.body import Body
from notifications.dispatcher import DispatchReport, Outcome, describe
from notifications.errors import InvalidSettings
from notifications.retry import RELAY_PAUSE_MAX, relay_pause
from notifications.settings import mail_folder, smtp_settings_from_env, with_body_identity
from notifications.smtp import SmtpSettings

BODY = Body(sender="cwg-internet@itu.example", mail_domain="itu.example")
SECRET = "s3cret-pw"


def test_no_host_means_the_embedded_server() -> None:
    """Without CONSULTFLOW_SMTP_HOST (or with an empty one) there are no relay settings."""
    assert smtp_settings_from_env({}, BODY) is None
    assert smtp_settings_from_env({"CONSULTFLOW_SMTP_HOST": "  "}, BODY) is None


@pytest.mark.parametrize(("tls", "port"), [("", 587), ("starttls", 587), ("STARTTLS", 587), ("tls", 465), ("none", 25)])
def test_the_port_follows_the_tls_mode(tls: str, port: int) -> None:
    """STARTTLS on 587 is the default; implicit TLS defaults to 465 and plain SMTP to 25."""
    settings = smtp_settings_from_env({"CONSULTFLOW_SMTP_HOST": "smtp.itu.example", "CONSULTFLOW_SMTP_TLS": tls}, BODY)
    assert settings is not None and settings.port == port and settings.tls == (tls.lower() or "starttls")


def test_every_variable_is_read_and_the_identity_comes_from_the_body() -> None:
    """Host, port, TLS, login, CA file and timeout come from the environment; sender and domain from body.yaml."""
    env = {
        "CONSULTFLOW_SMTP_HOST": "smtp.itu.example",
        "CONSULTFLOW_SMTP_PORT": "2525",
        "CONSULTFLOW_SMTP_TLS": "tls",
        "CONSULTFLOW_SMTP_USER": "robot",
        "CONSULTFLOW_SMTP_PASSWORD": SECRET,
        "CONSULTFLOW_SMTP_CA_FILE": "/etc/ssl/itu-ca.pem",
        "CONSULTFLOW_SMTP_TIMEOUT": "12.5",
    }
    settings = smtp_settings_from_env(env, BODY)
    assert settings == SmtpSettings(
        host="smtp.itu.example",
        port=2525,
        tls="tls",
        username="robot",
        password=SECRET,
        timeout=12.5,
        sender="CWG-Internet <cwg-internet@itu.example>",
        mail_domain="itu.example",
        ca_file="/etc/ssl/itu-ca.pem",
    )
    assert SECRET not in repr(settings) and SECRET not in describe(settings)


def test_the_sender_can_be_overridden() -> None:
    """CONSULTFLOW_SMTP_SENDER replaces the body's From; the Message-ID domain stays the body's."""
    env = {"CONSULTFLOW_SMTP_HOST": "smtp.itu.example", "CONSULTFLOW_SMTP_SENDER": "Secretariat <sg@itu.example>"}
    settings = smtp_settings_from_env(env, BODY)
    assert settings is not None and settings.sender == "Secretariat <sg@itu.example>"
    assert settings.mail_domain == "itu.example"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CONSULTFLOW_SMTP_TLS": "ssl"}, "CONSULTFLOW_SMTP_TLS must be starttls, tls or none, not 'ssl'"),
        ({"CONSULTFLOW_SMTP_PORT": "25a"}, "CONSULTFLOW_SMTP_PORT must be a port number, not '25a'"),
        ({"CONSULTFLOW_SMTP_PORT": "70000"}, "SMTP port must be between 1 and 65535"),
        ({"CONSULTFLOW_SMTP_TIMEOUT": "soon"}, "CONSULTFLOW_SMTP_TIMEOUT must be a number of seconds"),
        ({"CONSULTFLOW_SMTP_USER": "robot"}, "set both CONSULTFLOW_SMTP_USER and CONSULTFLOW_SMTP_PASSWORD"),
        ({"CONSULTFLOW_SMTP_SENDER": "not an address"}, "invalid SMTP settings"),
    ],
)
def test_bad_settings_are_refused_by_name(env: dict[str, str], message: str) -> None:
    """Each bad variable is refused in one sentence naming it (never echoing the password)."""
    with pytest.raises(InvalidSettings) as refused:
        smtp_settings_from_env({"CONSULTFLOW_SMTP_HOST": "smtp.itu.example", **env}, BODY)
    assert message in str(refused.value)


def test_a_lone_password_is_refused_without_echoing_it() -> None:
    """A password without a user is an error whose message does not contain the password."""
    with pytest.raises(InvalidSettings) as refused:
        smtp_settings_from_env({"CONSULTFLOW_SMTP_HOST": "h.example", "CONSULTFLOW_SMTP_PASSWORD": SECRET}, BODY)
    assert SECRET not in str(refused.value)


def test_settings_built_in_code_take_the_body_identity_unless_given() -> None:
    """Default sender and domain are replaced by the body's; explicit ones are kept."""
    plain = with_body_identity(SmtpSettings(host="127.0.0.1", port=2525), BODY)
    assert (plain.sender, plain.mail_domain) == ("CWG-Internet <cwg-internet@itu.example>", "itu.example")
    given = SmtpSettings(host="127.0.0.1", port=2525, sender="x@y.example", mail_domain="y.example")
    assert with_body_identity(given, BODY) == given


@pytest.mark.parametrize(
    ("url", "folder"),
    [
        ("sqlite:///consultflow.db", "/srv/desk/consultflow-mail"),
        ("sqlite:///data/cf.db", "/srv/desk/data/consultflow-mail"),
        ("sqlite:////srv/cf/cf.db?timeout=5", "/srv/cf/consultflow-mail"),
        ("sqlite://", "/srv/desk/consultflow-mail"),
        ("postgresql+psycopg://u@db.example/cf", "/srv/desk/consultflow-mail"),
    ],
)
def test_the_mail_folder_sits_next_to_the_database(url: str, folder: str) -> None:
    """Next to a SQLite file; in the working directory for PostgreSQL or an in-memory database."""
    assert mail_folder(url, Path("/srv/desk")) == Path(folder)


@pytest.mark.parametrize(
    ("failures", "low", "high"), [(1, 2.5, 5), (2, 5, 10), (3, 10, 20), (7, 150, 300), (40, 150, 300)]
)
def test_the_relay_pause_doubles_with_jitter_up_to_five_minutes(failures: int, low: float, high: float) -> None:
    """5 s, 10 s, 20 s... capped at 5 min, each between half and all of the nominal pause."""
    rng = random.Random(failures)
    pauses = [relay_pause(failures, rng) for _ in range(200)]
    assert all(low <= p <= high <= RELAY_PAUSE_MAX for p in pauses)
    with pytest.raises(ValueError, match="starts at 1"):
        relay_pause(0, rng)


def test_the_report_counts_and_merges() -> None:
    """A report says what each batch did; merging adds the claims and keeps the latest relay error."""
    now = datetime(2019, 1, 9, 10, tzinfo=UTC)
    first = DispatchReport(
        now, 3, (Outcome(1, "N01", "a@x.example", "sent", "250"), Outcome(2, "N01", "b@x.example", "retry", "451"))
    )
    second = DispatchReport(now, 1, (Outcome(3, "N01", "c@x.example", "released", "-"),), "cannot connect")
    both = first.merged(second)
    assert (both.claimed, len(both.sent), len(both.retried), len(both.released), both.attempted) == (4, 1, 1, 1, 2)
    assert both.summary() == (
        "1 sent, 1 to retry, 0 failed, 1 given back unattempted; relay unreachable: cannot connect"
    )
