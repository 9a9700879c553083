"""Arabic, Chinese, Russian and Spanish notices: complete, free of English, buildable, right-to-left in Arabic."""

from __future__ import annotations

import copy
import datetime as dt
import html
import re
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest

from notifications.body_names import body_code, body_name, council_session
from notifications.context import NoticeContext
from notifications.errors import UnknownNotice
from notifications.html_from_text import html_template, main
from notifications.meeting_calendar import meeting_calendar
from notifications.message import Mailbox, build_message, message_id_for
from notifications.phrasing import days_phrase, meeting_ordinal
from notifications.rendering import (
    ELLIPSIS,
    PARTS,
    TEMPLATES_DIR,
    RenderedNotice,
    notice_ids,
    render_notice,
    translation_status,
)
from notifications.samples import sample_context, shipped_catalogue

LANGUAGES = ["ar", "zh", "ru", "es"]
NOTICES = shipped_catalogue().notices
NOTICE_IDS = notice_ids("en")
CASES = [(notice_id, workflow) for notice_id in NOTICE_IDS for workflow in NOTICES[notice_id].workflows]
SENDER = Mailbox("noreply@consultflow.invalid", "CWG-Internet Secretariat")
NOW = dt.datetime(2018, 12, 21, 9, 0, tzinfo=dt.UTC)

# The branches a sample alone does not reach: (notice, instance state or None, field changes, trigger).
VARIANTS: list[tuple[str, str | None, dict[str, object], str | None]] = [
    ("N01", None, {"start": "2019-09-23", "end": "2019-09-24"}, "reconvene"),
    ("N02", "cancelled", {}, None),
    ("N02", None, {"start": None, "end": None}, None),
    ("N02", None, {"start": "2019-10-07", "end": "2019-10-09"}, None),
    ("N06", None, {"report_mode": "correspondence"}, None),
    ("N07", None, {"report_mode": "correspondence"}, None),
    ("N08", None, {"action_required": "note"}, None),
    ("N10", "selected", {}, None),
    ("N10", None, {"reason": "objection"}, None),
    ("N13", "cancelled", {}, None),
    ("N16", "noted_without_guidance", {}, None),
    ("N16a", None, {"plenary_date": None}, None),
    ("N17", None, {"owner_kind": "member_state", "owner": "Brazil"}, None),
    ("N18", "overdue", {}, None),
    ("N18", "cancelled", {}, None),
    ("N18", "done", {"deliverable": "SG report WG-Internet 13/4"}, None),
    ("R05", None, {"acting_chair": "vc.ar"}, None),
    ("N20", None, {"oc_date": None}, None),
]

# N20 speaks of the meeting the consultation's results go to: cancelled, postponed or moved.
MEETING_STATES = ["cancelled", "postponed", "convened"]

# English the templates write (beyond what the English templates' own words catch): salutations, closings and
# the words of the domain, which must never survive in a translated notice.
ENGLISH_WORDS = {
    "dear", "yours", "sincerely", "faithfully", "sir", "madam", "deadline", "deadlines", "meeting", "meetings",
    "reminder", "secretariat", "council", "contribution", "contributions", "please", "received", "consultation",
    "report", "chair", "venue", "reference", "registration", "documents", "reason", "member", "states", "action",
    "item", "due", "message", "from", "the", "and", "of", "to", "for", "by", "on", "will", "has", "been",
}  # fmt: skip
# Words of the English templates that a translation may keep: names of systems and of the body, and words
# spelt alike in Spanish ("Secretaría General", "idioma original", "plazo final").
KEPT_WORDS = {"ties", "internet", "cwg", "itu"}
SAME_SPELLING = {"es": {"general", "original", "final"}}


def _english_template_words() -> set[str]:
    """Every word of four letters or more written in the English templates, outside Jinja and HTML tags."""
    words: set[str] = set()
    for path in (TEMPLATES_DIR / "en").iterdir():
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<[^>]+>", " ", path.read_text("utf-8"), flags=re.S)
        words |= {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}
    return (words | ENGLISH_WORDS) - KEPT_WORDS


FORBIDDEN = _english_template_words()


