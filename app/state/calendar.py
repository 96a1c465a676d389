"""The calendar view of a project: tasks on the days they are due, by month or by week.

Days are the device's local days (a task due at 23:30 UTC+8 is on that local day). Non-working days
come from the project's calendar (`sync.workdays`; mainland China's until a project chooses one),
and `unknown_years` says which shown years that calendar only knows as plain weekends.

Dragging a task to another day moves its due date to that day at the same local time of day, and
moves its start by the same number of days, so the task keeps its length (`rescheduled`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from app.state.board import BoardFilters
from app.state.fmt import local_zone, parse_time
from sync.store import Store, TaskFilter
from sync.workdays import Calendar, chosen, is_working_day, unknown_years

MODES = ("month", "week")
DAY_LIMIT = 2000  # tasks a shown range reads at most
Row = Mapping[str, Any]


def month_days(year: int, month: int) -> list[date]:
    """The days of a month grid: whole weeks, Monday first, from the week of the 1st to the week
    of the month's last day (4 to 6 weeks)."""
    first = date(year, month, 1)
    start = first - timedelta(days=first.weekday())
    following = date(year + month // 12, month % 12 + 1, 1)
    end = following + timedelta(days=(7 - following.weekday()) % 7)
    return [start + timedelta(days=i) for i in range((end - start).days)]


def week_days(day: date) -> list[date]:
    """Monday to Sunday of `day`'s week."""
    start = day - timedelta(days=day.weekday())
    return [start + timedelta(days=i) for i in range(7)]


def shift(anchor: date, mode: str, step: int) -> date:
    """The anchor one month or one week before (step -1) or after (step 1)."""
    if mode == "week":
        return anchor + timedelta(days=7 * step)
    month = anchor.month - 1 + step
    return date(anchor.year + month // 12, month % 12 + 1, 1)


def days_of(anchor: date, mode: str) -> list[date]:
    return week_days(anchor) if mode == "week" else month_days(anchor.year, anchor.month)


def project_calendar(project: Mapping[str, Any] | None) -> Calendar:
    """The project's working-day calendar (China's for a project row from before projects chose one)."""
    return chosen((project or {}).get("calendar"))


def local_day(value: str | None, zone: tzinfo) -> date | None:
    moment = parse_time(value)
    return moment.astimezone(zone).date() if moment is not None else None


def rescheduled(task: Row, day: date, zone: tzinfo | None = None) -> dict[str, datetime]:
    """The fields that move `task` to be due on `day` at its own local time of day (a task with no
    due date gets 18:00), its start (if any) moved by as many days."""
    zone = zone or local_zone()
    due = parse_time(task.get("due_at"))
    local = due.astimezone(zone) if due is not None else None
    moved = datetime.combine(day, local.time() if local is not None else time(18, 0), tzinfo=zone)
    fields = {"due_at": moved}
    start = parse_time(task.get("start_at"))
    if start is not None and local is not None:
        fields["start_at"] = start + (day - local.date())
    return fields


@dataclass(frozen=True)
class Day:
    """One day of the grid, as drawn."""

    day: date
    working: bool
    in_month: bool
    today: bool
    tasks: tuple[Row, ...]


@dataclass
class CalendarModel:
    """A project's tasks per local day over a month or a week, with the board's filters."""

    store: Store
    project_id: str
    calendar: Calendar = "cn"
    filters: BoardFilters = field(default_factory=BoardFilters)
    zone: tzinfo | None = None
    today: date | None = None

    def _zone(self) -> tzinfo:
        return self.zone or local_zone()

    def tasks_by_day(self, start: date, end: date) -> dict[date, list[Row]]:
        """Tasks due in [start, end) local days: milestones first, then by due time."""
        zone = self._zone()
        base = self.filters.task_filter(datetime.now(zone), zone)
        if self.filters.due:  # the board's due filter and the calendar's range both bound due_at
            base = BoardFilters(**{**self.filters.__dict__, "due": None}).task_filter(datetime.now(zone), zone)
        low = datetime.combine(start, time(0), tzinfo=zone)
        high = datetime.combine(end, time(0), tzinfo=zone)
        ranged = TaskFilter(**{**base.__dict__, "due_after": low, "due_before": high})
        out: dict[date, list[Row]] = {}
        for row in self.store.tasks(self.project_id, ranged, limit=DAY_LIMIT):
            day = local_day(row.get("due_at"), zone)
            if day is not None:
                out.setdefault(day, []).append(row)
        for rows in out.values():
            rows.sort(key=lambda r: (r.get("type") != "milestone", r.get("due_at") or ""))
        return out

    def days(self, anchor: date, mode: str) -> list[Day]:
        shown = days_of(anchor, mode)
        tasks = self.tasks_by_day(shown[0], shown[-1] + timedelta(days=1))
        today = self.today or datetime.now(self._zone()).date()
        return [
            Day(
                d,
                is_working_day(d, self.calendar),
                mode == "week" or d.month == anchor.month,
                d == today,
                tuple(tasks.get(d, ())),
            )
            for d in shown
        ]

    def unknown_years(self, anchor: date, mode: str) -> list[int]:
        shown = days_of(anchor, mode)
        return unknown_years(self.calendar, shown[0], shown[-1])

    def move(self, task_id: str, day: date) -> None:
        task = self.store.task(task_id)
        if task is not None:
            fields: dict[str, Any] = dict(rescheduled(task, day, self._zone()))
            self.store.update_task(task_id, **fields)
