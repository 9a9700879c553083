"""Every notice renders in English and French; fallback, escaping and strictness of the templates."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

from notifications import rendering
from notifications.errors import RenderError, TemplateMissing, UnknownLanguage
from notifications.rendering import PARTS, RenderedNotice, notice_ids, render_notice
from notifications.samples import sample_context, shipped_catalogue

NOTICES = shipped_catalogue().notices
NOTICE_IDS = notice_ids("en")
CASES = [(notice_id, workflow) for notice_id in NOTICE_IDS for workflow in NOTICES[notice_id].workflows]


def _render(notice_id: str, language: str, workflow: str | None = None, **changes: object) -> RenderedNotice:
    context = sample_context(notice_id, language, workflow)
    context["instance"]["fields"].update(copy.deepcopy(changes))
    return render_notice(notice_id, language, context)


def test_template_folder_holds_every_catalogued_notice() -> None:
    """The notice ids found in templates/en are exactly the engine's catalogue (N01-N23, N16a, R01-R13)."""
    assert sorted(NOTICES) == NOTICE_IDS
    assert len(NOTICE_IDS) == 37


@pytest.mark.parametrize("language", ["en", "fr"])
def test_language_folder_is_complete(language: str) -> None:
    """English and French have all three files (subject, text, HTML) for every notice."""
    folder = rendering.TEMPLATES_DIR / language
    missing = [f"{n}.{part}" for n in NOTICE_IDS for part in PARTS if not (folder / f"{n}.{part}").is_file()]
    assert missing == []


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(("notice_id", "workflow"), CASES)
def test_notice_renders(notice_id: str, workflow: str, language: str) -> None:
    """The notice renders for a representative instance of each workflow that sends it, in its own language."""
    rendered = _render(notice_id, language, workflow)
    assert rendered.language_used == language
    assert rendered.subject and "\n" not in rendered.subject and "\r" not in rendered.subject
    assert len(rendered.text.strip()) > 100
    assert rendered.html.lstrip().startswith("<!DOCTYPE html>")
    assert f'<html lang="{language}"' in rendered.html
    assert f"({notice_id})" in rendered.text
    for text in (rendered.subject, rendered.text, rendered.html):
        assert "None" not in text and "{{" not in text and "{%" not in text


# An escalation with two options, Council's decisions on them varied per case.
TWO_OPTIONS: dict[str, object] = {"options": [{"topic": "t1", "title": "COP"}, {"topic": "t2", "title": "OTT"}]}


def _decided(topic: str, order: int) -> dict[str, object]:
    return {"topic": topic, "outcome": "decided", "order": order}


def _not_taken(topic: str) -> dict[str, object]:
    return {"topic": topic, "outcome": "not_taken"}


VARIANTS = [
    ("N01", {}, "reconvene", "convened again"),
    ("N02", {"state": "cancelled"}, None, "cancelled"),
    ("N02", {"drop": "start"}, None, "new dates will be communicated"),
    ("N06", {"report_mode": "correspondence"}, None, "by correspondence"),
    ("N07", {"report_mode": "correspondence"}, None, "by correspondence"),
    ("N08", {"action_required": "note"}, None, "invited to note the report."),
    ("N10", {"state": "selected"}, None, "agreed on the topic"),
    ("N10", {"reason": "objection"}, None, "an objection was raised"),
    ("N13", {"state": "cancelled"}, None, "has been cancelled"),
    ("N16", {"state": "noted_without_guidance"}, None, "without giving guidance"),
    ("N16", {**TWO_OPTIONS, "council_decisions": [_decided("t1", 2), _decided("t2", 1)]}, None, "1. OTT\n2. COP"),
    ("N16", {**TWO_OPTIONS, "council_decisions": [_decided("t1", 1), _not_taken("t2")]}, None, "by Council:\n- OTT"),
    ("N16", {**TWO_OPTIONS, "council_decisions": [_decided("t1", 1)]}, None, "in the order decided by Council"),
    ("N16a", {"plenary_date": None}, None, "will be confirmed"),
    ("N17", {"owner_kind": "member_state", "owner": "Brazil"}, None, "assigned to Brazil"),
    ("N18", {"state": "done", "deliverable": "SG report WG-Internet 13/4"}, None, "WG-Internet 13/4"),
    ("R05", {"acting_chair": "vc.ar"}, None, "Acting chair: vc.ar"),
]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(("notice_id", "changes", "trigger", "expected_en"), VARIANTS)
def test_notice_variants_render(
    notice_id: str, changes: dict[str, object], trigger: str | None, expected_en: str, language: str
) -> None:
    """The branches of a notice (cancelled, postponed without dates, correspondence, other outcomes) render."""
    context = sample_context(notice_id, language)
    changes = dict(changes)
    if "state" in changes:
        context["instance"]["state"] = str(changes.pop("state"))
    if "drop" in changes:
        for name in ("start", "end"):
            context["instance"]["fields"].pop(name)
        changes.pop("drop")
    context["instance"]["fields"].update(changes)
    if trigger:
        context["trigger"] = trigger
    rendered = render_notice(notice_id, language, context)
    if language == "en":
        assert expected_en in rendered.text
    assert rendered.language_used == language


