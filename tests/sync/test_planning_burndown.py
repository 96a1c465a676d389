"""Golden numbers for the burndown and velocity (docs/metrics.md), on a hand-made history.

Iteration S1 runs Monday 2026-03-02 to Friday 03-06 (all working days under `cn`) and closed on
03-06 at 18:00 Shanghai (10:00Z). Times below are UTC; Shanghai is UTC+8, so every event here falls
on the same local day. Estimates in brackets.

- A [3], B [2], C [5]: in S1 since they were created (02-27). A done 03-03, B done 03-05; C never
  done, rolled over to S2 when S1 closed.
- F [2]: moved into S1 on its first day (03-02 04:00Z, so it is part of the plan); its estimate
  became 4 on 03-04; rolled out to no iteration at the close.
- E [-]: moved into S1 on 03-03, deleted on 03-05 (only its events remain).
- D [1]: moved into S1 on 03-04 (scope added), done 03-05.
- M: a milestone in S1 (never counted as work).

Baseline (end of 03-02): A B C F, 4 tasks, none done; estimate 3+2+5+2 = 12.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sync.planning import burndown, velocity
from sync.planning.burndown import State, ideal, plan_days
from sync.store import Store
from tests.sync.planning_data import PID, Cache

CLOSED = "2026-03-06T10:00"
AFTER = datetime(2026, 3, 10, 2, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    c = Cache()
    c.iteration("S0", "2026-02-23", "2026-02-27", "closed", "2026-02-27T10:00")
    c.iteration("S1", "2026-03-02", "2026-03-06", "closed", CLOSED)
    c.iteration("S2", "2026-03-09", "2026-03-13", "active")
    # S0: G [2] and H [3] from their creation, both done before it closed.
    c.task("G", created="2026-02-20T02:00", moves=[("2026-02-24T02:00", "done")], iteration_id="S0", estimate=2)
    c.task("H", created="2026-02-20T02:00", moves=[("2026-02-26T02:00", "done")], iteration_id="S0", estimate=3)
    c.task(
        "A",
        created="2026-02-27T02:00",
        moves=[("2026-03-02T03:00", "doing"), ("2026-03-03T03:00", "done")],
        iteration_id="S1",
        estimate=3,
    )
    c.task("B", created="2026-02-27T02:00", moves=[("2026-03-05T03:00", "done")], iteration_id="S1", estimate=2)
    c.task("C", created="2026-02-27T02:00", moves=[("2026-03-04T03:00", "doing")], iteration_id="S2", estimate=5)
    c.event("C", CLOSED, "iteration_id", "S1", "S2")
    c.task("F", created="2026-02-27T02:00", estimate=4)
    c.event("F", "2026-03-02T04:00", "iteration_id", None, "S1")
    c.event("F", "2026-03-04T02:00", "estimate", 2, 4)
    c.event("F", CLOSED, "iteration_id", "S1", None)
    c.task("E", created="2026-03-03T01:00", live=False)
    c.event("E", "2026-03-03T02:00", "iteration_id", None, "S1")
    c.event("E", "2026-03-05T02:00", "deleted")
    c.task("D", created="2026-02-27T02:00", moves=[("2026-03-05T06:00", "done")], iteration_id="S1", estimate=1)
    c.event("D", "2026-03-04T02:00", "iteration_id", None, "S1")
    c.task("M", created="2026-02-27T02:00", iteration_id="S1", type="milestone", due_at="2026-03-06T10:00")
    s = c.store(tmp_path / "cache.db")
    yield s
    s.close()


def counts(state: State | None) -> tuple[int, int, int] | None:
    return None if state is None else (state.scope_count, state.remaining_count, state.added_count)


def estimates(state: State | None) -> tuple[float, float, float] | None:
    return None if state is None else (state.scope_estimate, state.remaining_estimate, state.added_estimate)


def test_closed_iteration_keeps_its_scope_creep_and_spillover(store: Store) -> None:
    b = burndown(store.conn, "S1", now=AFTER)
    assert (b.closed, b.start_on, b.end_on) == (True, date(2026, 3, 2), date(2026, 3, 6))
    assert counts(b.baseline) == (4, 4, 0) and estimates(b.baseline) == (12, 12, 0)
    assert [p.day.day for p in b.points] == [2, 3, 4, 5, 6]
    # (scope, remaining, added) at the end of each day:
    # 03-02 the plan; 03-03 A done, E added; 03-04 D added (F's estimate now 4);
    # 03-05 E deleted, B and D done; 03-06 read just before the close: C and F still open (spillover).
    assert [counts(p.state) for p in b.points] == [(4, 4, 0), (5, 4, 1), (6, 5, 2), (5, 2, 1), (5, 2, 1)]
    # By estimate: 03-03 scope 3+2+5+2+0 = 12, remaining 2+5+2+0 = 9; 03-04 scope 3+2+5+4+0+1 = 15,
    # remaining 2+5+4+0+1 = 12, added 0+1; 03-05 scope 3+2+5+4+1 = 15, remaining C+F = 9, added D = 1.
    assert [estimates(p.state) for p in b.points] == [(12, 12, 0), (12, 9, 0), (15, 12, 1), (15, 9, 1), (15, 9, 1)]
    assert b.last.open_ids == ("C", "F") and b.last.added_ids == ("D",) and b.last.done_ids == ("A", "B", "D")
    # Ideal: 4 working days from 03-02 to 03-06 (Mon-Thu), the baseline falling by a quarter a day.
    assert [p.ideal_count for p in b.points] == [4, 3, 2, 1, 0]
    assert [p.ideal_estimate for p in b.points] == [12, 9, 6, 3, 0]


def test_an_iteration_read_mid_way_stops_at_now(store: Store) -> None:
    # On 03-04 at 14:00 Shanghai (06:00Z): today's point is the state now; later days have none yet,
    # and events after now (the close) are not seen.
    b = burndown(store.conn, "S1", now=datetime(2026, 3, 4, 6, tzinfo=UTC))
    assert [counts(p.state) for p in b.points] == [(4, 4, 0), (5, 4, 1), (6, 5, 2), None, None]
    assert b.last.open_ids == ("B", "C", "D", "E", "F")


def test_velocity_is_the_work_done_in_each_closed_iteration(store: Store) -> None:
    # S0: committed G, H (2 tasks, 5), both done. S1: committed 4 tasks (12), done A, B, D (3 tasks,
    # 3+2+1 = 6) just before it closed. Averages: (2+3)/2 = 2.5 tasks, (5+6)/2 = 5.5.
    v = velocity(store.conn, PID, now=AFTER)
    assert [(s.iteration_id, s.committed_count, s.completed_count) for s in v.sprints] == [("S0", 2, 2), ("S1", 4, 3)]
    assert [(s.committed_estimate, s.completed_estimate) for s in v.sprints] == [(5, 5), (12, 6)]
    assert v.sprints[1].completed_ids == ("A", "B", "D")
    assert (v.average_count, v.average_estimate) == (2.5, 5.5)
    assert [s.iteration_id for s in velocity(store.conn, PID, 1, now=AFTER).sprints] == ["S1"]


def test_burndown_days_and_ideal_follow_the_project_calendar() -> None:
    # 2026-02-26 (Thu) to 03-03 (Tue): under `cn` Saturday 02-28 is a working day (调休 for the Spring
    # Festival) and Sunday 03-01 is not: days 26, 27, 28, 2, 3; working days before the end: 4, so a
    # baseline of 8 falls 8, 6, 4, 2, 0. Under `weekdays`: days 26, 27, 2, 3; 3 working days: 8, 16/3, 8/3, 0.
    start, end = date(2026, 2, 26), date(2026, 3, 3)
    cn = plan_days(start, end, "cn")
    assert [d.day for d in cn] == [26, 27, 28, 2, 3]
    assert [ideal(8, start, end, d, "cn") for d in cn] == [8, 6, 4, 2, 0]
    weekdays = plan_days(start, end, "weekdays")
    assert [d.day for d in weekdays] == [26, 27, 2, 3]
    assert [ideal(8, start, end, d, "weekdays") for d in weekdays] == pytest.approx([8, 16 / 3, 8 / 3, 0])
