"""Comments on tasks and watches of tasks: the optimistic applies of their mutations and the actions
that change them (a task's comments and whether I watch it are read with it: `Tasks.task_detail`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from sync.ids import uuid7
from sync.store._family import Apply, Ctx, Family
from sync.store._rows import Row
from sync.wire import member_id, watch_id


def put_watch(c: Ctx, task: Row, user_id: str) -> None:
    """`user_id` watches `task` (creating a task, being assigned one, or commenting on one does this)."""
    c.put("watch", {"id": watch_id(task["id"], user_id), "task_id": task["id"], "user_id": user_id})


def _comment_create(c: Ctx, a: Row) -> None:
    task = c.get("task", a["task_id"])
    if task is None or c.get("comment", a["id"]) is not None:
        return
    desk = _is_desk(c, task["project_id"])
    visibility = a.get("visibility") or ("internal" if desk else "public")
    if visibility == "internal" and not desk:
        return  # the server refuses it (validation_error)
    comment = {
        "id": str(a["id"]),
        "task_id": task["id"],
        "project_id": task["project_id"],
        "author_id": c.me,
        "body": a["body"],
        "mentions": [str(m) for m in a.get("mentions") or []],
        "created_at": c.now,
        "edited_at": None,
        "visibility": visibility,
        "author_name": None,
    }
    c.put("comment", comment)
    put_watch(c, task, c.me)
    if desk and visibility == "public":
        _first_response(c, task)


def _is_desk(c: Ctx, project_id: str) -> bool:
    project = c.get("project", project_id)
    return project is not None and project["kind"] == "service_desk"


def _first_response(c: Ctx, task: Row) -> None:
    """The first public comment by a `member` or above meets the ticket's first-response target."""
    ticket = c.get("ticket", task["id"])
    member = c.get("member", member_id(task["project_id"], c.me))
    if ticket is None or ticket["first_response_at"] is not None or member is None or member["role"] == "viewer":
        return
    c.put("ticket", {**ticket, "first_response_at": c.now})


def _comment_update(c: Ctx, a: Row) -> None:
    c.update("comment", a["id"], {"body": a["body"], "edited_at": c.now})


def _comment_delete(c: Ctx, a: Row) -> None:
    c.delete("comment", str(a["id"]))


def _watch_put(c: Ctx, a: Row) -> None:
    task = c.get("task", a["task_id"])
    if task is not None:
        put_watch(c, task, c.me)


def _watch_remove(c: Ctx, a: Row) -> None:
    c.delete("watch", watch_id(a["task_id"], c.me))


class Comments(Family):
    APPLY: ClassVar[Mapping[str, Apply]] = {
        "comment.create": _comment_create,
        "comment.update": _comment_update,
        "comment.delete": _comment_delete,
        "watch.put": _watch_put,
        "watch.remove": _watch_remove,
    }

    def create_comment(
        self, task_id: str, body: str, *, mentions: list[str] | None = None, visibility: str | None = None
    ) -> str:
        """A comment; `visibility` (`public` or `internal`) defaults to internal in a service desk, public elsewhere."""
        comment_id = uuid7()
        args: dict[str, Any] = {"id": comment_id, "task_id": task_id, "body": body}
        if mentions:
            args["mentions"] = mentions
        if visibility is not None:
            args["visibility"] = visibility
        self.mutate("comment.create", args)
        return comment_id

    def update_comment(self, comment_id: str, body: str) -> None:
        self.mutate("comment.update", {"id": comment_id, "body": body})

    def delete_comment(self, comment_id: str) -> None:
        self.mutate("comment.delete", {"id": comment_id})

    def watch(self, task_id: str) -> None:
        self.mutate("watch.put", {"task_id": task_id})

    def unwatch(self, task_id: str) -> None:
        self.mutate("watch.remove", {"task_id": task_id})
