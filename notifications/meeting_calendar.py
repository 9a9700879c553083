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
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from typing import Literal, cast

import icalendar

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
    """Build the invitation for the meeting in ``context``; None when it has no dates to invite to yet."""
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
    event.add(
        "attendee",
        _cal_address(attendee, {"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "FALSE"}),
    )
    calendar = icalendar.Calendar()
    method: Literal["REQUEST", "CANCEL"] = "CANCEL" if cancelled else "REQUEST"
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(event)
    return CalendarPart(method=method, data=calendar.to_ical())


def _cal_address(address: Address, params: dict[str, str]) -> icalendar.vCalAddress:
    """A ``mailto:`` calendar address with the display name as CN."""
    value = icalendar.vCalAddress(f"mailto:{address.addr_spec}")
    if address.display_name:
        value.params["CN"] = icalendar.vText(address.display_name)
    for key, param in params.items():
        value.params[key] = param
    return value
