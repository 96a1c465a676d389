"""When open work ends at the recent pace (docs/metrics.md, "Forecast"), as in PROTOCOL-2.md's
`at_risk` rule: open tasks divided by the throughput of the last 14 days.

The server's scheduler has its own pure forecast (`sync/forecast.py`, written beside this one);
the two are to become one at merge, so the notification and the dashboard always agree.
"""

from __future__ import annotations

import math
import sqlite3
from datetime import date, timedelta

from sync.planning._history import Clock, enters_done
from sync.workdays import Calendar, add_working_days, count_working_days

THROUGHPUT_DAYS = 14


def throughput_window(clock: Clock) -> tuple[date, date]:
    """The local days whose completions make the throughput: the 14 days ending today."""
    return clock.today - timedelta(days=THROUGHPUT_DAYS - 1), clock.today


def throughput_per_day(conn: sqlite3.Connection, project_id: str, clock: Clock, calendar: Calendar = "cn") -> float:
    """Tasks (other than milestones, still existing) that entered `done` in the 14 local days ending
    today, up to now, divided by the working days among those 14 days."""
    first, today = throughput_window(clock)
    done = conn.execute(
        "SELECT count(DISTINCT h.task_id) FROM task_event h JOIN task t ON t.id = h.task_id "
        f"WHERE h.project_id = ? AND h.at >= ? AND h.at <= ? AND {enters_done('h')} AND t.type != 'milestone'",
        (project_id, clock.day_start(first), clock.now_text),
    ).fetchone()[0]
    days = count_working_days(first, today + timedelta(days=1), calendar)
    return done / days if days > 0 else 0.0


def forecast_finish(open_tasks: int, per_day: float, today: date, calendar: Calendar = "cn") -> date | None:
    """The working day on which `open_tasks` are done at `per_day` tasks a working day, counting today
    as the first working day when it is one: `ceil(open / per_day)` working days. Today when nothing
    is open; None (never) when work is open and nothing was finished lately."""
    if open_tasks <= 0:
        return today
    if per_day <= 0:
        return None
    needed = math.ceil(open_tasks / per_day - 1e-9)
    return add_working_days(today, needed - 1, calendar)


def late(finish: date | None, due: date) -> bool:
    """Whether a forecast finish misses `due` (never finishing misses every date)."""
    return finish is None or finish > due
