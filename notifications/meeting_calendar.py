"""The iCalendar invitation carried by meeting notices (N01 convocation, N02 postponement or cancellation).

One VEVENT per meeting instance: a stable UID derived from the instance id, SEQUENCE equal to the
instance version (it grows at every step, so a postponement always supersedes the convocation),
all-day DTSTART/DTEND from the ``start``/``end`` fields (DTEND exclusive), LOCATION the venue.
METHOD is REQUEST, or CANCEL (STATUS:CANCELLED) once the meeting is in state ``cancelled`` or ``postponed``
(RFC 5546, iTIP; :func:`withdraws_entry`). ``postponed`` is a postponement until further notice: the fields
still hold the old dates, so the entry is withdrawn until new dates are known; ``reconvene`` then sends N01, a
REQUEST with the same UID and a higher SEQUENCE, which puts the entry back. A postponement to new dates leaves
the meeting in the state those dates imply (``planned``, ``contributions_open``...): its N02 is a REQUEST.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from typing import Literal, cast

import icalendar
from icalendar.parser import Contentline

from engine.formatting import as_date, as_instant
from notifications.body_names import body_code
from notifications.context import NoticeContext, body_zone
from notifications.phrasing import meeting_ordinal

PRODID = "-//consultflow//meeting notices//EN"

_SUMMARY = {
    "en": "{ordinal} meeting of {code}",
    "fr": "{ordinal} réunion du {code}",
    "es": "{ordinal} reunión del {code}",
    "ru": "{ordinal} собрание {code}",
    "ar": "الاجتماع {ordinal} لفريق العمل {code}",
    "zh": "{code}{ordinal}会议",
}
"""The event's title by language; ``ordinal`` as ``phrasing.meeting_ordinal`` writes it, ``code`` the body's."""


WITHDRAWN_STATES = frozenset({"cancelled", "postponed"})
"""The meeting states whose notices withdraw the calendar entry (cancelled, or postponed until further notice)."""


def withdraws_entry(context: NoticeContext) -> bool:
    """Whether the notice withdraws the meeting's calendar entry: cancelled, or postponed until further notice.

    A row queued before a postponement to new dates led to the state those dates imply was left in state
    ``postponed`` with the dates it changed (``changes.start``/``end``): it still announces them, as N02 does.
    """
    state = context["instance"]["state"]
    changes = context.get("changes") or {}
    return state == "cancelled" or (state in WITHDRAWN_STATES and not (changes.get("start") or changes.get("end")))


@dataclass(frozen=True)
class CalendarPart:
    """A serialised VCALENDAR and its iTIP method."""

    method: Literal["REQUEST", "CANCEL"]
    data: bytes


def meeting_uid(instance_id: str, mail_domain: str) -> str:
    """The UID of a meeting's calendar event; the same for every notice about that meeting."""
    return f"meeting-{instance_id}@{mail_domain}"


def meeting_calendar(
    context: NoticeContext, *, organizer: Address, attendee: Address, stamp: dt.datetime, language: str
) -> CalendarPart | None:
    """Build the invitation for the meeting in ``context``; None when it has no dates to invite to yet.

    Every recipient of one notice gets the same invitation but for the ATTENDEE line: the rest is made once per
    notice (see :func:`_shared_calendar`) and this recipient's line set between its two halves, serialised by
    icalendar as the whole calendar would be (it folds every content line on its own).
    """
    shared = _shared_calendar(context, organizer=organizer, stamp=stamp, language=language)
    if shared is None:
        return None
    return CalendarPart(
        method=shared.method, data=b"".join((shared.before, _attendee_line(attendee), b"\r\n", shared.after))
    )


@dataclass(frozen=True)
class _SharedCalendar:
    """The serialised calendar of one notice around its ATTENDEE line: ``before`` ends and ``after`` starts there."""

    method: Literal["REQUEST", "CANCEL"]
    before: bytes
    after: bytes


SHARED_CALENDARS = 256
"""Calendars kept for the notices being sent (a notice's recipients are sent one after the other)."""
_shared: OrderedDict[str, _SharedCalendar | None] = OrderedDict()
_shared_lock = threading.Lock()
_PLACEHOLDER = Address(username="attendee", domain="placeholder.invalid")
_EVENT_FIELDS = ("start", "end", "number", "venue", "agenda_link")


