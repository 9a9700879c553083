"""Unit tests for engine.calendar: rule parsing, Geneva closed days, policies and DST-safe day boundaries."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import calendar as calendar_module
from engine.calendar import (
    BusinessCalendar,
    ClosedDayPolicy,
    DayUnit,
    DeadlineRule,
    DeadlineRuleError,
    apply_rule,
)

GENEVA = BusinessCalendar()
# ITU-style year-end closure: the working days between Christmas and New Year that are not public holidays.
YEAR_END = BusinessCalendar(closures=frozenset({date(2019, 12, 26), date(2019, 12, 27), date(2019, 12, 30)}))
MICROSECOND = timedelta(microseconds=1)
ONE_DAY = timedelta(days=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    """Build an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


# --- parsing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "anchor", "offset", "unit"),
    [
        ("start - 12 days", "start", -12, "days"),
        ("start-12 days", "start", -12, "days"),
        ("start -12days", "start", -12, "days"),
        ("due + 1 day", "due", 1, "days"),
        ("council_opening - 28 days", "council_opening", -28, "days"),
        ("start - 5 working days", "start", -5, "working_days"),
        ("start + 1 working day", "start", 1, "working_days"),
        ("start - 3 working_days", "start", -3, "working_days"),
        ("start", "start", 0, "days"),
        ("oc - 2 days", "oc", -2, "days"),
        ("_x2 + 0 days", "_x2", 0, "days"),
        ("  start - 7 days  ", "start", -7, "days"),
    ],
)
def test_parse_reads_anchor_offset_and_unit(text: str, anchor: str, offset: int, unit: DayUnit) -> None:
    """Each accepted rule form yields its anchor field, signed offset and unit, keeping the original text."""
    rule = DeadlineRule.parse(text)
    assert rule == DeadlineRule(anchor=anchor, offset=offset, unit=unit, text=text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Start - 12 days",
        "2start - 1 day",
        "start - 12",
        "start - twelve days",
        "start - 12 weeks",
        "start - 1.5 days",
        "start * 2 days",
        "start - - 2 days",
        "12 days",
        "- 12 days",
        "start - 12 days - 1 day",
        "start.date - 1 day",
        "start - ١٢ days",  # Arabic-Indic digits: int() would accept them, the rule grammar does not
        "start − 12 days",  # U+2212 minus sign, as pasted from a typeset document
    ],
)
def test_parse_rejects_unreadable_text_naming_it(text: str) -> None:
    """An unreadable rule raises DeadlineRuleError (a ValueError) whose one sentence quotes the bad text."""
    with pytest.raises(DeadlineRuleError) as info:
        DeadlineRule.parse(text)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert message.startswith(f"cannot read deadline rule {text!r}: expected '<field> - N days'")
    assert message.endswith(".")
    assert message.count(". ") == 0


def test_parse_rejects_non_string() -> None:
    """A non-string rule raises DeadlineRuleError rather than a bare TypeError from the cache."""
    with pytest.raises(DeadlineRuleError, match="cannot read deadline rule"):
        DeadlineRule.parse(["start"])  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["start - 3661 days", "start + 20190101 days", "start - 9999 working days"])
def test_parse_rejects_offsets_beyond_ten_years(text: str) -> None:
    """An offset over the 3660-day cap is refused as a likely typo, naming the rule."""
    with pytest.raises(DeadlineRuleError, match="beyond the 3660-day limit") as info:
        DeadlineRule.parse(text)
    assert repr(text) in str(info.value)


def test_hand_built_rule_with_unknown_unit_is_rejected() -> None:
    """Building a DeadlineRule directly with a unit parse() never produces raises DeadlineRuleError."""
    with pytest.raises(DeadlineRuleError, match="has unit 'weeks'"):
        DeadlineRule(anchor="start", offset=-1, unit="weeks", text="start - 1 week")  # type: ignore[arg-type]


# --- calendar days: the 12th meeting ---------------------------------------------------------------------

START_12TH = date(2019, 2, 1)  # 12th CWG-Internet meeting, Geneva, a Friday


