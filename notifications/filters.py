"""The Jinja filters of notice templates: the shared formatting functions, bound to the reader and the body.

Each filter gets the language of the environment it is registered in; the date filters also get the time zone
of the body the notice is sent for, read from the ``body`` of the context being rendered (environments are
cached per language and shared by every body, so the zone cannot be fixed when they are built). Two filters
are particular to e-mail and live here: ``council_symbol`` and ``url``; and three write phrases of running
text (``phrasing.py``): ``on_days`` and ``to_days`` (the days of a meeting with their preposition, "les 23 et
24 septembre 2019") and ``sentence`` (a free text closed by exactly one full stop). ``ordinal`` writes a
meeting's number as its name in the language takes it ("12th", "12e", "12.ª", "12-е", "الثاني عشر", "第12次");
``body_name``, ``body_code`` and ``session`` name the body and a Council session in the reader's language
(``body_names.py``).
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo

import jinja2
from jinja2.runtime import Context

from engine import formatting
from notifications.body_names import body_code, body_name, council_session
from notifications.context import body_zone
from notifications.phrasing import as_sentence, days_phrase, instant_phrase, meeting_ordinal, russian_year_in_words

Filter = Callable[..., str]

_COUNCIL_SUFFIX = {"en": "E", "fr": "F", "es": "S", "ru": "R", "ar": "A", "zh": "C"}
_COUNCIL_SYMBOL = re.compile(r"^C\d{2}/[^\s-]+$")


def council_symbol(language: str, value: object) -> str:
    """Give a Council document symbol the reader's language suffix: "C19/51" -> "C19/51-F"."""
    symbol = str(value)
    if _COUNCIL_SYMBOL.match(symbol):
        return f"{symbol}-{_COUNCIL_SUFFIX.get(language, 'E')}"
    return symbol


def link(value: object) -> str:
    """Pass an http(s) or mailto URL through, refusing any other scheme (no ``javascript:`` in an href)."""
    url = str(value).strip()
    if not re.match(r"^(https?://|mailto:)[^\s\x00-\x1f\"'<>]+$", url, re.IGNORECASE):
        raise ValueError(f"refused the link {url!r}: only http, https and mailto links are allowed")
    return url


def template_filters(language: str) -> dict[str, Filter]:
    """The filters of ``language``'s environment, by the names the templates use."""
    filters = _filters(language)
    if language == "ru":  # "1 февраля 2019 года" in running text, never "2019 г." (nor "2019 г.." at a full stop)
        for name in ("date", "date_span"):
            filters[name] = _then(filters[name], russian_year_in_words)
    filters["datetime"] = _then(filters["datetime"], functools.partial(instant_phrase, language))
    return filters


def _then(f: Filter, rewrite: Callable[[str], str]) -> Filter:
    """``f`` with its text rewritten by ``rewrite`` (``pass_context`` and the like carried over)."""

    @functools.wraps(f)
    def apply(*args: object, **kwargs: object) -> str:
        return rewrite(f(*args, **kwargs))

    return apply


def _filters(language: str) -> dict[str, Filter]:
    """The filters as the shared formatting functions write them."""
    return {
        "date": _zoned(language, formatting.format_day),
        "date_span": _zoned(language, formatting.format_span),
        "datetime": _zoned(language, formatting.format_instant),
        "number": _bound(language, formatting.format_number),
        "ordinal": _bound(language, meeting_ordinal),
        "council_symbol": _bound(language, council_symbol),
        "language_names": _bound(language, formatting.language_names),
        "join_words": _bound(language, formatting.join_words),
        "url": _bound(language, lambda _language, value: link(value)),
        "on_days": _zoned(language, _on_days),
        "to_days": _zoned(language, _to_days),
        "sentence": _bound(language, lambda _language, value: as_sentence(value)),
        "body_name": _bound(language, body_name),
        "body_code": _bound(language, body_code),
        "session": _bound(language, council_session),
    }


def _on_days(language: str, start: object, end: object, *, zone: datetime.tzinfo) -> str:
    """When a meeting is held: "on 23 and 24 September 2019", "les 23 et 24 septembre 2019"."""
    return days_phrase(language, start, end, "on", zone=zone)


def _to_days(language: str, start: object, end: object, *, zone: datetime.tzinfo) -> str:
    """What a meeting is moved to: "to 7 and 8 October 2019", "aux 7 et 8 octobre 2019"."""
    return days_phrase(language, start, end, "to", zone=zone)


def _refuse_undefined(*arguments: object) -> None:
    """Fail on an undefined argument by its name, rather than formatting the Undefined object."""
    for argument in arguments:
        if isinstance(argument, jinja2.Undefined):
            str(argument)  # StrictUndefined raises UndefinedError naming the missing variable


FILTER_CACHE_SIZE = 512
"""Results kept per filter and language: the dates, numbers and phrases of the notices being sent."""
_PLAIN = (str, int, float, bool, type(None), datetime.date, datetime.datetime, ZoneInfo)


def _memoised(f: Filter) -> Filter:
    """``f`` (a pure function of its arguments) remembering its last results for plain values.

    Every recipient of a notice gets the same dates, numbers and phrases in their language: each is worked out
    once. Only arguments of exactly a plain type (text, numbers, dates, None, a time zone) are looked up, by
    type and value (``True`` is not ``1``); anything else (a list, a mapping, Markup) calls ``f``. Errors are
    not kept.
    """
    cached = functools.lru_cache(maxsize=FILTER_CACHE_SIZE, typed=True)(f)

    def apply(*args: object, **kwargs: object) -> str:
        if all(type(a) in _PLAIN for a in args) and all(type(v) in _PLAIN for v in kwargs.values()):
            return cached(*args, **kwargs)
        return f(*args, **kwargs)

    return apply


def _bound(language: str, f: Filter) -> Filter:
    """``f`` with the environment's language."""
    remembered = _memoised(f)

    @functools.wraps(f)
    def apply(value: object, *args: object, **kwargs: object) -> str:
        _refuse_undefined(value, *args, *kwargs.values())
        return remembered(language, value, *args, **kwargs)

    return apply


def _zoned(language: str, f: Filter) -> Filter:
    """``f`` with the environment's language and the time zone of the body in the rendered context."""
    remembered = _memoised(f)

    @functools.wraps(f)
    def apply(context: Context, value: object, *args: object, **kwargs: object) -> str:
        _refuse_undefined(value, *args, *kwargs.values())
        body = context.get("body")
        if not isinstance(body, Mapping):
            raise TypeError("the notice context has no body, whose time zone dates are shown in")
        return remembered(language, value, *args, **kwargs, zone=body_zone(body))

    return jinja2.pass_context(apply)
