"""The wording of notices as the ITU secretariat writes it, in English and French: one test per defect of issue 13."""

from __future__ import annotations

import re

import pytest

from notifications.context import NoticeContext
from notifications.phrasing import as_sentence, days_phrase
from notifications.rendering import RenderedNotice, notice_ids, render_notice
from notifications.samples import sample_context, shipped_catalogue

NOTICES = shipped_catalogue().notices
CASES = [(notice_id, workflow) for notice_id in notice_ids("en") for workflow in NOTICES[notice_id].workflows]


def _context(notice_id: str, language: str, workflow: str | None = None, **fields: object) -> NoticeContext:
    context = sample_context(notice_id, language, workflow)
    context["instance"]["fields"].update(fields)
    return context


def _render(notice_id: str, language: str, workflow: str | None = None, **fields: object) -> RenderedNotice:
    return render_notice(notice_id, language, _context(notice_id, language, workflow, **fields))


# -- date ranges ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "start", "end", "on", "to"),
    [
        ("fr", "2019-02-01", "2019-02-01", "le 1er février 2019", "au 1er février 2019"),
        ("fr", "2019-09-23", "2019-09-24", "les 23 et 24 septembre 2019", "aux 23 et 24 septembre 2019"),
        ("fr", "2019-01-31", "2019-02-01", "les 31 janvier et 1er février 2019", "aux 31 janvier et 1er février 2019"),
        ("fr", "2017-09-20", "2017-09-22", "du 20 au 22 septembre 2017", "à la période du 20 au 22 septembre 2017"),
        ("fr", "2019-10-01", "2019-10-03", "du 1er au 3 octobre 2019", "à la période du 1er au 3 octobre 2019"),
        ("fr", "2019-12-30", "2020-01-02", "du 30 décembre 2019 au 2 janvier 2020", None),
        ("en", "2019-02-01", "2019-02-01", "on 1 February 2019", "to 1 February 2019"),
        ("en", "2019-09-23", "2019-09-24", "on 23 and 24 September 2019", "to 23 and 24 September 2019"),
        ("en", "2019-01-31", "2019-02-01", "on 31 January and 1 February 2019", None),
        ("en", "2017-09-20", "2017-09-22", "on 20-22 September 2017", "to 20-22 September 2017"),
    ],
)
def test_days_phrase(language: str, start: str, end: str, on: str, to: str | None) -> None:
    """The days of a meeting in running text: French article agrees with the days ("les 23 et 24", "du 20 au 22")."""
    assert days_phrase(language, start, end, "on") == on
    if to is not None:
        assert days_phrase(language, start, end, "to") == to


def test_days_phrase_in_spanish_takes_its_article() -> None:
    """Spanish writes the day with its article in running text, like French."""
    assert days_phrase("es", "2019-02-01", "2019-02-01") == "el 1 de febrero de 2019"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "qui se tiendra les 23 et 24 septembre 2019."), ("en", "to be held on 23 and 24 September 2019.")],
)
def test_invitation_writes_a_two_day_meeting_in_words(language: str, expected: str) -> None:
    """N01 reads "qui se tiendra les 23 et 24 septembre 2019", never "le 23-24 septembre 2019"."""
    rendered = _render("N01", language, start="2019-09-23", end="2019-09-24")
    assert expected in rendered.text
    assert "le 23-24" not in rendered.text and "le 23-24" not in rendered.html


@pytest.mark.parametrize(
    ("language", "subject_end", "body"),
    [
        ("fr", "reportée aux 7 et 8 octobre 2019", "La réunion se tiendra désormais les 7 et 8 octobre 2019."),
        ("en", "postponed to 7 and 8 October 2019", "The meeting will now be held on 7 and 8 October 2019."),
    ],
)
def test_postponement_to_two_days(language: str, subject_end: str, body: str) -> None:
    """N02 reads "reportée aux 7 et 8 octobre", never "reportée au 7-8 octobre"."""
    rendered = _render("N02", language, start="2019-10-07", end="2019-10-08")
    assert rendered.subject.endswith(subject_end)
    assert body in rendered.text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "qui devait se tenir les 23 et 24 septembre 2019"),
        ("en", "which was to be held on 23 and 24 September 2019"),
    ],
)
def test_cancellation_names_the_days_in_words(language: str, expected: str) -> None:
    """A cancelled meeting "qui devait se tenir les 23 et 24 septembre 2019"."""
    context = _context("N02", language, start="2019-09-23", end="2019-09-24")
    context["instance"]["state"] = "cancelled"
    context.pop("changes", None)
    assert expected in render_notice("N02", language, context).text


