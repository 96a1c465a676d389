"""Golden numbers for the project dashboard (docs/metrics.md), on `planning_data.team()`: read on
Wednesday 2026-03-11 at 14:00 Shanghai, with a window of two weeks (Mondays 03-02 and 03-09)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sync.planning import dashboard, drop_indexes, ensure_indexes, jsonable
from sync.planning.dashboard import _CURRENT, PersonLoad
from sync.store import Store
from tests.sync.planning_data import PID, U1, team

NOW = datetime(2026, 3, 11, 6, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = team().store(tmp_path / "cache.db")
    yield s
    s.close()


def test_current_figures(store: Store) -> None:
    d = dashboard(store.conn, PID, weeks=2, now=NOW)
    # Work items T1-T8 (the milestone is not one); in done now: T1 T2 T3 T4 T5 T8.
    assert (d.total, d.done, d.completion_rate) == (8, 6, 0.75)
    # Open and past due: T6 only (T7 is due 03-20).
    assert d.overdue == 1
    # Open work: T6 [3] for U1, T7 unassigned; ties by count list unassigned first.
    assert d.open_by_person == [PersonLoad(None, 1, 0.0), PersonLoad(U1, 1, 3.0)]


def test_flow_figures_of_the_window(store: Store) -> None:
    d = dashboard(store.conn, PID, weeks=2, now=NOW)
    assert d.window_start == date(2026, 3, 2)
    # Week of 03-02: T1, T4 (03-05 22:00 local), T8 (entered twice, counted once) = 3. Week of 03-09:
    # T3 (03-09 01:00 local, though 03-08 in UTC) and T2 = 2.
    assert d.throughput == [(date(2026, 3, 2), 3), (date(2026, 3, 9), 2)]
    # Completed in the window: T1 T2 T3 T4 T8; with a due time T1 T2 T4; on time T1 and T4 (done at
    # its due instant): 2/3.
    assert (d.completed, d.completed_with_due, d.on_time) == (5, 3, 2)
    assert d.on_time_rate == pytest.approx(2 / 3)
    # Cycle times (first doing to last done): T1 2, T2 7, T4 8.5, T8 4 days; T3 never was doing.
    # Sorted 2, 4, 7, 8.5: p50 is rank ceil(0.5*4) = 2 -> 4; p85 is rank ceil(0.85*4) = 4 -> 8.5.
    assert (d.cycle_samples, d.cycle_p50_days, d.cycle_p85_days) == (4, 4.0, 8.5)


def test_a_window_without_completions_has_no_rates(store: Store) -> None:
    # One week, read on Sunday 03-01: nothing entered done from Monday 02-23 until then (T5 did on
    # 02-20), so there is no on-time rate and no cycle time, rather than a 0.
    d = dashboard(store.conn, PID, weeks=1, now=datetime(2026, 3, 1, 6, tzinfo=UTC))
    assert d.throughput == [(date(2026, 2, 23), 0)]
    assert (d.completed, d.on_time_rate, d.cycle_samples, d.cycle_p50_days) == (0, None, 0, None)


def test_flags_of_the_dashboard(store: Store) -> None:
    # T6 is overdue and blocks T7, which is open; nothing leads to M1 and there is no iteration.
    d = dashboard(store.conn, PID, weeks=2, now=NOW)
    assert [(f.kind, f.task_ids, f.blocker_ids) for f in d.flags] == [("blocked_by_overdue", ("T7",), ("T6",))]


def test_the_planning_indexes_change_no_number(store: Store) -> None:
    drop_indexes(store.conn)
    before = dashboard(store.conn, PID, weeks=2, now=NOW)
    ensure_indexes(store.conn)
    ensure_indexes(store.conn)  # idempotent
    assert dashboard(store.conn, PID, weeks=2, now=NOW) == before
    # The current figures then read the covering index alone.
    plan = " ".join(r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + _CURRENT, {"p": PID, "now": ""}))
    assert "COVERING INDEX ix_task_work" in plan


def test_the_json_of_a_dashboard_carries_its_rates_and_days(store: Store) -> None:
    value = json.loads(json.dumps(jsonable(dashboard(store.conn, PID, weeks=2, now=NOW))))
    assert (value["completion_rate"], value["window_start"], value["throughput"][0]) == (
        0.75,
        "2026-03-02",
        ["2026-03-02", 3],
    )
    assert value["flags"][0]["task_ids"] == ["T7"] and value["open_by_person"][1]["open_estimate"] == 3.0
