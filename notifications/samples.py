"""Representative notice contexts, one instance per workflow, drawn from the 12th meeting (domain §5).

Used by the tests (every template renders against them), by ``consultflow notices preview`` when no
instance is named, and by the mail benchmark. Values the sources do not give are invented but plausible
and marked ``nn`` where a real number is unknown.
"""

from __future__ import annotations

import copy
from typing import Any

from notifications.catalogue import NOTICES
from notifications.context import (
    SYSTEM_ACTOR,
    Actor,
    BodyInfo,
    InstanceData,
    NoticeContext,
    Recipient,
    RelatedInstance,
)
from notifications.errors import UnknownLanguage, UnknownNotice

BODY: BodyInfo = {
    "code": "CWG-Internet",
    "code_fr": "GTC-Internet",
    "name_en": "Council Working Group on International Internet-related Public Policy Issues",
    "name_fr": (
        "Groupe de travail du Conseil sur les questions de politiques publiques internationales relatives à l'Internet"
    ),
    "list_id": "cwg-internet.consultflow.invalid",
    "mail_domain": "consultflow.invalid",
}

RECIPIENTS: dict[str, Recipient] = {
    "en": {
        "id": "ms.gb",
        "name": "Catherine O'Brien",
        "email": "focal.point@gb.example",
        "language": "en",
        "member_state": "United Kingdom",
    },
    "fr": {
        "id": "ms.fr",
        "name": "Hélène Lefèvre-Dupré",
        "email": "point.focal@fr.example",
        "language": "fr",
        "member_state": "France",
    },
    "es": {
        "id": "ms.es",
        "name": "José Martínez Núñez",
        "email": "punto.focal@es.example",
        "language": "es",
        "member_state": "Spain",
    },
    "ar": {
        "id": "ms.eg",
        "name": "ليلى حسن",
        "email": "focal.point@eg.example",
        "language": "ar",
        "member_state": "Egypt",
    },
    "ru": {
        "id": "ms.ru",
        "name": "Иван Петрович Сидоров",
        "email": "focal.point@ru.example",
        "language": "ru",
        "member_state": "Russian Federation",
    },
    "zh": {
        "id": "ms.cn",
        "name": "王小明",
        "email": "focal.point@cn.example",
        "language": "zh",
        "member_state": "China",
    },
}

_FRANCE: Actor = {"id": "ms.fr", "name": "Hélène Lefèvre-Dupré", "member_state": "France"}
_SECRETARIAT: Actor = {"id": "sec.cwg", "name": "CWG-Internet Secretariat", "member_state": None}
_CHAIR: Actor = {"id": "chair", "name": "Chair of CWG-Internet", "member_state": None}

_CONTRIBUTIONS = [
    {
        "symbol": "CWG-Internet-12/3",
        "title": "Proposal for the topic of the next open consultation",
        "member_state": "China",
        "submitted_by": "ms.cn",
        "received_at": "2019-01-09T16:20:00+00:00",
        "needs_translation": True,
        "late": False,
    },
    {
        "symbol": "CWG-Internet-12/4",
        "title": "Contribution on over-the-top services (OTTs)",
        "member_state": "France",
        "submitted_by": "ms.fr",
        "received_at": "2019-01-15T09:12:00+00:00",
        "needs_translation": False,
        "late": False,
    },
]

