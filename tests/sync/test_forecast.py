"""The forecast's arithmetic (sync/forecast.py), shared by the server's `at_risk` scan and the
dashboard, on numbers worked out by hand."""

from __future__ import annotations

from datetime import date

from sync.forecast import at_risk, forecast_finish, per_working_day, window

TODAY = date(2026, 12, 6)  # a Sunday


def test_the_window_is_the_fourteen_local_days_ending_today() -> None:
    assert window(TODAY) == (date(2026, 11, 23), TODAY)


def test_throughput_is_per_working_day_of_the_window() -> None:
    # 2026-11-23 (Monday) to 12-06: two working weeks, no holiday, so 10 working days (cn and weekdays).
    assert per_working_day(5, TODAY, "cn") == 0.5
    assert per_working_day(5, TODAY, "weekdays") == 0.5
    assert per_working_day(7, TODAY, "every_day") == 0.5  # 14 days
    # The 14 days ending 2026-03-11 hold 11 working days under cn: 02-28 is a working Saturday (调休).
    assert per_working_day(11, date(2026, 3, 11), "cn") == 1.0


def test_the_finish_counts_working_days_with_today_first() -> None:
    # 3 open at 0.5 a day need 6 working days. Sunday rolls to Monday 12-07, the first: 7, 8, 9, 10,
    # 11 and Monday 14.
    assert forecast_finish(3, 0.5, TODAY, "cn") == date(2026, 12, 14)
    # Every day counts: Sunday is the first of the 6 days, so the 6th is Friday 12-11.
    assert forecast_finish(3, 0.5, TODAY, "every_day") == date(2026, 12, 11)
    assert forecast_finish(0, 0.0, TODAY, "cn") == TODAY  # nothing open: done today
    assert forecast_finish(4, 0.0, TODAY, "cn") is None  # nothing finished lately: never


def test_at_risk_when_the_finish_is_after_the_date() -> None:
    # 5 done in the window (0.5 a working day), 3 open: done on 12-14, as above.
    assert not at_risk(TODAY, date(2026, 12, 14), 3, 5, "cn")  # finishing on the day is in time
    assert at_risk(TODAY, date(2026, 12, 11), 3, 5, "cn")
    assert at_risk(TODAY, date(2027, 6, 1), 1, 0, "cn")  # open work and nothing done lately: at risk
    assert not at_risk(TODAY, date(2026, 1, 1), 0, 0, "cn")  # nothing open: never at risk, even when past