def test_french_uses_the_source_document_register() -> None:
    """French text writes 'GTC-Internet', 'États Membres', '1er février 2019' and French punctuation spacing."""
    rendered = _render("N01", "fr")
    assert rendered.subject == "GTC-Internet\u00a0: invitation à la 12e réunion, 1er février 2019"
    assert "1er février 2019" in rendered.text and "États Membres" in rendered.text
    assert "GTC-Internet" in rendered.text and "CWG-Internet)" not in rendered.text
    assert "Madame, Monsieur," in rendered.text
    assert "avant le 11 janvier 2019" in rendered.text  # the registration deadline (start - 21 days)


def test_english_uses_un_date_style() -> None:
    """English writes '1 February 2019' (day month year, no comma) and ordinals such as '12th'."""
    rendered = _render("N01", "en")
    assert rendered.subject == "CWG-Internet: invitation to the 12th meeting, 1 February 2019"
    assert "11 January 2019" in rendered.text


@pytest.mark.parametrize("language", ["es", "ar", "ru", "zh"])
def test_untranslated_language_falls_back_to_english(template_copy: Path, language: str) -> None:
    """A notice missing from a language's folder reaches its reader in English, marked as such, name intact."""
    for part in PARTS:
        (template_copy / language / f"N01.{part}").unlink()
    context = sample_context("N01", language)
    rendered = render_notice("N01", language, context)
    assert rendered.language_used == "en"
    assert rendered.subject.startswith("CWG-Internet: invitation")
    assert f"Dear {context['recipient']['name']}," in rendered.text
    assert '<html lang="en"' in rendered.html


def test_partial_language_folder_translates_only_complete_notices(template_copy: Path) -> None:
    """A translator's partial es/ folder is used for the notices it completes; the others fall back to English."""
    spanish = template_copy / "es"
    shutil.rmtree(spanish)
    spanish.mkdir()
    (spanish / "N04.subject.txt").write_text("{{ body.code }}: contribución {{ item.symbol }} recibida\n")
    (spanish / "N04.body.txt").write_text("Estimado/a {{ recipient.name }}: acusamos recibo.\n")
    (spanish / "N04.body.html").write_text("<!DOCTYPE html><p>Acusamos recibo, {{ recipient.name }}.</p>\n")
    (spanish / "N05.subject.txt").write_text("solo el asunto\n")

    translated = render_notice("N04", "es", sample_context("N04", "es"))
    assert translated.language_used == "es"
    assert translated.subject == "CWG-Internet: contribución CWG-Internet-12/4 recibida"
    assert "José Martínez Núñez" in translated.text

    partial = render_notice("N05", "es", sample_context("N05", "es"))
    assert partial.language_used == "en"
    assert partial.subject.startswith("CWG-Internet: documents")


def test_missing_english_template_is_a_clear_error(template_copy: Path) -> None:
    """A notice missing in the reader's language and in English raises TemplateMissing naming the file."""
    (template_copy / "en" / "N09.body.html").unlink()
    (template_copy / "ru" / "N09.body.html").unlink()
    with pytest.raises(TemplateMissing, match=r"N09 has no template 'N09.body.html'"):
        render_notice("N09", "ru", sample_context("N09", "ru"))
    assert render_notice("N09", "fr", sample_context("N09", "fr")).language_used == "fr"