@pytest.mark.parametrize(
    ("text", "anchor_day", "expected"),
    [
        ("start - 21 days", START_12TH, date(2019, 1, 11)),  # translated contributions
        ("start - 12 days", START_12TH, date(2019, 1, 20)),  # untranslated contributions (a Sunday, kept)
        ("start - 7 days", START_12TH, date(2019, 1, 25)),  # posting of all documents
        ("start - 28 days", START_12TH, date(2019, 1, 4)),
        ("start - 42 days", START_12TH, date(2018, 12, 21)),  # invitation lead time, across the year end
        ("due + 1 day", date(2019, 9, 13), date(2019, 9, 14)),
        ("start", START_12TH, START_12TH),
    ],
)
def test_calendar_day_rules_for_the_12th_meeting(text: str, anchor_day: date, expected: date) -> None:
    """Calendar-day rules count every day, closed or not, and the default 'keep' policy leaves the result."""
    assert apply_rule(DeadlineRule.parse(text), anchor_day, GENEVA) == expected


# --- closed days -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        (date(2019, 2, 1), False),  # Friday
        (date(2019, 2, 2), True),  # Saturday
        (date(2019, 2, 3), True),  # Sunday
        (date(2019, 1, 1), True),  # Nouvel An
        (date(2019, 4, 19), True),  # Vendredi saint
        (date(2019, 4, 22), True),  # Lundi de Pâques
        (date(2019, 5, 30), True),  # Ascension
        (date(2019, 6, 10), True),  # Lundi de Pentecôte
        (date(2019, 8, 1), True),  # Fête nationale
        (date(2019, 9, 5), True),  # Jeûne genevois (Thursday after the first Sunday of September)
        (date(2019, 12, 25), True),  # Noël
        (date(2019, 12, 26), False),  # Saint-Étienne is not a Geneva public holiday
        (date(2019, 12, 31), True),  # Restauration de la République
        (date(2018, 12, 31), True),
        (date(2019, 5, 1), False),  # 1 May is not a Geneva public holiday
    ],
)
def test_geneva_closed_days(day: date, closed: bool) -> None:
    """The default calendar is closed on weekends and Geneva public holidays, and open otherwise."""
    assert GENEVA.is_closed(day) is closed


@pytest.mark.parametrize(
    ("calendar", "day", "closed"),
    [
        (BusinessCalendar(subdivision="ZH"), date(2019, 12, 26), True),  # Stephanstag in Zurich
        (BusinessCalendar(subdivision="ZH"), date(2019, 9, 5), False),  # Jeûne genevois is Geneva only
        (BusinessCalendar(subdivision=None), date(2019, 12, 31), False),  # federal list only
        (BusinessCalendar(weekend=frozenset({4, 5})), date(2019, 2, 1), True),  # Friday-Saturday weekend
        (BusinessCalendar(weekend=frozenset({4, 5})), date(2019, 2, 3), False),
        (YEAR_END, date(2019, 12, 27), True),  # configured closure
        (GENEVA, date(2019, 12, 27), False),
    ],
)
def test_other_regions_weekends_and_closures(calendar: BusinessCalendar, day: date, closed: bool) -> None:
    """Subdivision, weekend days and closure dates each change which days are closed."""
    assert calendar.is_closed(day) is closed


