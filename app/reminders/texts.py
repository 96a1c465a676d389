"""What a reminder says: its title and body in the current language, times in the person's zone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from app.i18n import t
from app.reminders.schedule import Reminder, parse_time

Task = Mapping[str, Any]
LISTED = 3  # tasks a digest or summary names before "and N more"


def task_label(task: Task | None) -> str:
    if task is None:
        return t("reminders.task.unknown")
    title = str(task.get("title") or "")
    return t("reminders.task", key=task["key"], title=title) if task.get("key") else title


def clock_text(moment: datetime | time) -> str:
    return moment.strftime("%H:%M")


def when_text(due: datetime, now: datetime, zone: tzinfo) -> str:
    """A due time as a person says it: 今天 18:00, 明天 09:30, 11月30日 18:00."""
    local, today = due.astimezone(zone), now.astimezone(zone).date()
    days, clock = (local.date() - today).days, clock_text(local)
    if days == 0:
        return t("reminders.when.today", time=clock)
    if days == 1:
        return t("reminders.when.tomorrow", time=clock)
    if days == -1:
        return t("reminders.when.yesterday", time=clock)
    return t("reminders.when.date", month=local.month, day=local.day, time=clock)


def lead_text(lead: timedelta) -> str:
    """A lead time for the settings page: 提前 24 小时, 提前 1 天 2 小时 is said as 提前 26 小时."""
    minutes = int(lead.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return t("reminders.lead.days", n=minutes // (24 * 60))
    if minutes % 60 == 0:
        return t("reminders.lead.hours", n=minutes // 60)
    return t("reminders.lead.minutes", n=minutes)


def listing(tasks: Sequence[Task | None]) -> str:
    """The first few tasks by name, and how many more."""
    names = t("reminders.list_separator").join(task_label(task) for task in tasks[:LISTED])
    more = len(tasks) - LISTED
    return t("reminders.list_more", tasks=names, more=more) if more > 0 else names


def text_of(reminder: Reminder, tasks: Mapping[str, Task], *, now: datetime, zone: tzinfo) -> tuple[str, str]:
    """(title, body) of one reminder; `tasks` maps task ids to cached task rows."""
    if reminder.kind == "overdue_digest":
        listed = [tasks.get(task_id) for task_id in reminder.tasks]
        return t("reminders.digest.title", count=len(listed)), listing(listed)
    task = tasks.get(reminder.task_id or "")
    due = parse_time(task.get("due_at")) if task else None
    due = due or reminder.due_at
    when = when_text(due, now, zone)
    if due <= now:
        body = t("reminders.body.was_due", task=task_label(task), when=when)
    else:
        body = t("reminders.body.due", task=task_label(task), when=when)
    title = t("reminders.snoozed.title") if reminder.kind == "snoozed" else t("reminders.due_soon.title")
    return title, body


def summary_of(reminders: Sequence[Reminder], tasks: Mapping[str, Task]) -> tuple[str, str]:
    """(title, body) of one notification standing for several "due soon" reminders, soonest due first."""
    ordered = sorted(reminders, key=lambda r: (r.due_at, r.task_id or ""))
    listed = [tasks.get(r.task_id or "") for r in ordered]
    return t("reminders.summary.title", count=len(listed)), listing(listed)


def line_of(title: str, body: str) -> str:
    """Title and body in one line, for a toast."""
    return t("reminders.line", title=title, body=body)


def snooze_label(choice: str, settings_morning: time) -> str:
    """The words on a snooze button: 'hour', 'tomorrow' or 'pick'."""
    if choice == "hour":
        return t("reminders.snooze.hour")
    if choice == "tomorrow":
        return t("reminders.snooze.tomorrow", time=clock_text(settings_morning))
    return t("reminders.snooze.pick")


def snoozed_text(until: datetime, now: datetime, zone: tzinfo) -> str:
    """What the app says after a snooze: 将于明天 09:00 再次提醒."""
    return t("reminders.snooze.done", when=when_text(until, now, zone))
