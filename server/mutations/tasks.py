"""Tasks: create, update (last writer wins per field; labels added and removed), delete."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa

from server.errors import MutationRejected
from server.feed import to_utc
from server.mutations.context import Ctx, Row
from server.mutations.desk_sla import after_task_change, ticket_of
from server.mutations.hierarchy import check_parent, subtree
from server.mutations.history import change_task, record
from server.mutations.iterations import check_iteration
from server.mutations.links import tombstone_links
from server.mutations.notify import notify, put_watch, watchers
from server.tables import comments, projects, statuses, tasks, tickets, watches
from sync import protocol as p
from sync.rules import after_last, default_status, merge_labels

_DATE_FIELDS = ("start_at", "due_at")


def _check_status(ctx: Ctx, project_id: str, status_id: str) -> None:
    status = ctx.get(statuses, status_id)
    if status is None or status["project_id"] != project_id or status["deleted"]:
        raise MutationRejected("invalid_status", "The status does not belong to this project.")


def _check_assignee(ctx: Ctx, project_id: str, user_id: str) -> None:
    if not ctx.is_member(project_id, user_id):
        raise MutationRejected("invalid_assignee", "The assignee is not a member of this project.")


def _labels(existing: list[str], add: list[str], remove: list[str]) -> list[str]:
    out = merge_labels(existing, add, remove)
    if len(out) > p.MAX_LABELS:
        raise MutationRejected("too_many_labels", f"A task may have at most {p.MAX_LABELS} labels.")
    return out


def _default_status(ctx: Ctx, project_id: str) -> str:
    rows = ctx.raw.execute(
        "SELECT id, category FROM statuses WHERE project_id = :p AND deleted = :f ORDER BY position, id",
        {"p": project_id, "f": False},
    ).fetchall()
    status_id = default_status(rows)
    if status_id is None:
        raise MutationRejected("no_status", "The project has no status to put the task in.")
    return status_id


def _last_position(ctx: Ctx, project_id: str, status_id: str) -> str:
    last = ctx.raw.scalar(
        "SELECT position FROM tasks WHERE project_id = :p AND status_id = :s AND deleted = :f "
        "ORDER BY position DESC, id DESC LIMIT 1",
        {"p": project_id, "s": status_id, "f": False},
    )
    return after_last(last)


def _id_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def task_create(ctx: Ctx, a: p.TaskCreate) -> None:
    pid, tid = str(a.project_id), str(a.id)
    project = ctx.project_for(pid, "member")
    ctx.require_free_id(tasks, tid, "task")
    status_id = str(a.status_id) if a.status_id else _default_status(ctx, pid)
    _check_status(ctx, pid, status_id)
    assignee = _id_or_none(a.assignee_id)
    if assignee:
        _check_assignee(ctx, pid, assignee)
    parent = _id_or_none(a.parent_id)
    if parent:
        check_parent(ctx, tid, pid, parent, moving=False)
    iteration = _id_or_none(a.iteration_id)
    if iteration:
        check_iteration(ctx, pid, iteration)
    task = add_task(
        ctx,
        project,
        {
            "id": tid,
            "title": a.title,
            "description": a.description or "",
            "status_id": status_id,
            "assignee_id": assignee,
            "reporter_id": ctx.actor,
            "priority": a.priority or "none",
            "type": a.type or "task",
            "labels": orjson.dumps(_labels([], a.labels, [])).decode(),
            "parent_id": parent,
            "position": a.position,
            "start_at": to_utc(a.start_at),
            "due_at": to_utc(a.due_at),
            "estimate": a.estimate,
            "iteration_id": iteration,
        },
    )
    if assignee:
        put_watch(ctx, task, assignee)
        notify(ctx, "assigned", task, [assignee])


def add_task(ctx: Ctx, project: Row, fields: Row) -> Row:
    """Inserts a checked task (its number, position and times from the server), with its `created`
    event and its reporter watching it. `ticket.create`, intake and `ticket.escalate` use it too."""
    pid = project["id"]
    number = int(project["next_number"])
    ctx.raw.update(projects, pid, {"next_number": number + 1})
    project["next_number"] = number + 1  # the push's cached project row stays current
    row: Row = {"id": fields["id"], "project_id": pid, "number": number, "assignee_id": None, "labels": "[]"}
    row |= {"parent_id": None, "start_at": None, "due_at": None, "estimate": None, "iteration_id": None}
    row |= {**fields, "created_at": ctx.now, "updated_at": ctx.now, "deleted": False}
    row["position"] = fields.get("position") or _last_position(ctx, pid, row["status_id"])
    task = ctx.insert("task", tasks, row)
    record(ctx, task, "created")
    if task["reporter_id"]:
        put_watch(ctx, task, task["reporter_id"])
    return task


def first_status(ctx: Ctx, project_id: str) -> str:
    """The project's default status for a new task (the first `todo` one)."""
    return _default_status(ctx, project_id)


