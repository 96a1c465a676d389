"""The task history (PROTOCOL-2.md `task_event`): one event per changed task field, in the change's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson

from server.feed import iso
from server.mutations.context import Ctx, Row
from server.tables import task_events, tasks
from sync import protocol as p


def as_json(value: Any) -> str | None:
    """An event's old or new value as JSON of its wire form (times in RFC 3339), or SQL null."""
    if value is None:
        return None
    return orjson.dumps(iso(value) if isinstance(value, datetime) else value).decode()


def record(ctx: Ctx, task: Row, field: str, old: Any = None, new: Any = None) -> None:
    """One `task_event`, in the transaction of the change it records; the actor is the mutation's
    (none for the server's scheduler)."""
    event = {"id": str(uuid.uuid4()), "project_id": task["project_id"], "task_id": task["id"]}
    event |= {"actor_id": ctx.actor or None, "at": ctx.now, "field": field, "old": as_json(old), "new": as_json(new)}
    ctx.insert("task_event", task_events, event)


def change_task(ctx: Ctx, task: Row, changes: Row) -> Row:
    """Applies `changes` (task fields that differ from `task`'s) as a new version of the task row, with
    one event per changed field of `TASK_EVENT_FIELDS`; returns the new row."""
    updated = ctx.update("task", tasks, task, {**changes, "updated_at": ctx.now})
    for field in p.TASK_EVENT_FIELDS:
        if field in changes:
            record(ctx, task, field, task[field], changes[field])
    return updated
