"""Subjects are bounded (cut with an ellipsis, the whole text in the body), values given to templates are capped,
and a message whose title is enormous still builds in bounded time."""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from notifications.context import NoticeContext
from notifications.message import QP_MAX_CHARS, Mailbox, body_encoding, build_message, message_id_for
from notifications.rendering import (
    ELLIPSIS,
    MAX_SUBJECT,
    MAX_VALUE_CHARS,
    RenderedNotice,
    bounded,
    capped,
    render_notice,
    short_subject,
)
from notifications.samples import sample_context, shipped_catalogue

NOW = datetime(2019, 3, 1, 9, tzinfo=UTC)


def _with_title(title: str, notice: str = "N11", language: str = "fr") -> NoticeContext:
    context = copy.deepcopy(sample_context(notice, language))
    context["instance"]["fields"]["title"] = title
    return context


def _build(context: NoticeContext, notice: str = "N11") -> EmailMessage:
    rendered = render_notice(notice, context["recipient"]["language"], context)
    return build_message(
        rendered,
        notice=shipped_catalogue().notices[notice],
        sender=Mailbox("cwg@consultflow.invalid", "CWG-Internet"),
        recipient=context["recipient"],
        context=context,
        message_id=message_id_for(1, "consultflow.invalid"),
        date=NOW,
    )


@pytest.mark.parametrize(
    ("length", "cut"), [(MAX_SUBJECT - 1, False), (MAX_SUBJECT, False), (MAX_SUBJECT + 1, True), (10_000, True)]
)
def test_short_subject_cuts_past_the_limit_with_an_ellipsis(length: int, cut: bool) -> None:
    """Up to MAX_SUBJECT characters a subject is unchanged; past it, it is MAX_SUBJECT long and ends with '…'."""
    subject = "é" * length
    short = short_subject(subject)
    assert (short != subject) is cut
    assert len(short) <= MAX_SUBJECT and (short.endswith(ELLIPSIS) if cut else short == subject)


def test_a_cut_subject_is_given_whole_atop_both_bodies() -> None:
    """When the words cut from the subject are not in the body, the whole subject heads the text and HTML."""
    full = "Société numérique " * 30
    html = "<!DOCTYPE html><html><body style='x'><p>Bonjour</p></body></html>"
    done = bounded(RenderedNotice(subject=full, text="Bonjour\n", html=html, language_used="fr"))
    assert len(done.subject) == MAX_SUBJECT and done.subject.endswith(ELLIPSIS)
    assert done.text.startswith(full + "\n\n") and done.html.index(full) > done.html.index("<body")


def test_a_long_title_is_cut_in_the_subject_and_whole_in_the_body() -> None:
    """N11 with a 600-character accented title: the Subject header is at most MAX_SUBJECT characters, the body
    holds every word of the title."""
    title = "Accès égal à l'Internet pour tous " * 18
    message = _build(_with_title(title))
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    subject = str(parsed["Subject"])
    assert len(subject) <= MAX_SUBJECT and subject.endswith(ELLIPSIS)
    text = parsed.get_body(("plain",))
    assert text is not None and title.strip() in " ".join(text.get_content().split())


def test_values_are_capped_for_templates_only_when_longer_than_the_engine_accepts() -> None:
    """Strings up to MAX_VALUE_CHARS pass unchanged; a longer one (stored before the limits) is cut."""
    data: dict[str, Any] = {"a": "x" * MAX_VALUE_CHARS, "b": ["y" * (MAX_VALUE_CHARS + 5)], "c": 3}
    out = capped(data)
    assert out["a"] == data["a"] and out["c"] == 3
    assert len(out["b"][0]) == MAX_VALUE_CHARS and out["b"][0].endswith(ELLIPSIS)


def test_long_bodies_are_sent_base64() -> None:
    """Quoted-printable up to QP_MAX_CHARS (readable), base64 beyond (Python's QP encoder is slow on long text)."""
    assert body_encoding("x" * QP_MAX_CHARS) == "quoted-printable"
    assert body_encoding("x" * (QP_MAX_CHARS + 1)) == "base64"


def test_a_million_character_title_builds_in_bounded_time() -> None:
    """Issue 12 measured 55 s for one message with a 1M-character non-ASCII title; now well under a second."""
    title = ("Развитие сети 互联网治理 accès égal " * 40_000)[:1_000_000]
    started = time.perf_counter()
    message = _build(_with_title(title))
    raw = message.as_bytes()
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, elapsed
    assert len(raw) < 400_000  # the title is capped at MAX_VALUE_CHARS in the body