def test_strict_undefined_catches_a_missing_variable() -> None:
    """A variable missing from the context is an error at render time, not an empty string."""
    context = sample_context("N01", "en")
    del context["instance"]["fields"]["venue"]
    with pytest.raises(RenderError, match="venue") as caught:
        render_notice("N01", "en", context)
    assert caught.value.notice_id == "N01" and "UndefinedError" in caught.value.detail


def test_missing_deadline_is_an_error() -> None:
    """A convocation without its computed contribution deadline fails loudly."""
    context = sample_context("N01", "fr")
    del context["deadlines"]["contrib_translated"]
    with pytest.raises(RenderError, match="contrib_translated"):
        render_notice("N01", "fr", context)


def test_html_is_escaped_and_text_is_not() -> None:
    """Data is HTML-escaped in the HTML body only; the subject and text keep the characters as typed."""
    context = sample_context("N04", "en")
    assert context["item"] is not None
    context["item"]["title"] = "<script>alert('x')</script> & O'Brien"
    rendered = render_notice("N04", "en", context)
    assert "<script>alert('x')</script> & O'Brien" in rendered.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; O&#39;Brien" in rendered.html
    assert "<script>" not in rendered.html
    assert "Catherine O'Brien" in rendered.text and "Catherine O&#39;Brien" in rendered.html


def test_links_other_than_http_are_refused() -> None:
    """A javascript: URL in a link field is refused instead of landing in an href."""
    context = sample_context("N05", "en")
    context["instance"]["fields"]["documents_link"] = "javascript:alert(1)"
    with pytest.raises(RenderError, match="only http, https and mailto"):
        render_notice("N05", "en", context)


def test_unknown_language_is_refused() -> None:
    """A language that is not one of the six ITU languages is an error."""
    with pytest.raises(UnknownLanguage):
        render_notice("N01", "de", sample_context("N01", "en"))


def test_cyrillic_and_chinese_data_survive_rendering() -> None:
    """Non-Latin data (a Russian respondent, a Chinese reader) comes out unchanged in text and HTML."""
    context = sample_context("N12", "zh")
    assert context["item"] is not None
    context["item"]["name"] = "Ольга Смирнова"
    rendered = render_notice("N12", "zh", context)
    assert "王小明" in rendered.text and "王小明" in rendered.html
    assert "Ольга Смирнова" in rendered.text and "Ольга Смирнова" in rendered.html


@pytest.mark.parametrize(("language", "sentence"), [("en", "copy for information"), ("fr", "copie pour information")])
def test_cc_copy_says_it_is_for_information(language: str, sentence: str) -> None:
    """A recipient marked for_information (a cc copy sent as its own message) is told so in the footer."""
    context = sample_context("N07", language)
    assert sentence not in render_notice("N07", language, context).text
    context["recipient"]["for_information"] = True
    rendered = render_notice("N07", language, context)
    assert sentence in rendered.text and sentence in rendered.html


@pytest.mark.parametrize(
    ("language", "geneva", "new_york"),
    [
        (
            "en",
            "15 January 2019, 10:12 (Central European Standard Time)",
            "15 January 2019, 04:12 (Eastern Standard Time)",
        ),
        (
            "fr",
            "15 janvier 2019 à 10 h 12 (heure normale d’Europe centrale)",
            "15 janvier 2019 à 4 h 12 (heure normale de l’Est nord-américain)",
        ),
    ],
)
def test_times_are_shown_in_the_body_time_zone(language: str, geneva: str, new_york: str) -> None:
    """The same instant reads in the zone of the body's calendar (body.timezone), not in a fixed one."""
    context = sample_context("N04", language)
    assert context["body"].get("timezone") == "Europe/Zurich"  # the shipped body.yaml's
    assert geneva in render_notice("N04", language, context).text
    context["body"]["timezone"] = "America/New_York"
    rendered = render_notice("N04", language, context)
    assert new_york in rendered.text and new_york in rendered.html
    assert geneva not in rendered.text


def test_the_day_of_an_instant_is_the_body_day() -> None:
    """An instant is dated where the body is: 02:00 UTC on the 16th is still the 15th in New York."""
    context = sample_context("N04", "en")
    assert context["item"] is not None
    context["item"]["received_at"] = "2019-01-16T02:00:00+00:00"
    assert "16 January 2019, 03:00" in render_notice("N04", "en", context).text
    context["body"]["timezone"] = "America/New_York"
    assert "15 January 2019, 21:00 (Eastern Standard Time)" in render_notice("N04", "en", context).text
