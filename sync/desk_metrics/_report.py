"""A desk's report for a period of local days: its figures overall, by category and by agent, the
tickets created each day, and a monthly series (docs/metrics.md, "Service desk figures")."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sync.desk_metrics._figures import CATEGORIES, EMPTY, DeskFigures, figures
from sync.planning._history import DEFAULT_ZONE, Clock

MONTHS = 6


@dataclass(frozen=True)
class Group:
    key: str | None  # a category, or an assignee's id (None: unassigned)
    figures: DeskFigures


@dataclass(frozen=True)
class MonthPoint:
    month: date  # its first day
    figures: DeskFigures


@dataclass(frozen=True)
class DeskReport:
    project_id: str
    start: date  # the period's first local day
    end: date  # its last (inclusive)
    zone: str
    overall: DeskFigures
    by_category: list[Group]  # every category, in the protocol's order
    by_agent: list[Group]  # agents with a ticket created, resolved or due in the period, most created first
    per_day: list[tuple[date, int]]  # tickets created each local day
    monthly: list[MonthPoint]  # the months up to `end`'s, oldest first


def desk_zone(conn: sqlite3.Connection, project_id: str) -> str:
    """The desk's time zone: its SLA policies' (the medium one's first), else Asia/Shanghai."""
    row = conn.execute(
        "SELECT time_zone FROM sla_policy WHERE project_id = ? ORDER BY priority != 'medium', priority LIMIT 1",
        (project_id,),
    ).fetchone()
    return str(row[0]) if row and row[0] else DEFAULT_ZONE


def _bounds(clock: Clock, start: date, end: date) -> tuple[str, str]:
    return clock.day_start(start), min(clock.day_end(end), clock.now_text)


_PER_DAY = """
WITH d(k, a, b) AS (VALUES {days})
SELECT json_group_object(k, n) FROM (
  SELECT d.k, count(*) AS n FROM d JOIN ticket k ON k.project_id = :p AND k.merged_into_id IS NULL
  JOIN task t ON t.id = k.id AND t.created_at >= d.a AND t.created_at <= d.b GROUP BY d.k)
"""


def per_day(conn: sqlite3.Connection, project_id: str, clock: Clock, start: date, end: date) -> list[tuple[date, int]]:
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    params: dict[str, str] = {"p": project_id}
    for i, day in enumerate(days):
        params[f"a{i}"], params[f"b{i}"] = clock.day_start(day), clock.day_end(day)
    sql = _PER_DAY.format(days=", ".join(f"({i}, :a{i}, :b{i})" for i in range(len(days))))
    counts = json.loads(conn.execute(sql, params).fetchone()[0] or "{}")
    return [(day, int(counts.get(str(i), 0))) for i, day in enumerate(days)]


def month_starts(end: date, months: int) -> list[date]:
    first = end.replace(day=1)
    out = []
    for _ in range(months):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return out[::-1]


def desk_report(
    conn: sqlite3.Connection,
    project_id: str,
    start: date | None = None,
    end: date | None = None,
    *,
    months: int = MONTHS,
    now: datetime | None = None,
    zone: str | None = None,
) -> DeskReport:
    """The report of local days `start` to `end` (default: the 30 days ending today), read now."""
    zone = zone or desk_zone(conn, project_id)
    clock = Clock.of(now, zone)
    end = end or clock.today
    start = start or end - timedelta(days=29)
    if start > end:
        raise ValueError(f"the period starts ({start}) after it ends ({end})")
    a, b = _bounds(clock, start, end)
    found = figures(conn, project_id, a, b, clock.now_text)
    by_agent = [
        Group(key or None, f)
        for (dim, key), f in found.items()
        if dim == "agent" and (f.created or f.resolved_in_period or f.sla_due)
    ]
    by_agent.sort(key=lambda g: (-g.figures.created, g.key or ""))
    monthly = []
    for first in month_starts(end, months):
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        found_month = figures(conn, project_id, *_bounds(clock, first, last), clock.now_text, grouped=False)
        monthly.append(MonthPoint(first, found_month.get(("all", ""), EMPTY)))
    return DeskReport(
        project_id,
        start,
        end,
        zone,
        found.get(("all", ""), EMPTY),
        [Group(c, found.get(("category", c), EMPTY)) for c in CATEGORIES],
        by_agent,
        per_day(conn, project_id, clock, start, end),
        monthly,
    )