MEETING: InstanceData = {
    "id": "6f1c2d3e-0b4a-4c5d-9e8f-112233445566",
    "workflow": "meeting_cycle",
    "state": "convened",
    "version": 3,
    "fields": {
        "number": 12,
        "start": "2019-02-01",
        "end": "2019-02-01",
        "venue": "ITU headquarters, Geneva (Switzerland)",
        "council_session": "Council 2019",
        "council_opening": "2019-06-10",
        "letter_ref": "DM-18/1021",
        "agenda_link": "https://consultflow.invalid/cwg-internet/12/agenda",
        "registration_link": "https://consultflow.invalid/cwg-internet/12/register",
        "registration_deadline": "2019-01-18",
        "remote_participation": "Remote participation will be available to Member States (TIES account).",
        "acting_chair": None,
        "contributions": _CONTRIBUTIONS,
        "documents_link": "https://consultflow.invalid/ties/cwg-internet/12",
        "draft_report_symbol": "WG-Internet 12/8",
        "comments_deadline": "2019-02-15",
        "report_symbol": "WG-Internet 12/9",
        "report_mode": "in_session",
        "chair_report_symbol": "C19/nn",
        "action_required": "note_and_guidance",
        "council_outcome": "noted_and_guidance",
        "summary_record": "C19/nn",
        "change_reason": "at the request of the Chair, to avoid a clash with another ITU meeting",
        "decisions": [
            {
                "id": "d1",
                "type": "approved",
                "text": "Report of the 12th meeting approved by the Group",
                "reason": None,
                "report_section": "2.2",
                "action_owner_kind": None,
                "action_owner": None,
                "action_due": None,
                "action_target": None,
            },
            {
                "id": "d2",
                "type": "invited",
                "text": "Member States invited to send or update contributions on previous topics, including "
                "OTTs, on which open consultations were held",
                "reason": None,
                "report_section": "2.2 a)",
                "action_owner_kind": "all_member_states",
                "action_owner": None,
                "action_due": "2019-08-30",
                "action_target": "13th meeting",
            },
            {
                "id": "d3",
                "type": "requested",
                "text": "Secretariat to integrate the OTT activities of the Sectors into the report of the "
                "Secretary-General on ITU Internet activities",
                "reason": None,
                "report_section": "2.2 b)",
                "action_owner_kind": "secretariat",
                "action_owner": "sec.cwg",
                "action_due": "2019-09-13",
                "action_target": "SG report to the 13th meeting",
            },
            {
                "id": "d4",
                "type": "no_consensus",
                "text": "No consensus on the topic of the next open consultation; the Chair to inform "
                "Council and ask for guidance",
                "reason": "time_ran_out",
                "report_section": "6.3",
                "action_owner_kind": "chair",
                "action_owner": "chair",
                "action_due": "2019-05-13",
                "action_target": "Chair's report to Council 2019",
            },
            {
                "id": "d5",
                "type": "noted",
                "text": "CWG-Internet needs more time to fulfil its mandate and deliberate adequately",
                "reason": None,
                "report_section": "2.2 d)",
                "action_owner_kind": None,
                "action_owner": None,
                "action_due": None,
                "action_target": None,
            },
        ],
    },
}

_MEETING_DEADLINES = {
    "invitation": "2018-12-21",
    "contrib_translated": "2019-01-11",
    "contrib_untranslated": "2019-01-20",
    "posting": "2019-01-25",
    "council_doc": "2019-05-13",
    "council_ms_contrib": "2019-05-27",
}

TOPIC: InstanceData = {
    "id": "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d",
    "workflow": "topic",
    "state": "not_agreed",
    "version": 4,
    "fields": {
        "title": "Harnessing new and emerging telecommunications/ICTs for sustainable development",
        "questions": [
            {"text": "Which public policy considerations arise from new and emerging technologies?"},
            {"text": "How can Member States foster their use for sustainable development?"},
        ],
        "meeting": MEETING["id"],
        "proposed_by": "China",
        "reason": "time_ran_out",
        "order": 1,
    },
}

