"""The notice context: the plain JSON data a notice is rendered from.

The engine builds one context per outbox row, in the transaction of the step that caused the notice,
and stores it as JSON; the dispatcher renders it later, possibly after a restart. So the context holds
only JSON values: strings, numbers, booleans, null, lists and objects. Dates are ``"YYYY-MM-DD"``
strings (calendar dates in the body's time zone) and instants are ISO-8601 strings with an offset; the
template filters ``date`` and ``datetime`` format both for the reader, in the zone named by
``body.timezone``.

Shape (every key is present; ``related``, ``deadlines`` and instance ``fields`` may be empty)::

    notice:    {"id": "N01", "name": "meeting_invitation"}
    body:      {"code": "CWG-Internet", "code_fr": "GTC-Internet", "name_en": ..., "name_fr": ...,
                "list_id": "cwg-internet.consultflow.invalid", "mail_domain": "consultflow.invalid",
                "timezone": "<IANA zone of the body's calendar>"}
    instance:  {"id": "<uuid>", "workflow": "meeting_cycle", "state": "convened", "version": 3,
                "fields": {...}}
    related:   {"meeting": {"id", "workflow", "state", "fields"}, "topic": {...}}   # one level of refs
    deadlines: {"contrib_translated": "2019-01-11", ...}    # local dates of the instance's deadlines
    actor:     {"id": "ms.fr", "name": ..., "member_state": "France" or null}
    trigger:   "send_invitation" (null for timers)     note: str or null     at: ISO-8601 UTC instant
    message:   str or null (optional)     message_role: "secretariat", "chair", "member_state"... (optional)
    changes:   {"start": ["2019-01-24", "2019-02-01"], ...} or null (optional): the step's audit changes
    with_instances: [{"id", "workflow", "state", "version", "fields"}, ...] (optional): the other instances the
               same document was sent for, on the one copy kept when a person gets it once (N08: the meeting's
               copy names the escalation whose options the report puts to Council)
    item:      the list item the step appended (a contribution, a response) or null
    recipient: {"id", "name", "email", "language": en|fr|es|ar|ru|zh, "member_state" or null,
                "for_information": true for a cc copy (optional)}

``note`` is the audit note of the step: it is kept in the audit trail and no template shows it. ``message`` is
what the author of the step wrote to the recipients, shown labelled by ``message_role``, the role the author
acted in. ``changes`` gives the values a step replaced (a postponement's original dates). ``with_instances`` is
on the one copy kept of a notice sent for several instances about the same document. These keys are optional,
so rows queued before the engine wrote them still render.

Reminders (R01-R13) use the same shape; their ``trigger`` may be null and their ``actor`` is the
system (:data:`SYSTEM_ACTOR` in the samples). The engine writes this shape in ``engine/notices.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.calendar import BusinessCalendar
from notifications.errors import InvalidContext

JSONValue = Any
"""A JSON value (str, int, float, bool, None, list, dict); kept as ``Any`` so templates stay free."""

LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "ar", "ru", "zh")
"""The six official ITU languages, the only ones a recipient may read."""

DEFAULT_TIMEZONE: str = BusinessCalendar.timezone
"""The zone of a context without ``body.timezone``: rows queued before the engine stored it, read as then."""


class NoticeRef(TypedDict):
    """Which notice this is."""

    id: str
    name: str


class BodyInfo(TypedDict):
    """The working group the notice is sent for."""

    code: str
    code_fr: str
    name_en: str
    name_fr: str
    list_id: str
    mail_domain: str
    timezone: NotRequired[str]  # the body's calendar zone; see DEFAULT_TIMEZONE for rows without it
    # The name and short name in the other official languages, once the body's configuration gives them
    # (body_names.py falls back to CWG-Internet's official names, or to English for another body).
    name_es: NotRequired[str]
    name_ru: NotRequired[str]
    name_ar: NotRequired[str]
    name_zh: NotRequired[str]
    code_es: NotRequired[str]
    code_ru: NotRequired[str]
    code_ar: NotRequired[str]
    code_zh: NotRequired[str]


class RelatedInstance(TypedDict):
    """An instance that one of the main instance's reference fields points to."""

    id: str
    workflow: str
    state: str
    fields: dict[str, JSONValue]