# -- punctuation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("to allow more time", "to allow more time."),
        ("Travaux dans la salle.", "Travaux dans la salle."),
        ("Pourquoi ?", "Pourquoi ?"),
        ("as agreed (see C19/51).", "as agreed (see C19/51)."),
        ("« Travaux. »", "« Travaux. »"),
        ("trailing space  ", "trailing space."),
    ],
)
def test_as_sentence(text: str, expected: str) -> None:
    """A free text gets one full stop, and none when it already ends a sentence."""
    assert as_sentence(text) == expected


@pytest.mark.parametrize(("language", "label"), [("fr", "Motif\u00a0: "), ("en", "Reason: ")])
@pytest.mark.parametrize(("notice_id", "state"), [("N02", "postponed"), ("N02", "cancelled"), ("N13", "cancelled")])
def test_reason_ending_with_a_full_stop_is_not_doubled(notice_id: str, state: str, language: str, label: str) -> None:
    """A reason ending with a full stop keeps one ("Motif : Travaux."); a reason without one gets it."""
    for reason, shown in (("Travaux dans la salle.", "Travaux dans la salle."), ("travaux", "travaux.")):
        context = _context(notice_id, language, change_reason=reason)
        context["instance"]["state"] = state
        rendered = render_notice(notice_id, language, context)
        assert f"{label}{shown}\n" in rendered.text
        assert ".." not in rendered.text and ".</p>" in rendered.html and "..</p>" not in rendered.html


_RUN_ON = re.compile(r"[a-zà-ÿ0-9]\.[A-ZÀ-Ý]")


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(("notice_id", "workflow"), CASES)
def test_no_sentence_runs_into_the_next(notice_id: str, workflow: str, language: str) -> None:
    """No "15 May 2017.Contributions": a sentence is followed by a space or a new line, in every notice."""
    text = _render(notice_id, language, workflow).text
    assert not _RUN_ON.findall(text), text


@pytest.mark.parametrize(
    ("language", "opening", "contributions"),
    [
        ("en", "The session opens on 10 June 2019.\n\nContributions", "due by 27 May 2019."),
        ("fr", "La session s'ouvrira le 10 juin 2019.\n\nLes contributions", "le 27 mai 2019 au plus tard."),
    ],
)
def test_chair_report_notice_separates_the_session_date_from_the_contributions(
    language: str, opening: str, contributions: str
) -> None:
    """N08 prints the session's opening, then the Member States' contribution deadline as its own paragraph."""
    text = _render("N08", language).text
    assert opening in text and contributions in text


# -- the postponement's dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "was", "now"),
    [
        (
            "fr",
            "qui devait se tenir les 23 et 24 septembre 2019, a été reportée.",
            "se tiendra désormais les 7 et 8 octobre 2019.",
        ),
        (
            "en",
            "which was to be held on 23 and 24 September 2019, has been postponed.",
            "will now be held on 7 and 8 October 2019.",
        ),
    ],
)
def test_postponement_states_the_original_and_the_new_dates(language: str, was: str, now: str) -> None:
    """N02 names the dates the meeting was to be held on (from the step's `changes`) and its new dates."""
    context = _context("N02", language, start="2019-10-07", end="2019-10-08")
    context["changes"] = {
        "start": ["2019-09-23", "2019-10-07"],
        "end": ["2019-09-24", "2019-10-08"],
        "change_reason": [None, "x"],
    }
    rendered = render_notice("N02", language, context)
    assert was in rendered.text and now in rendered.text
    assert was.split(",")[0] in rendered.html