CONSULTATION: InstanceData = {
    "id": "5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170",
    "workflow": "consultation",
    "state": "announced",
    "version": 2,
    "fields": {
        "topic": TOPIC["id"],
        "title": "International Internet-related public policy issues on harnessing new and emerging "
        "telecommunications/ICTs for sustainable development",
        "questions": TOPIC["fields"]["questions"],
        "form_link": "https://consultflow.invalid/consultations/13/respond",
        "opens_on": "2019-10-01",
        "online_deadline": "2020-01-10",
        "oc_date": "2020-02-10",
        "oc_venue": "ITU headquarters, Geneva (Switzerland)",
        "remote_link": "https://consultflow.invalid/consultations/13/webcast",
        "compilation_symbol": "OPCWGINT13/2",
        "results_link": "https://consultflow.invalid/consultations/13/results",
        "change_reason": "to allow more stakeholders to respond",
        "responses": [
            {
                "name": "Ana Pereira",
                "organisation": "Instituto de Estudos",
                "country": "Brazil",
                "job_title": "Researcher",
                "answers": ["...", "..."],
                "received_at": "2019-12-02T10:00:00+00:00",
                "late": False,
            },
            {
                "name": "Ольга Смирнова",
                "organisation": "Университет связи",
                "country": "Russian Federation",
                "job_title": "Professor",
                "answers": ["...", "..."],
                "received_at": "2020-01-11T08:30:00+00:00",
                "late": True,
            },
        ],
    },
}

ACTION_ITEM: InstanceData = {
    "id": "9c8b7a69-5847-4362-a150-f4e3d2c1b0a9",
    "workflow": "action_item",
    "state": "open",
    "version": 1,
    "fields": {
        "meeting": MEETING["id"],
        "text": "Send or update contributions on previous topics, including OTTs, on which open "
        "consultations were held",
        "owner_kind": "all_member_states",
        "owner": None,
        "due": "2019-08-30",
        "source_paragraph": "2.2 a)",
        "target": "13th meeting",
        "deliverable": None,
    },
}

ESCALATION: InstanceData = {
    "id": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9",
    "workflow": "escalation",
    "state": "guidance_given",
    "version": 7,
    "fields": {
        "topic": TOPIC["id"],
        "meeting": MEETING["id"],
        "report_section": "6.3",
        "options": "the proposals for the next topic listed in section 6.3 of the meeting report",
        "council_session": "Council 2019",
        "council_opening": "2019-06-10",
        "chair_report_symbol": "C19/nn",
        "agenda_item": "PL 1.5",
        "plenary_date": "2019-06-12",
        "outcome": "referred_back",
        "order": 1,
        "summary_record": "C19/nn",
        "guidance": "The Group is to decide the topic of the next open consultation at its 13th meeting.",
    },
}

_DEADLINES = {
    "meeting_cycle": _MEETING_DEADLINES,
    "escalation": {"council_doc": "2019-05-13", "council_ms_contrib": "2019-05-27"},
    "consultation": {"online_deadline": "2020-01-10", "oc": "2020-02-10"},
    "action_item": {"due": "2019-08-30"},
}

_INSTANCES = {i["workflow"]: i for i in (MEETING, TOPIC, CONSULTATION, ACTION_ITEM, ESCALATION)}


def _related(instance: InstanceData) -> dict[str, RelatedInstance]:
    """The instances that ``instance``'s reference fields point to, one level deep."""
    related: dict[str, RelatedInstance] = {}
    for name in ("meeting", "topic"):
        target = instance["fields"].get(name)
        for candidate in (MEETING, TOPIC):
            if candidate["id"] == target:
                related[name] = {
                    "id": candidate["id"],
                    "workflow": candidate["workflow"],
                    "state": candidate["state"],
                    "fields": candidate["fields"],
                }
    return related


