"""A project's risk flags (docs/metrics.md, "Risk flags"), each with the tasks behind it:

- `milestone_late`: an open milestone whose open predecessors (tasks reaching it through `blocks`
  links) end, at the recent throughput, after its due date;
- `iteration_late`: an active iteration whose open tasks end after its `end_on`;
- `blocked_by_overdue`: open tasks that an overdue task `blocks`;
- `scope_growth`: an active iteration whose scope grew by more than 20% since its baseline.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sync.planning._history import DONE_IDS, Clock, project_calendar, split_ids
from sync.planning.burndown import states
from sync.planning.forecast import forecast_finish, late, throughput_per_day
from sync.workdays import Calendar

FlagKind = Literal["milestone_late", "iteration_late", "blocked_by_overdue", "scope_growth"]
SCOPE_GROWTH_LIMIT = 0.2


@dataclass(frozen=True)
class RiskFlag:
    kind: FlagKind
    subject_id: str | None  # the milestone task or the iteration; None for blocked_by_overdue
    task_ids: tuple[str, ...]  # open tasks (late), blocked tasks, or tasks added since the baseline
    due: date | None = None
    forecast: date | None = None  # None with a due date: at this pace it never ends
    blocker_ids: tuple[str, ...] = ()  # blocked_by_overdue: the overdue tasks that block them
    growth: float | None = None  # scope_growth: (scope now - baseline) / baseline; None from 0


_OPEN = f"t.status_id NOT IN {DONE_IDS} AND t.type != 'milestone'"

_MILESTONES = f"""
WITH RECURSIVE ms(id, due_at) AS (
  SELECT t.id, t.due_at FROM task t WHERE t.project_id = :p AND t.type = 'milestone'
  AND t.due_at IS NOT NULL AND t.status_id NOT IN {DONE_IDS}),
up(m, id) AS (
  SELECT id, id FROM ms
  UNION SELECT up.m, l.from_id FROM up JOIN task_link l ON l.to_id = up.id AND l.kind = 'blocks')
SELECT ms.id, ms.due_at, count(t.id), group_concat(t.id) FROM ms
LEFT JOIN up ON up.m = ms.id AND up.id != ms.id
LEFT JOIN task t ON t.id = up.id AND {_OPEN}
GROUP BY ms.id ORDER BY ms.due_at, ms.id
"""

_ITERATIONS = f"""
SELECT i.id, i.start_on, i.end_on, count(t.id), group_concat(t.id) FROM iteration i
LEFT JOIN task t ON t.iteration_id = i.id AND {_OPEN}
WHERE i.project_id = :p AND i.state = 'active' GROUP BY i.id ORDER BY i.end_on, i.id
"""

_BLOCKED = f"""
SELECT group_concat(DISTINCT l.to_id), group_concat(DISTINCT l.from_id) FROM task_link l
CROSS JOIN task b ON b.id = l.from_id CROSS JOIN task t ON t.id = l.to_id
WHERE l.project_id = :p AND l.kind = 'blocks' AND b.due_at < :now AND b.status_id NOT IN {DONE_IDS}
AND t.status_id NOT IN {DONE_IDS}
"""


def risk_flags(
    conn: sqlite3.Connection,
    project_id: str,
    *,
    calendar: Calendar | None = None,
    now: datetime | None = None,
    zone: str = "Asia/Shanghai",
) -> list[RiskFlag]:
    clock = Clock.of(now, zone)
    calendar = project_calendar(conn, project_id, calendar)
    per_day = throughput_per_day(conn, project_id, clock, calendar)
    params = {"p": project_id, "now": clock.now_text}
    flags: list[RiskFlag] = []
    for milestone, due_at, count, ids in conn.execute(_MILESTONES, params).fetchall():
        due = clock.local_day(due_at)
        finish = forecast_finish(count, per_day, clock.today, calendar)
        if count and late(finish, due):
            flags.append(RiskFlag("milestone_late", milestone, split_ids(ids), due, finish))
    active = conn.execute(_ITERATIONS, params).fetchall()
    for iteration, _, end_on, count, ids in active:
        due = date.fromisoformat(end_on)
        finish = forecast_finish(count, per_day, clock.today, calendar)
        if count and late(finish, due):
            flags.append(RiskFlag("iteration_late", iteration, split_ids(ids), due, finish))
    blocked, blockers = conn.execute(_BLOCKED, params).fetchone()
    if blocked:
        flags.append(RiskFlag("blocked_by_overdue", None, split_ids(blocked), blocker_ids=split_ids(blockers)))
    for iteration, start_on, end_on, _, _ in active:
        baseline = clock.day_end(date.fromisoformat(start_on))
        if baseline >= clock.now_text:
            continue  # still on its first day: no baseline yet
        found = states(conn, iteration, {"base": baseline, "now": clock.now_text})
        base, current = found["base"].scope_count, found["now"].scope_count
        growth = (current - base) / base if base else None
        if current > base and (growth is None or growth > SCOPE_GROWTH_LIMIT):
            flags.append(
                RiskFlag("scope_growth", iteration, found["now"].added_ids, date.fromisoformat(end_on), growth=growth)
            )
    return flags
