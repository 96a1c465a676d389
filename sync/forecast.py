"""The forecast behind `at_risk` (PROTOCOL-2.md "Planning"): pure arithmetic shared by the server and the app.

A project's throughput is the number of its tasks that entered a `done` status in the last
`WINDOW_DAYS` days, per day. Work of `open_tasks` tasks then takes `open_tasks / throughput` days,
rounded up to whole calendar days, from today; it is at risk when that finish is after its date
(a milestone's due date, an iteration's `end_on`, both as calendar dates in the server's zone). No
open work is never at risk; open work with no throughput never finishes, so it is at risk.
docs/protocol.md has the rule; the server's scheduler and the app's dashboard both call this.
"""

from __future__ import annotations

from datetime import date, timedelta

WINDOW_DAYS = 14


def days_needed(open_tasks: int, done_in_window: int, window_days: int = WINDOW_DAYS) -> int | None:
    """Whole days the open tasks take at the window's pace (0 with none open; None: never, no pace)."""
    if open_tasks <= 0:
        return 0
    if done_in_window <= 0:
        return None
    return -(-open_tasks * window_days // done_in_window)  # ceil(open / (done / window)) in integers


def forecast_finish(today: date, open_tasks: int, done_in_window: int, window_days: int = WINDOW_DAYS) -> date | None:
    """The day the open tasks are forecast to be done, or None when they never are (no throughput)."""
    days = days_needed(open_tasks, done_in_window, window_days)
    return None if days is None else today + timedelta(days=days)


def at_risk(today: date, target: date, open_tasks: int, done_in_window: int, window_days: int = WINDOW_DAYS) -> bool:
    """Whether the forecast finish falls after `target`."""
    finish = forecast_finish(today, open_tasks, done_in_window, window_days)
    return open_tasks > 0 and (finish is None or finish > target)
