"""The desk's words for the shipped workflows: every state, step, field, role and guard has words in the ITU's six
languages (English, French, Spanish, Russian, Arabic, Chinese),
read from the definitions at run time (so a state added to workflows/*.yaml fails here until it has words),
and an identifier the catalogue lacks is shown humanised rather than breaking a page."""

from __future__ import annotations

from engine.catalogue import load_catalogue
from engine.roles import DIRECTORY_ROLES
from web.labels import LANGUAGES, Catalogue, catalogue, humanise, missing, words_for


def test_every_shipped_identifier_has_words_in_the_six_languages() -> None:
    """The shipped catalogue (loaded as the engine loads it) leaves no state, step, field, role or guard unnamed."""
    definitions = load_catalogue().definitions
    assert definitions, "no shipped workflow found"
    gaps = missing(definitions, DIRECTORY_ROLES, catalogue())
    assert gaps == [], "add these to web/labels.yaml:\n" + "\n".join(gaps)


def test_the_check_sees_a_gap() -> None:
    """An empty catalogue misses every state of every workflow, in both languages."""
    definitions = load_catalogue().definitions
    gaps = missing(definitions, DIRECTORY_ROLES, Catalogue({}))
    assert "workflows/meeting_cycle/states/planned: en" in gaps
    assert "workflows/meeting_cycle/states/planned: fr" in gaps
    assert "roles/secretariat: fr" in gaps
    for language in ("es", "ru", "ar", "zh"):
        assert f"workflows/meeting_cycle/states/planned: {language}" in gaps


def test_the_six_languages_are_required() -> None:
    """An entry with English and French only is a gap in each of the four other languages."""
    definitions = load_catalogue().definitions
    words = Catalogue({"roles": {"secretariat": {"en": "Secretariat", "fr": "Secrétariat"}}})
    gaps = missing(definitions, DIRECTORY_ROLES, words)
    assert LANGUAGES == ("en", "fr", "es", "ru", "ar", "zh")
    assert [g for g in gaps if g.startswith("roles/secretariat:")] == [
        f"roles/secretariat: {language}" for language in ("es", "ru", "ar", "zh")
    ]


def test_unknown_identifiers_fall_back_to_words() -> None:
    """A state or trigger nobody named yet reads as a humanised identifier; known ones read as labelled."""
    fr = words_for("fr")
    assert fr.state("meeting_cycle", "convened") == "Convoquée"
    assert fr.state("meeting_cycle", "brand_new_state") == "Brand new state"
    assert fr.trigger("no_such_workflow", "close_translation") == humanise("close_translation")
    assert fr.role("member_state") == "État Membre"
    assert fr.guard("no_such_guard") is None
    assert words_for("de").state("meeting_cycle", "convened") == "Convened"  # other languages read English
    assert words_for("ar").state("meeting_cycle", "convened") == "تمت الدعوة إليه"
    assert words_for("zh").states_or("meeting_cycle", ["planned", "convened"]) == "已计划或已召集"
