"""Golden numbers for personal performance (docs/metrics.md), on `planning_data.team()`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sync.planning import performance
from sync.store import Store
from tests.sync.planning_data import PID, U1, U2, team

NOW = datetime(2026, 3, 11, 6, tzinfo=UTC)
MARCH = (date(2026, 3, 2), date(2026, 3, 11))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = team().store(tmp_path / "cache.db")
    yield s
    s.close()


def test_a_person_with_a_late_task_and_a_grown_estimate(store: Store) -> None:
    p = performance(store.conn, U1, *MARCH, now=NOW)
    # Done in the period: T1 and T2 (T5 was done in February; T6 is open).
    assert p.done_ids == ("T1", "T2")
    # T1 done a day before its due time, T2 four days after: 1 of 2 on time.
    assert (p.on_time_ids, p.late_ids, p.on_time_rate) == (("T1",), ("T2",), 0.5)
    # Cycle times 2 and 7 days: the median (nearest rank, ceil(0.5*2) = 1st) is 2.
    assert (p.cycle_ids, p.median_cycle_days) == (("T1", "T2"), 2.0)
    # T1 started with 2 and ended with 2: held. T2 started with 4 and ended with 6 (+50%): missed.
    assert (p.estimate_held_ids, p.estimate_missed_ids, p.estimate_accuracy) == (("T1",), ("T2",), 0.5)
    assert p.reopened_ids == ()


def test_a_person_with_a_reopened_task(store: Store) -> None:
    p = performance(store.conn, U2, *MARCH, now=NOW)
    assert p.done_ids == ("T3", "T4", "T8")
    # Only T4 has a due time, met exactly: 1 of 1 (T3 and T8 count in neither).
    assert (p.on_time_ids, p.late_ids, p.on_time_rate) == (("T4",), (), 1.0)
    # T3 never was doing; T4 8.5 days, T8 4 days: the median of (4, 8.5) is the 1st, 4.
    assert (p.cycle_ids, p.median_cycle_days) == (("T4", "T8"), 4.0)
    # T4 kept its 5; T8 has no estimate: 1 of 1 held.
    assert (p.estimate_held_ids, p.estimate_missed_ids, p.estimate_accuracy) == (("T4",), (), 1.0)
    # T8 left done on 03-04.
    assert p.reopened_ids == ("T8",)


def test_the_period_is_made_of_local_days(store: Store) -> None:
    # T3 entered done at 03-08 17:00 UTC, which is 03-09 01:00 in Shanghai: not in 03-02..03-08,
    # but in 03-09..03-11; in UTC it would be the other way round.
    first = performance(store.conn, U2, date(2026, 3, 2), date(2026, 3, 8), now=NOW)
    assert first.done_ids == ("T4", "T8")
    second = performance(store.conn, U2, date(2026, 3, 9), date(2026, 3, 11), now=NOW)
    assert second.done_ids == ("T3",)
    utc = performance(store.conn, U2, date(2026, 3, 2), date(2026, 3, 8), now=NOW, zone="UTC")
    assert utc.done_ids == ("T3", "T4", "T8")


def test_projects_limit_what_counts(store: Store) -> None:
    assert performance(store.conn, U1, *MARCH, project_ids=[PID], now=NOW).done_ids == ("T1", "T2")
    nothing = performance(store.conn, U1, *MARCH, project_ids=["another"], now=NOW)
    assert nothing.done_ids == () and nothing.on_time_rate is None and nothing.median_cycle_days is None
    assert nothing.estimate_accuracy is None
