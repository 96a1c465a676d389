"""The optimistic effect of each protocol mutation on the view, mirroring the server's rules.

`apply_mutation` runs both when an action is taken and when pending mutations are replayed on top
of fresh base rows. It returns the (entity, id) pairs it touched, so a later rollback or replay
knows which rows to reset. Anything the server would reject (a missing row, say) is a no-op here:
the server's answer decides, and a rejection rolls the change back.

`apply_recorded` also returns what the effect depended on, which the outbox keeps so that a rebase
replays only the pending mutations a pull or a rollback can affect (see `_replay.rebase`):
- rows: every row written, and every row read by id (found or not);
- ranges, as ("r:<range>", key) for a range the mutation read and ("w:<range>", key) for a range
  its writes changed (before and after). The ranges are the reads that are not by id:
  `column` (a status's cards: a new card goes after the last one), `statuses` (a project's
  statuses: the default one, the last position), `children` (a task's subtasks), `of_task` (a
  task's comments and watches) and `unread` (a user's notifications).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from typing import Any

from fractional_indexing import generate_key_between

from sync import rules
from sync.entities import RANGES
from sync.ids import format_time
from sync.protocol import MAX_MUTED_PROJECTS, member_id, notification_pref_id, watch_id
from sync.rules import after_last, merge_labels
from sync.store._prefs import default_prefs, merged
from sync.store._rows import Row, decode, fetch, write_view

Touched = set[tuple[str, str]]


def ranges_written(entity: str, row: Any) -> Touched:
    """The ("w:<range>", key) keys of the ranges a version of this row belongs to."""
    out: Touched = set()
    for name, column in RANGES.get(entity, ()):
        value = row[column]
        if value is not None:
            out.add((f"w:{name}", str(value)))
    return out


_DEFAULT_STATUSES = (("To do", "todo"), ("Doing", "doing"), ("Done", "done"))
_TIME_FIELDS = ("start_at", "due_at")


class Ctx:
    def __init__(self, conn: sqlite3.Connection, me: str, now: str) -> None:
        self.conn, self.me, self.now = conn, me, now
        self.touched: Touched = set()  # rows written
        self.deps: Touched = set()  # rows read by id, and ranges read ("r:…") and written ("w:…")

    def read_range(self, name: str, key: Any) -> None:
        self.deps.add((f"r:{name}", str(key)))

    def get(self, entity: str, row_id: Any) -> Row | None:
        self.deps.add((entity, str(row_id)))
        row = fetch(self.conn, entity, str(row_id))
        if row is None:
            return None
        out = decode(entity, row)
        out.pop("pending", None)
        return out

    def put(self, entity: str, row: Row) -> None:
        if entity in RANGES:
            old = fetch(self.conn, entity, row["id"])
            if old is not None:
                self.deps |= ranges_written(entity, old)
            self.deps |= ranges_written(entity, row)
        write_view(self.conn, entity, row, pending=True)
        self.touched.add((entity, row["id"]))

    def delete(self, entity: str, row_id: str) -> None:
        if entity in RANGES:
            old = fetch(self.conn, entity, row_id)
            if old is not None:
                self.deps |= ranges_written(entity, old)
        self.conn.execute(f"DELETE FROM {entity} WHERE id = ?", (row_id,))
        self.touched.add((entity, row_id))

    def update(self, entity: str, row_id: Any, values: Row) -> Row | None:
        row = self.get(entity, row_id)
        if row is None:
            return None
        row.update(values)
        self.put(entity, row)
        return row


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


def local_status_id(project_id: str, n: int) -> str:
    """Placeholder ids of a new project's default statuses until the server's own arrive."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"keel:local-status:{project_id}:{n}"))


def _project_create(c: Ctx, a: Row) -> None:
    pid = str(a["id"])
    if c.get("project", pid) is not None:
        return
    row = {"id": pid, "seq": None, "name": a["name"], "key": a["key"], "kind": a.get("kind") or "general"}
    c.put("project", {**row, "description": a.get("description") or "", "archived": False})
    c.put("member", {"id": member_id(pid, c.me), "project_id": pid, "user_id": c.me, "role": "owner"})
    position: str | None = None
    for n, (name, category) in enumerate(_DEFAULT_STATUSES):
        position = after_last(position)
        status = {"id": local_status_id(pid, n), "project_id": pid, "name": name, "category": category}
        c.put("status", {**status, "position": position})


def _project_update(c: Ctx, a: Row) -> None:
    c.update("project", a["id"], {k: a[k] for k in ("name", "description", "archived") if a.get(k) is not None})


def _member_put(c: Ctx, a: Row) -> None:
    pid, uid = str(a["project_id"]), str(a["user_id"])
    c.put("member", {"id": member_id(pid, uid), "project_id": pid, "user_id": uid, "role": a["role"]})


def _member_remove(c: Ctx, a: Row) -> None:
    c.delete("member", member_id(a["project_id"], a["user_id"]))


