"""Deadline arithmetic on business dates: rule parsing, closed days and day boundaries in a body's zone."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Final, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from holidays import HolidayBase

__all__ = [
    "BusinessCalendar",
    "ClosedDayPolicy",
    "DayUnit",
    "DeadlineRule",
    "DeadlineRuleError",
    "apply_rule",
    "region_holidays",
]

DayUnit = Literal["days", "working_days"]
ClosedDayPolicy = Literal["keep", "earlier", "later"]

_DAY_UNITS: Final[frozenset[str]] = frozenset(get_args(DayUnit))
_POLICIES: Final[frozenset[str]] = frozenset(get_args(ClosedDayPolicy))

# Ten years either way covers every procedural offset; the cap keeps a typo such as "start - 20190101 days"
# from silently producing a date in another century (or an OverflowError far from the cause).
_MAX_OFFSET: Final = 3660

# Bounds the closed-day search so a calendar whose closures cover everything fails loudly instead of looping.
_MAX_CLOSED_RUN: Final = 3660

_ONE_DAY: Final = timedelta(days=1)
_MIDNIGHT: Final = time(0)

# ASCII digits only: Python's \d also matches e.g. Arabic-Indic digits, which int() would quietly accept.
_RULE_RE: Final = re.compile(
    r"""
    \s*
    (?P<anchor>[a-z_][a-z0-9_]*)
    (?:
        \s*(?P<sign>[+-])\s*
        (?P<count>[0-9]+)\s*
        (?:(?P<working>working[ _]+days?)|days?)
    )?
    \s*
    """,
    re.VERBOSE,
)

_EXPECTED: Final = "expected '<field> - N days', '<field> + N working days' or '<field>'"


class DeadlineRuleError(ValueError):
    """A deadline rule text that cannot be read."""


@dataclass(frozen=True)
class DeadlineRule:
    """A deadline stated relative to a date field of an instance, such as 'start - 12 days'."""

    anchor: str
    offset: int
    unit: DayUnit
    text: str

    def __post_init__(self) -> None:
        """Reject rules built by hand with a unit or offset that parse() would never produce."""
        if self.unit not in _DAY_UNITS:
            raise DeadlineRuleError(
                f"deadline rule {self.text!r} has unit {self.unit!r}, expected 'days' or 'working_days'."
            )
        if abs(self.offset) > _MAX_OFFSET:
            raise DeadlineRuleError(
                f"deadline rule {self.text!r} has offset {self.offset}, beyond the {_MAX_OFFSET}-day limit."
            )

    @classmethod
    def parse(cls, text: str) -> DeadlineRule:
        """Read a rule such as 'start - 12 days', 'due + 1 day', 'start - 5 working days' or 'start'."""
        # Checked before the cache, which would fail first with a bare TypeError on unhashable input.
        if not isinstance(text, str):
            raise DeadlineRuleError(f"cannot read deadline rule {text!r}: {_EXPECTED}.")
        return _parse_rule(text)


# Rules come from a handful of workflow definitions but are read for every instance; the result is immutable,
# so sharing one object per text is safe (lru_cache does not cache the exceptions of bad texts).
@functools.lru_cache(maxsize=1024)
def _parse_rule(text: str) -> DeadlineRule:
    """Parse one rule text (the cached body of DeadlineRule.parse)."""
    match = _RULE_RE.fullmatch(text)
    if match is None:
        raise DeadlineRuleError(f"cannot read deadline rule {text!r}: {_EXPECTED}.")
    count = match["count"]
    if count is None:
        return DeadlineRule(anchor=match["anchor"], offset=0, unit="days", text=text)
    magnitude = int(count)
    # DeadlineRule.__post_init__ enforces _MAX_OFFSET, so hand-built and parsed rules share one check.
    return DeadlineRule(
        anchor=match["anchor"],
        offset=-magnitude if match["sign"] == "-" else magnitude,
        unit="working_days" if match["working"] else "days",
        text=text,
    )


# The holidays package is imported on first need, and then only the country asked for: asking it for a country
# (``holidays.country_holidays``) imports ``holidays.countries``, whose __init__ imports all ~250 country modules
# (about 8 MiB and 50 ms in every process that builds a calendar) to hand out one of them.


def _country_module(module_name: str) -> ModuleType:
    """``holidays.countries.<module_name>``, imported without the package's __init__ when that is not loaded yet.

    The module is registered under its own name, so a later import of ``holidays.countries`` (for another
    country, or by holidays itself) reuses it: there is only ever one class per country.
    """
    import holidays
    from holidays.registry import IMPORT_LOCK  # the lock holidays itself takes to import a country module

    name = f"holidays.countries.{module_name}"
    with IMPORT_LOCK:
        module = sys.modules.get(name)
        if module is not None:
            return module
        if "holidays.countries" in sys.modules:  # the whole package is loaded already: the normal import
            return importlib.import_module(name)
        path = Path(holidays.__file__).parent / "countries" / f"{module_name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            return importlib.import_module(name)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception:
            # A territory built on another country's class (Åland on Finland...) imports holidays.countries, whose
            # __init__ then meets this half-run module: import it the normal way instead.
            del sys.modules[name]
            return importlib.import_module(name)
        return module


@functools.lru_cache(maxsize=64)
def _country_entity(country: str) -> type[HolidayBase] | None:
    """The holidays class of ``country`` (ISO code or class name, as holidays names them), or None when the
    registry does not list it (the caller then asks holidays itself, which says what is wrong)."""
    from holidays.registry import COUNTRIES

    for module_name, entities in COUNTRIES.items():
        if country in entities:
            entity = getattr(_country_module(module_name), country, None)
            return entity if isinstance(entity, type) else None
    return None


def region_holidays(country: str, subdivision: str | None, year: int | None = None) -> Mapping[date, str]:
    """``holidays.country_holidays(country, subdiv=subdivision, years=year)``: the public holidays of a region
    (of ``year``, or filled in per year on lookup), importing only that country's module of the holidays package.
    An unknown country or subdivision raises NotImplementedError, as holidays does."""
    import holidays

    entity = _country_entity(country)
    if entity is None:
        return holidays.country_holidays(country, subdiv=subdivision, years=year)
    return entity(years=year, subdiv=subdivision)


# Building a holidays object costs ~0.1 ms and its lazy year expansion mutates it on lookup; a frozen set per
# (country, subdivision, year) is built once and then costs one hash lookup per query.
@functools.lru_cache(maxsize=1024)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """The public holidays of one region and year."""
    return frozenset(region_holidays(country, subdivision, year).keys())


@functools.lru_cache(maxsize=64)
def _check_region(country: str, subdivision: str | None) -> None:
    """Fail at configuration time, not at the first deadline, when the holidays package lacks a region."""
    try:
        # No years requested: this only validates the names, it populates nothing.
        region_holidays(country, subdivision)
    except NotImplementedError as exc:
        raise ValueError(
            f"no public holiday data for country {country!r}, subdivision {subdivision!r}: {exc}."
        ) from exc


@dataclass(frozen=True)
class BusinessCalendar:
    """The working calendar of a body: its time zone, weekend, public holidays and extra closure days."""

    timezone: str = "Europe/Zurich"
    country: str = "CH"
    subdivision: str | None = "GE"
    closures: frozenset[date] = frozenset()
    weekend: frozenset[int] = frozenset({5, 6})

    def __post_init__(self) -> None:
        """Validate the configuration eagerly so a typo surfaces when the calendar is built."""
        # Config loaders pass lists or sets; freezing them keeps the calendar hashable and immutable.
        object.__setattr__(self, "closures", frozenset(self.closures))
        object.__setattr__(self, "weekend", frozenset(self.weekend))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}.") from exc
        if not self.weekend <= frozenset(range(7)):
            raise ValueError(
                f"weekend days must be weekday numbers 0 (Monday) to 6 (Sunday), got {sorted(self.weekend)}."
            )
        if len(self.weekend) == 7:
            raise ValueError("a weekend of all seven days leaves no open day.")
        # datetime subclasses date but never equals one, so a datetime closure would silently never match.
        if any(isinstance(day, datetime) or not isinstance(day, date) for day in self.closures):
            raise ValueError("closures must be dates, not datetimes or strings.")
        _check_region(self.country, self.subdivision)

    def is_closed(self, day: date) -> bool:
        """Whether the body is closed on `day`: a weekend day, a public holiday or a configured closure."""
        _require_date(day)
        return self._closed(day)

    def _closed(self, day: date) -> bool:
        """Unchecked is_closed for the hot loops of apply_rule."""
        return (
            day.weekday() in self.weekend
            or day in self.closures
            or day in _public_holidays(self.country, self.subdivision, day.year)
        )

    def zone(self) -> ZoneInfo:
        """The body's time zone (ZoneInfo caches instances, so this is cheap)."""
        return ZoneInfo(self.timezone)

    def end_of_day(self, day: date) -> datetime:
        """The UTC instant at which local `day` ends, the next local midnight (DST days last 23 or 25 h)."""
        _require_date(day)
        # Adding a timedelta to a local wall time ignores DST; building the next day's midnight and converting
        # it does not. fold=0 is also right where midnight itself falls in a gap (the day ends at the
        # transition) or repeats (the day ends at the first midnight).
        return datetime.combine(day + _ONE_DAY, _MIDNIGHT, tzinfo=self.zone()).astimezone(UTC)

    def at_local_time(self, day: date, at: time) -> datetime:
        """The UTC instant of wall time `at` on local `day`, resolving DST gaps and repeats per RFC 5545."""
        _require_date(day)
        if at.tzinfo is not None:
            raise ValueError(f"at_local_time needs a naive wall-clock time, got {at!r}.")
        # RFC 5545 (which our iCalendar invitations follow) reads a wall time skipped by a spring-forward gap
        # with the offset before the gap, so 02:30 on a 02:00->03:00 day is 03:30 summer time, and a wall
        # time repeated by a fall-back as its first occurrence (summer time). zoneinfo does exactly this for
        # fold=0; the caller's fold is dropped so the result never depends on it.
        return datetime.combine(day, at.replace(fold=0), tzinfo=self.zone()).astimezone(UTC)

    def local_date(self, instant: datetime) -> date:
        """The calendar day of the aware `instant` in the body's time zone."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"local_date needs a time-zone-aware instant, got naive {instant!r}.")
        return instant.astimezone(self.zone()).date()


def apply_rule(
    rule: DeadlineRule,
    anchor_day: date,
    calendar: BusinessCalendar,
    policy: ClosedDayPolicy = "keep",
) -> date:
    """The deadline's day: anchor +/- offset in calendar or working days, then the closed-day policy."""
    _require_date(anchor_day)
    if rule.unit == "days":
        day = anchor_day + timedelta(days=rule.offset)
    else:
        day = _step_open_days(anchor_day, rule.offset, calendar)
    if policy == "keep":
        return day
    if policy == "earlier":
        return _nearest_open(day, -_ONE_DAY, calendar)
    if policy == "later":
        return _nearest_open(day, _ONE_DAY, calendar)
    raise ValueError(f"unknown closed-day policy {policy!r}, expected one of {sorted(_POLICIES)}.")


def _step_open_days(anchor_day: date, offset: int, calendar: BusinessCalendar) -> date:
    """Move `offset` open days from the anchor, not counting the anchor itself."""
    step = _ONE_DAY if offset > 0 else -_ONE_DAY
    remaining = abs(offset)
    day = anchor_day
    closed_run = 0
    while remaining:
        day += step
        if calendar._closed(day):
            closed_run += 1
            if closed_run > _MAX_CLOSED_RUN:
                raise ValueError(f"no open day found within {_MAX_CLOSED_RUN} days before {day} in {calendar!r}.")
        else:
            closed_run = 0
            remaining -= 1
    return day


def _nearest_open(day: date, step: timedelta, calendar: BusinessCalendar) -> date:
    """The first open day from `day` (inclusive) in the direction of `step`."""
    for _ in range(_MAX_CLOSED_RUN):
        if not calendar._closed(day):
            return day
        day += step
    raise ValueError(f"no open day found within {_MAX_CLOSED_RUN} days of {day} in {calendar!r}.")


def _require_date(day: date) -> None:
    """Reject datetimes posing as dates, since a datetime never equals a date and lookups would miss."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a calendar date, got {day!r}.")
