"""The engine's warnings (``Engine.warnings``) in the reader's words: a date or a deadline on a weekend, a Geneva
holiday or a day the secretariat is closed, and two dates a definition wants in order that are not.

The engine gives them as English lines naming identifiers, for the CLI. The desk finds the same facts with
the same public functions (``closed_day_reason``'s calendar, ``deadline_days``, the definition's
``constraints`` with ``warn``) and says them with the labels of ``labels.yaml``, Babel's weekday names and
the ``holidays`` package's names of the Swiss holidays in French or English. Each warning has a ``key``
with the dates it names (``field:start:2019-04-19``, ``deadline:council_doc:2019-05-13``) so a step can tell
which ones it added or moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import holidays
from babel.dates import format_date

from engine.body import Body
from engine.deadlines import deadline_days
from engine.definition import Definition
from engine.fields import as_date
from web.labels import Words
from web.titles import long_day

# The holidays package's language for each desk language (its Swiss calendar offers de, en_US, fr, it...).
HOLIDAY_LANGUAGES = {"en": "en_US", "fr": "fr"}

SENTENCES = {
    "en": {
        "quoted": "“{what}”",
        "and": " and ",
        "field": "{what} ({day}) falls on {reason}.",
        "fields": "{what} ({day}) fall on {reason}.",
        "deadline": "The deadline “{what}” ({day}) falls on {reason}.",
        "weekend": "a {weekday}",
        "holiday": "a public holiday in Geneva ({name})",
        "holiday.unnamed": "a public holiday in Geneva",
        "closure": "a day the secretariat is closed",
        "before": "“{later}” ({later_day}) falls before “{earlier}” ({earlier_day}).",
        "not_after": "“{later}” ({later_day}) does not fall after “{earlier}” ({earlier_day}).",
    },
    "fr": {
        "quoted": "« {what} »",
        "and": " et ",
        "field": "{what} ({day}) tombe {reason}.",
        "fields": "{what} ({day}) tombent {reason}.",
        "deadline": "L'échéance « {what} » ({day}) tombe {reason}.",
        "weekend": "un {weekday}",
        "holiday": "un jour férié à Genève ({name})",
        "holiday.unnamed": "un jour férié à Genève",
        "closure": "un jour de fermeture du secrétariat",
        "before": "« {later} » ({later_day}) tombe avant « {earlier} » ({earlier_day}).",
        "not_after": "« {later} » ({later_day}) ne tombe pas après « {earlier} » ({earlier_day}).",
    },
}


@dataclass(frozen=True)
class DateWarning:
    """One warning: which dates (``key``: one or more, comma-separated) and the sentence that says it."""

    key: str
    text: str
    day: date

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self.key.split(","))


def _sentences(language: str) -> Mapping[str, str]:
    return SENTENCES.get(language, SENTENCES["en"])


def closed_day_words(day: date, body: Body, language: str) -> str | None:
    """Why the body is closed on ``day``, in words ("a Sunday", "un jour férié à Genève (Vendredi saint)"),
    or None when it is open: the same test and the same order as ``engine.warnings.closed_day_reason``."""
    calendar = body.calendar
    if not calendar.is_closed(day):
        return None
    said = _sentences(language)
    if day.weekday() in calendar.weekend:
        return said["weekend"].format(weekday=format_date(day, "EEEE", locale=language))
    if day in calendar.closures:
        return said["closure"]
    name = holiday_name(day, body, language)
    return said["holiday"].format(name=name) if name else said["holiday.unnamed"]


def holiday_name(day: date, body: Body, language: str) -> str | None:
    """The public holiday's name in the reader's language (English for a language the package lacks)."""
    calendar = body.calendar
    wanted = HOLIDAY_LANGUAGES.get(language, "en_US")
    try:
        found = holidays.country_holidays(
            calendar.country, subdiv=calendar.subdivision, years=day.year, language=wanted
        )
    except (NotImplementedError, KeyError, ValueError):  # a country without that language: its default words
        found = holidays.country_holidays(calendar.country, subdiv=calendar.subdivision, years=day.year)
    name = found.get(day)
    return str(name) if name else None


def date_warnings(
    definition: Definition,
    fields: Mapping[str, object],
    body: Body,
    words: Words,
    *,
    since: date | None = None,
) -> list[DateWarning]:
    """What ``engine.warnings.date_warnings`` finds, in ``words``' language, in day order; fields closed on
    the same day (the first and last day of a one-day meeting) are said in one sentence."""
    language = words.language
    said = _sentences(language)
    wf = definition.name
    days = deadline_days(definition, fields, body)
    found: list[DateWarning] = []
    closed_fields: dict[date, list[str]] = {}  # several fields on one closed day (a one-day meeting): one line
    for name in sorted(definition.date_fields):
        day = as_date(fields.get(name))
        if day is not None and definition.fields[name].type == "date" and (since is None or day >= since):
            closed_fields.setdefault(day, []).append(name)
    for day, names in closed_fields.items():
        reason = closed_day_words(day, body, language)
        if reason:
            ordered = sorted(names, key=lambda n: list(definition.fields).index(n))  # as the definition lists them
            labels = [said["quoted"].format(what=words.field(wf, n)) for n in ordered]
            what = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])}{said['and']}{labels[-1]}"
            sentence = said["field" if len(labels) == 1 else "fields"]
            text = sentence.format(what=what, day=long_day(day, language), reason=reason)
            found.append(DateWarning(",".join(f"field:{n}:{day.isoformat()}" for n in ordered), text, day))
    for name, day in days.items():
        if since is None or day >= since:
            reason = closed_day_words(day, body, language)
            if reason:
                text = said["deadline"].format(
                    what=words.deadline(wf, name), day=long_day(day, language), reason=reason
                )
                found.append(DateWarning(f"deadline:{name}:{day.isoformat()}", text, day))
    for constraint in definition.constraints:
        if not constraint.warn:
            continue
        later = days.get(constraint.field) or as_date(fields.get(constraint.field))
        earlier = days.get(constraint.not_before) or as_date(fields.get(constraint.not_before))
        if later is None or earlier is None or (since is not None and max(later, earlier) < since):
            continue
        if later < earlier or (constraint.strict and later == earlier):
            text = said["not_after" if constraint.strict else "before"].format(
                later=_date_label(definition, constraint.field, words),
                later_day=long_day(later, language),
                earlier=_date_label(definition, constraint.not_before, words),
                earlier_day=long_day(earlier, language),
            )
            key = f"order:{constraint.field}:{later.isoformat()}:{constraint.not_before}:{earlier.isoformat()}"
            found.append(DateWarning(key, text, later))
    return sorted(found, key=lambda w: w.day)  # in the order of the calendar, as a reader checks them


def _date_label(definition: Definition, name: str, words: Words) -> str:
    """A constraint names a field or a deadline: its label either way."""
    if name in definition.deadlines:
        return words.deadline(definition.name, name)
    return words.field(definition.name, name)