def _data_strings(value: object) -> Iterator[str]:
    """The strings of a context (names, titles, venues: data, which stays in the language it was written in)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "council_session":  # "Council 2019" is named in the reader's language by the templates
                yield from _data_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _data_strings(item)


def english_left(text: str, context: NoticeContext, language: str) -> list[str]:
    """The English words of ``text`` once the context's own data, links and markup are taken out."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    values = sorted(_data_strings(context), key=len, reverse=True)
    if text.endswith(ELLIPSIS):  # a subject cut at MAX_SUBJECT ends with the start of a value: take it out
        cut = text[:-1]
        starts = (v[:k].rstrip() for v in values for k in range(len(v), 9, -1))
        text = cut[: -len(start)] if (start := next((p for p in starts if cut.endswith(p)), "")) else cut
    for value in values:
        # Whole words only, in Latin script: Chinese writes a value straight against its own characters.
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", " ", text)
    text = re.sub(r"https?://\S+|mailto:\S+", " ", text)
    allowed = SAME_SPELLING.get(language, set())
    return sorted({w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in FORBIDDEN - allowed})


class _TagBalance(HTMLParser):
    """Check that every element opened in an HTML part is closed, in order."""

    VOID = frozenset({"br", "hr", "meta", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def _context(notice_id: str, language: str, workflow: str | None = None) -> NoticeContext:
    """The sample context of ``notice_id``; for a notice not in the samples yet, another of its workflow's."""
    try:
        return sample_context(notice_id, language, workflow)
    except UnknownNotice:
        chosen = workflow or NOTICES[notice_id].workflows[0]
        donor = next(n for n in NOTICE_IDS if chosen in NOTICES[n].workflows and n != notice_id and _has_sample(n))
        context = sample_context(donor, language, chosen)
        context["notice"] = {"id": notice_id, "name": NOTICES[notice_id].name}
        return context


def _has_sample(notice_id: str) -> bool:
    try:
        sample_context(notice_id)
    except UnknownNotice:
        return False
    return True


def _check_rendered(rendered: RenderedNotice, context: NoticeContext, language: str, notice_id: str) -> None:
    assert rendered.language_used == language
    assert rendered.subject and "\n" not in rendered.subject
    assert notice_id in rendered.text and len(rendered.text.strip()) > 100
    for part in (rendered.subject, rendered.text, rendered.html):
        assert "None" not in part and "{{" not in part and "{%" not in part
        assert english_left(part, context, language) == [], part
    assert f'<html lang="{language}"' in rendered.html and f'<body lang="{language}"' in rendered.html
    if language == "ar":
        assert '<html lang="ar" dir="rtl">' in rendered.html and 'dir="rtl"' in rendered.html.split("<body", 1)[1]
    balance = _TagBalance()
    balance.feed(rendered.html)
    assert balance.errors == [] and balance.stack == []


def _build(rendered: RenderedNotice, context: NoticeContext, notice_id: str) -> EmailMessage:
    return build_message(
        rendered,
        notice=NOTICES[notice_id],
        sender=SENDER,
        recipient=context["recipient"],
        context=context,
        message_id=message_id_for(7, "consultflow.invalid"),
        date=NOW,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_folder_is_complete_and_marked_for_review(language: str) -> None:
    """Every notice has its three files, and meta.yaml marks the language as a draft awaiting a translator."""
    folder = TEMPLATES_DIR / language
    missing = [f"{n}.{part}" for n in NOTICE_IDS for part in PARTS if not (folder / f"{n}.{part}").is_file()]
    assert missing == []
    assert notice_ids(language) == NOTICE_IDS
    status = translation_status(language)
    assert status.status == "machine-draft" and status.needs_review and "translator" in status.note


def test_english_and_french_need_no_review() -> None:
    """The reviewed languages have no meta.yaml and read as reviewed."""
    assert not translation_status("en").needs_review and not translation_status("fr").needs_review


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("notice_id", "workflow"), CASES)
def test_notice_is_translated_and_builds(notice_id: str, workflow: str, language: str) -> None:
    """Each notice renders in the reader's language with no English left, and its message builds and parses."""
    context = _context(notice_id, language, workflow)
    rendered = render_notice(notice_id, language, context)
    _check_rendered(rendered, context, language, notice_id)
    message = _build(rendered, context, notice_id)
    assert message["Content-Language"] == language
    raw = message.as_bytes()
    assert raw.isascii()  # every header encoded, every body quoted-printable or base64
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert str(parsed["Subject"]) == rendered.subject
    html = parsed.get_body(preferencelist=("html",))
    assert html is not None and f'lang="{language}"' in html.get_content()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("notice_id", "state", "changes", "trigger"), VARIANTS)
def test_notice_branches_are_translated(
    notice_id: str, state: str | None, changes: dict[str, object], trigger: str | None, language: str
) -> None:
    """The branches a sample does not reach (cancelled, other outcomes, two-day meetings) have no English left."""
    context = _context(notice_id, language)
    if state:
        context["instance"]["state"] = state
    context["instance"]["fields"].update(copy.deepcopy(changes))
    if trigger:
        context["trigger"] = trigger
    _check_rendered(render_notice(notice_id, language, context), context, language, notice_id)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("state", MEETING_STATES)
def test_moved_meeting_notice_is_translated(language: str, state: str) -> None:
    """N20 names what happened to the meeting (cancelled, postponed, moved to new days) in each language."""
    context = _context("N20", language)
    meeting = sample_context("N01", language)["instance"]
    context["related"]["meeting"] = {
        "id": meeting["id"],
        "workflow": meeting["workflow"],
        "state": state,
        "fields": {**meeting["fields"], "start": "2019-09-23", "end": "2019-09-24"},
    }
    _check_rendered(render_notice("N20", language, context), context, language, "N20")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "role",
    [
        "secretariat",
        "chair",
        "acting_chair",
        "vice_chair",
        "member_state",
        "council",
        "stakeholder",
        "owner",
        "proposer",
        None,
    ],
)
def test_message_label_is_translated(language: str, role: str | None) -> None:
    """The label of the author's message ("Message from the secretariat:") exists in each language, for each role."""
    context = _context("N02", language)
    context["message"] = "Texte libre."
    context["message_role"] = role
    context["actor"] = {"id": "ms.fr", "name": "Hélène Lefèvre-Dupré", "member_state": "France"}
    rendered = render_notice("N02", language, context)
    _check_rendered(rendered, context, language, "N02")
    assert "Texte libre." in rendered.text


