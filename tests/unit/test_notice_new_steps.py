"""The notices follow the engine's new steps: the registration deadline, postponement until further notice,
a rescheduled open consultation meeting, the acting Chair, approval by silence and the one copy of N08."""

from __future__ import annotations

import datetime as dt
import email
import html
import re
from email import policy
from email.message import EmailMessage

import icalendar
import pytest

from engine.roles import ACTING_CHAIR
from notifications.context import LANGUAGES, SYSTEM_ACTOR, NoticeContext, check_context
from notifications.errors import InvalidContext
from notifications.meeting_calendar import meeting_uid
from notifications.message import Mailbox, build_message, message_id_for
from notifications.rendering import RenderedNotice, render_notice
from notifications.samples import MEETING, sample_context, samples, shipped_catalogue

SENDER = Mailbox("noreply@consultflow.invalid", "CWG-Internet Secretariat")
NOW = dt.datetime(2018, 12, 21, 9, 0, tzinfo=dt.UTC)
NOTICES = shipped_catalogue().notices


def _render(context: NoticeContext) -> RenderedNotice:
    return render_notice(context["notice"]["id"], context["recipient"]["language"], context)


def _calendar(context: NoticeContext) -> icalendar.Calendar:
    """The text/calendar alternative of the message built for ``context``, parsed as a client would."""
    built = build_message(
        _render(context),
        notice=NOTICES[context["notice"]["id"]],
        sender=SENDER,
        recipient=context["recipient"],
        context=context,
        message_id=message_id_for(7, "consultflow.invalid"),
        date=NOW,
    )
    parsed = email.message_from_bytes(built.as_bytes(policy=policy.SMTP), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    (payload, *_) = [p.get_payload(decode=True) for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert isinstance(payload, bytes)
    return icalendar.Calendar.from_ical(payload)


def _plain(text: str) -> str:
    """``text`` (a text part, or an HTML part without its tags) on one line, spaces as spaces."""
    text = html.unescape(re.sub(r"<(li)>|<[^>]+>", lambda m: "- " if m[1] else " ", text))
    return " ".join(re.sub(r"\s+([.,])", r"\1", text).replace("\u00a0", " ").split())


# -- 1. the registration deadline is the meeting's named deadline ------------------------------------------------


@pytest.mark.parametrize(
    ("notice_id", "language", "phrase"),
    [
        ("N01", "en", "register online at https://consultflow.invalid/cwg-internet/12/register by 14 January 2019."),
        ("N01", "fr", "https://consultflow.invalid/cwg-internet/12/register avant le 14 janvier 2019."),
        ("R01", "en", "Registration: https://consultflow.invalid/cwg-internet/12/register (by 14 January 2019)"),
        ("R01", "fr", "Inscription : https://consultflow.invalid/cwg-internet/12/register (avant le 14 janvier 2019)"),
        ("R03", "en", "please do so at https://consultflow.invalid/cwg-internet/12/register by 14 January 2019."),
        ("R03", "fr", "veuillez le faire à l'adresse https://consultflow.invalid/cwg-internet/12/register avant le "
                      "14 janvier 2019."),
    ],
)  # fmt: skip
def test_registration_deadline_comes_from_the_deadlines(notice_id: str, language: str, phrase: str) -> None:
    """N01, R01 and R03 give deadlines.registration (start - 21 days), never the old registration_deadline field."""
    context = sample_context(notice_id, language)
    context["deadlines"]["registration"] = "2019-01-14"
    context["instance"]["fields"]["registration_deadline"] = "2019-01-18"  # a stale value in an old record
    rendered = _render(context)
    for part in (rendered.text, rendered.html):
        assert phrase in _plain(part)
        assert "18 January" not in part and "18 janvier" not in part
    if notice_id == "R01":
        assert ("by 14 January 2019" if language == "en" else "avant le 14 janvier 2019") in rendered.subject


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("notice_id", ["N01", "R01", "R03"])
def test_without_a_registration_deadline_no_date_is_promised(notice_id: str, language: str) -> None:
    """A meeting without the registration deadline (an older record) gives the link alone, in every language."""
    with_deadline = sample_context(notice_id, language)
    without = sample_context(notice_id, language)
    with_deadline["deadlines"]["registration"] = "2019-01-14"
    del without["deadlines"]["registration"]
    assert "14" in _render(with_deadline).text and "14" not in _render(without).text
    assert "https://consultflow.invalid/cwg-internet/12/register" in _render(without).text


def test_samples_name_the_registration_deadline_as_the_workflow_does() -> None:
    """The samples carry the meeting's `registration` deadline (start - 21 days) and no registration_deadline field."""
    definition = shipped_catalogue().definitions["meeting_cycle"]
    assert "registration" in definition.deadlines and "registration_deadline" not in definition.fields
    assert samples().deadlines["meeting_cycle"]["registration"] == "2019-01-11"
    assert "registration_deadline" not in MEETING["fields"]


# -- 2. postponed until further notice -----------------------------------------------------------------------------


def _until_further_notice(language: str) -> NoticeContext:
    """N02 as postpone_indefinitely sends it: state postponed, the old dates (1 February 2019) still in the fields."""
    context = sample_context("N02", language)
    context["instance"]["state"] = "postponed"
    context["trigger"] = "postpone_indefinitely"
    context["changes"] = {"change_reason": [None, "the venue is not available"]}
    context["instance"]["fields"]["change_reason"] = "the venue is not available"
    context.pop("message")
    return context


@pytest.mark.parametrize(
    ("language", "subject", "said", "not_said"),
    [
        ("en", "CWG-Internet: 12th meeting postponed until further notice",
         ["which was to be held on 1 February 2019, has been postponed until further notice.",
          "Reason: the venue is not available.", "The new dates will be communicated in due course.",
          "calendar entry for the meeting is withdrawn"],
         ["will now be held", "recalculated", "contributions requiring translation", "updated calendar"]),
        ("fr", "GTC-Internet : 12e réunion reportée jusqu'à nouvel avis",
         ["qui devait se tenir le 1er février 2019, a été reportée jusqu'à nouvel avis.",
          "Motif : the venue is not available.", "Les nouvelles dates seront communiquées en temps utile.",
          "l'entrée de calendrier de la réunion est retirée"],
         ["désormais", "recalculés", "contributions à traduire", "mise à jour"]),
    ],
)  # fmt: skip
def test_postponement_until_further_notice_names_no_new_date(
    language: str, subject: str, said: list[str], not_said: list[str]
) -> None:
    """N02 for a meeting postponed until further notice gives the dates it was to be held on and no deadlines."""
    rendered = _render(_until_further_notice(language))
    assert _plain(rendered.subject) == subject
    for part in (_plain(rendered.text), _plain(rendered.html)):
        for words in said:
            assert words in part
        for words in not_said:
            assert words not in part


@pytest.mark.parametrize("language", LANGUAGES)
def test_postponement_until_further_notice_differs_from_one_to_new_dates(language: str) -> None:
    """In every language the notice of a postponement sine die neither repeats nor announces a date to come."""
    indefinitely = _render(_until_further_notice(language))
    to_new_dates = _render(sample_context("N02", language))
    assert indefinitely.subject != to_new_dates.subject
    first_of_february = {"en": "1 February", "fr": "1er février", "es": "1 de febrero", "ru": "1 февраля",
                         "ar": "1 فبراير", "zh": "2月1日"}[language]  # fmt: skip
    assert first_of_february not in indefinitely.subject  # the old dates are not the new ones
    assert first_of_february in indefinitely.text  # "which was to be held on 1 February 2019"
    for deadline in ("2019-01-11", "2019-01-20", "2019-01-25"):  # no deadline list: none of them is given
        context = _until_further_notice(language)
        context["deadlines"] = {k: v for k, v in context["deadlines"].items() if v != deadline}
        assert _render(context).text == indefinitely.text


def test_postponement_until_further_notice_withdraws_the_calendar_entry() -> None:
    """postpone_indefinitely withdraws the event (CANCEL); reconvene's N01 puts it back: same UID, higher SEQUENCE."""
    convened = sample_context("N01", "en")
    convened["instance"]["version"] = 3
    postponed = _until_further_notice("en")
    postponed["instance"]["version"] = 5
    reconvened = sample_context("N01", "en")
    reconvened["trigger"] = "reconvene"
    reconvened["instance"]["state"] = "contributions_open"
    reconvened["instance"]["version"] = 6
    reconvened["instance"]["fields"].update({"start": "2019-09-23", "end": "2019-09-24"})
    first, withdrawn, back = (_calendar(c) for c in (convened, postponed, reconvened))
    events = [c.walk("VEVENT")[0] for c in (first, withdrawn, back)]
    assert [str(c["METHOD"]) for c in (first, withdrawn, back)] == ["REQUEST", "CANCEL", "REQUEST"]
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "CANCELLED", "CONFIRMED"]
    assert {str(e["UID"]) for e in events} == {meeting_uid(MEETING["id"], "consultflow.invalid")}
    assert [e.decoded("SEQUENCE") for e in events] == [3, 5, 6]
    assert events[2].decoded("DTSTART") == dt.date(2019, 9, 23)


@pytest.mark.parametrize("state", ["planned", "contributions_open", "contributions_closed"])
def test_postponement_to_new_dates_still_announces_them(state: str) -> None:
    """A postponement with dates leaves the meeting in the state they imply: N02 gives old and new dates, REQUEST."""
    context = sample_context("N02", "en")
    context["instance"]["state"] = state
    rendered = _render(context)
    assert rendered.subject == "CWG-Internet: 12th meeting postponed to 1 February 2019"
    assert "which was to be held on 24 and 25 January 2019, has been postponed." in rendered.text
    assert "The meeting will now be held on 1 February 2019." in rendered.text
    assert str(_calendar(context)["METHOD"]) == "REQUEST"


# -- 3. the open consultation meeting rescheduled ----------------------------------------------------------------


def _rescheduled(language: str, *, oc_moved: bool = True, meeting_moved: bool = False) -> NoticeContext:
    """N13 as reschedule_oc sends it: the OC moved from 10 February to 2 March 2020, and/or another meeting."""
    context = sample_context("N13", language)
    context["trigger"] = "reschedule_oc"
    context["instance"]["state"] = "online_open"
    fields = context["instance"]["fields"]
    fields["change_reason"] = "the meeting room is needed for WTDC"
    changes: dict[str, list[object]] = {}
    if oc_moved:
        changes["oc_date"] = [fields["oc_date"], "2020-03-02"]
        fields["oc_date"] = "2020-03-02"
    if meeting_moved:
        meeting = MEETING
        changes["meeting"] = ["0f0f0f0f-0000-4000-8000-000000000000", meeting["id"]]
        fields["meeting"] = meeting["id"]
        context["related"]["meeting"] = {
            "id": meeting["id"],
            "workflow": meeting["workflow"],
            "state": meeting["state"],
            "fields": {**meeting["fields"], "number": 13},
        }
    context["changes"] = changes
    return context


@pytest.mark.parametrize(
    ("language", "oc_moved", "meeting_moved", "said"),
    [
        ("en", True, False, ['"International Internet-related public policy issues', 'has been moved from 10 February '
                             '2020 to 2 March 2020.', "Reason: the meeting room is needed for WTDC."]),
        ("en", True, True, ["has been moved from 10 February 2020 to 2 March 2020. Its results will now be presented "
                            "to the 13th meeting of CWG-Internet."]),
        ("en", False, True, ["will now be presented to the 13th meeting of CWG-Internet. The physical open "
                             "consultation meeting remains scheduled for 10 February 2020."]),
        ("fr", True, False, ["a été déplacée du 10 février 2020 au 2 mars 2020.",
                             "Motif : the meeting room is needed for WTDC."]),
        ("fr", True, True, ["a été déplacée du 10 février 2020 au 2 mars 2020. Ses résultats seront désormais "
                            "présentés à la 13e réunion du GTC-Internet."]),
        ("fr", False, True, ["seront désormais présentés à la 13e réunion du GTC-Internet. La réunion de consultation "
                             "ouverte physique reste prévue le 10 février 2020."]),
    ],
)  # fmt: skip
def test_rescheduled_open_consultation_meeting(
    language: str, oc_moved: bool, meeting_moved: bool, said: list[str]
) -> None:
    """N13 for reschedule_oc names the old and new OC dates and/or the meeting the results now go to, and why."""
    rendered = _render(_rescheduled(language, oc_moved=oc_moved, meeting_moved=meeting_moved))
    for part in (_plain(rendered.text), _plain(rendered.html).replace("“", '"').replace("”", '"')):
        for words in said:
            assert words in part
        assert "extended" not in part and "prorogé" not in part  # not the deadline extension's wording
    assert "\n\n" + {"en": "Reason:", "fr": "Motif\u00a0:"}[language] in rendered.text  # a paragraph of its own
    moved = {"en": "meeting moved to 2 March 2020", "fr": "réunion déplacée au 2 mars 2020"}[language]
    assert (moved in _plain(rendered.subject)) == oc_moved


@pytest.mark.parametrize("language", LANGUAGES)
def test_rescheduled_open_consultation_meeting_in_every_language(language: str) -> None:
    """In every language the reschedule names both OC dates and the new meeting's number, not the deadline."""
    rendered = _render(_rescheduled(language, meeting_moved=True))
    ten, two = {"en": ("10 February 2020", "2 March 2020"), "fr": ("10 février 2020", "2 mars 2020"),
                "es": ("10 de febrero de 2020", "2 de marzo de 2020"), "ru": ("10 февраля 2020", "2 марта 2020"),
                "ar": ("10 فبراير 2020", "2 مارس 2020"), "zh": ("2020年2月10日", "2020年3月2日")}[language]  # fmt: skip
    for part in (rendered.text, rendered.html):
        assert ten in part and two in part and "13" in part
        assert "10 January" not in part and "2020年1月10日" not in part  # the online deadline did not change
    assert two in rendered.subject


# -- 4. the acting Chair --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Message from the acting Chair:"), ("fr", "Message du Président par intérim :"),
     ("es", "Mensaje del Presidente en funciones:"), ("ru", "Сообщение исполняющего обязанности Председателя:"),
     ("ar", "رسالة من الرئيس بالنيابة:"), ("zh", "代理主席的信息：")],
)  # fmt: skip
def test_message_of_an_acting_chair_is_labelled(language: str, label: str) -> None:
    """A Vice-Chair acting as chair fires steps as ACTING_CHAIR; the message says so in every language."""
    context = sample_context("N07", language)
    context["message_role"] = ACTING_CHAIR
    rendered = _render(context)
    assert label in _plain(rendered.text) and label in _plain(rendered.html)
    assert context["message"] is not None and context["message"] in rendered.text


