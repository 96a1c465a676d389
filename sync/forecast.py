"""When open work ends at the recent pace: the forecast behind `at_risk` (PROTOCOL-2.md "Planning")
and the dashboard's risk flags, pure arithmetic shared by the server and the app.

A project's throughput is the number of its work items (tasks other than milestones, still existing)
that entered a `done` status in the `WINDOW_DAYS` local days ending today, divided by the working
days among those days under the project's calendar. Work of `open_tasks` items then needs
`ceil(open_tasks / throughput)` working days, today being the first when it is a working day. It is
late, and so at risk, when that finish is after its date (a milestone's due date, an iteration's
`end_on`, both calendar dates in the project's zone). No open work is never at risk; open work with
no throughput never finishes, so it is at risk. docs/metrics.md ("Forecast") has the rule with a
worked example; the server's scheduler (`server/risks.py`) and the dashboard (`sync/planning`) both
call this module, so the notification and the flag always agree.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from sync.workdays import Calendar, add_working_days, count_working_days

WINDOW_DAYS = 14


def window(today: date) -> tuple[date, date]:
    """The first and last local day whose completions make the throughput (today included)."""
    return today - timedelta(days=WINDOW_DAYS - 1), today


def per_working_day(done_in_window: int, today: date, calendar: Calendar) -> float:
    """Throughput: completions in the window per working day of the window (0 with no working day)."""
    first, last = window(today)
    days = count_working_days(first, last + timedelta(days=1), calendar)
    return done_in_window / days if days > 0 else 0.0


def forecast_finish(open_tasks: int, per_day: float, today: date, calendar: Calendar = "cn") -> date | None:
    """The working day on which `open_tasks` are done at `per_day` a working day: today when nothing
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


def at_risk(today: date, target: date, open_tasks: int, done_in_window: int, calendar: Calendar = "cn") -> bool:
    """Whether open work, at the window's pace, is forecast to finish after `target`."""
    if open_tasks <= 0:
        return False
    return late(forecast_finish(open_tasks, per_working_day(done_in_window, today, calendar), today, calendar), target)