@pytest.mark.parametrize("language", ["en", "fr"])
def test_postponement_moving_only_the_end_takes_the_start_from_the_fields(language: str) -> None:
    """When only the end moved, the original span is the unchanged start to the old end."""
    context = _context("N02", language, start="2019-10-07", end="2019-10-08")
    context["changes"] = {"end": ["2019-10-09", "2019-10-08"]}
    expected = {"en": "which was to be held on 7-9 October 2019", "fr": "qui devait se tenir du 7 au 9 octobre 2019"}
    assert expected[language] in render_notice("N02", language, context).text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_postponement_without_changes_still_renders(language: str) -> None:
    """A row queued before the engine passed `changes` states the new dates only."""
    context = _context("N02", language)
    context.pop("changes", None)
    text = render_notice("N02", language, context).text
    assert "which was to be held" not in text and "qui devait se tenir" not in text
    assert "1 February 2019" in text or "1er février 2019" in text


# -- salutation and closing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("notice_id", "workflow"), CASES)
def test_english_salutation_by_name_closes_yours_sincerely(notice_id: str, workflow: str) -> None:
    """A reader addressed by name ("Dear Catherine O'Brien,") gets "Yours sincerely,", never "Yours faithfully,"."""
    rendered = _render(notice_id, "en", workflow)
    for text in (rendered.text, rendered.html.replace("&#39;", "'")):
        assert "Dear Catherine O'Brien," in text and "Yours sincerely," in text
        assert "Yours faithfully" not in text and "Dear Sir or Madam" not in text


@pytest.mark.parametrize("notice_id", ["N01", "R01", "N18"])
def test_english_salutation_by_role_closes_yours_faithfully(notice_id: str) -> None:
    """A recipient known by no name is "Dear Sir or Madam," with "Yours faithfully,"."""
    context = _context(notice_id, "en")
    context["recipient"]["name"] = ""
    rendered = render_notice(notice_id, "en", context)
    for text in (rendered.text, rendered.html):
        assert "Dear Sir or Madam," in text and "Yours faithfully," in text
        assert "Yours sincerely" not in text and "Dear ," not in text


@pytest.mark.parametrize(("notice_id", "workflow"), CASES)
def test_french_salutation_matches_its_closing(notice_id: str, workflow: str) -> None:
    """French addresses the function ("Madame, Monsieur,") and the closing formula repeats it."""
    rendered = _render(notice_id, "fr", workflow)
    for text in (rendered.text, rendered.html):
        assert "Madame, Monsieur," in text
        assert "Veuillez agréer, Madame, Monsieur, l'assurance de notre considération distinguée." in text.replace(
            "&#39;", "'"
        )


# -- the copy for information --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "receipt", "copy_words"),
    [
        ("fr", "accuse réception de votre", "Le Secrétariat a reçu la "),
        ("en", "acknowledges receipt of your", "The secretariat has received the following "),
    ],
)
@pytest.mark.parametrize("workflow", NOTICES["N04"].workflows)
def test_receipt_copy_is_worded_for_the_copy(workflow: str, language: str, receipt: str, copy_words: str) -> None:
    """The secretariat's cc of N04 says what was received and from whom, not "accuse réception de votre"."""
    context = _context("N04", language, workflow)
    assert receipt in render_notice("N04", language, context).text  # the author's own receipt
    context["recipient"]["for_information"] = True
    rendered = render_notice("N04", language, context)
    for text in (rendered.text, rendered.html):
        assert receipt not in text and copy_words in text
        assert "France" in text  # who sent it
    assert "copie pour information" in rendered.text or "copy for information" in rendered.text


# -- the reminder's subject and body -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "registration_in_subject", "registration_in_body"),
    [
        (
            "en",
            "registration by 11 January 2019",
            "Registration: https://consultflow.invalid/cwg-internet/12/register (by 11 January 2019)",
        ),
        (
            "fr",
            "inscription avant le 11 janvier 2019",
            "Inscription\u00a0: https://consultflow.invalid/cwg-internet/12/register (avant le 11 janvier 2019)",
        ),
    ],
)
def test_registration_reminder_subject_promises_only_what_the_body_gives(
    language: str, registration_in_subject: str, registration_in_body: str
) -> None:
    """R01's subject names registration (and its deadline) exactly when the body gives the registration details."""
    rendered = _render("R01", language)
    assert registration_in_subject in rendered.subject and registration_in_body in rendered.text
    without = _render("R01", language, registration_link=None)
    word = {"en": "egistration", "fr": "nscription"}[language]
    assert word not in without.subject and word not in without.text
    assert ("11 January 2019" if language == "en" else "11 janvier 2019") in without.subject
