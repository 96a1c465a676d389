"""The `at_risk` forecast's arithmetic (sync/forecast.py), on numbers worked out by hand."""

from __future__ import annotations

from datetime import date

from sync.forecast import at_risk, days_needed, forecast_finish

TODAY = date(2026, 12, 6)


def test_days_round_up_to_whole_days() -> None:
    # 7 done in 14 days is half a task a day: 3 open tasks take 6 days, 5 take 10.
    assert days_needed(3, 7) == 6
    assert days_needed(5, 7) == 10
    # 14 done in 14 days is one a day; 28 is two a day, so 3 open take 1.5, rounded up to 2.
    assert days_needed(3, 14) == 3
    assert days_needed(3, 28) == 2


def test_no_open_work_is_done_today_and_no_pace_never_finishes() -> None:
    assert days_needed(0, 0) == 0 and forecast_finish(TODAY, 0, 5) == TODAY
    assert days_needed(4, 0) is None and forecast_finish(TODAY, 4, 0) is None


def test_at_risk_when_the_finish_is_after_the_date() -> None:
    assert forecast_finish(TODAY, 3, 7) == date(2026, 12, 12)
    assert not at_risk(TODAY, date(2026, 12, 12), 3, 7)  # finishing on the day is in time
    assert at_risk(TODAY, date(2026, 12, 11), 3, 7)
    assert at_risk(TODAY, date(2027, 6, 1), 1, 0)  # open work and nothing done lately: at risk
    assert not at_risk(TODAY, date(2026, 1, 1), 0, 0)  # nothing open: never at risk, even when past
