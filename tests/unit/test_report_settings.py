"""body.yaml's report settings: mandate references and section 1 paragraphs dated, checked with one-line errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from engine.body import Body, load_body
from reports import BodySettings, MandateReference, MeetingRecord, SettingsError, build_report

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
MEETING = MeetingRecord(
    id="meeting_cycle-1",
    state="report_approved",
    number=10,
    start=date(2017, 9, 20),
    end=date(2017, 9, 22),
    venue="ITU headquarters, Geneva",
)


def settings_of(tmp_path: Path, text: str) -> BodySettings:
    path = tmp_path / "body.yaml"
    path.write_text(text, encoding="utf-8")
    return BodySettings.from_body(load_body(path))


def test_a_reference_is_in_force_from_its_first_to_its_last_day() -> None:
    """from and until are both included; a reference without them is always in force."""
    revised = MandateReference("Resolution 102 (Rev. Dubai, 2018)", start=date(2018, 11, 16))
    replaced = MandateReference("Resolution 102 (Rev. Busan, 2014)", end=date(2018, 11, 15))
    body = BodySettings(code={"en": "CWG"}, name={}, mandate={"plenipotentiary": (replaced, revised)})
    assert body.mandate_on(date(2018, 11, 15)) == {"plenipotentiary": ("Resolution 102 (Rev. Busan, 2014)",)}
    assert body.mandate_on(date(2018, 11, 16)) == {"plenipotentiary": ("Resolution 102 (Rev. Dubai, 2018)",)}
    assert MandateReference("Resolution 1305 (2009)").in_force_on(date(1900, 1, 1))
    assert replace(body, mandate={"council": (revised,)}).mandate_on(date(2017, 1, 1)) == {}  # no group left


def test_the_shipped_body_cites_in_a_2017_report_what_was_in_force_in_2017() -> None:
    """workflows/body.yaml: a 2017 report cites the Busan 2014 editions and no 2018 text; 2019 the Dubai ones."""
    body = BodySettings.from_body(load_body(WORKFLOWS / "body.yaml"))
    assert not body.action_required_cites_paragraphs  # as the Chair's report to Council 2019 does
    in_2017 = build_report(MEETING, body, "en", issued_on=date(2017, 12, 1), symbol="C18/10")
    in_2019 = build_report(replace(MEETING, number=12), body, "en", issued_on=date(2019, 3, 29), symbol="C19/nn")
    summary_2017, summary_2019 = in_2017.summary.paragraphs[0].text, in_2019.summary.paragraphs[0].text
    assert "Resolutions 102 (Rev. Busan, 2014) and 140 (Rev. Busan, 2014) of the Plenipotentiary" in summary_2017
    assert "Resolutions 102 (Rev. Dubai, 2018) and 140 (Rev. Dubai, 2018) of the Plenipotentiary" in summary_2019
    for report in (in_2017, in_2019):
        assert (
            "Council Resolutions 1305 (2009), 1336 (Mod. 2015) and 1344 (Mod. 2015)"
            in report.summary.paragraphs[0].text
        )
    text_2017 = " ".join(
        [p.text for s in in_2017.sections for p in s.paragraphs] + list(in_2017.references) + [summary_2017]
    )
    assert "2018" not in text_2017 and "Dubai" not in text_2017
    assert [p.number for p in in_2017.sections[0].paragraphs] == ["1.1", "1.2", "1.3"]  # 1.3 of 2019 is from PP-18
    assert [p.number for p in in_2019.sections[0].paragraphs] == ["1.1", "1.2", "1.3", "1.4"]


def test_dated_references_and_paragraphs_are_read_from_body_yaml(tmp_path: Path) -> None:
    """A reference is text or {ref, from, until}; a paragraph text or {text, items, from, until}; dates are days."""
    body = settings_of(
        tmp_path,
        "mandate:\n"
        "  council:\n"
        "    - Resolution 1305 (2009)\n"
        "    - {ref: Resolution 1336 (Mod. 2015), until: 2019-06-19}\n"
        "    - {ref: Resolution 1336 (Mod. 2019), from: '2019-06-20'}\n"
        "  introduction:\n"
        "    en:\n"
        "      - Always.\n"
        "      - {text: 'Since 2019:', items: [one, two], from: 2019-06-20}\n"
        "report: {record_language: fr, action_required_cites_paragraphs: true}\n",
    )
    assert body.mandate["council"] == (
        MandateReference("Resolution 1305 (2009)"),
        MandateReference("Resolution 1336 (Mod. 2015)", end=date(2019, 6, 19)),
        MandateReference("Resolution 1336 (Mod. 2019)", start=date(2019, 6, 20)),
    )
    assert [p.text for p in body.introduction_on("en", date(2019, 6, 19))] == ["Always."]
    assert [(p.text, p.items) for p in body.introduction_on("en", date(2019, 6, 20))][1] == (
        "Since 2019:",
        ("one", "two"),
    )
    assert (body.record_language, body.action_required_cites_paragraphs) == ("fr", True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "mandate:\n  council:\n    - {ref: Resolution 1336 (Mod. 2019), from: 2019-13-01}\n",
            "body.yaml line 3: mandate.council[0].from: '2019-13-01' is not a date (YYYY-MM-DD)",
        ),
        (
            "mandate:\n  council:\n    - {ref: Resolution 1336, until: 20 June 2019}\n",
            "body.yaml line 3: mandate.council[0].until: '20 June 2019' is not a date (YYYY-MM-DD)",
        ),
        (
            "mandate:\n  council:\n    - {ref: Resolution 1336, from: 2019-06-20, until: 2015-01-01}\n",
            "body.yaml line 3: mandate.council[0]: until 2015-01-01 is before from 2019-06-20",
        ),
        (
            "mandate:\n  council:\n    - {ref: Resolution 1336, form: 2019-06-20}\n",
            "body.yaml line 3: mandate.council[0]: unknown key(s) form (known: ref, from, until)",
        ),
        ("mandate:\n  council:\n    - {from: 2019-06-20}\n", "body.yaml line 3: mandate.council[0].ref: expected text"),
        ("mandate:\n  council: Resolution 1336\n", "body.yaml line 2: mandate.council: expected a list"),
        (
            "mandate:\n  introduction:\n    en:\n      - {text: Since 2019, from: 2019-02-30}\n",
            "body.yaml line 4: mandate.introduction.en[0].from: '2019-02-30' is not a date (YYYY-MM-DD)",
        ),
        (
            "report: {action_required_cites_paragraphs: yes}\n",
            "body.yaml line 1: report.action_required_cites_paragraphs: expected true or false",
        ),
        (
            "report: {record_langage: fr}\n",
            "body.yaml line 1: report: unknown key(s) record_langage (known: record_language, "
            "action_required_cites_paragraphs)",
        ),
        ("mandate: [Resolution 1336]\n", "body.yaml: mandate: expected a mapping"),
    ],
)
def test_a_bad_setting_is_one_line_naming_body_yaml_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    """Dates, keys and shapes are checked where the report reads them; the error says the file, line and key."""
    with pytest.raises(SettingsError) as raised:
        settings_of(tmp_path, text)
    assert str(raised.value) == message


def test_settings_given_in_python_are_checked_the_same_way() -> None:
    """A Body built in code (dates as date objects, no line numbers) reads the same, and fails the same way."""
    good = Body(extra={"mandate": {"council": [{"ref": "Resolution 1305 (2009)", "until": date(2019, 6, 19)}]}})
    assert BodySettings.from_body(good).mandate["council"][0].end == date(2019, 6, 19)
    bad = Body(extra={"mandate": {"council": [{"ref": "Resolution 1305 (2009)", "until": "2019-6-19"}]}})
    with pytest.raises(SettingsError, match=r"^body\.yaml: mandate\.council\[0\]\.until: '2019-6-19' is not a date"):
        BodySettings.from_body(bad)