def _status_create(c: Ctx, a: Row) -> None:
    pid = str(a["project_id"])
    position = a.get("position")
    if position is None:
        c.read_range("statuses", pid)
        last = c.conn.execute("SELECT max(position) AS p FROM status WHERE project_id = ?", (pid,)).fetchone()
        position = after_last(last["p"])
    c.put(
        "status",
        {"id": str(a["id"]), "project_id": pid, "name": a["name"], "category": a["category"], "position": position},
    )


def _status_update(c: Ctx, a: Row) -> None:
    c.update("status", a["id"], {k: a[k] for k in ("name", "category", "position") if a.get(k) is not None})


def _status_delete(c: Ctx, a: Row) -> None:
    c.delete("status", str(a["id"]))


def _put_watch(c: Ctx, task: Row, user_id: str) -> None:
    c.put("watch", {"id": watch_id(task["id"], user_id), "task_id": task["id"], "user_id": user_id})


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
        "position": a.get("position") or position_after_last(c.conn, pid, status_id),
        "start_at": format_time(a.get("start_at")),
        "due_at": format_time(a.get("due_at")),
        "estimate": a.get("estimate"),
        "created_at": c.now,
        "updated_at": c.now,
    }
    c.put("task", task)
    _put_watch(c, task, c.me)
    if task["assignee_id"]:
        _put_watch(c, task, task["assignee_id"])


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
        _put_watch(c, task, str(values["assignee_id"]))


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
    for task_id in doomed:
        c.delete("task", task_id)


def _comment_create(c: Ctx, a: Row) -> None:
    task = c.get("task", a["task_id"])
    if task is None or c.get("comment", a["id"]) is not None:
        return
    comment = {
        "id": str(a["id"]),
        "task_id": task["id"],
        "project_id": task["project_id"],
        "author_id": c.me,
        "body": a["body"],
        "mentions": [str(m) for m in a.get("mentions") or []],
        "created_at": c.now,
        "edited_at": None,
    }
    c.put("comment", comment)
    _put_watch(c, task, c.me)


def _comment_update(c: Ctx, a: Row) -> None:
    c.update("comment", a["id"], {"body": a["body"], "edited_at": c.now})


def _comment_delete(c: Ctx, a: Row) -> None:
    c.delete("comment", str(a["id"]))


def _notification_read(c: Ctx, a: Row) -> None:
    if a.get("all"):
        c.read_range("unread", c.me)
        rows = c.conn.execute("SELECT id FROM notification WHERE user_id = ? AND read_at IS NULL", (c.me,)).fetchall()
        ids = [r["id"] for r in rows]
    else:
        ids = [str(a["id"])] if a.get("id") else []
    for row_id in ids:
        row = c.get("notification", row_id)
        if row is not None and row["read_at"] is None and row["user_id"] == c.me:
            c.put("notification", {**row, "read_at": c.now})


def _watch_put(c: Ctx, a: Row) -> None:
    task = c.get("task", a["task_id"])
    if task is not None:
        _put_watch(c, task, c.me)


def _watch_remove(c: Ctx, a: Row) -> None:
    c.delete("watch", watch_id(a["task_id"], c.me))


def _notification_pref_update(c: Ctx, a: Row) -> None:
    # The server rejects the whole update (not_found) when a project to mute is not one of ours.
    if any(c.get("member", member_id(pid, c.me)) is None for pid in a.get("mute_add") or ()):
        return
    old = c.get("notification_pref", notification_pref_id(c.me)) or default_prefs(c.me)
    new = merged(old, a)
    # Like the server: no write when nothing changes (so no row for someone keeping the defaults),
    # and a rejection when more projects would be muted than allowed.
    if new == old or len(new["muted_projects"]) > MAX_MUTED_PROJECTS:
        return
    c.put("notification_pref", {**new, "updated_at": c.now})


APPLY: dict[str, Callable[[Ctx, Row], None]] = {
    "project.create": _project_create,
    "project.update": _project_update,
    "member.put": _member_put,
    "member.remove": _member_remove,
    "status.create": _status_create,
    "status.update": _status_update,
    "status.delete": _status_delete,
    "task.create": _task_create,
    "task.update": _task_update,
    "task.delete": _task_delete,
    "comment.create": _comment_create,
    "comment.update": _comment_update,
    "comment.delete": _comment_delete,
    "notification.read": _notification_read,
    "watch.put": _watch_put,
    "watch.remove": _watch_remove,
    "notification_pref.update": _notification_pref_update,
}


def apply_mutation(conn: sqlite3.Connection, me: str, name: str, args: Row, now: str) -> Touched:
    """Applies one mutation to the view; returns the rows it touched."""
    return apply_recorded(conn, me, name, args, now)[0]


def apply_recorded(conn: sqlite3.Connection, me: str, name: str, args: Row, now: str) -> tuple[Touched, Touched]:
    """Applies one mutation to the view; returns the rows it wrote, and those plus what it depended on
    (the outbox's `touched`)."""
    ctx = Ctx(conn, me, now)
    APPLY[name](ctx, args)
    return ctx.touched, ctx.touched | ctx.deps