def _shared_calendar(
    context: NoticeContext, *, organizer: Address, stamp: dt.datetime, language: str
) -> _SharedCalendar | None:
    """The part of the invitation that is the same for every recipient, made once per notice and kept.

    Kept under everything :func:`build_calendar` reads besides the attendee (the instance's id, version and state,
    its event fields, the changes of the step, the body, the organizer, the stamp to the second as DTSTAMP
    writes it, and the language), so a
    recipient's message never shows another notice's calendar. It is made with a placeholder attendee whose
    line is left out: nothing of a recipient is ever kept.
    """
    instance, fields = context["instance"], context["instance"]["fields"]
    changes = context.get("changes") or {}
    key = json.dumps(
        [
            language,
            as_instant(stamp).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S"),  # DTSTAMP is written to the second
            organizer.display_name,
            organizer.addr_spec,
            instance["id"],
            instance["version"],
            instance["state"],
            [[name in fields, fields.get(name)] for name in _EVENT_FIELDS],
            [changes.get("start"), changes.get("end")],
            context["body"],
        ],
        sort_keys=True,
        default=repr,
    )
    with _shared_lock:
        if key in _shared:
            _shared.move_to_end(key)
            return _shared[key]
    shared = _split_calendar(
        build_calendar(context, organizer=organizer, attendee=_PLACEHOLDER, stamp=stamp, language=language)
    )
    with _shared_lock:
        _shared[key] = shared
        while len(_shared) > SHARED_CALENDARS:
            _shared.popitem(last=False)
    return shared


def _split_calendar(built: tuple[Literal["REQUEST", "CANCEL"], icalendar.Calendar] | None) -> _SharedCalendar | None:
    """The calendar serialised as ``to_ical`` does, without its (placeholder) ATTENDEE line."""
    if built is None:
        return None
    method, calendar = built
    lines = [line for line in calendar.content_lines() if line]
    (at,) = (i for i, line in enumerate(lines) if line.startswith(("ATTENDEE;", "ATTENDEE:")))
    before = b"".join(_folded(line) + b"\r\n" for line in lines[:at])
    after = b"".join(_folded(line) + b"\r\n" for line in lines[at + 1 :])
    return _SharedCalendar(method, before, after)


def _attendee_line(attendee: Address) -> bytes:
    """The ATTENDEE content line of ``attendee``, folded, as the event would write it."""
    value = _cal_address(attendee, _ATTENDEE_PARAMS)
    line: Contentline = Contentline.from_parts("ATTENDEE", value.params, value, sorted=True)
    return _folded(line)


def _folded(line: Contentline) -> bytes:
    return cast(bytes, line.to_ical())  # type: ignore[no-untyped-call]  # icalendar leaves it unannotated


_ATTENDEE_PARAMS = {"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "FALSE"}


def build_calendar(
    context: NoticeContext, *, organizer: Address, attendee: Address, stamp: dt.datetime, language: str
) -> tuple[Literal["REQUEST", "CANCEL"], icalendar.Calendar] | None:
    """The whole invitation for one attendee and its iTIP method; None when the meeting has no dates yet."""
    instance, fields = context["instance"], context["instance"]["fields"]
    cancelled = withdraws_entry(context)
    has_dates = "start" in fields and fields["start"] is not None
    if not has_dates and not cancelled:
        return None
    event = icalendar.Event()
    event.add("uid", meeting_uid(instance["id"], context["body"]["mail_domain"]))
    event.add("sequence", instance["version"])
    event.add("dtstamp", as_instant(stamp).astimezone(dt.UTC))
    if has_dates:
        zone = body_zone(context["body"])  # the days of the meeting where the body sits
        start = as_date(fields["start"], zone)
        end = as_date(fields.get("end") or fields["start"], zone)
        event.add("dtstart", start)
        event.add("dtend", end + dt.timedelta(days=1))
    template = _SUMMARY.get(language, _SUMMARY["en"])
    body = context["body"]
    ordinal = meeting_ordinal(language, fields["number"]) if "number" in fields else ""
    summary = template.format(ordinal=ordinal, code=body_code(language, cast(Mapping[str, object], body)))
    event.add("summary", " ".join(summary.split()))
    if fields.get("venue"):
        event.add("location", str(fields["venue"]))
    if fields.get("agenda_link"):
        event.add("url", str(fields["agenda_link"]))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _cal_address(organizer, {}))
    event.add("attendee", _cal_address(attendee, _ATTENDEE_PARAMS))
    calendar = icalendar.Calendar()
    method: Literal["REQUEST", "CANCEL"] = "CANCEL" if cancelled else "REQUEST"
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(event)
    return method, calendar


def _cal_address(address: Address, params: dict[str, str]) -> icalendar.vCalAddress:
    """A ``mailto:`` calendar address with the display name as CN."""
    value = icalendar.vCalAddress(f"mailto:{address.addr_spec}")
    if address.display_name:
        value.params["CN"] = icalendar.vText(address.display_name)
    for key, param in params.items():
        value.params[key] = param
    return value