class InstanceData(RelatedInstance):
    """The workflow instance the notice is about; ``version`` grows at every step."""

    version: int


class Actor(TypedDict):
    """Who fired the step (a person, or the system for timers and reminders)."""

    id: str
    name: str
    member_state: str | None


class Recipient(TypedDict):
    """The reader of one message; ``for_information`` is true for a cc recipient (optional key)."""

    id: str
    name: str
    email: str
    language: str
    member_state: str | None
    for_information: NotRequired[bool]


class NoticeContext(TypedDict):
    """Everything a notice template may use."""

    notice: NoticeRef
    body: BodyInfo
    instance: InstanceData
    related: dict[str, RelatedInstance]
    deadlines: dict[str, str]
    actor: Actor
    trigger: str | None
    note: str | None
    at: str
    item: dict[str, JSONValue] | None
    recipient: Recipient
    message: NotRequired[str | None]  # to the recipients, unlike ``note``, which only the audit trail keeps
    message_role: NotRequired[str | None]  # the role the message's author acted in: "secretariat", "chair"...
    changes: NotRequired[dict[str, list[JSONValue]] | None]  # the step's audit changes: field -> [old, new]
    # The other instances the same document was sent for, on the one copy a person gets (engine/planning.py).
    with_instances: NotRequired[list[InstanceData]]


SYSTEM_ACTOR: Actor = {"id": "system", "name": "consultflow", "member_state": None}

_REQUIRED: dict[str, tuple[str, ...]] = {
    "notice": ("id", "name"),
    "body": ("code", "code_fr", "name_en", "name_fr", "list_id", "mail_domain"),
    "instance": ("id", "workflow", "state", "version", "fields"),
    "actor": ("id", "name", "member_state"),
    "recipient": ("id", "name", "email", "language", "member_state"),
}
_TOP_LEVEL = ("related", "deadlines", "trigger", "note", "at", "item")


def check_context(data: Mapping[str, object]) -> NoticeContext:
    """Check that ``data`` (e.g. loaded from an outbox row) has the context's shape and return it typed.

    Only the structure is checked (keys present, objects where objects belong, a known language);
    whether a template finds what it needs is checked when it renders (StrictUndefined).
    """
    for section, keys in _REQUIRED.items():
        value = data.get(section)
        if not isinstance(value, Mapping):
            raise InvalidContext(section, "missing or not an object")
        for key in keys:
            if key not in value:
                raise InvalidContext(f"{section}.{key}", "missing")
    for key in _TOP_LEVEL:
        if key not in data:
            raise InvalidContext(key, "missing")
    for key in ("message", "message_role"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise InvalidContext(key, "not a string")
    if data.get("changes") is not None and not isinstance(data["changes"], Mapping):
        raise InvalidContext("changes", "not an object")
    others = data.get("with_instances")
    if others is not None and (not isinstance(others, list) or not all(isinstance(other, Mapping) for other in others)):
        raise InvalidContext("with_instances", "not a list of objects")
    for section in ("related", "deadlines"):
        if not isinstance(data[section], Mapping):
            raise InvalidContext(section, "not an object")
    instance = cast(Mapping[str, object], data["instance"])
    if not isinstance(instance["fields"], Mapping):
        raise InvalidContext("instance.fields", "not an object")
    if not isinstance(instance["version"], int):
        raise InvalidContext("instance.version", "not an integer")
    body_zone(cast(Mapping[str, object], data["body"]))
    language = cast(Mapping[str, object], data["recipient"])["language"]
    if language not in LANGUAGES:
        raise InvalidContext("recipient.language", f"{language!r} is not one of {', '.join(LANGUAGES)}")
    return cast(NoticeContext, data)


def body_zone(body: Mapping[str, object]) -> ZoneInfo:
    """The time zone the notice shows dates and times in: the body's (``body.timezone``)."""
    name = body.get("timezone", DEFAULT_TIMEZONE)
    if not isinstance(name, str):
        raise InvalidContext("body.timezone", "not a time zone name")
    try:
        return ZoneInfo(name)  # cached by zoneinfo, so a filter may call this for every date
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidContext("body.timezone", f"unknown time zone {name!r}") from exc