# --- working days ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "text", "anchor_day", "expected"),
    [
        (GENEVA, "start - 5 working days", START_12TH, date(2019, 1, 25)),  # Thu..Mon, then across a weekend
        (GENEVA, "start + 1 working day", START_12TH, date(2019, 2, 4)),  # Friday -> Monday
        (GENEVA, "start - 1 working day", date(2019, 2, 3), date(2019, 2, 1)),  # from a Sunday anchor
        (GENEVA, "start + 1 working day", date(2019, 2, 2), date(2019, 2, 4)),  # from a Saturday anchor
        (GENEVA, "start - 1 working day", date(2019, 9, 6), date(2019, 9, 4)),  # over Jeûne genevois
        (GENEVA, "start + 1 working day", date(2019, 9, 4), date(2019, 9, 6)),
        (GENEVA, "start + 1 working day", date(2019, 5, 29), date(2019, 5, 31)),  # over Ascension
        (GENEVA, "start + 1 working day", date(2019, 4, 18), date(2019, 4, 23)),  # over Easter
        (GENEVA, "start + 1 working day", date(2019, 6, 7), date(2019, 6, 11)),  # over Whit Monday
        (GENEVA, "start + 1 working day", date(2019, 12, 24), date(2019, 12, 26)),  # over Christmas
        (GENEVA, "start + 3 working days", date(2019, 12, 24), date(2019, 12, 30)),
        (GENEVA, "start + 4 working days", date(2019, 12, 24), date(2020, 1, 2)),  # 31 Dec and 1 Jan
        (GENEVA, "start - 1 working day", date(2019, 1, 2), date(2018, 12, 28)),  # back over both
        (GENEVA, "start - 0 working days", date(2019, 2, 2), date(2019, 2, 2)),  # zero: the anchor, kept
        (YEAR_END, "start + 1 working day", date(2019, 12, 24), date(2020, 1, 2)),  # closures skipped too
        (YEAR_END, "start - 1 working day", date(2020, 1, 2), date(2019, 12, 24)),
    ],
)
def test_working_days_skip_closed_days(calendar: BusinessCalendar, text: str, anchor_day: date, expected: date) -> None:
    """Working-day rules count only open days, starting after (or before) the anchor, which is not counted."""
    assert apply_rule(DeadlineRule.parse(text), anchor_day, calendar) == expected


@settings(database=None, deadline=None, max_examples=300)
@given(
    anchor_day=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    offset=st.integers(min_value=-40, max_value=40).filter(bool),
)
def test_working_day_result_is_open_and_exactly_offset_open_days_away(anchor_day: date, offset: int) -> None:
    """For any anchor and non-zero offset the result is open and exactly |offset| open days away."""
    rule = DeadlineRule(anchor="start", offset=offset, unit="working_days", text=f"start {offset:+d} working days")
    result = apply_rule(rule, anchor_day, YEAR_END)
    assert not YEAR_END.is_closed(result)
    # Forward the open days counted are (anchor, result]; backward they are [result, anchor).
    first, last = (anchor_day + ONE_DAY, result) if offset > 0 else (result, anchor_day - ONE_DAY)
    span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    assert sum(not YEAR_END.is_closed(day) for day in span) == abs(offset)


# --- closed-day policies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "text", "anchor_day", "policy", "expected"),
    [
        (GENEVA, "start - 12 days", START_12TH, "keep", date(2019, 1, 20)),  # Sunday
        (GENEVA, "start - 12 days", START_12TH, "earlier", date(2019, 1, 18)),  # -> Friday
        (GENEVA, "start - 12 days", START_12TH, "later", date(2019, 1, 21)),  # -> Monday
        (GENEVA, "due + 1 day", date(2019, 9, 13), "earlier", date(2019, 9, 13)),
        (GENEVA, "due + 1 day", date(2019, 9, 13), "later", date(2019, 9, 16)),
        (GENEVA, "start - 7 days", START_12TH, "earlier", date(2019, 1, 25)),  # open: policy is a no-op
        (GENEVA, "start - 7 days", START_12TH, "later", date(2019, 1, 25)),
        (GENEVA, "oc - 1 day", date(2019, 9, 6), "earlier", date(2019, 9, 4)),  # Jeûne genevois -> Wed
        (GENEVA, "oc - 1 day", date(2019, 9, 6), "later", date(2019, 9, 6)),
        (GENEVA, "due", date(2019, 12, 31), "later", date(2020, 1, 2)),  # two holidays, across the year
        (GENEVA, "due", date(2019, 12, 31), "earlier", date(2019, 12, 30)),
        (GENEVA, "start - 0 working days", date(2019, 2, 2), "later", date(2019, 2, 4)),
        (YEAR_END, "oc - 2 days", date(2019, 12, 29), "keep", date(2019, 12, 27)),  # closure day kept
        (YEAR_END, "oc - 2 days", date(2019, 12, 29), "earlier", date(2019, 12, 24)),
        (YEAR_END, "oc - 2 days", date(2019, 12, 29), "later", date(2020, 1, 2)),
    ],
)
def test_closed_day_policies(
    calendar: BusinessCalendar, text: str, anchor_day: date, policy: ClosedDayPolicy, expected: date
) -> None:
    """A closed result is kept, moved to the previous or to the next open day; an open result stays."""
    assert apply_rule(DeadlineRule.parse(text), anchor_day, calendar, policy) == expected


