"""Pure pieces of the desk: signed sessions and CSRF tokens, the login limiter, passwords, form reading,
the two languages, safe redirects, error statuses."""

from __future__ import annotations

import pytest

from engine.catalogue import load_catalogue
from engine.definition import FieldSpec
from engine.errors import Conflict, FieldError, GuardFailed, InstanceNotFound, RoleNotAllowed, TriggerNotAllowed
from reports.errors import ReportNotReady
from tests.web.conftest import FAST
from web.errors import NotVisible, http_status
from web.forms import FormField, read_fields, start_fields, trigger_fields
from web.i18n import MESSAGES, language_for, translator
from web.login import safe_next
from web.passwords import Passwords, WeakPassword
from web.ratelimit import LoginLimiter
from web.sessions import Session, SessionCodec, fingerprint


def test_session_cookies_are_signed_and_expire() -> None:
    """A cookie reads back only with the same key and within its lifetime; tampering gives nothing."""
    codec = SessionCodec("k" * 40, max_age=60)
    cookie = codec.dumps(Session("nonce", "ms.fr", "abc"))
    assert codec.loads(cookie) == Session("nonce", "ms.fr", "abc")
    assert SessionCodec("other" * 8, max_age=60).loads(cookie) is None
    _payload, _, signature = cookie.partition(".")
    forged = codec.dumps(Session("nonce", "sec.alice", "abc")).partition(".")[0]
    assert codec.loads(f"{forged}.{signature}") is None  # another person's payload under this signature
    assert codec.loads("") is None and codec.loads(None) is None
    assert SessionCodec("k" * 40, max_age=-1).loads(cookie) is None


def test_csrf_tokens_belong_to_one_session() -> None:
    """The token of one nonce does not pass for another, nor for a missing session."""
    codec = SessionCodec("k" * 40, max_age=60)
    mine, other = Session("n1"), Session("n2")
    assert codec.csrf_ok(mine, codec.csrf_token(mine))
    assert not codec.csrf_ok(other, codec.csrf_token(mine))
    assert not codec.csrf_ok(None, codec.csrf_token(mine))
    assert not codec.csrf_ok(mine, None) and not codec.csrf_ok(mine, "")


def test_the_limiter_counts_failures_in_a_sliding_window() -> None:
    """At the limit a key waits until its oldest failure leaves the window; success clears a person's count."""
    now = [0.0]
    limiter = LoginLimiter(attempts=3, window=100, clock=lambda: now[0])
    keys = {"person:a": 3, "address:x": 12}
    for step in range(3):
        assert limiter.retry_after(keys) == 0
        now[0] = step * 10.0
        limiter.failed(keys)
    assert limiter.retry_after(keys) == pytest.approx(80.0)
    now[0] = 100.5
    assert limiter.retry_after(keys) == 0  # the first failure aged out
    limiter.succeeded("person:a")
    assert limiter.retry_after({"person:a": 1}) == 0


def test_passwords_are_argon2_and_checked_in_constant_work() -> None:
    """Hashes are argon2id; a wrong password, an unknown account or a broken hash all say no."""
    passwords = Passwords(FAST)
    stored = passwords.hash("a long enough password")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "a long enough password")
    assert not passwords.verify(stored, "another password")
    assert not passwords.verify(None, "a long enough password")
    assert not passwords.verify("not a hash", "a long enough password")
    with pytest.raises(WeakPassword):
        passwords.hash("short")
    assert fingerprint(stored) != fingerprint(passwords.hash("a long enough password"))  # salted


def test_form_fields_of_a_step() -> None:
    """A transition asks for what it requires and sets; an append asks for one list item; a start for all."""
    meeting = load_catalogue().definition("meeting_cycle")
    invitation = {f.name: f.required for f in trigger_fields(meeting, "send_invitation", "planned")}
    assert invitation["letter_ref"] is True and invitation["council_opening"] is False
    contribution = {f.name: f for f in trigger_fields(meeting, "submit_contribution", "contributions_open")}
    assert contribution["title"].required and contribution["needs_translation"].widget == "checkbox"
    assert trigger_fields(meeting, "submit_contribution", "planned") == ()
    started = start_fields(meeting)
    assert [f.name for f in started[:4]] == ["number", "start", "end", "venue"]
    assert all(f.required for f in started[:4]) and not any(f.required for f in started[4:])


def test_reading_a_form() -> None:
    """Empty inputs are left out; a list of single texts is one per line or JSON; bad JSON says so."""
    questions = FormField("questions", "list", False, lines=True)
    title = FormField("title", "text", True)
    items = FormField("decisions", "list", False)
    form = {"f.title": "T", "f.questions": "First?\n\nSecond?\n", "f.decisions": '[{"id": "d1"}]', "note": "x"}
    assert read_fields((title, questions, items), form) == {
        "title": "T",
        "questions": ["First?", "Second?"],
        "decisions": [{"id": "d1"}],
    }
    assert read_fields((title,), {"f.title": "   "}) == {}
    with pytest.raises(FieldError, match="JSON"):
        read_fields((items,), {"f.decisions": "not json"})
    spec = FieldSpec("when", "datetime")
    assert FormField(spec.name, spec.type, False).input_type == "datetime-local"


def test_every_language_says_everything() -> None:
    """The six languages have the same keys; a person's language picks, anything else falls back to English."""
    assert all(set(MESSAGES[language]) == set(MESSAGES["en"]) for language in ("fr", "es", "ru", "ar", "zh"))
    assert language_for("fr") == "fr" and language_for("ru") == "ru" and language_for("de") == "en"
    assert language_for(None, "fr-CH,fr;q=0.9") == "fr" and language_for(None, None) == "en"
    assert translator("fr")("inst.done", trigger="t", state="s") == "Fait : t. Le dossier est maintenant à l'état s."
    assert translator("en")("no.such.key") == "no.such.key"


def test_redirects_stay_on_the_site() -> None:
    """Only a local path is followed after logging in."""
    assert safe_next("/instances/x?y=1") == "/instances/x?y=1"
    for target in ("//evil.example", "https://evil.example", "/\\evil.example", "", None, 3):
        assert safe_next(target) == "/"


def test_http_statuses_of_refusals() -> None:
    """Not allowed 403, unknown 404, not now 409, bad input 422."""
    assert http_status(RoleNotAllowed("p", "t", "s", ["member_state"], ["chair"])) == 403
    assert http_status(NotVisible()) == 403
    assert http_status(InstanceNotFound()) == 404
    assert http_status(TriggerNotAllowed("i", "t", "s", [])) == 409
    assert http_status(GuardFailed("t", "g", "r")) == 409
    assert http_status(Conflict("i", 1, 2)) == 409
    assert http_status(ReportNotReady("i", "s")) == 409
    assert http_status(FieldError("x")) == 422


def test_the_web_package_stays_off_the_orm() -> None:
    """web/ reaches the database through the engine and storage's query classes, never the ORM or transitions."""
    import ast
    from pathlib import Path

    import web

    used: set[str] = set()
    for path in Path(web.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                used |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                used.add(node.module.split(".")[0])
    assert used & {"sqlmodel", "sqlalchemy", "alembic", "transitions"} == set()
    assert web.__all__ == sorted(web.__all__)
