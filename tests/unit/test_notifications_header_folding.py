"""A folded non-ASCII subject keeps every space (CPython 3.11.7 drops the one between two encoded words)."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtplib.email import flatten_message

from notifications.headers import EncodedSubject

SUBJECTS = [
    "РГС-Интернет: вклад CWG-Internet-12/4 будет опубликован только на языке оригинала",
    "GTC-Internet : rapport du Président soumis au Conseil 2019 (C19/51-F), avec les options examinées par le Conseil",
    "تذكير – الاجتماع الثاني عشر لفريق CWG-Internet: آخر يوم لتقديم المساهمات 20 يناير 2019",
    "提醒 – CWG-Internet第12次会议：需要翻译的文稿截止日期为2019年1月11日，注册截止日期为2019年1月18日",
    "CWG-Internet: a plain ASCII subject that is long enough to be folded over more than one header line",
]


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("utf8", [False, True])
def test_subject_survives_folding_word_for_word(subject: str, utf8: bool) -> None:
    """As aiosmtplib flattens it (7-bit headers or SMTPUTF8), the subject parses back exactly, spaces included."""
    message = EmailMessage()
    message["Subject"] = EncodedSubject(subject)
    message.set_content("body")
    raw = flatten_message(message, utf8=utf8)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert utf8 or head.isascii()
    assert all(len(line) <= 78 for line in head.split(b"\r\n")) or utf8
    assert str(message_from_bytes(raw, policy=policy.default)["Subject"]) == subject


def test_the_stdlib_folder_is_what_needed_the_fix() -> None:
    """Pins why EncodedSubject exists: if this starts passing, the interpreter's own folding is fixed."""
    message = EmailMessage()
    message["Subject"] = SUBJECTS[0]
    message.set_content("body")
    back = str(message_from_bytes(flatten_message(message), policy=policy.default)["Subject"])
    if back == SUBJECTS[0]:
        pytest.skip("this interpreter folds encoded words without losing spaces")
    assert "опубликовантолько" in back