def _new_step_context(case: str, language: str) -> NoticeContext:
    """The context of a branch added for the engine's new steps (see tests/unit/test_notice_new_steps.py)."""
    if case == "postpone_indefinitely":
        context = _context("N02", language)
        context["instance"]["state"] = "postponed"
        context["changes"] = {"change_reason": [None, context["instance"]["fields"]["change_reason"]]}
    elif case.startswith("reschedule_oc"):
        context = _context("N13", language)
        fields = context["instance"]["fields"]
        changes: dict[str, list[object]] = {"remote_link": ["a", "b"]}  # "reschedule_oc_other": neither moved
        if case in ("reschedule_oc", "reschedule_oc_both"):
            changes["oc_date"] = [fields["oc_date"], "2020-03-02"]
            fields["oc_date"] = "2020-03-02"
        if case in ("reschedule_oc_both", "reschedule_oc_meeting"):
            meeting = _context("N01", language)["instance"]
            changes["meeting"] = ["another-meeting", meeting["id"]]
            context["related"]["meeting"] = {
                "id": meeting["id"],
                "workflow": meeting["workflow"],
                "state": meeting["state"],
                "fields": meeting["fields"],
            }
        context["changes"] = changes
    elif case == "approved_by_silence":
        context = _context("N07", language)
        context["actor"] = {"id": "system", "name": "consultflow", "member_state": None}
        context["instance"]["fields"]["report_mode"] = "correspondence"
    else:  # "with_instances": the meeting's N08 names the escalation's options
        context = _context("N08", language)
        assert context.get("with_instances")
    context["trigger"] = {"approved_by_silence": "approve_report", "with_instances": "submit_chair_report"}.get(
        case, "postpone_indefinitely" if case == "postpone_indefinitely" else "reschedule_oc"
    )
    return context


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "case",
    ["postpone_indefinitely", "reschedule_oc", "reschedule_oc_both", "reschedule_oc_meeting", "reschedule_oc_other",
     "approved_by_silence", "with_instances"],
)  # fmt: skip
def test_new_step_branches_are_translated(case: str, language: str) -> None:
    """The branches for postponement until further notice, a rescheduled OC, approval by silence and the options
    on the meeting's N08 have no English left, and build."""
    context = _new_step_context(case, language)
    rendered = render_notice(context["notice"]["id"], language, context)
    _check_rendered(rendered, context, language, context["notice"]["id"])
    _build(rendered, context, context["notice"]["id"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_copy_for_information_and_reader_without_name(language: str) -> None:
    """A cc copy says so, and a reader without a name gets the salutation by function, in each language."""
    context = _context("N04", language)
    context["recipient"] = {**context["recipient"], "for_information": True, "name": ""}
    rendered = render_notice("N04", language, context)
    _check_rendered(rendered, context, language, "N04")
    salutation = {"ar": "حضرات السادة والسيدات،", "zh": "尊敬的先生/女士：", "ru": "Уважаемые дамы и господа!"}
    assert rendered.text.startswith(salutation.get(language, "Señora/Señor:"))


@pytest.mark.parametrize(
    ("language", "start", "end", "on", "to"),
    [
        ("es", "2019-02-01", "2019-02-01", "el 1 de febrero de 2019", "al 1 de febrero de 2019"),
        ("es", "2019-09-23", "2019-09-24", "los días 23 y 24 de septiembre de 2019",
         "a los días 23 y 24 de septiembre de 2019"),
        ("es", "2017-09-20", "2017-09-22", "del 20 al 22 de septiembre de 2017",
         "al período del 20 al 22 de septiembre de 2017"),
        ("ru", "2019-02-01", "2019-02-01", "1 февраля 2019 года", "на 1 февраля 2019 года"),
        ("ru", "2019-09-23", "2019-09-24", "23 и 24 сентября 2019 года", "на 23 и 24 сентября 2019 года"),
        ("ru", "2017-09-20", "2017-09-22", "с 20 по 22 сентября 2017 года",
         "на период с 20 по 22 сентября 2017 года"),
        ("ru", "2019-12-30", "2020-01-02", "с 30 декабря 2019 года по 2 января 2020 года", None),
        ("ar", "2019-02-01", "2019-02-01", "يوم 1 فبراير 2019", "إلى يوم 1 فبراير 2019"),
        ("ar", "2019-09-23", "2019-09-24", "يومي 23 و24 سبتمبر 2019", "إلى يومي 23 و24 سبتمبر 2019"),
        ("ar", "2017-09-20", "2017-09-22", "في الفترة من 20 إلى 22 سبتمبر 2017",
         "إلى الفترة من 20 إلى 22 سبتمبر 2017"),
        ("zh", "2019-02-01", "2019-02-01", "2019年2月1日", "2019年2月1日"),
        ("zh", "2019-09-23", "2019-09-24", "2019年9月23日至24日", "2019年9月23日至24日"),
        ("zh", "2019-09-30", "2019-10-02", "2019年9月30日至10月2日", None),
    ],
)  # fmt: skip
def test_days_phrase_in_each_language(language: str, start: str, end: str, on: str, to: str | None) -> None:
    """A meeting's days in running text, with the words each language puts around them."""
    assert days_phrase(language, start, end, "on") == on
    if to is not None:
        assert days_phrase(language, start, end, "to") == to


@pytest.mark.parametrize(
    ("language", "number", "expected"),
    [("es", 12, "12.ª"), ("ru", 12, "12-е"), ("zh", 12, "第12次"), ("ar", 1, "الأول"), ("ar", 12, "الثاني عشر"),
     ("ar", 21, "الحادي والعشرين"), ("ar", 30, "الثلاثين"), ("ar", 100, "100"), ("en", 12, "12th"), ("fr", 1, "1re")],
)  # fmt: skip
def test_meeting_ordinal(language: str, number: int, expected: str) -> None:
    """A meeting's number as "reunión", "собрание", "الاجتماع" and "会议" take it."""
    assert meeting_ordinal(language, number) == expected


def test_body_and_session_names() -> None:
    """The body's official names per language; a context's own name_xx wins; sessions are named per language."""
    body = dict(sample_context("N01", "es")["body"])
    assert body_code("es", body) == "GTC-Internet" and body_code("ru", body) == "РГС-Интернет"
    assert body_name("zh", body) == "理事会国际互联网公共政策问题工作组"
    assert body_name("es", {**body, "name_es": "Otro nombre", "code_es": "OTRO"}) == "Otro nombre"
    assert body_code("es", {**body, "code": "WG-X"}) == "WG-X"  # another body keeps its own name, never CWG's
    assert council_session("es", "Council 2019") == "Consejo de 2019"
    assert council_session("zh", "Council 2019") == "2019年理事会会议"
    assert council_session("ru", "Extraordinary session") == "Extraordinary session"


@pytest.mark.parametrize(
    ("language", "summary"),
    [("es", "12.ª reunión del GTC-Internet"), ("ru", "12-е собрание РГС-Интернет"),
     ("ar", "الاجتماع الثاني عشر لفريق العمل CWG-Internet"), ("zh", "CWG-Internet第12次会议")],
)  # fmt: skip
def test_calendar_summary_is_translated(language: str, summary: str) -> None:
    """The .ics event of a meeting notice is titled in the reader's language."""
    context = sample_context("N01", language)
    organizer, attendee = SENDER, context["recipient"]
    part = meeting_calendar(
        context,
        organizer=_build(render_notice("N01", language, context), context, "N01")["From"].addresses[0],
        attendee=_build(render_notice("N01", language, context), context, "N01")["To"].addresses[0],
        stamp=NOW,
        language=language,
    )
    assert part is not None and organizer.email and attendee["email"]
    assert f"SUMMARY:{summary}" in part.data.decode("utf-8").replace("\r\n ", "")


def test_the_english_detector_sees_english() -> None:
    """The check itself: the English notice (and English words slipped into a translation) are caught."""
    context = sample_context("N01", "en")
    english = render_notice("N01", "en", context)
    assert {"Dear", "meeting", "Yours"} <= set(english_left(english.text, context, "en"))
    spanish = render_notice("N01", "es", sample_context("N01", "es"))
    assert english_left(spanish.text + " Reminder: the deadline", context, "es") == ["Reminder", "deadline", "the"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_html_parts_are_derived_from_the_text(language: str) -> None:
    """Each HTML template is what html_from_text derives from its text template (rerun it after an edit)."""
    stale = [
        path.name
        for path in sorted((TEMPLATES_DIR / language).glob("[NR]*.body.txt"))
        if html_template(path.read_text("utf-8"))
        != path.with_name(path.name.replace(".txt", ".html")).read_text("utf-8")
    ]
    assert stale == [], f"run: python -m notifications.html_from_text {language}"


def test_derived_html_keeps_every_element_on_its_line() -> None:
    """Lists, labels, links and escaping in a derived template; an {% if %} never leaves a tag open."""
    text = (
        '{% extends "_layout.txt" %}\n{% block content %}\nLugar: {{ fields.venue }} & <b>\n'
        "{% if fields.agenda_link %}\n- Orden: {{ fields.agenda_link }}\n{% endif %}- Fin.\n\nOtra frase.\n"
        "{% endblock %}\n"
    )
    assert html_template(text) == (
        '{% extends "_layout.html" %}\n{% block content %}\n'
        '<p style="margin:0;"><strong>Lugar:</strong> {{ fields.venue }} &amp; &lt;b&gt;</p>\n'
        "{% if fields.agenda_link %}\n"
        '<ul style="margin:0;"><li><strong>Orden:</strong> <a href="{{ fields.agenda_link|url }}">'
        "{{ fields.agenda_link }}</a></li></ul>\n"
        '{% endif %}<ul style="margin:0;"><li>Fin.</li></ul>\n<p>Otra frase.</p>\n{% endblock %}\n'
    )


def test_html_from_text_refuses_a_language_written_by_hand() -> None:
    """English and French HTML templates are written by hand: the tool refuses to overwrite them."""
    assert main(["fr"]) == 2
