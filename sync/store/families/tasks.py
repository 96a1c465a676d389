"""Tasks: the optimistic applies of `task.*` (the default status, positions in a column), a task and
its detail as the app reads them, and the actions that change tasks. Lists of tasks (boards,
filters, search) are in `task_lists`.

Rows come back as protocol dicts plus `pending` (touched by a mutation not yet synced) and `key`
(KEY-12 once the server has numbered the task, else None).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import orjson
from fractional_indexing import generate_key_between

from sync import rules
from sync.ids import format_time, uuid7
from sync.rules import after_last, merge_labels
from sync.store._family import Apply, Ctx, Family
from sync.store._rows import Row
from sync.store.families.comments import put_watch

_TASK_SELECT = "SELECT task.*, project.key AS project_key FROM task LEFT JOIN project ON project.id = task.project_id"
_TIME_FIELDS = ("start_at", "due_at")


def read_tasks(
    conn: sqlite3.Connection,
    where: str,
    params: list[Any],
    order: str = "task.position, task.id",
    limit: int | None = None,
    offset: int = 0,
) -> list[Row]:
    """Tasks of the view (with `key` and `pending`) matching `where`, in `order`."""
    sql = f"{_TASK_SELECT} WHERE {where} ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)} OFFSET {max(0, int(offset))}"
    # The board's hot path: plain tuples and one dict per row (sqlite3.Row and `decode` cost
    # more than the query itself for 500 cards).
    cursor = conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(sql, params).fetchall()
    names = [d[0] for d in cursor.description]
    out = []
    loads = orjson.loads
    for values in rows:
        row = dict(zip(names, values, strict=True))
        labels = row["labels"]
        row["labels"] = loads(labels) if labels else []
        row["pending"] = bool(row["pending"])
        key = row.pop("project_key")
        row["key"] = f"{key}-{row['number']}" if key and row["number"] else None
        out.append(row)
    return out


# What a board card shows (app/state/board.py `card_view`): key, title, assignee, priority, due
# badge, labels, pending mark; subtask progress is counted apart. All in the board's covering index.
_CARD_COLUMNS: tuple[str, ...] = ("id", "project_id", "number", "title", "status_id", "position", "assignee_id")
_CARD_COLUMNS += ("priority", "due_at", "labels", "pending")
_CARD_SELECT = f"SELECT {', '.join('task.' + c for c in _CARD_COLUMNS)} FROM task"


def read_cards(
    conn: sqlite3.Connection,
    project_id: str,
    status_id: str,
    extra: str,
    params: list[Any],
    limit: int,
    offset: int = 0,
) -> list[Row]:
    """One column's cards by (position, id), with `key` and `pending`: the board's narrow read, from
    its covering index, without joining the project on every row (`extra`: a `TaskFilter`'s SQL)."""
    found = conn.execute("SELECT key FROM project WHERE id = ?", (project_id,)).fetchone()
    key = found[0] if found else None
    join = " LEFT JOIN project ON project.id = task.project_id" if "project." in extra else ""
    sql = (
        f"{_CARD_SELECT}{join} WHERE task.project_id = ? AND task.status_id = ?{extra} "
        f"ORDER BY task.position, task.id LIMIT {int(limit)} OFFSET {max(0, int(offset))}"
    )
    cursor = conn.cursor()
    cursor.row_factory = None
    loads = orjson.loads
    out = []
    for values in cursor.execute(sql, [project_id, status_id, *params]):
        row = dict(zip(_CARD_COLUMNS, values, strict=True))
        labels = row["labels"]
        row["labels"] = loads(labels) if labels and labels != "[]" else []
        row["pending"] = bool(row["pending"])
        number = row["number"]
        row["key"] = f"{key}-{number}" if key and number else None
        out.append(row)
    return out


@dataclass
class TaskDetail:
    task: Row
    subtasks: list[Row]
    comments: list[Row]
    watching: bool


def default_status(conn: sqlite3.Connection, project_id: str) -> str | None:
    """The first `todo` status by (position, id), else the first status: the server's rule."""
    rows = conn.execute(
        "SELECT id, category FROM status WHERE project_id = ? ORDER BY position, id", (project_id,)
    ).fetchall()
    return rules.default_status((row["id"], row["category"]) for row in rows)


def position_after_last(conn: sqlite3.Connection, project_id: str, status_id: str) -> str:
    last = conn.execute(
        "SELECT position FROM task WHERE project_id = ? AND status_id = ? ORDER BY position DESC, id DESC LIMIT 1",
        (project_id, status_id),
    ).fetchone()
    return after_last(last["position"] if last else None)


def position_before(conn: sqlite3.Connection, project_id: str, status_id: str, before_id: str | None) -> str:
    """A position just above card `before_id` in that column (at the top when None), between it and
    the card above; equal or foreign keys fall back to a key before `before_id` alone."""
    if before_id is None:
        first = conn.execute(
            "SELECT position FROM task WHERE project_id = ? AND status_id = ? ORDER BY position, id LIMIT 1",
            (project_id, status_id),
        ).fetchone()
        upper, lower = (first["position"] if first else None), None
    else:
        row = conn.execute("SELECT position, id FROM task WHERE id = ?", (before_id,)).fetchone()
        if row is None:
            return position_after_last(conn, project_id, status_id)
        upper = row["position"]
        above = conn.execute(
            "SELECT position FROM task WHERE project_id = ? AND status_id = ? AND id != ? "
            "AND (position < ? OR (position = ? AND id < ?)) ORDER BY position DESC, id DESC LIMIT 1",
            (project_id, status_id, before_id, upper, upper, row["id"]),
        ).fetchone()
        lower = above["position"] if above else None
    for low in (lower, None):
        try:
            return str(generate_key_between(low, upper))
        except Exception:  # equal neighbours, or a key the library cannot parse
            continue
    return position_after_last(conn, project_id, status_id)


def _task_create(c: Ctx, a: Row) -> None:
    pid, tid = str(a["project_id"]), str(a["id"])
    if c.get("task", tid) is not None:
        return
    if not a.get("status_id"):
        c.read_range("statuses", pid)
    status_id = str(a["status_id"]) if a.get("status_id") else default_status(c.conn, pid)
    if status_id is None:
        return  # the server will reject it (no_status)
    if not a.get("position"):
        c.read_range("column", status_id)
    task: Row = {
        "id": tid,
        "seq": None,
        "project_id": pid,
        "number": None,  # the server numbers it
        "title": a["title"],
        "description": a.get("description") or "",
        "status_id": status_id,
        "assignee_id": a.get("assignee_id"),
        "reporter_id": c.me,
        "priority": a.get("priority") or "none",
        "type": a.get("type") or "task",
        "labels": merge_labels([], a.get("labels") or [], []),
        "parent_id": a.get("parent_id"),
        "iteration_id": a.get("iteration_id"),
        "position": a.get("position") or position_after_last(c.conn, pid, status_id),
        "start_at": format_time(a.get("start_at")),
        "due_at": format_time(a.get("due_at")),
        "estimate": a.get("estimate"),
        "created_at": c.now,
        "updated_at": c.now,
    }
    c.put("task", task)
    put_watch(c, task, c.me)
    if task["assignee_id"]:
        put_watch(c, task, task["assignee_id"])


def _task_update(c: Ctx, a: Row) -> None:
    task = c.get("task", a["id"])
    if task is None:
        return
    values = dict(a.get("set") or {})
    for name in _TIME_FIELDS:
        if name in values:
            values[name] = format_time(values[name])
    if "description" in values and values["description"] is None:
        values["description"] = ""
    if a.get("labels_add") or a.get("labels_remove"):
        values["labels"] = merge_labels(task["labels"], a.get("labels_add") or [], a.get("labels_remove") or [])
    if all(task.get(k) == v for k, v in values.items()):
        return  # the server does not bump a no-op update either
    c.put("task", {**task, **values, "updated_at": c.now})
    if values.get("assignee_id") and values["assignee_id"] != task["assignee_id"]:
        put_watch(c, task, str(values["assignee_id"]))


def _task_delete(c: Ctx, a: Row) -> None:
    doomed, frontier = [str(a["id"])], [str(a["id"])]
    if c.get("task", doomed[0]) is None:
        return
    while frontier:
        for task_id in frontier:
            c.read_range("children", task_id)
            c.read_range("of_task", task_id)
        marks = ",".join("?" * len(frontier))
        children = [r["id"] for r in c.conn.execute(f"SELECT id FROM task WHERE parent_id IN ({marks})", frontier)]
        doomed += children
        frontier = children
    marks = ",".join("?" * len(doomed))
    for entity in ("comment", "watch"):
        for row in c.conn.execute(f"SELECT id FROM {entity} WHERE task_id IN ({marks})", doomed).fetchall():
            c.delete(entity, row["id"])
    for task_id in doomed:  # the server tombstones every link from or to a deleted task
        c.read_range("links", task_id)
    links = f"SELECT id FROM task_link WHERE from_id IN ({marks}) OR to_id IN ({marks})"
    for row in c.conn.execute(links, doomed + doomed).fetchall():
        c.delete("task_link", row["id"])
    for task_id in doomed:
        c.delete("task", task_id)


def _time(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


class Tasks(Family):
    APPLY: ClassVar[Mapping[str, Apply]] = {
        "task.create": _task_create,
        "task.update": _task_update,
        "task.delete": _task_delete,
    }

    # --- queries ----------------------------------------------------------------------------

    def task(self, task_id: str) -> Row | None:
        rows = read_tasks(self.conn, "task.id = ?", [task_id])
        return rows[0] if rows else None

    def task_by_key(self, key: str) -> Row | None:
        """A task by its KEY-12 label, or by id (tasks created offline have no number yet)."""
        prefix, _, number = key.rpartition("-")
        if prefix and number.isdigit():
            rows = read_tasks(self.conn, "project.key = ? AND task.number = ?", [prefix.upper(), int(number)])
            if rows:
                return rows[0]
        return self.task(key)

    def task_detail(self, task_id: str) -> TaskDetail | None:
        task = self.task(task_id)
        if task is None:
            return None
        subtasks = read_tasks(self.conn, "task.parent_id = ?", [task_id])
        comments = self._rows("comment", "SELECT * FROM comment WHERE task_id = ? ORDER BY created_at, id", (task_id,))
        watching = self.conn.execute(
            "SELECT 1 FROM watch WHERE task_id = ? AND user_id = (SELECT value FROM meta WHERE key = 'user_id')",
            (task_id,),
        ).fetchone()
        return TaskDetail(task, subtasks, comments, watching is not None)

    def subtask_progress(self, task_ids: list[str]) -> dict[str, tuple[int, int]]:
        """parent id -> (subtasks done, subtasks in all), for the parents in `task_ids` that have any."""
        if not task_ids:
            return {}
        marks = ",".join("?" * len(task_ids))
        rows = self.conn.execute(
            "SELECT task.parent_id, sum(status.category = 'done'), count(*) FROM task "
            f"LEFT JOIN status ON status.id = task.status_id WHERE task.parent_id IN ({marks}) "
            "GROUP BY task.parent_id",
            task_ids,
        ).fetchall()
        return {str(parent): (int(done or 0), int(total)) for parent, done, total in rows}

    # --- actions ----------------------------------------------------------------------------

    def create_task(self, project_id: str, title: str, **fields: Any) -> str:
        """Creates a task; `fields` are any client-settable task fields (status_id, assignee_id,
        priority, type, labels, parent_id, position, start_at, due_at, estimate, description)."""
        task_id = uuid7()
        values = {k: _time(v) if k in _TIME_FIELDS else v for k, v in fields.items()}
        self.mutate("task.create", {"id": task_id, "project_id": project_id, "title": title, **values})
        return task_id

    def update_task(
        self,
        task_id: str,
        *,
        labels_add: list[str] | None = None,
        labels_remove: list[str] | None = None,
        **fields: Any,
    ) -> None:
        """Sets the given fields (None clears assignee, parent, dates and estimate); labels are
        added and removed, never overwritten, so concurrent label edits both survive."""
        args: dict[str, Any] = {"id": task_id}
        if fields:
            args["set"] = {k: _time(v) if k in _TIME_FIELDS else v for k, v in fields.items()}
        if labels_add:
            args["labels_add"] = labels_add
        if labels_remove:
            args["labels_remove"] = labels_remove
        self.mutate("task.update", args)

    def move_task(
        self, task_id: str, status_id: str, *, position: str | None = None, before_id: str | None = None
    ) -> None:
        """Moves a card to a status, at `position`, or just above card `before_id`, or (neither
        given) after the column's last card."""
        task = self.conn.execute("SELECT project_id FROM task WHERE id = ?", (task_id,)).fetchone()
        if position is None and task is not None:
            if before_id is not None and before_id != task_id:
                position = position_before(self.conn, task["project_id"], status_id, before_id)
            else:
                position = position_after_last(self.conn, task["project_id"], status_id)
        fields: dict[str, Any] = {"status_id": status_id}
        if position is not None:
            fields["position"] = position
        self.update_task(task_id, **fields)

    def top_position(self, project_id: str, status_id: str) -> str:
        """A position above the column's first card (quick add puts new cards where they are seen)."""
        return position_before(self.conn, project_id, status_id, None)

    def delete_task(self, task_id: str) -> None:
        self.mutate("task.delete", {"id": task_id})
