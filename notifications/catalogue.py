"""The list of notices (domain §4): ids, names and the workflows whose steps send them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NoticeSpec:
    """One notice or reminder: its id, its name and the workflows of the instances it is about."""

    id: str
    name: str
    workflows: tuple[str, ...]

    @property
    def is_reminder(self) -> bool:
        """Whether this is a scheduled reminder (R01-R12) rather than a step notice."""
        return self.id.startswith("R")


_M, _T, _C, _A, _E = "meeting_cycle", "topic", "consultation", "action_item", "escalation"

NOTICES: dict[str, NoticeSpec] = {
    spec.id: spec
    for spec in (
        NoticeSpec("N01", "meeting_invitation", (_M,)),
        NoticeSpec("N02", "meeting_changed", (_M,)),
        NoticeSpec("N03", "contribution_translation_missed", (_M,)),
        NoticeSpec("N04", "contribution_received", (_M, _T, _E)),
        NoticeSpec("N05", "documents_available", (_M,)),
        NoticeSpec("N06", "draft_report_circulated", (_M,)),
        NoticeSpec("N07", "report_approved", (_M,)),
        NoticeSpec("N08", "chair_report_submitted", (_M, _E)),
        NoticeSpec("N09", "council_outcome", (_M,)),
        NoticeSpec("N10", "topic_decision", (_T,)),
        NoticeSpec("N11", "consultation_announced", (_C,)),
        NoticeSpec("N12", "submission_receipt", (_C,)),
        NoticeSpec("N13", "consultation_changed", (_C,)),
        NoticeSpec("N14", "consultation_closed", (_C,)),
        NoticeSpec("N15", "oc_meeting_info", (_C,)),
        NoticeSpec("N16", "council_guidance", (_E, _T)),
        NoticeSpec("N16a", "council_agenda", (_E,)),
        NoticeSpec("N17", "action_assigned", (_A,)),
        NoticeSpec("N18", "action_status", (_A,)),
        NoticeSpec("N19", "consultation_results_closed", (_C,)),
        NoticeSpec("R01", "registration_and_translated_deadline", (_M,)),
        NoticeSpec("R02", "translated_deadline_tomorrow", (_M,)),
        NoticeSpec("R03", "untranslated_deadline", (_M,)),
        NoticeSpec("R04", "documents_not_posted", (_M,)),
        NoticeSpec("R05", "meeting_tomorrow", (_M,)),
        NoticeSpec("R06", "draft_report_pending", (_M,)),
        NoticeSpec("R07", "chair_report_due", (_M, _E)),
        NoticeSpec("R08", "consultation_closing", (_C,)),
        NoticeSpec("R09", "compile_responses", (_C,)),
        NoticeSpec("R10", "oc_meeting_reminder", (_C,)),
        NoticeSpec("R11", "action_item_due", (_A,)),
        NoticeSpec("R12", "action_item_overdue", (_A,)),
    )
}
"""Every notice, keyed by id, in the order of domain §4."""

CALENDAR_NOTICES: frozenset[str] = frozenset({"N01", "N02"})
"""Notices that carry an iCalendar invitation (or cancellation) for the meeting."""
