"""Every notice also renders from the sparse contexts the engine really writes (optional fields unset)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from notifications.context import NoticeContext
from notifications.rendering import render_notice
from notifications.samples import sample_context, samples, shipped_catalogue

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"

# Fields each workflow marks required, plus those the steps before a notice require (workflows/*.yaml).
REQUIRED = {
    "meeting_cycle": {"number", "start", "end", "venue"},
    "topic": {"title", "meeting", "proposed_by"},
    "consultation": {"topic", "title"},
    "action_item": {"meeting", "text", "owner_kind", "due"},
    "escalation": {"topic", "meeting"},
}
ANNOUNCED = {"form_link", "opens_on", "online_deadline", "oc_date"}
GUARANTEED: dict[str, set[str]] = {
    "N01": {"letter_ref"},
    "N02": {"change_reason"},
    "N03": {"letter_ref"},
    "N04": {"letter_ref", "report_section", "chair_report_symbol", "agenda_item"},
    "N05": {"letter_ref"},
    "N06": {"letter_ref", "draft_report_symbol"},
    "N07": {"letter_ref", "draft_report_symbol", "report_symbol", "report_mode", "report_approved_on"},
    "N08": {"letter_ref", "report_symbol", "report_mode", "chair_report_symbol", "action_required", "report_section"},
    "N09": {"letter_ref", "report_symbol", "chair_report_symbol", "action_required", "council_outcome"},
    "N10": {"reason"},
    "N11": ANNOUNCED,
    "N12": ANNOUNCED,
    "N13": ANNOUNCED | {"change_reason"},
    "N14": ANNOUNCED,
    "N15": ANNOUNCED | {"compilation_symbol"},
    "N16": {"report_section", "chair_report_symbol", "agenda_item", "outcome"},
    "N16a": {"report_section", "chair_report_symbol", "agenda_item"},
    "N17": set(),
    "N18": set(),
    "N19": ANNOUNCED | {"compilation_symbol"},
    "N20": {"meeting"},  # sent only through the meeting it names (meeting_moved, only_by meeting_cycle via meeting)
    "N21": {"letter_ref", "report_symbol", "silence_opened_on"},
    "N22": {"letter_ref", "report_symbol", "silence_opened_on"},
    "R01": {"letter_ref"},
    "R02": {"letter_ref"},
    "R03": {"letter_ref"},
    "R04": {"letter_ref"},
    "R05": {"letter_ref"},
    "R06": {"letter_ref", "draft_report_symbol"},
    "R07": {"letter_ref", "report_symbol", "report_mode", "council_opening", "report_section"},
    "R08": ANNOUNCED,
    "R09": ANNOUNCED,
    "R10": ANNOUNCED | {"compilation_symbol"},
    "R11": set(),
    "R12": set(),
    "R13": {"report_section", "agenda_item", "council_opening"},
}
# Deadlines the engine can compute only when their input field is set.
NEEDS = {"council_doc": "council_opening", "council_ms_contrib": "council_opening", "compilation": "oc_date"}
# Items as the engine appends them: the declared fields plus by, member_state and at.
ENGINE_ITEMS = {
    ("meeting_cycle", "N03"): {
        "title": "Contribution on OTTs",
        "by": "ms.fr",
        "member_state": "France",
        "at": "2019-01-15T09:12:00+00:00",
    },
    ("meeting_cycle", "N04"): {
        "title": "Contribution on OTTs",
        "by": "ms.fr",
        "member_state": "France",
        "at": "2019-01-15T09:12:00+00:00",
    },
    ("escalation", "N04"): {
        "symbol": "C19/nn",
        "by": "ms.fr",
        "member_state": "France",
        "at": "2019-05-20T14:00:00+00:00",
    },
    ("consultation", "N12"): {
        "name": "Ana Pereira",
        "answers": "...",
        "by": "st.1",
        "member_state": None,
        "at": "2019-12-02T10:00:00+00:00",
    },
}
NOTICES = shipped_catalogue().notices
# Each notice on every workflow whose steps or timers send it (derived from the definitions by the engine).
CASES = [(n, w) for n in sorted(NOTICES) for w in NOTICES[n].workflows]


def sparse_context(notice_id: str, language: str, workflow: str) -> NoticeContext:
    """The sample context with every field the engine does not guarantee removed, and engine-shaped items."""
    context = sample_context(notice_id, language, workflow)
    keep = REQUIRED[workflow] | GUARANTEED[notice_id]
    fields = context["instance"]["fields"]
    for name in [name for name in fields if name not in keep]:
        del fields[name]
    for deadline, field in NEEDS.items():
        if field not in fields:
            context["deadlines"].pop(deadline, None)
    item: Any = ENGINE_ITEMS.get((workflow, notice_id))
    context["item"] = dict(item) if item is not None else None
    if notice_id == "N04" and workflow == "topic":
        context["item"] = None  # propose_topic starts the instance and appends nothing
    context["trigger"] = None if notice_id.startswith("R") else context["trigger"]
    return context


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(("notice_id", "workflow"), CASES)
def test_notice_renders_from_a_sparse_context(notice_id: str, workflow: str, language: str) -> None:
    """With only guaranteed fields set, the notice still renders and prints no 'None' or empty placeholders."""
    rendered = render_notice(notice_id, language, sparse_context(notice_id, language, workflow))
    for text in (rendered.subject, rendered.text, rendered.html):
        assert "None" not in text
        assert "()" not in text and "( )" not in text
    assert 'href=""' not in rendered.html


def test_every_notice_has_a_sample_on_each_workflow_that_sends_it() -> None:
    """The samples cover exactly the notices of workflows/notices.yaml, each on every workflow that sends it."""
    shipped = yaml.safe_load((WORKFLOWS / "notices.yaml").read_text(encoding="utf-8"))
    ids = {key for key in shipped if isinstance(key, str) and key[:1] in "NR" and key[1:3].isdigit()}
    assert ids == set(NOTICES) == set(samples().steps)
    # N23 (the confirmation of a public response) is queued by the public page, before any step: no workflow sends it.
    assert all(NOTICES[n].workflows for n in NOTICES if n != "N23"), "a notice that no workflow sends"
    for notice_id, workflow in CASES:
        assert sample_context(notice_id, "en", workflow)["instance"]["workflow"] == workflow
