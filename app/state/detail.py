"""Task detail: what it shows (`detail_view`, read through one `use_store`), the edits a field change
asks for, the subtask tick, and the activity list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, get_args

from app.state.fmt import (
    END_OF_WORKING_DAY,
    has_time_of_day,
    local_date_text,
    local_zone,
    parse_local_date,
    parse_time,
)
from app.state.project_settings import ROLES, can_edit_tasks
from sync.protocol import MAX_TITLE, TaskType
from sync.store import Store, TaskFilter

EDIT_ROLES = ROLES[:3]  # owner, admin, member: a viewer reads
TASK_TYPES: tuple[str, ...] = get_args(TaskType)
# The rows a detail shows: a commit touching any of them re-reads `detail_view`.
DETAIL_ROWS = ("task", "comment", "watch", "status", "project", "member", "user", "task_event", "notification")
BROWSER_DAY_SHIFT = timedelta(hours=13, minutes=30)  # see picked_day


def can_edit(role: str | None) -> bool:
    """Viewers (and people whose membership is gone) see everything read-only."""
    return role in EDIT_ROLES


class FieldError(ValueError):
    """A value a person typed that cannot be saved; `key` is the catalogue key of the message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def field_update(task: dict[str, Any], field: str, raw: Any, store: Store | None = None) -> dict[str, Any]:
    """The `update_task` fields for a changed form field, or {} when nothing changed.
    Raises FieldError for a value that cannot be saved (the form shows it; nothing is queued)."""
    if field == "title":
        title = str(raw or "").strip()
        if not title:
            raise FieldError("detail.error.title_empty")
        if len(title) > MAX_TITLE:
            raise FieldError("detail.error.title_long")
        return {} if title == task.get("title") else {"title": title}
    if field == "description":
        value = str(raw or "")
        return {} if value == (task.get("description") or "") else {"description": value}
    if field in ("start_at", "due_at"):
        try:
            moment = parse_local_date(str(raw or ""))
        except ValueError as exc:
            raise FieldError("detail.error.date") from exc
        if moment is None:
            return {} if task.get(field) is None else {field: None}
        if has_time_of_day(str(raw)):
            return {} if parse_time(task.get(field)) == moment else {field: moment}
        if local_date_text(task.get(field), moment.tzinfo).split(" ")[0] == moment.date().isoformat():
            return {}  # the same day without a time: keep the time the task already had
        return {field: moment}
    if field == "estimate":
        text = str(raw or "").strip()
        if not text:
            return {} if task.get("estimate") is None else {"estimate": None}
        try:
            amount = float(text)
        except ValueError as exc:
            raise FieldError("detail.error.estimate") from exc
        if not 0 <= amount <= 10_000:
            raise FieldError("detail.error.estimate")
        number = int(amount) if amount.is_integer() else amount
        return {} if task.get("estimate") == number else {"estimate": number}
    if field == "parent":
        text = str(raw or "").strip()
        if not text:
            return {} if task.get("parent_id") is None else {"parent_id": None}
        if store is None:
            raise FieldError("detail.error.parent")
        parent = store.task_by_key(text)
        if parent is None or parent["project_id"] != task["project_id"] or parent["id"] == task["id"]:
            raise FieldError("detail.error.parent")
        if _is_descendant(store, parent["id"], task["id"]):
            raise FieldError("detail.error.parent_cycle")
        return {} if parent["id"] == task.get("parent_id") else {"parent_id": parent["id"]}
    if field in ("status_id", "assignee_id", "priority", "type"):
        chosen = raw or None
        if field in ("priority", "type") and chosen is None:
            return {}
        return {} if chosen == task.get(field) else {field: chosen}
    raise ValueError(f"unknown field {field!r}")


def _is_descendant(store: Store, candidate: str, ancestor: str) -> bool:
    """Whether `candidate` sits below `ancestor` (making it the parent would close a loop)."""
    seen = set()
    current: str | None = candidate
    while current and current not in seen:
        if current == ancestor:
            return True
        seen.add(current)
        row = store.task(current)
        current = row.get("parent_id") if row else None
    return False


