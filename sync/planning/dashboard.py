"""A project's dashboard (docs/metrics.md, "Project dashboard"): completion, on-time rate, weekly
throughput, cycle time, overdue work, open work per person, and the risk flags.

Current figures are one pass over the project's tasks; flow figures come from the `status_id`
events of the window (the last `weeks` local weeks, Monday first, the current one included).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sync.planning._history import (
    DONE_IDS,
    Clock,
    completions_sql,
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


_CURRENT = f"""
SELECT t.assignee_id, count(*), total(t.status_id IN {DONE_IDS}),
  total(t.status_id NOT IN {DONE_IDS} AND t.due_at < :now),
  total(CASE WHEN t.status_id IN {DONE_IDS} THEN 0 ELSE coalesce(t.estimate, 0) END)
FROM task t WHERE t.project_id = :p AND t.type != 'milestone' GROUP BY t.assignee_id
"""

_THROUGHPUT = f"""
WITH w(k, a, b) AS (VALUES {{weeks}})
SELECT w.k, count(DISTINCT h.task_id) FROM w JOIN task_event h
ON h.project_id = :p AND h.field = 'status_id' AND h.at >= w.a AND h.at <= w.b
JOIN task t ON t.id = h.task_id AND t.type != 'milestone'
WHERE {enters_done("h")} GROUP BY w.k
"""

_FLOW = f"""
WITH c AS ({completions_sql("h.project_id = ?")}),
x AS MATERIALIZED (
  SELECT c.done_at, t.due_at, {first_doing("c.task_id", "c.done_at")} AS fd FROM c JOIN task t ON t.id = c.task_id),
cy AS (SELECT {days_between("fd", "done_at")} AS v FROM x WHERE fd IS NOT NULL),
pc AS ({percentile_sql("SELECT v FROM cy", (50, 85))})
SELECT (SELECT count(*) FROM x), (SELECT count(due_at) FROM x), (SELECT total(done_at <= due_at) FROM x),
  (SELECT count(*) FROM cy), (SELECT v FROM pc WHERE p = 50), (SELECT v FROM pc WHERE p = 85)
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
    calendar: Calendar = "cn",
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
    bounds = [(m, clock.day_start(m), min(clock.day_end(m + timedelta(days=6)), clock.now_text)) for m in mondays]
    sql = _THROUGHPUT.format(weeks=", ".join(f"({i}, :a{i}, :b{i})" for i in range(len(bounds))))
    week_params = dict(params)
    for i, (_, a, b) in enumerate(bounds):
        week_params[f"a{i}"], week_params[f"b{i}"] = a, b
    per_week = dict(conn.execute(sql, week_params).fetchall())
    throughput = [(m, int(per_week.get(i, 0))) for i, (m, _, _) in enumerate(bounds)]
    flow = conn.execute(_FLOW, (bounds[0][1], clock.now_text, project_id)).fetchone()
    completed, with_due, on_time, samples, p50, p85 = flow
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