def test_unknown_policy_is_rejected() -> None:
    """A policy outside keep/earlier/later raises ValueError instead of silently keeping the day."""
    with pytest.raises(ValueError, match="unknown closed-day policy 'nearest'"):
        apply_rule(DeadlineRule.parse("start"), START_12TH, GENEVA, "nearest")  # type: ignore[arg-type]


def test_datetime_anchor_is_rejected() -> None:
    """A datetime anchor raises TypeError, since it would never match a holiday date."""
    with pytest.raises(TypeError, match="expected a calendar date"):
        apply_rule(DeadlineRule.parse("start - 1 day"), datetime(2019, 2, 1, 12), GENEVA)


def test_holiday_set_is_built_once_per_region_and_year() -> None:
    """Repeated lookups in one year reuse the cached holiday set rather than rebuilding it."""
    calendar_module._public_holidays.cache_clear()
    rule = DeadlineRule.parse("start - 10 working days")
    for _ in range(100):
        apply_rule(rule, START_12TH, GENEVA)
    info = calendar_module._public_holidays.cache_info()
    assert info.misses == 1  # only 2019 is consulted
    assert info.hits > 100


# --- configuration ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Europe/Geneva_typo"}, "unknown time zone"),
        ({"timezone": ""}, "unknown time zone"),
        ({"subdivision": "XX"}, "no public holiday data"),
        ({"country": "ZZ", "subdivision": None}, "no public holiday data"),
        ({"weekend": frozenset({7})}, "weekend days must be weekday numbers"),
        ({"weekend": frozenset(range(7))}, "leaves no open day"),
        ({"closures": frozenset({datetime(2019, 12, 27)})}, "closures must be dates"),
    ],
)
def test_bad_configuration_fails_when_the_calendar_is_built(kwargs: dict[str, object], message: str) -> None:
    """A bad zone, region, weekend or closure raises ValueError at construction, not at the first deadline."""
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**kwargs)  # type: ignore[arg-type]


def test_closures_given_as_a_list_are_frozen() -> None:
    """Closures loaded as a list become a frozenset, so the calendar stays hashable and equal to its twin."""
    loaded = BusinessCalendar(closures=[date(2019, 12, 27)])  # type: ignore[arg-type]
    assert loaded == BusinessCalendar(closures=frozenset({date(2019, 12, 27)}))
    assert hash(loaded) == hash(BusinessCalendar(closures=frozenset({date(2019, 12, 27)})))


# --- the holidays package, one country at a time ---------------------------------------------------------

# In a fresh interpreter: the default calendar loads only Switzerland's module of the holidays package (not the
# ~250 of holidays.countries); then every region, a territory built on another country's class (Åland on
# Finland) included, has the holidays that holidays.country_holidays gives it.
FRESH_REGIONS = """
import sys
from datetime import date
from engine.calendar import BusinessCalendar, region_holidays
assert BusinessCalendar().is_closed(date(2019, 9, 5))  # Jeûne genevois
only_one = "holidays.countries" not in sys.modules and "holidays.countries.switzerland" in sys.modules
regions = [("CH", "GE"), ("CH", "ZH"), ("CH", None), ("Switzerland", "GE"), ("FR", None), ("US", "CA"), ("AX", None)]
ours = {region: dict(region_holidays(*region, 2019)) for region in regions}
import holidays
same = all(ours[(c, s)] == dict(holidays.country_holidays(c, subdiv=s, years=2019)) for c, s in regions)
print(only_one, same, len(ours[("CH", "GE")]))
"""


def test_a_calendar_loads_only_its_countrys_holidays_and_gives_the_same_days() -> None:
    """holidays.countries imports every country (8 MiB, 50 ms); the calendar imports the one it needs."""
    result = subprocess.run([sys.executable, "-c", FRESH_REGIONS], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "True", "9"]


def test_region_holidays_is_holidays_country_holidays() -> None:
    """Same days, same errors for an unknown country or subdivision, a year filled in on lookup without years."""
    assert dict(calendar_module.region_holidays("CH", "GE", 2019)) == dict(
        holidays.country_holidays("CH", subdiv="GE", years=2019)
    )
    assert date(2019, 12, 31) in calendar_module.region_holidays("CH", "GE")
    with pytest.raises(NotImplementedError):
        calendar_module.region_holidays("ZZ", None)
    with pytest.raises(NotImplementedError):
        calendar_module.region_holidays("CH", "XX")


