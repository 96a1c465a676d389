"""The cache's side of the forecast (docs/metrics.md, "Forecast"): the throughput read from the
task history. The arithmetic is `sync/forecast.py`'s, the same the server's `at_risk` scan uses."""

from __future__ import annotations

import sqlite3
from datetime import date

from sync.forecast import forecast_finish, late, per_working_day, window
from sync.planning._history import Clock, enters_done, project_calendar
from sync.workdays import Calendar

__all__ = ["forecast_finish", "late", "throughput_per_day", "throughput_window"]


def throughput_window(clock: Clock) -> tuple[date, date]:
    """The local days whose completions make the throughput: the 14 days ending today."""
    return window(clock.today)


def throughput_per_day(
    conn: sqlite3.Connection, project_id: str, clock: Clock, calendar: Calendar | None = None
) -> float:
    """Tasks (other than milestones, still existing) that entered `done` in the 14 local days ending
    today, up to now, divided by the working days among those 14 days."""
    calendar = project_calendar(conn, project_id, calendar)
    first, today = throughput_window(clock)
    done = conn.execute(
        "SELECT count(DISTINCT h.task_id) FROM task_event h JOIN task t ON t.id = h.task_id "
        f"WHERE h.project_id = ? AND h.at >= ? AND h.at <= ? AND {enters_done('h')} AND t.type != 'milestone'",
        (project_id, clock.day_start(first), clock.now_text),
    ).fetchone()[0]
    return per_working_day(int(done), today, calendar)
