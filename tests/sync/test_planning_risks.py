"""Golden numbers for the forecast and the risk flags (docs/metrics.md), read on Wednesday
2026-03-11 at 14:00 Shanghai (06:00Z). Times below are UTC.

Throughput: the 14 local days 02-26..03-11 hold 11 working days under `cn` (Thu 26, Fri 27, Sat 28
is a 调休 working day, Mon-Fri 2-6, Mon-Wed 9-11) and 10 under `weekdays`. Five tasks entered done
in them: D1 (02-27), X3 (03-02), D2 (03-04), Z0 (03-10), D3 (03-11 01:00); D4 (02-25 02:00, 10:00
local) and B3, B4 (02-20) are older. So 5/11 tasks a working day under `cn`, 5/10 under `weekdays`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sync.planning import forecast_finish, risk_flags, throughput_per_day
from sync.planning._history import Clock
from sync.planning.forecast import late
from sync.store import Store
from tests.sync import factories as f
from tests.sync.planning_data import PID, Cache

NOW = datetime(2026, 3, 11, 6, tzinfo=UTC)
TODAY = date(2026, 3, 11)


def cache() -> Cache:
    c = Cache()
    done_at = {"D1": "2026-02-27T02:00", "D2": "2026-03-04T02:00", "D3": "2026-03-11T01:00", "D4": "2026-02-25T02:00"}
    for task_id, when in done_at.items():
        c.task(task_id, moves=[(when, "done")])
    # Milestone M (due 03-13): X1 blocks X2 blocks M, and X3 (done) blocks M. M2 (due 03-31): X4.
    c.task("M", type="milestone", due_at="2026-03-13T10:00")
    c.task("M2", type="milestone", due_at="2026-03-31T10:00")
    c.task("X1")
    c.task("X2")
    c.task("X3", moves=[("2026-03-02T02:00", "done")])
    c.task("X4")
    for a, b in (("X1", "X2"), ("X2", "M"), ("X3", "M"), ("X4", "M2")):
        c.blocks(a, b)
    # Active I1 (03-09..03-13): Z0 Z1 Z2 since their creation, Z0 done 03-10; Z3 joined on 03-10.
    c.iteration("I1", "2026-03-09", "2026-03-13", "active")
    c.task("Z0", created="2026-03-05T02:00", moves=[("2026-03-10T02:00", "done")], iteration_id="I1")
    for task_id in ("Z1", "Z2", "Z3"):
        c.task(task_id, created="2026-03-05T02:00", iteration_id="I1")
    c.event("Z3", "2026-03-10T02:00", "iteration_id", None, "I1")
    # Active I2 (03-09..03-27) with one open task; planned I3 with five (planned ones are not flagged).
    c.iteration("I2", "2026-03-09", "2026-03-27", "active")
    c.task("W1", created="2026-03-05T02:00", iteration_id="I2")
    c.iteration("I3", "2026-03-16", "2026-03-20", "planned")
    for n in range(5):
        c.task(f"V{n}", iteration_id="I3")
    # B1 is open and overdue (due 03-10): it blocks B2 (open) and B3 (done). B4 is done, so B5 is fine.
    c.task("B1", due_at="2026-03-10T10:00")
    c.task("B2")
    c.task("B3", created="2026-02-01T02:00", moves=[("2026-02-20T02:00", "done")])
    c.task("B4", created="2026-02-01T02:00", moves=[("2026-02-20T02:00", "done")], due_at="2026-03-01T10:00")
    c.task("B5")
    for a, b in (("B1", "B2"), ("B1", "B3"), ("B4", "B5")):
        c.blocks(a, b)
    return c


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = cache().store(tmp_path / "cache.db")
    yield s
    s.close()


def test_throughput_counts_working_days_of_the_calendar(store: Store) -> None:
    clock = Clock.of(NOW)
    assert throughput_per_day(store.conn, PID, clock, "cn") == pytest.approx(5 / 11)
    assert throughput_per_day(store.conn, PID, clock, "weekdays") == pytest.approx(5 / 10)
    assert throughput_per_day(store.conn, PID, clock, "every_day") == pytest.approx(5 / 14)


def test_forecast_counts_today_as_the_first_working_day() -> None:
    # 2 tasks at 5/11 a day: ceil(4.4) = 5 working days, Wed 11 to Tue 17.
    assert forecast_finish(2, 5 / 11, TODAY, "cn") == date(2026, 3, 17)
    assert forecast_finish(2, 0.5, TODAY, "weekdays") == date(2026, 3, 16)  # 4 days: Wed 11 to Mon 16
    assert forecast_finish(1, 1.0, date(2026, 3, 14), "cn") == date(2026, 3, 16)  # Saturday: Monday
    assert forecast_finish(0, 0.0, TODAY) == TODAY  # nothing open: done today
    assert forecast_finish(3, 0.0, TODAY) is None  # nothing finished lately: never
    assert not late(date(2026, 3, 13), date(2026, 3, 13)) and late(None, date(2026, 3, 13))


def test_risk_flags_carry_the_tasks_behind_them(store: Store) -> None:
    flags = risk_flags(store.conn, PID, now=NOW)
    summary = [(f.kind, f.subject_id, f.task_ids, f.due, f.forecast) for f in flags]
    assert summary == [
        # M: open predecessors X1, X2: 5 working days -> 03-17, after 03-13. M2: X4, 3 days -> 03-13.
        ("milestone_late", "M", ("X1", "X2"), date(2026, 3, 13), date(2026, 3, 17)),
        # I1: Z1 Z2 Z3 open: ceil(3 / (5/11)) = 7 working days -> Thu 03-19, after 03-13. I2: W1, 03-13.
        ("iteration_late", "I1", ("Z1", "Z2", "Z3"), date(2026, 3, 13), date(2026, 3, 19)),
        ("blocked_by_overdue", None, ("B2",), None, None),
        # I1 held Z0 Z1 Z2 at the end of 03-09 and Z0-Z3 now: +1/3 > 20%, because of Z3.
        ("scope_growth", "I1", ("Z3",), date(2026, 3, 13), None),
    ]
    assert flags[2].blocker_ids == ("B1",)
    assert flags[3].growth == pytest.approx(1 / 3)


def test_weekdays_calendar_moves_the_forecast(store: Store) -> None:
    flags = risk_flags(store.conn, PID, calendar="weekdays", now=NOW)
    # 5/10 a day: M needs 4 working days (Mon 03-16), I1 needs 6 (Wed 03-18).
    assert [(f.subject_id, f.forecast) for f in flags if f.kind.endswith("_late")] == [
        ("M", date(2026, 3, 16)),
        ("I1", date(2026, 3, 18)),
    ]


@pytest.mark.parametrize(
    ("calendar", "forecasts"),
    [
        # 5/11 a working day, as above: M 5 working days (Tue 03-17), I1 7 (Thu 03-19).
        ("cn", {"M": date(2026, 3, 17), "I1": date(2026, 3, 19)}),
        # 5/10: M 4 working days (Mon 03-16), I1 6 (Wed 03-18).
        ("weekdays", {"M": date(2026, 3, 16), "I1": date(2026, 3, 18)}),
        # 5/14 a day: M ceil(5.6) = 6 days, Wed 11 to Mon 16; I1 ceil(8.4) = 9 days, to Thu 19.
        ("every_day", {"M": date(2026, 3, 16), "I1": date(2026, 3, 19)}),
        (None, {"M": date(2026, 3, 17), "I1": date(2026, 3, 19)}),  # a row from before projects chose: cn
    ],
)
def test_the_same_tasks_forecast_on_the_projects_own_calendar(
    tmp_path: Path, calendar: str | None, forecasts: dict[str, date]
) -> None:
    """The figures read the project's `calendar` from the cache (no caller passes one), as the app's
    dashboard and the command line do."""
    c = cache()
    c.changes.append(
        f.change(
            "project",
            id=PID,
            name="产品迭代",
            key="APP",
            kind="product",
            description="",
            archived=False,
            **({"calendar": calendar} if calendar else {}),
        )
    )
    store = c.store(tmp_path / "cache.db")
    try:
        flags = risk_flags(store.conn, PID, now=NOW)
        assert {f.subject_id: f.forecast for f in flags if f.kind.endswith("_late")} == forecasts
    finally:
        store.close()


def test_scope_growth_is_flagged_above_20_percent_only(tmp_path: Path) -> None:
    c = Cache()
    # I4: Q1-Q5 since their creation, Q6 joined on 03-10: +1/5 = exactly 20%, not more: no flag.
    c.iteration("I4", "2026-03-09", "2026-06-30", "active")
    for n in range(1, 6):
        c.task(f"Q{n}", created="2026-03-05T02:00", iteration_id="I4")
    c.task("Q6", created="2026-03-05T02:00", iteration_id="I4")
    c.event("Q6", "2026-03-10T02:00", "iteration_id", None, "I4")
    # I5: empty at the end of its first day, R1 joined on 03-10: all of its scope is added.
    c.iteration("I5", "2026-03-09", "2026-06-30", "active")
    c.task("R1", created="2026-03-05T02:00", iteration_id="I5")
    c.event("R1", "2026-03-10T02:00", "iteration_id", None, "I5")
    # I6 started today (03-11): its first day is not over, so it has no baseline yet.
    c.iteration("I6", "2026-03-11", "2026-06-30", "active")
    c.task("R2", created="2026-03-11T02:00", iteration_id="I6")
    store = c.store(tmp_path / "cache.db")
    flags = [f for f in risk_flags(store.conn, PID, now=NOW) if f.kind == "scope_growth"]
    assert [(f.subject_id, f.task_ids, f.growth) for f in flags] == [("I5", ("R1",), None)]
    # Nothing entered done lately, so every active iteration with open work is forecast never to end.
    late = [f for f in risk_flags(store.conn, PID, now=NOW) if f.kind == "iteration_late"]
    assert [(f.subject_id, f.forecast) for f in late] == [("I4", None), ("I5", None), ("I6", None)]
    store.close()