# (trigger, state, actor, item) per notice: the step that sends it, as in domain §3.
_STEPS: dict[str, tuple[str, str, Actor, Any]] = {
    "N01": ("send_invitation", "convened", _SECRETARIAT, None),
    "N02": ("postpone", "postponed", _SECRETARIAT, None),
    "N03": ("submit_contribution", "translation_closed", _FRANCE, _CONTRIBUTIONS[1]),
    "N04": ("submit_contribution", "contributions_open", _FRANCE, _CONTRIBUTIONS[1]),
    "N05": ("publish_documents", "documents_published", _SECRETARIAT, None),
    "N06": ("circulate_draft_report", "report_draft", _SECRETARIAT, None),
    "N07": ("approve_report", "report_approved", _CHAIR, None),
    "N08": ("submit_chair_report", "reported_to_council", _CHAIR, None),
    "N09": ("record_council_outcome", "council_considered", _SECRETARIAT, None),
    "N10": ("record_no_consensus", "not_agreed", _CHAIR, None),
    "N11": ("announce", "announced", _SECRETARIAT, None),
    "N12": ("submit_response", "online_open", _FRANCE, CONSULTATION["fields"]["responses"][0]),
    "N13": ("extend_deadline", "online_open", _SECRETARIAT, None),
    "N14": ("close_online", "online_closed", SYSTEM_ACTOR, None),
    "N15": ("publish_compilation", "compiled", _SECRETARIAT, None),
    "N16": ("give_guidance", "guidance_given", _SECRETARIAT, None),
    "N16a": ("place_on_agenda", "on_agenda", _SECRETARIAT, None),
    "N17": ("create", "open", _SECRETARIAT, None),
    "N18": ("mark_overdue", "overdue", SYSTEM_ACTOR, None),
    "N19": ("close", "closed", _SECRETARIAT, None),
}
# Field values that make a notice's sample coherent (an overdue item is never a collective one, A5).
_SECRETARIAT_ITEM = {
    "text": "Integrate the OTT activities of the Sectors into the report of the Secretary-General on ITU "
    "Internet activities",
    "owner_kind": "secretariat",
    "owner": "sec.cwg",
    "due": "2019-09-13",
    "source_paragraph": "2.2 b)",
    "target": "SG report to the 13th meeting",
}
_FIELD_OVERRIDES: dict[str, dict[str, Any]] = {"N18": _SECRETARIAT_ITEM, "R12": _SECRETARIAT_ITEM}
_REMINDER_STATES = {
    "R01": "contributions_open",
    "R02": "contributions_open",
    "R03": "translation_closed",
    "R04": "contributions_closed",
    "R05": "documents_published",
    "R06": "report_draft",
    "R07": "report_approved",
    "R08": "online_open",
    "R09": "online_closed",
    "R10": "compiled",
    "R11": "in_progress",
    "R12": "overdue",
}


def sample_context(notice_id: str, language: str = "en", workflow: str | None = None) -> NoticeContext:
    """A complete context for ``notice_id`` read in ``language``, on the notice's first workflow."""
    spec = NOTICES.get(notice_id)
    if spec is None:
        raise UnknownNotice(notice_id)
    if language not in RECIPIENTS:
        raise UnknownLanguage(language)
    instance: InstanceData = copy.deepcopy(_INSTANCES[workflow or spec.workflows[0]])
    if spec.is_reminder:
        trigger, state, actor, item = notice_id, _REMINDER_STATES[notice_id], SYSTEM_ACTOR, None
    else:
        trigger, state, actor, item = _STEPS[notice_id]
    if workflow is None or workflow == spec.workflows[0]:
        instance["state"] = state
        instance["fields"].update(copy.deepcopy(_FIELD_OVERRIDES.get(notice_id, {})))
    if notice_id == "N04" and instance["workflow"] == "escalation":
        item = {
            "symbol": "C19/nn",
            "title": "Proposal on the topic of the next open consultation",
            "member_state": "France",
            "submitted_by": "ms.fr",
            "received_at": "2019-05-20T14:00:00+00:00",
            "needs_translation": True,
            "late": False,
        }
    return {
        "notice": {"id": spec.id, "name": spec.name},
        "body": copy.copy(BODY),
        "instance": instance,
        "related": copy.deepcopy(_related(instance)),
        "deadlines": dict(_DEADLINES.get(instance["workflow"], {})),
        "actor": copy.copy(actor),
        "trigger": trigger,
        "note": None,
        "at": "2018-12-21T09:00:00+00:00",
        "item": copy.deepcopy(item),
        "recipient": copy.copy(RECIPIENTS[language]),
    }
