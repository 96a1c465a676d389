"""Notifications and watches, created in the same transaction as their cause."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from server.mutations.context import Ctx, Row
from server.notification_prefs import NotificationPrefs, load_prefs
from server.tables import notifications, watches
from sync.protocol import watch_id


def put_watch(ctx: Ctx, task: Row, user_id: str) -> None:
    """Makes `user_id` watch `task`; a no-op when they already do."""
    wid = watch_id(task["id"], user_id)
    old = ctx.get(watches, wid)
    if old is not None and not old["deleted"]:
        return
    row = {"id": wid, "task_id": task["id"], "user_id": user_id, "project_id": task["project_id"], "deleted": False}
    if old is None:
        ctx.insert("watch", watches, row)
    else:
        ctx.update("watch", watches, old, {"deleted": False})


def remove_watch(ctx: Ctx, task: Row, user_id: str) -> None:
    old = ctx.get(watches, watch_id(task["id"], user_id))
    if old is not None and not old["deleted"]:
        ctx.update("watch", watches, old, {"deleted": True})


def watchers(ctx: Ctx, task_id: str) -> list[str]:
    return list(
        ctx.conn.execute(
            sa.select(watches.c.user_id).where(watches.c.task_id == task_id, watches.c.deleted.is_(False))
        ).scalars()
    )


def notify(
    ctx: Ctx,
    kind: str,
    task: Row,
    recipients: Iterable[str | None],
    prefs: Mapping[str, NotificationPrefs] | None = None,
) -> set[str]:
    """Creates one notification of `kind` per recipient who may still see the task, never for the actor,
    and none for a recipient whose preferences turn this kind off or mute the task's project.

    Returns who was notified. `prefs` are the recipients' preferences when the caller has them
    already (the reminder scan loads a page's at once); else they are loaded here, in one query.
    """
    candidates = [u for u in dict.fromkeys(recipients) if u is not None and u != ctx.actor]
    if prefs is None:
        prefs = load_prefs(ctx.raw, candidates)
    sent: set[str] = set()
    for user_id in candidates:
        if not ctx.is_member(task["project_id"], user_id):
            continue
        pref = prefs.get(user_id)
        if pref is not None and not pref.allows(kind, task["project_id"]):
            continue
        sent.add(user_id)
        ctx.insert(
            "notification",
            notifications,
            {
                "id": str(uuid.uuid4()),
                "user_id": user_id,
                "kind": kind,
                "task_id": task["id"],
                "project_id": task["project_id"],
                "actor_id": ctx.actor or None,  # the scheduler acts as no one
                "title": task["title"],
                "created_at": ctx.now,
                "read_at": None,
                "deleted": False,
            },
        )
    return sent