# --- DST-safe day boundaries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "end", "hours"),
    [
        (date(2019, 2, 1), utc(2019, 2, 1, 23), 24),  # winter, UTC+1
        (date(2019, 7, 1), utc(2019, 7, 1, 22), 24),  # summer, UTC+2
        (date(2019, 3, 31), utc(2019, 3, 31, 22), 23),  # spring forward 02:00 -> 03:00
        (date(2019, 10, 27), utc(2019, 10, 27, 23), 25),  # fall back 03:00 -> 02:00
    ],
)
def test_end_of_day_is_the_next_local_midnight(day: date, end: datetime, hours: int) -> None:
    """end_of_day gives the UTC instant of the next Geneva midnight, so DST days last 23 and 25 hours."""
    result = GENEVA.end_of_day(day)
    assert result == end
    assert result.utcoffset() == timedelta(0)
    assert result - GENEVA.end_of_day(day - timedelta(days=1)) == timedelta(hours=hours)
    assert GENEVA.local_date(result - MICROSECOND) == day
    assert GENEVA.local_date(result) == day + timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "at", "expected"),
    [
        (date(2019, 2, 1), time(12), utc(2019, 2, 1, 11)),
        (date(2019, 3, 31), time(1, 59), utc(2019, 3, 31, 0, 59)),  # last minute of winter time
        (date(2019, 3, 31), time(2, 30), utc(2019, 3, 31, 1, 30)),  # skipped: read as 03:30 summer time
        (date(2019, 3, 31), time(3, 30), utc(2019, 3, 31, 1, 30)),  # ...which really exists
        (date(2019, 3, 31), time(12), utc(2019, 3, 31, 10)),
        (date(2019, 10, 27), time(2, 30), utc(2019, 10, 27, 0, 30)),  # repeated: first (summer) occurrence
        (date(2019, 10, 27), time(2, 30, fold=1), utc(2019, 10, 27, 0, 30)),  # caller's fold is ignored
        (date(2019, 10, 27), time(3), utc(2019, 10, 27, 2)),
        (date(2019, 10, 27), time(23, 59, 59, 999999), utc(2019, 10, 27, 22, 59, 59, 999999)),
    ],
)
def test_at_local_time_on_dst_days(day: date, at: time, expected: datetime) -> None:
    """Wall times map to UTC per RFC 5545: a skipped time uses the pre-gap offset, a repeated one is first."""
    result = GENEVA.at_local_time(day, at)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (utc(2019, 3, 30, 22, 59, 59), date(2019, 3, 30)),
        (utc(2019, 3, 30, 23), date(2019, 3, 31)),  # 00:00 CET
        (utc(2019, 10, 27, 22, 59), date(2019, 10, 27)),  # 23:59 CET after the fall-back
        (utc(2019, 10, 27, 23), date(2019, 10, 28)),
        (datetime(2019, 2, 1, 0, 30, tzinfo=GENEVA.zone()), date(2019, 2, 1)),  # already local
    ],
)
def test_local_date_uses_the_body_zone(instant: datetime, expected: date) -> None:
    """local_date converts an aware instant to Geneva time before taking its calendar day."""
    assert GENEVA.local_date(instant) == expected


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: GENEVA.local_date(datetime(2019, 2, 1, 12)), ValueError, "time-zone-aware"),
        (
            lambda: GENEVA.at_local_time(date(2019, 2, 1), time(12, tzinfo=UTC)),
            ValueError,
            "naive wall-clock",
        ),
        (lambda: GENEVA.end_of_day(datetime(2019, 2, 1, 12)), TypeError, "expected a calendar date"),
        (lambda: GENEVA.is_closed(datetime(2019, 2, 2)), TypeError, "expected a calendar date"),
    ],
)
def test_naive_or_mistyped_time_arguments_are_rejected(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    """Naive instants, aware wall times and datetimes passed as days raise instead of guessing."""
    with pytest.raises(error, match=message):
        call()
