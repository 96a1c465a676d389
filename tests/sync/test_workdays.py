"""Working days (sync.workdays): golden numbers on the real 2026 schedule, worked out by hand below.

The State Council's 2026 schedule (国务院办公厅关于2026年部分节假日安排的通知), as chinesecalendar 1.11.0 has it:

    元旦    1/1 Thu - 1/3 Sat off,  1/4 Sun works
    春节    2/15 Sun - 2/23 Mon off (9 days),  2/14 Sat and 2/28 Sat work
    清明    4/4 Sat - 4/6 Mon off
    劳动节  5/1 Fri - 5/5 Tue off,  5/9 Sat works
    端午    6/19 Fri - 6/21 Sun off
    中秋    9/25 Fri - 9/27 Sun off
    国庆    10/1 Thu - 10/7 Wed off,  9/20 Sun and 10/10 Sat work
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.workdays import (
    CALENDARS,
    CN_KNOWN_YEARS,
    Calendar,
    add_working_days,
    count_working_days,
    is_working_day,
    knows_year,
    next_working_day,
    previous_working_day,
    unknown_years,
)

D = date

OFF_2026 = [
    *(D(2026, 1, d) for d in (1, 2, 3)),
    *(D(2026, 2, d) for d in range(15, 24)),
    *(D(2026, 4, d) for d in (4, 5, 6)),
    *(D(2026, 5, d) for d in range(1, 6)),
    *(D(2026, 6, d) for d in (19, 20, 21)),
    *(D(2026, 9, d) for d in (25, 26, 27)),
    *(D(2026, 10, d) for d in range(1, 8)),
]
WORKING_WEEKENDS_2026 = [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)]


def test_the_real_2026_schedule() -> None:
    assert all(not is_working_day(d, "cn") for d in OFF_2026)
    assert all(is_working_day(d, "cn") and d.weekday() >= 5 for d in WORKING_WEEKENDS_2026)
    # Every other day of 2026 is an ordinary one: Monday to Friday work, weekends off.
    special = set(OFF_2026) | set(WORKING_WEEKENDS_2026)
    day = D(2026, 1, 1)
    while day.year == 2026:
        if day not in special:
            assert is_working_day(day, "cn") == (day.weekday() < 5), day
        day += timedelta(days=1)


def test_spring_festival_2026_weeks() -> None:
    # [Mon 2/9, Mon 3/2): 2/9-2/13 Mon-Fri = 5, Sat 2/14 works = 1, 2/15-2/23 off,
    # Tue 2/24-Fri 2/27 = 4, Sat 2/28 works = 1, Sun 3/1 off: 5 + 1 + 4 + 1 = 11.
    assert count_working_days(D(2026, 2, 9), D(2026, 3, 2), "cn") == 11
    assert count_working_days(D(2026, 2, 9), D(2026, 3, 2), "weekdays") == 15  # three plain weeks
    assert count_working_days(D(2026, 2, 9), D(2026, 3, 2), "every_day") == 21
    # Friday 2/13 + 1 working day is the working Saturday; one more jumps the whole festival.
    assert add_working_days(D(2026, 2, 13), 1, "cn") == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 13), 2, "cn") == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 13), 1, "weekdays") == D(2026, 2, 16)
    assert previous_working_day(D(2026, 2, 24), "cn") == D(2026, 2, 14)
    assert next_working_day(D(2026, 2, 14), "cn") == D(2026, 2, 24)


def test_national_day_2026() -> None:
    # [Mon 9/28, Mon 10/12): 9/28-9/30 = 3, 10/1-10/7 off, Thu 10/8 + Fri 10/9 = 2, Sat 10/10 works = 1,
    # Sun 10/11 off: 6. The working Sunday before it (9/20) counts in its own week: [Mon 9/14, Mon 9/21) = 5 + 1.
    assert count_working_days(D(2026, 9, 28), D(2026, 10, 12), "cn") == 6
    assert count_working_days(D(2026, 9, 14), D(2026, 9, 21), "cn") == 6
    assert next_working_day(D(2026, 9, 30), "cn") == D(2026, 10, 8)
    assert add_working_days(D(2026, 10, 1), 0, "cn") == D(2026, 10, 8)  # a holiday rolls forward first
    assert add_working_days(D(2026, 10, 9), -1, "cn") == D(2026, 10, 8)
    assert add_working_days(D(2026, 10, 8), -1, "cn") == D(2026, 9, 30)
    # Counting backwards gives the negative count.
    assert count_working_days(D(2026, 10, 12), D(2026, 9, 28), "cn") == -6


def test_new_year_2026_and_the_working_sunday() -> None:
    # [Mon 2025-12-29, Mon 2026-01-05): 12/29-12/31 = 3, 1/1-1/3 off, Sun 1/4 works = 1: 4.
    assert count_working_days(D(2025, 12, 29), D(2026, 1, 5), "cn") == 4
    assert add_working_days(D(2025, 12, 31), 1, "cn") == D(2026, 1, 4)


def test_an_unknown_year_counts_weekends_only() -> None:
    assert knows_year("cn", 2026)
    assert not knows_year("cn", 2003)  # before chinesecalendar's first year
    assert not knows_year("cn", 2100)
    assert knows_year("weekdays", 2100) and knows_year("every_day", 2100)
    assert unknown_years("cn", D(2025, 6, 1), D(2026, 12, 31)) == []
    assert unknown_years("cn", D(2099, 6, 1), D(2100, 1, 1)) == [2099, 2100]
    assert unknown_years("weekdays", D(2099, 6, 1), D(2100, 1, 1)) == []
    # 2100-01-01 is a Friday: a holiday in any year the schedule knows, a plain working day here.
    assert is_working_day(D(2100, 1, 1), "cn")
    assert not is_working_day(D(2100, 1, 2), "cn")
    assert count_working_days(D(2100, 1, 1), D(2100, 2, 1), "cn") == count_working_days(
        D(2100, 1, 1), D(2100, 2, 1), "weekdays"
    )


def test_known_years_are_contiguous_through_2026() -> None:
    # The pin must carry every year from 2004 through at least 2026 (docs/calendar.md: bump it each November).
    assert set(range(2004, max(CN_KNOWN_YEARS) + 1)) == CN_KNOWN_YEARS
    assert max(CN_KNOWN_YEARS) >= 2026


def test_an_unknown_calendar_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown calendar"):
        is_working_day(D(2026, 1, 1), "china")  # type: ignore[arg-type]


days = st.dates(min_value=D(2002, 1, 1), max_value=D(2029, 12, 31))
calendars = st.sampled_from(CALENDARS)


@settings(deadline=None)  # no timed assertions: a busy CI machine is not a failure
@given(days, st.integers(min_value=0, max_value=400), calendars)
def test_adding_n_working_days_then_counting_gives_n(day: date, n: int, calendar: Calendar) -> None:
    assert count_working_days(day, add_working_days(day, n, calendar), calendar) == n
    assert count_working_days(add_working_days(day, -n, calendar), day, calendar) == n


@settings(deadline=None)  # no timed assertions: a busy CI machine is not a failure
@given(days, st.integers(min_value=0, max_value=500), calendars)
def test_counting_agrees_with_a_day_by_day_walk(start: date, length: int, calendar: Calendar) -> None:
    walk = sum(is_working_day(start + timedelta(days=i), calendar) for i in range(length))
    assert count_working_days(start, start + timedelta(days=length), calendar) == walk


@settings(deadline=None)  # no timed assertions: a busy CI machine is not a failure
@given(st.dates(min_value=D(2004, 1, 1), max_value=D(max(CN_KNOWN_YEARS), 12, 31)))
def test_cn_agrees_with_chinesecalendar_in_known_years(day: date) -> None:
    assert is_working_day(day, "cn") == chinese_calendar.is_workday(day)
