"""Store actions with the protocol's names and the client's defaults: one call, one mutation.

Each method generates the ids the protocol wants from the device (UUIDv7), calls `Store.mutate`
(the optimistic change plus the outbox row in one transaction) and returns the new row's id.
Fields left out are left to the server (e.g. a task's status and position), while the optimistic
row shows the same defaults the server will choose.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sync.ids import uuid7
from sync.store._optimistic import position_after_last, position_before

_UNSET: Any = object()


def _given(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not _UNSET}


def _time(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


class Actions:
    """Mixed into `Store`, which provides `mutate` and `conn`."""

    conn: sqlite3.Connection

    def mutate(self, name: str, args: dict[str, Any]) -> int:
        raise NotImplementedError

    # projects, members, statuses

    def create_project(self, name: str, key: str, *, kind: str = "general", description: str = "") -> str:
        project_id = uuid7()
        self.mutate(
            "project.create", {"id": project_id, "name": name, "key": key, "kind": kind, "description": description}
        )
        return project_id

    def update_project(
        self, project_id: str, *, name: Any = _UNSET, description: Any = _UNSET, archived: Any = _UNSET
    ) -> None:
        self.mutate(
            "project.update", {"id": project_id, **_given(name=name, description=description, archived=archived)}
        )

    def put_member(self, project_id: str, user_id: str, role: str) -> None:
        self.mutate("member.put", {"project_id": project_id, "user_id": user_id, "role": role})

    def remove_member(self, project_id: str, user_id: str) -> None:
        self.mutate("member.remove", {"project_id": project_id, "user_id": user_id})

    def create_status(self, project_id: str, name: str, category: str, *, position: str | None = None) -> str:
        status_id = uuid7()
        args = {"id": status_id, "project_id": project_id, "name": name, "category": category}
        self.mutate("status.create", args if position is None else {**args, "position": position})
        return status_id

    def update_status(
        self, status_id: str, *, name: Any = _UNSET, category: Any = _UNSET, position: Any = _UNSET
    ) -> None:
        self.mutate("status.update", {"id": status_id, **_given(name=name, category=category, position=position)})

    def delete_status(self, status_id: str) -> None:
        self.mutate("status.delete", {"id": status_id})

    # tasks

    def create_task(self, project_id: str, title: str, **fields: Any) -> str:
        """Creates a task; `fields` are any client-settable task fields (status_id, assignee_id,
        priority, type, labels, parent_id, position, start_at, due_at, estimate, description)."""
        task_id = uuid7()
        values = {k: _time(v) if k in ("start_at", "due_at") else v for k, v in fields.items()}
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
            args["set"] = {k: _time(v) if k in ("start_at", "due_at") else v for k, v in fields.items()}
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

    # comments, notifications, watches

    def create_comment(self, task_id: str, body: str, *, mentions: list[str] | None = None) -> str:
        comment_id = uuid7()
        args: dict[str, Any] = {"id": comment_id, "task_id": task_id, "body": body}
        if mentions:
            args["mentions"] = mentions
        self.mutate("comment.create", args)
        return comment_id

    def update_comment(self, comment_id: str, body: str) -> None:
        self.mutate("comment.update", {"id": comment_id, "body": body})

    def delete_comment(self, comment_id: str) -> None:
        self.mutate("comment.delete", {"id": comment_id})

    def read_notification(self, notification_id: str) -> None:
        self.mutate("notification.read", {"id": notification_id})

    def read_all_notifications(self) -> None:
        self.mutate("notification.read", {"all": True})

    def watch(self, task_id: str) -> None:
        self.mutate("watch.put", {"task_id": task_id})

    def unwatch(self, task_id: str) -> None:
        self.mutate("watch.remove", {"task_id": task_id})

    # notification preferences (Keel's extension)

    def update_notification_prefs(
        self, set: Mapping[str, Any] | None = None, *, mute_add: Iterable[str] = (), mute_remove: Iterable[str] = ()
    ) -> None:
        """Changes my notification preferences: the fields in `set` (kinds, quiet_start and quiet_end
        together, time_zone, due_soon_leads, digest_at; `kinds` merges kind by kind), and mutes or
        unmutes projects by id. Raises InvalidMutation for args the server would refuse."""
        args: dict[str, Any] = {}
        if set:
            args["set"] = dict(set)
        for name, ids in (("mute_add", list(mute_add)), ("mute_remove", list(mute_remove))):
            if ids:
                args[name] = ids
        self.mutate("notification_pref.update", args)
