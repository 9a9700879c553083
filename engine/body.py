"""The body a consultflow database serves (names, time zone, calendar, mail identity), read from YAML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any, cast

from engine.calendar import BusinessCalendar, ClosedDayPolicy
from engine.errors import DefinitionError
from engine.yamlsource import load_yaml


@dataclass(frozen=True)
class Body:
    """Who we are: the group's names and codes, where its days begin and end, how its mail is signed."""

    code: str = "CWG-Internet"
    code_fr: str = "GTC-Internet"
    name: Mapping[str, str] = field(default_factory=dict)
    list_id: str = "cwg-internet.consultflow.invalid"
    mail_domain: str = "consultflow.invalid"
    sender: str = "consultflow@consultflow.invalid"
    reminder_time: time = time(8, 0)
    # "earlier": a reminder due on a weekend or a holiday goes out on the open day before it (or, for one that
    # follows its date, such as "overdue", the open day after); "keep": on that day.
    reminders_on_closed_day: ClosedDayPolicy = "keep"
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    extra: Mapping[str, Any] = field(default_factory=dict)  # mandate references, report settings...

    def context(self) -> dict[str, object]:
        """The body as plain data for notice and report templates."""
        return {
            "code": self.code,
            "code_fr": self.code_fr,
            "name_en": self.name.get("en", self.code),
            "name_fr": self.name.get("fr", self.code_fr),
            "list_id": self.list_id,
            "mail_domain": self.mail_domain,
            "timezone": self.calendar.timezone,
        }  # the mandate and report settings stay out: this goes into every outbox row


def load_body(path: Path) -> Body:
    """Read ``body.yaml``; a missing key keeps its default, a bad value is a DefinitionError."""
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    source = str(path.name)
    if not isinstance(data, dict):
        raise DefinitionError(source, "file", "expected a mapping")
    cal = data.get("calendar") or {}
    try:
        calendar = BusinessCalendar(
            timezone=str(cal.get("timezone", "Europe/Zurich")),
            country=str(cal.get("country", "CH")),
            subdivision=cal.get("subdivision", "GE"),
            closures=frozenset(date.fromisoformat(str(d)) for d in cal.get("closures", [])),
        )
        reminder_time = time.fromisoformat(str(data.get("reminder_time", "08:00")))
        reminder_policy = str(data.get("reminders_on_closed_day", "keep"))
        if reminder_policy not in ("keep", "earlier"):
            raise ValueError(f"reminders_on_closed_day is keep or earlier, not {reminder_policy!r}")
    except ValueError as exc:
        raise DefinitionError(source, "calendar", str(exc)) from exc
    known = {
        "code", "code_fr", "name", "list_id", "mail_domain", "sender", "reminder_time", "reminders_on_closed_day",
        "calendar",
    }  # fmt: skip
    return Body(
        code=str(data.get("code", "CWG-Internet")),
        code_fr=str(data.get("code_fr", "GTC-Internet")),
        name=dict(data.get("name") or {}),
        list_id=str(data.get("list_id", "cwg-internet.consultflow.invalid")),
        mail_domain=str(data.get("mail_domain", "consultflow.invalid")),
        sender=str(data.get("sender", "consultflow@consultflow.invalid")),
        reminder_time=reminder_time,
        reminders_on_closed_day=cast(ClosedDayPolicy, reminder_policy),
        calendar=calendar,
        extra={k: v for k, v in data.items() if k not in known},
    )
