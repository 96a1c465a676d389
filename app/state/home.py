"""Home: my tasks grouped by due date in the device's zone (overdue first, in red), my projects,
and the unread count of the inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from app.state.board import CardView, card_view, done_status_ids
from app.state.fmt import local_zone, parse_time
from sync.store import Store

GROUPS = ("overdue", "today", "tomorrow", "week", "later", "no_date")


@dataclass
class TaskGroup:
    name: str  # one of GROUPS; the UI says it with t(f"home.group.{name}")
    cards: list[CardView]

    @property
    def overdue(self) -> bool:
        return self.name == "overdue"


def group_of(due_at: str | None, now: datetime, zone: tzinfo) -> str:
    due = parse_time(due_at)
    if due is None:
        return "no_date"
    if due < now:
        return "overdue"
    days = (due.astimezone(zone).date() - now.astimezone(zone).date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days < 7:
        return "week"
    return "later"


def my_task_groups(store: Store, now: datetime | None = None, zone: tzinfo | None = None) -> list[TaskGroup]:
    """My open tasks (not in a done column), in GROUPS order, empty groups left out; within a group
    the soonest due first."""
    zone = zone or local_zone()
    now = now or datetime.now(zone)
    rows = store.my_tasks(limit=500)
    people = {u["id"]: u for u in store.users()}
    progress = store.subtask_progress([r["id"] for r in rows])
    done = done_status_ids(store, [r["project_id"] for r in rows])
    groups: dict[str, list[CardView]] = {name: [] for name in GROUPS}
    for row in rows:
        card = card_view(row, people, progress, now, zone, done_ids=done)
        groups[group_of(row.get("due_at"), now, zone)].append(card)
    return [TaskGroup(name, cards) for name, cards in groups.items() if cards]


def my_projects(store: Store) -> list[dict[str, Any]]:
    """The projects I belong to (archived ones last), each with my role and its open-task count."""
    me = store.user_id
    out = []
    for project in store.projects():
        role = store.role(project["id"], me)
        if role is None:
            continue
        out.append({**project, "role": role})
    return sorted(out, key=lambda p: (bool(p.get("archived")), p["key"]))


def week_from(now: datetime) -> datetime:
    return now + timedelta(days=7)