def picked_day(value: Any, zone: tzinfo | None = None) -> date | None:
    """The calendar day a DatePicker answered. The client sends that day's midnight in its own zone,
    moved to UTC (2026-12-14T16:00Z for the 15th in Shanghai). When that is midnight in the app's zone
    too (a desktop or phone app, or a browser beside its server), that zone says the day. Otherwise
    the browser's zone is unknown here, and the day is the one whose midnight lies within UTC-10:30
    to UTC+13:30 of it (exact for every zone from Hawaii to New Zealand's summer)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.date()
        local = value.astimezone(zone or local_zone())
        if (local.hour, local.minute) == (0, 0):
            return local.date()
        return (value.astimezone(UTC) + BROWSER_DAY_SHIFT).date()
    return value if isinstance(value, date) else None


def picked_date(task: dict[str, Any], field: str, day: date, zone: tzinfo | None = None) -> dict[str, Any]:
    """The `update_task` fields for a day chosen in the date picker: that day at the time the field
    already had, or at the end of the working day (what a typed date alone means)."""
    zone = zone or local_zone()
    current = parse_time(task.get(field))
    at = current.astimezone(zone).timetz().replace(tzinfo=None) if current else END_OF_WORKING_DAY
    moment = datetime.combine(day, at, tzinfo=zone)
    return {} if current == moment else {field: moment}


def picked_time(
    task: dict[str, Any], field: str, at: time, zone: tzinfo | None = None, today: date | None = None
) -> dict[str, Any]:
    """The `update_task` fields for a time chosen in the time picker: the field's day (today when it
    has none yet) at that time."""
    zone = zone or local_zone()
    current = parse_time(task.get(field))
    day = current.astimezone(zone).date() if current else (today or datetime.now(zone).date())
    moment = datetime.combine(day, at.replace(second=0, microsecond=0, tzinfo=None), tzinfo=zone)
    return {} if current == moment else {field: moment}


@dataclass(frozen=True)
class ParentChoice:
    id: str
    key: str | None
    title: str

    @property
    def label(self) -> str:
        return f"{self.key} {self.title}" if self.key else self.title


def matching_tasks(store: Store, project_id: str, query: str) -> list[dict[str, Any]]:
    """Tasks of the project matching every term of `query` in their key or title (any script): an
    exact key first, then keys that start with the query, then the rest in board order."""
    terms = [term.casefold() for term in query.split()]
    rows = store.tasks(project_id, TaskFilter(text=query.strip() or None), limit=500)
    matches = []
    for row in rows:
        key, title = (row.get("key") or "").casefold(), (row.get("title") or "").casefold()
        if all(term in key or term in title for term in terms):
            rank = 0 if key and key == query.strip().casefold() else 1 if terms and key.startswith(terms[0]) else 2
            matches.append((rank, row))
    matches.sort(key=lambda rank_row: rank_row[0])
    return [row for _rank, row in matches]


def parent_candidates(store: Store, task: dict[str, Any], query: str, limit: int = 8) -> list[ParentChoice]:
    """Tasks of the same project that may become `task`'s parent (`matching_tasks`): never the task
    itself nor one of its descendants (a loop), nor its current parent."""
    out: list[ParentChoice] = []
    for row in matching_tasks(store, task["project_id"], query):
        if row["id"] in (task["id"], task.get("parent_id")) or _is_descendant(store, row["id"], task["id"]):
            continue
        out.append(ParentChoice(row["id"], row.get("key"), row.get("title") or ""))
        if len(out) >= limit:
            break
    return out


def tick_status(store: Store, project_id: str, done: bool) -> str | None:
    """The status a ticked (done) or unticked subtask moves to: the first of that category."""
    wanted = "done" if done else "todo"
    statuses = store.statuses(project_id)
    for status in statuses:
        if status["category"] == wanted:
            return str(status["id"])
    return None


@dataclass(frozen=True)
class Activity:
    at: str
    kind: str  # 'created', 'commented', 'updated', or a notification kind about this task
    actor_id: str | None
    detail: str = ""


def activity(store: Store, task_id: str) -> list[Activity]:
    """What happened to the task, newest first: its history (`task_event`, from the server) and its
    comments. Without history (a server that writes none) it is rebuilt from what this device
    knows: its creation, its last update, and my notifications about it."""
    detail = store.task_detail(task_id)
    return [] if detail is None else _activity(store, detail.task, detail.comments)


def _activity(store: Store, task: dict[str, Any], comments: list[dict[str, Any]]) -> list[Activity]:
    task_id = task["id"]
    events = store.task_events(task_id)
    items = [Activity(e["at"], _event_kind(e, store.user_id), e["actor_id"]) for e in events]
    if not events and task.get("created_at"):
        items.append(Activity(task["created_at"], "created", task.get("reporter_id")))
    if not events and task.get("updated_at") and task.get("updated_at") != task.get("created_at"):
        items.append(Activity(task["updated_at"], "updated", None))
    for comment in comments:
        items.append(Activity(comment["created_at"], "commented", comment.get("author_id"), comment.get("body", "")))
    kinds = ("due_soon", "overdue") if events else ("assigned", "status_changed", "due_soon", "overdue")
    for note in store.notifications(limit=500):
        if note.get("task_id") == task_id and note["kind"] in kinds:
            items.append(Activity(note["created_at"], note["kind"], note.get("actor_id"), note.get("title") or ""))
    return sorted(items, key=lambda a: a.at or "", reverse=True)


@dataclass(frozen=True)
class DetailView:
    """Everything the task detail draws, read at once (`detail_view`)."""

    task: dict[str, Any]
    subtasks: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    watching: bool
    editable: bool  # my role edits tasks, and the project is not archived
    people: list[dict[str, Any]]  # the project's members, as users (the assignee menu, mentions)
    names: dict[str, str]  # user id -> display name, of everyone I know
    statuses: list[dict[str, Any]]
    done_ids: frozenset[str]  # the statuses of the `done` category
    parent: dict[str, Any] | None
    activity: list[Activity]
    me: str | None

    @property
    def done(self) -> bool:
        return self.task["status_id"] in self.done_ids


def detail_view(store: Store, task_id: str) -> DetailView | None:
    """The task detail's rows, or None when the task is gone; the screen reads this through one
    `use_store(..., DETAIL_ROWS, [task_id])` and nothing else of the store."""
    detail = store.task_detail(task_id)
    if detail is None:
        return None
    task = detail.task
    project_id = task["project_id"]
    role = store.role(project_id)
    users = store.users()
    member_ids = {m["user_id"] for m in store.members(project_id)}
    statuses = store.statuses(project_id)
    return DetailView(
        task=task,
        subtasks=detail.subtasks,
        comments=detail.comments,
        watching=detail.watching,
        editable=can_edit(role) and can_edit_tasks(store.project(project_id), role),
        people=[u for u in users if u["id"] in member_ids],
        names={u["id"]: u["display_name"] for u in users},
        statuses=statuses,
        done_ids=frozenset(s["id"] for s in statuses if s["category"] == "done"),
        parent=store.task(task["parent_id"]) if task.get("parent_id") else None,
        activity=_activity(store, task, detail.comments),
        me=store.user_id,
    )


def _event_kind(event: dict[str, Any], me: str | None) -> str:
    """The activity line an event reads as: created, a status change, an assignment to me, or an update."""
    if event["field"] in ("created", "deleted"):
        return "created" if event["field"] == "created" else "updated"
    if event["field"] == "status_id":
        return "status_changed"
    return "assigned" if event["field"] == "assignee_id" and event["new"] == me else "updated"


def sort_key(value: str | None) -> datetime:
    return parse_time(value) or datetime.min
