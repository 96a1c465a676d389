"""A project's dashboard (docs/metrics.md, "Project dashboard"): completion, on-time rate, weekly
throughput, cycle time, overdue work, open work per person, and the risk flags.

Current figures are one pass over the project's tasks (by `ix_task_work`); flow figures come from the `status_id`
events of the window (the last `weeks` local weeks, Monday first, the current one included).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sync.planning._history import (
    Clock,
    days_between,
    enters_done,
    first_doing,
    percentile_sql,
)
from sync.planning.risks import RiskFlag, risk_flags
from sync.workdays import Calendar


@dataclass(frozen=True)
class PersonLoad:
    assignee_id: str | None  # None: unassigned
    open_count: int
    open_estimate: float


@dataclass(frozen=True)
class Dashboard:
    project_id: str
    window_start: date  # the first day of the flow figures' window
    total: int  # tasks other than milestones
    done: int  # of those, in a `done` status now
    completed: int  # tasks that entered `done` in the window (their last entry)
    completed_with_due: int
    on_time: int  # of those, done at or before their due time
    throughput: list[tuple[date, int]]  # (Monday, tasks that entered done that week)
    cycle_samples: int
    cycle_p50_days: float | None
    cycle_p85_days: float | None
    overdue: int  # open tasks whose due time has passed
    open_by_person: list[PersonLoad]
    flags: list[RiskFlag]

    @property
    def completion_rate(self) -> float | None:
        return self.done / self.total if self.total else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.completed_with_due if self.completed_with_due else None


# One pass over the project's work in the order of `ix_task_work` (sync/planning/indexes.py), grouped
# by assignee and status without sorting or visiting rows; then the statuses' categories on the groups.
_CURRENT = """
SELECT g.assignee_id, sum(g.n), total(CASE WHEN s.category = 'done' THEN g.n END),
  total(CASE WHEN s.category IS NOT 'done' THEN g.overdue END),
  total(CASE WHEN s.category IS NOT 'done' THEN g.estimate END)
FROM (
  SELECT t.assignee_id, t.status_id, count(*) AS n, total(t.due_at < :now) AS overdue, total(t.estimate) AS estimate
  FROM task t WHERE t.project_id = :p AND t.type != 'milestone' GROUP BY t.assignee_id, t.status_id
) g LEFT JOIN status s ON s.id = g.status_id
GROUP BY g.assignee_id
"""

# The window's entries into done (events first, by `ix_task_event_field`), then the tasks they
# name: completions with their cycle times, and the weekly throughput, in one statement.
_FLOW = f"""
WITH w(k, a, b) AS (VALUES {{weeks}}),
e AS MATERIALIZED (
  SELECT h.task_id, h.at FROM task_event h
  WHERE h.project_id = :p AND h.field = 'status_id' AND h.at >= :a AND h.at <= :now AND {enters_done("h")}),
c AS (SELECT task_id, max(at) AS done_at FROM e GROUP BY task_id),
x AS MATERIALIZED (
  SELECT c.task_id, c.done_at, t.due_at, {first_doing("c.task_id", "c.done_at")} AS fd
  FROM c JOIN task t ON t.id = c.task_id AND t.type != 'milestone'),
cy AS (SELECT {days_between("fd", "done_at")} AS v FROM x WHERE fd IS NOT NULL),
pc AS ({percentile_sql("SELECT v FROM cy", (50, 85))}),
weekly AS (
  SELECT k, count(DISTINCT e.task_id) AS n FROM w JOIN e ON e.at >= w.a AND e.at <= w.b
  WHERE e.task_id IN (SELECT task_id FROM x) GROUP BY k)
SELECT (SELECT count(*) FROM x), (SELECT count(due_at) FROM x), (SELECT total(done_at <= due_at) FROM x),
  (SELECT count(*) FROM cy), (SELECT v FROM pc WHERE p = 50), (SELECT v FROM pc WHERE p = 85),
  (SELECT json_group_object(k, n) FROM weekly)
"""


def week_starts(today: date, weeks: int) -> list[date]:
    """The Mondays of the last `weeks` weeks, the current week's last."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def dashboard(
    conn: sqlite3.Connection,
    project_id: str,
    *,
    weeks: int = 8,
    calendar: Calendar | None = None,
    now: datetime | None = None,
    zone: str = "Asia/Shanghai",
) -> Dashboard:
    clock = Clock.of(now, zone)
    params = {"p": project_id, "now": clock.now_text}
    total = done = overdue = 0
    loads = []
    for assignee, count, done_n, overdue_n, open_estimate in conn.execute(_CURRENT, params):
        total, done, overdue = total + count, done + int(done_n), overdue + int(overdue_n)
        if count > done_n:
            loads.append(PersonLoad(assignee, count - int(done_n), open_estimate))
    loads.sort(key=lambda p: (-p.open_count, p.assignee_id or ""))
    mondays = week_starts(clock.today, weeks)
    bounds = [(clock.day_start(m), min(clock.day_end(m + timedelta(days=6)), clock.now_text)) for m in mondays]
    sql = _FLOW.format(weeks=", ".join(f"({i}, :a{i}, :b{i})" for i in range(len(bounds))))
    flow_params = {**params, "a": bounds[0][0]}
    for i, (a, b) in enumerate(bounds):
        flow_params[f"a{i}"], flow_params[f"b{i}"] = a, b
    completed, with_due, on_time, samples, p50, p85, weekly = conn.execute(sql, flow_params).fetchone()
    per_week = json.loads(weekly)
    throughput = [(m, int(per_week.get(str(i), 0))) for i, m in enumerate(mondays)]
    return Dashboard(
        project_id,
        mondays[0],
        total,
        done,
        completed,
        with_due,
        int(on_time),
        throughput,
        samples,
        p50,
        p85,
        overdue,
        loads,
        risk_flags(conn, project_id, calendar=calendar, now=clock.now, zone=zone),
    )