# -- 5. a report approved by silence -------------------------------------------------------------------------------


def _approved_by_silence(language: str) -> NoticeContext:
    """N07 as the silence timer sends it: the system approves the report (mode correspondence)."""
    context = sample_context("N07", language)
    context["actor"] = dict(SYSTEM_ACTOR)  # type: ignore[typeddict-item]
    context["instance"]["fields"].update({"report_mode": "correspondence", "silence_opened_on": "2019-02-15"})
    context.pop("message")
    return context


@pytest.mark.parametrize(
    ("language", "subject", "sentence"),
    [
        ("en", "CWG-Internet: report of the 12th meeting approved under the silence procedure (WG-Internet 12/9)",
         "has been approved under the silence procedure, no Member State having broken silence by 1 March 2019."),
        ("fr", "GTC-Internet : rapport de la 12e réunion approuvé selon la procédure d'approbation tacite "
               "(WG-Internet 12/9)",
         "a été approuvé selon la procédure d'approbation tacite, aucun État Membre n'ayant rompu le silence dans le "
         "délai fixé au 1er mars 2019."),
    ],
)  # fmt: skip
def test_report_approved_by_silence(language: str, subject: str, sentence: str) -> None:
    """N07 sent by the silence timer says the report was approved by silence, none broken by the deadline."""
    rendered = _render(_approved_by_silence(language))
    assert _plain(rendered.subject) == subject
    assert sentence in _plain(rendered.text) and sentence in _plain(rendered.html)
    assert "by correspondence" not in rendered.text and "par correspondance" not in rendered.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_approved_by_the_chair_is_not_said_approved_by_silence(language: str) -> None:
    """An approval by the Chair (by correspondence or in session) keeps its wording; silence is for the timer only."""
    chair = sample_context("N07", language)
    chair["instance"]["fields"]["report_mode"] = "correspondence"
    by_silence = _approved_by_silence(language)
    assert _render(chair).text != _render(by_silence).text
    assert _render(chair).subject != _render(by_silence).subject
    assert "1 March" not in _render(chair).text and "2019年3月1日" not in _render(chair).text


