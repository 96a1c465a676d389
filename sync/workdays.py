"""Working days of a project calendar: pure date arithmetic shared by the server and the app.

Three calendars (a project chooses one):

- ``cn``: mainland China. Monday to Friday, minus the public holidays, plus the Saturdays and Sundays
  that the State Council makes working days (调休). The schedule comes from ``chinesecalendar``; for a
  year it does not know, ``cn`` counts weekends only (``knows_year`` tells callers so they can say it).
- ``weekdays``: Monday to Friday.
- ``every_day``: every day is a working day.

Conventions (the same as numpy's ``busday_count``/``busday_offset``, so they compose):
``count_working_days(start, end)`` counts the working days in ``[start, end)``;
``add_working_days(day, n)`` rolls ``day`` forward to a working day, then moves ``n`` working days, so
``count_working_days(day, add_working_days(day, n)) == n`` for every ``day`` and ``n >= 0``.
docs/calendar.md says how the China schedule is kept current.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import date, timedelta
from typing import Literal, get_args

from chinese_calendar import constants as _cn

Calendar = Literal["cn", "weekdays", "every_day"]
CALENDARS: tuple[Calendar, ...] = get_args(Calendar)

_DAY = timedelta(days=1)

# The years whose official schedule the installed chinesecalendar carries (2004 to its last year).
CN_KNOWN_YEARS: frozenset[int] = frozenset(d.year for d in _cn.holidays)
# Holidays that fall on Monday to Friday (a holiday on a weekend changes nothing), and the weekend
# days that are working days: sorted, so a range is counted with two bisections each.
_CN_WEEKDAY_HOLIDAYS: list[date] = sorted(d for d in _cn.holidays if d.weekday() < 5)
_CN_WEEKEND_WORKDAYS: list[date] = sorted(d for d in _cn.workdays if d.weekday() >= 5)
_CN_WEEKDAY_HOLIDAY_SET = frozenset(_CN_WEEKDAY_HOLIDAYS)
_CN_WEEKEND_WORKDAY_SET = frozenset(_CN_WEEKEND_WORKDAYS)


def _check(calendar: str) -> None:
    if calendar not in CALENDARS:
        raise ValueError(f"unknown calendar {calendar!r}; expected one of {', '.join(CALENDARS)}")


def chosen(value: object) -> Calendar:
    """A project's stored calendar (`project.calendar`, docs/protocol.md Additions) as a calendar:
    China's for a row from before projects chose one, or a value this version does not know."""
    return value if value in CALENDARS else "cn"  # type: ignore[return-value]


def knows_year(calendar: Calendar, year: int) -> bool:
    """Whether ``calendar`` has its real schedule for ``year`` (``cn`` falls back to weekends otherwise)."""
    _check(calendar)
    return calendar != "cn" or year in CN_KNOWN_YEARS


def unknown_years(calendar: Calendar, start: date, end: date) -> list[int]:
    """The years from ``start`` to ``end`` (inclusive) that ``calendar`` counts by weekends only."""
    return [y for y in range(start.year, end.year + 1) if not knows_year(calendar, y)]


def is_working_day(day: date, calendar: Calendar) -> bool:
    _check(calendar)
    if calendar == "every_day":
        return True
    weekday = day.weekday() < 5
    if calendar == "weekdays":
        return weekday
    if weekday:
        return day not in _CN_WEEKDAY_HOLIDAY_SET
    return day in _CN_WEEKEND_WORKDAY_SET


def next_working_day(day: date, calendar: Calendar) -> date:
    """The first working day strictly after ``day``."""
    day += _DAY
    while not is_working_day(day, calendar):
        day += _DAY
    return day


def previous_working_day(day: date, calendar: Calendar) -> date:
    """The last working day strictly before ``day``."""
    day -= _DAY
    while not is_working_day(day, calendar):
        day -= _DAY
    return day


def _weekdays_before(day: date) -> int:
    """Monday-to-Friday days from 0001-01-01 (a Monday) up to, not including, ``day``."""
    n = day.toordinal() - 1  # ordinal 1 (0001-01-01) is a Monday
    weeks, rest = divmod(n, 7)
    return weeks * 5 + min(rest, 5)


def _between(sorted_days: list[date], start: date, end: date) -> int:
    return bisect_left(sorted_days, end) - bisect_left(sorted_days, start)


def count_working_days(start: date, end: date, calendar: Calendar) -> int:
    """Working days in ``[start, end)``; negative (``-count(end, start)``) when ``end`` is before ``start``."""
    _check(calendar)
    if end < start:
        return -count_working_days(end, start, calendar)
    if calendar == "every_day":
        return (end - start).days
    count = _weekdays_before(end) - _weekdays_before(start)
    if calendar == "cn":
        count += _between(_CN_WEEKEND_WORKDAYS, start, end) - _between(_CN_WEEKDAY_HOLIDAYS, start, end)
    return count


def add_working_days(day: date, n: int, calendar: Calendar) -> date:
    """``day`` rolled forward to a working day, then moved ``n`` working days (back when ``n < 0``)."""
    if not is_working_day(day, calendar):
        day = next_working_day(day, calendar)
    step = next_working_day if n > 0 else previous_working_day
    for _ in range(abs(n)):
        day = step(day, calendar)
    return day
