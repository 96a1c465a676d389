"""The calendar's state against a real store: month and week grids, tasks on their local due days,
milestones first, non-working days, the unknown-year fallback, and a drag that reschedules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from app.state.calendar import CalendarModel, month_days, rescheduled, shift, week_days
from sync.store import Store
from tests.app.moments import SHANGHAI, iso, sh, tid
from tests.app.test_state_board import PID, TODO, board_rows, open_store
from tests.sync import factories as f


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "s.db")
    milestone = f.task(PID, TODO, tid(20), number=20, title="发布 2.0", type="milestone", position="a9",
                       due_at=iso(sh(11, 10, 23, 30)))  # fmt: skip
    s.apply_pull(f.page(*board_rows(), milestone))
    yield s
    s.close()


def test_grids_are_whole_weeks_monday_first() -> None:
    days = month_days(2026, 11)  # 1 November 2026 is a Sunday
    assert days[0] == date(2026, 10, 26) and days[-1] == date(2026, 12, 6) and len(days) == 42
    assert len(month_days(2026, 2)) == 35 and month_days(2026, 2)[0] == date(2026, 1, 26)
    assert week_days(date(2026, 11, 11)) == [date(2026, 11, 9) + timedelta(days=i) for i in range(7)]
    assert shift(date(2026, 12, 20), "month", 1) == date(2027, 1, 1)
    assert shift(date(2026, 1, 20), "month", -1) == date(2025, 12, 1)
    assert shift(date(2026, 11, 11), "week", -1) == date(2026, 11, 4)


def test_tasks_sit_on_their_local_due_day_milestones_first(store: Store) -> None:
    model = CalendarModel(store, PID, "cn", zone=SHANGHAI, today=date(2026, 11, 10))
    days = {d.day: d for d in model.days(date(2026, 11, 1), "month")}
    on_10th = [r["title"] for r in days[date(2026, 11, 10)].tasks]
    assert on_10th == ["发布 2.0", "晨会纪要", "首页信息流改版"]  # 23:30 local is still the 10th
    assert days[date(2026, 11, 10)].today and days[date(2026, 11, 8)].tasks[0]["title"] == "修复登录页闪退"
    assert not days[date(2026, 11, 7)].working and days[date(2026, 11, 9)].working
    assert not days[date(2026, 10, 26)].in_month
    week = model.days(date(2026, 11, 11), "week")
    assert [d.day.day for d in week] == list(range(9, 16)) and all(d.in_month for d in week)


def test_china_holidays_and_the_unknown_year_fallback(store: Store) -> None:
    model = CalendarModel(store, PID, "cn", zone=SHANGHAI)
    october = {d.day: d for d in model.days(date(2026, 10, 1), "month")}
    assert not october[date(2026, 10, 1)].working  # 国庆, a Thursday
    assert model.unknown_years(date(2026, 10, 1), "month") == []
    assert model.unknown_years(date(2030, 3, 1), "month") == [2030]
    assert CalendarModel(store, PID, "weekdays").unknown_years(date(2030, 3, 1), "month") == []


def test_a_drag_keeps_the_time_of_day_and_the_length(store: Store) -> None:
    task = {"due_at": iso(sh(11, 10, 23, 30)), "start_at": iso(sh(11, 3, 9))}
    moved = rescheduled(task, date(2026, 11, 20), SHANGHAI)
    assert moved["due_at"] == datetime(2026, 11, 20, 23, 30, tzinfo=SHANGHAI)
    assert moved["start_at"] == sh(11, 13, 9)
    assert rescheduled({"due_at": None}, date(2026, 11, 20), SHANGHAI) == {
        "due_at": datetime(2026, 11, 20, 18, 0, tzinfo=SHANGHAI)
    }
    model = CalendarModel(store, PID, "cn", zone=SHANGHAI)
    model.move(tid(20), date(2026, 11, 24))
    row = store.task(tid(20))
    assert row is not None and row["due_at"] == iso(sh(11, 24, 23, 30)) and row["pending"]
    days = {d.day: d for d in model.days(date(2026, 11, 1), "month")}
    assert [r["title"] for r in days[date(2026, 11, 24)].tasks] == ["发布 2.0"]