# -- 6. the one N08 a person gets names the options the escalation puts to Council -------------------------------


@pytest.mark.parametrize(
    ("language", "guidance", "options"),
    [
        ("en", "document C19/nn-E, informing Council that the Group did not reach consensus on the topic of the next "
               "open consultation (see section 6.3 of the meeting report) and asking for guidance.",
         "Options before Council: 1. Proposal for the next open consultation topic"),
        ("fr", "document C19/nn-F, par lequel il informe le Conseil que le Groupe n'est pas parvenu à un consensus sur "
               "le thème de la prochaine consultation ouverte (voir la Section 6.3 du rapport de la réunion) et lui "
               "demande de fournir des orientations.",
         "Options soumises au Conseil : 1. Proposal for the next open consultation topic"),
    ],
)  # fmt: skip
def test_meeting_copy_of_the_chair_report_lists_the_options(language: str, guidance: str, options: str) -> None:
    """The meeting's N08, kept for a person who would also have had the escalation's, lists the options."""
    context = sample_context("N08", language)
    assert [other["workflow"] for other in context.get("with_instances", [])] == ["escalation"]
    rendered = _render(context)
    assert guidance in _plain(rendered.text) and options in _plain(rendered.text)
    assert guidance in _plain(rendered.html) and options.replace(" 1. ", " - ") in _plain(rendered.html)
    alone = sample_context("N08", language)
    del alone["with_instances"]
    assert "Proposal for the next open consultation topic" not in _render(alone).text


