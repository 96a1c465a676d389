"""One person's evidence for a period (docs/metrics.md, "Personal performance"): tasks done, on-time
rate, estimate accuracy, median cycle time and reopened tasks, each with the tasks behind it.

Work is credited to the task's assignee as the cache holds it now. Only tasks that still exist and
are not milestones count.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from sync.planning._history import (
    Clock,
    completions_sql,
    days_between,
    first_doing,
    in_list,
    leaves_done,
    percentile_sql,
    split_ids,
    value_at,
)

ESTIMATE_TOLERANCE = 0.2


@dataclass(frozen=True)
class Performance:
    user_id: str
    start: date
    end: date
    done_ids: tuple[str, ...]  # entered `done` in the period (their last entry counts)
    on_time_ids: tuple[str, ...]  # of those, done at or before their due time
    late_ids: tuple[str, ...]  # done after it (tasks without a due time are in neither)
    cycle_ids: tuple[str, ...]  # done tasks that went through a `doing` status
    median_cycle_days: float | None
    estimate_held_ids: tuple[str, ...]  # final estimate within 20% of the one work started with
    estimate_missed_ids: tuple[str, ...]
    reopened_ids: tuple[str, ...]  # left `done` in the period

    @property
    def on_time_rate(self) -> float | None:
        due = len(self.on_time_ids) + len(self.late_ids)
        return len(self.on_time_ids) / due if due else None

    @property
    def estimate_accuracy(self) -> float | None:
        measured = len(self.estimate_held_ids) + len(self.estimate_missed_ids)
        return len(self.estimate_held_ids) / measured if measured else None


def _sql(projects: str) -> str:
    scope = f"t.assignee_id = ? AND {projects}"
    held = f"abs(e1 - e0) <= {ESTIMATE_TOLERANCE} * e0 + 1e-9"
    return f"""
WITH c AS ({completions_sql(scope)}),
x0 AS (SELECT c.task_id AS id, c.done_at, t.due_at, t.estimate, {first_doing("c.task_id", "c.done_at")} AS fd
  FROM c JOIN task t ON t.id = c.task_id),
x AS MATERIALIZED (SELECT x0.*, {value_at("estimate", "x0.id", "x0.fd", "x0.estimate")} AS e0,
  {value_at("estimate", "x0.id", "x0.done_at", "x0.estimate")} AS e1 FROM x0),
pc AS ({percentile_sql(f"SELECT {days_between('fd', 'done_at')} AS v FROM x WHERE fd IS NOT NULL", (50,))})
SELECT group_concat(id), group_concat(CASE WHEN done_at <= due_at THEN id END),
  group_concat(CASE WHEN done_at > due_at THEN id END), group_concat(CASE WHEN fd IS NOT NULL THEN id END),
  (SELECT v FROM pc),
  group_concat(CASE WHEN fd IS NOT NULL AND e0 > 0 AND e1 IS NOT NULL AND {held} THEN id END),
  group_concat(CASE WHEN fd IS NOT NULL AND e0 > 0 AND e1 IS NOT NULL AND NOT ({held}) THEN id END)
FROM x
"""


def _reopened_sql(projects: str) -> str:
    return (
        "SELECT group_concat(DISTINCT h.task_id) FROM task t JOIN task_event h ON h.task_id = t.id "
        f"WHERE t.assignee_id = ? AND {projects} AND t.type != 'milestone' AND h.at >= ? AND h.at <= ? "
        f"AND {leaves_done('h')}"
    )


def performance(
    conn: sqlite3.Connection,
    user_id: str,
    start: date,
    end: date,
    *,
    project_ids: list[str] | None = None,
    now: datetime | None = None,
    zone: str = "Asia/Shanghai",
) -> Performance:
    """`user_id`'s figures for the local days `start` to `end` (inclusive, up to now), over the
    projects `project_ids` (None: every project in the cache)."""
    clock = Clock.of(now, zone)
    projects, project_params = in_list(project_ids, "t.project_id")
    first, last = clock.day_start(start), min(clock.day_end(end), clock.now_text)
    row = conn.execute(_sql(projects), (first, last, user_id, *project_params)).fetchone()
    done, on_time, late, cycled, median, held, missed = row
    (reopened,) = conn.execute(_reopened_sql(projects), (user_id, *project_params, first, last)).fetchone()
    return Performance(
        user_id,
        start,
        end,
        split_ids(done),
        split_ids(on_time),
        split_ids(late),
        split_ids(cycled),
        median,
        split_ids(held),
        split_ids(missed),
        split_ids(reopened),
    )