def task_update(ctx: Ctx, a: p.TaskUpdate) -> None:
    task = ctx.task_for(str(a.id), "member")
    pid = task["project_id"]
    values: Row = {}
    for field in a.set.model_fields_set:
        value = getattr(a.set, field)
        if field in ("title", "status_id", "priority", "type", "position") and value is None:
            raise MutationRejected("validation_error", f"{field} cannot be cleared.", [{"loc": ["set", field]}])
        if field in ("status_id", "assignee_id", "parent_id", "iteration_id"):
            value = _id_or_none(value)
        elif field in _DATE_FIELDS:
            value = to_utc(value)
        elif field == "description" and value is None:
            value = ""
        values[field] = value
    if "type" in values and values["type"] != task["type"] and ticket_of(ctx, task["id"]) is not None:
        raise MutationRejected("validation_error", "A ticket's type cannot be changed.", [{"loc": ["set", "type"]}])
    if values.get("status_id") is not None:
        _check_status(ctx, pid, values["status_id"])
    if values.get("assignee_id") is not None and values["assignee_id"] != task["assignee_id"]:
        _check_assignee(ctx, pid, values["assignee_id"])
    if values.get("parent_id") is not None and values["parent_id"] != task["parent_id"]:
        check_parent(ctx, task["id"], pid, values["parent_id"], moving=True)
    if values.get("iteration_id") is not None and values["iteration_id"] != task["iteration_id"]:
        check_iteration(ctx, pid, values["iteration_id"])  # a task may stay in a closed iteration
    if a.labels_add or a.labels_remove:
        labels = _labels(orjson.loads(task["labels"]), a.labels_add, a.labels_remove)
        values["labels"] = orjson.dumps(labels).decode()
    changes = {k: v for k, v in values.items() if task.get(k) != v}
    if not changes:
        return
    updated = change_task(ctx, task, changes)
    after_task_change(ctx, task, updated, changes)
    new_assignee = changes.get("assignee_id")
    if new_assignee:
        put_watch(ctx, updated, new_assignee)
        notify(ctx, "assigned", updated, [new_assignee])
    if "status_id" in changes:
        recipients = [updated["reporter_id"], updated["assignee_id"], *watchers(ctx, updated["id"])]
        notify(ctx, "status_changed", updated, recipients)


def move_task(ctx: Ctx, task: Row, status_id: str) -> Row:
    """Moves a task to a status of its project for the server or a requester (no role to check), with its
    `status_id` event (its actor is the context's, null when none) and what the move does to a ticket."""
    if task["status_id"] == status_id:
        return task
    changes: Row = {"status_id": status_id}
    updated = change_task(ctx, task, changes)
    after_task_change(ctx, task, updated, changes)
    return updated


def task_delete(ctx: Ctx, a: p.IdOnly) -> None:
    task = ctx.task_for(str(a.id), "member")
    doomed = [task, *subtree(ctx, task["id"])]
    ids = [t["id"] for t in doomed]
    for row in doomed:
        ctx.update("task", tasks, row, {"deleted": True, "updated_at": ctx.now})
        record(ctx, row, "deleted")
    for table, entity in ((comments, "comment"), (watches, "watch")):
        rows = ctx.conn.execute(sa.select(table).where(table.c.task_id.in_(ids), table.c.deleted.is_(False)))
        for found in list(rows.mappings()):
            ctx.update(entity, table, dict(found), {"deleted": True})
    doomed_tickets = ctx.conn.execute(sa.select(tickets).where(tickets.c.id.in_(ids), tickets.c.deleted.is_(False)))
    for found in list(doomed_tickets.mappings()):
        ctx.update("ticket", tickets, dict(found), {"deleted": True})
    tombstone_links(ctx, ids)