@pytest.mark.parametrize("language", LANGUAGES)
def test_options_listed_once_in_every_language(language: str) -> None:
    """Every language lists the escalation's options on the meeting's copy, and once on the escalation's own."""
    meeting_copy = _render(sample_context("N08", language))
    escalation = sample_context("N08", language, "escalation")
    escalation["with_instances"] = [sample_context("N08", language)["instance"]]
    escalation_copy = _render(escalation)
    for rendered in (meeting_copy, escalation_copy):
        assert rendered.text.count("Proposal for the next open consultation topic") == 1
        assert rendered.html.count("Proposal for the next open consultation topic") == 1


def test_an_escalation_without_options_adds_nothing() -> None:
    """An escalation sent the same report but without options (none gathered) leaves the meeting's copy as it was."""
    context = sample_context("N08", "en")
    context["with_instances"][0]["fields"].pop("options")
    alone = sample_context("N08", "en")
    del alone["with_instances"]
    assert _render(context).text == _render(alone).text


def test_with_instances_is_checked_as_a_list_of_objects() -> None:
    """check_context accepts with_instances as a list of instances and refuses anything else."""
    context = sample_context("N08", "en")
    assert check_context(dict(context))["with_instances"][0]["workflow"] == "escalation"
    with pytest.raises(InvalidContext, match="with_instances"):
        check_context({**context, "with_instances": {"workflow": "escalation"}})
    with pytest.raises(InvalidContext, match="with_instances"):
        check_context({**context, "with_instances": ["escalation"]})
