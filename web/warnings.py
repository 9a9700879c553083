"""The engine's warnings (``Engine.warnings``) in the reader's words: a date or a deadline on a weekend, a Geneva
holiday or a day the secretariat is closed, and two dates a definition wants in order that are not.

The engine finds them as data (``engine.warnings.date_facts``); the desk says them with the labels of
``labels.yaml``, Babel's weekday names and the ``holidays`` package's names of the Swiss holidays in French
or English. Each warning has a ``key`` with the dates it names (``field:start:2019-04-19``,
``deadline:council_doc:2019-05-13``) so a step can tell which ones it added or moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import holidays
from babel.dates import format_date

from engine.body import Body
from engine.definition import Definition
from engine.warnings import ClosedDate, OutOfOrder, date_facts
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
    "es": {
        "quoted": "«{what}»",
        "and": " y ",
        "field": "{what} ({day}) cae en {reason}.",
        "fields": "{what} ({day}) caen en {reason}.",
        "deadline": "El plazo «{what}» ({day}) cae en {reason}.",
        "weekend": "{weekday}",
        "holiday": "un día festivo en Ginebra ({name})",
        "holiday.unnamed": "un día festivo en Ginebra",
        "closure": "un día de cierre de la Secretaría",
        "before": "«{later}» ({later_day}) cae antes de «{earlier}» ({earlier_day}).",
        "not_after": "«{later}» ({later_day}) no cae después de «{earlier}» ({earlier_day}).",
    },
    "ru": {
        "quoted": "«{what}»",
        "and": " и ",
        "field": "{what} ({day}) приходится на {reason}.",
        "fields": "{what} ({day}) приходятся на {reason}.",
        "deadline": "Срок «{what}» ({day}) приходится на {reason}.",
        "weekend": "нерабочий день ({weekday})",
        "holiday": "официальный праздник в Женеве ({name})",
        "holiday.unnamed": "официальный праздник в Женеве",
        "closure": "день, когда секретариат закрыт",
        "before": "«{later}» ({later_day}) наступает раньше, чем «{earlier}» ({earlier_day}).",
        "not_after": "«{later}» ({later_day}) наступает не позже, чем «{earlier}» ({earlier_day}).",
    },
    "ar": {
        "quoted": "«{what}»",
        "and": " و",
        "field": "يصادف {what} ({day}) {reason}.",
        "fields": "يصادف {what} ({day}) {reason}.",
        "deadline": "يصادف الموعد النهائي «{what}» ({day}) {reason}.",
        "weekend": "يوم {weekday}",
        "holiday": "عطلة رسمية في جنيف ({name})",
        "holiday.unnamed": "عطلة رسمية في جنيف",
        "closure": "يوماً تُغلق فيه الأمانة",
        "before": "يقع «{later}» ({later_day}) قبل «{earlier}» ({earlier_day}).",
        "not_after": "لا يقع «{later}» ({later_day}) بعد «{earlier}» ({earlier_day}).",
    },
    "zh": {
        "quoted": "“{what}”",
        "and": "和",
        "field": "{what}（{day}）适逢{reason}。",
        "fields": "{what}（{day}）适逢{reason}。",
        "deadline": "期限“{what}”（{day}）适逢{reason}。",
        "weekend": "{weekday}",
        "holiday": "日内瓦公共假日（{name}）",
        "holiday.unnamed": "日内瓦公共假日",
        "closure": "秘书处闭馆日",
        "before": "“{later}”（{later_day}）早于“{earlier}”（{earlier_day}）。",
        "not_after": "“{later}”（{later_day}）不晚于“{earlier}”（{earlier_day}）。",
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


def closure_words(fact: ClosedDate, body: Body, language: str) -> str:
    """Why the body is closed on the fact's day, in words ("a Sunday", "un jour férié à Genève (Vendredi saint)")."""
    said = _sentences(language)
    if fact.closure == "weekend":
        return said["weekend"].format(weekday=format_date(fact.day, "EEEE", locale=language))
    if fact.closure == "closure":
        return said["closure"]
    name = holiday_name(fact.day, body, language)
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
    """``engine.warnings.date_facts`` in ``words``' language, in day order; fields closed on the same day (the
    first and last day of a one-day meeting) are said in one sentence."""
    language = words.language
    said = _sentences(language)
    wf = definition.name
    facts = date_facts(definition, fields, body, since=since)
    found: list[DateWarning] = []
    closed_fields: dict[date, list[ClosedDate]] = {}  # several fields on one closed day: one line
    for fact in facts:
        if isinstance(fact, ClosedDate) and fact.kind == "field":
            closed_fields.setdefault(fact.day, []).append(fact)
    for day, same_day in closed_fields.items():
        ordered = sorted(same_day, key=lambda f: list(definition.fields).index(f.name))  # as the definition lists
        labels = [said["quoted"].format(what=words.field(wf, f.name)) for f in ordered]
        what = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])}{said['and']}{labels[-1]}"
        sentence = said["field" if len(labels) == 1 else "fields"]
        text = sentence.format(what=what, day=long_day(day, language), reason=closure_words(ordered[0], body, language))
        found.append(DateWarning(",".join(f"field:{f.name}:{day.isoformat()}" for f in ordered), text, day))
    for fact in facts:
        if isinstance(fact, ClosedDate) and fact.kind == "deadline":
            text = said["deadline"].format(
                what=words.deadline(wf, fact.name),
                day=long_day(fact.day, language),
                reason=closure_words(fact, body, language),
            )
            found.append(DateWarning(f"deadline:{fact.name}:{fact.day.isoformat()}", text, fact.day))
        elif isinstance(fact, OutOfOrder):
            text = said["not_after" if fact.strict else "before"].format(
                later=_date_label(definition, fact.later, words),
                later_day=long_day(fact.later_day, language),
                earlier=_date_label(definition, fact.earlier, words),
                earlier_day=long_day(fact.earlier_day, language),
            )
            key = f"order:{fact.later}:{fact.later_day.isoformat()}:{fact.earlier}:{fact.earlier_day.isoformat()}"
            found.append(DateWarning(key, text, fact.later_day))
    return sorted(found, key=lambda w: w.day)  # in the order of the calendar, as a reader checks them


def _date_label(definition: Definition, name: str, words: Words) -> str:
    """A constraint names a field or a deadline: its label either way."""
    if name in definition.deadlines:
        return words.deadline(definition.name, name)
    return words.field(definition.name, name)
