"""A person's own rows: reading notifications and watching tasks."""

from __future__ import annotations

import sqlalchemy as sa

from server.errors import MutationRejected
from server.mutations.context import Ctx
from server.mutations.notify import put_watch, remove_watch
from server.tables import notifications
from sync import protocol as p


def notification_read(ctx: Ctx, a: p.NotificationRead) -> None:
    if a.all:
        rows = ctx.conn.execute(
            sa.select(notifications).where(
                notifications.c.user_id == ctx.actor,
                notifications.c.read_at.is_(None),
                notifications.c.deleted.is_(False),
            )
        ).mappings()
        for unread in list(rows):
            ctx.update("notification", notifications, dict(unread), {"read_at": ctx.now})
        return
    if a.id is None:
        raise MutationRejected("validation_error", "Give a notification id or all: true.", [{"loc": ["id"]}])
    row = ctx.get(notifications, str(a.id))
    if row is None or row["user_id"] != ctx.actor or row["deleted"]:
        raise MutationRejected("not_found", "The notification does not exist.")
    if row["read_at"] is None:
        ctx.update("notification", notifications, row, {"read_at": ctx.now})


def watch_put(ctx: Ctx, a: p.WatchArgs) -> None:
    put_watch(ctx, ctx.task_for(str(a.task_id), "viewer"), ctx.actor)


def watch_remove(ctx: Ctx, a: p.WatchArgs) -> None:
    remove_watch(ctx, ctx.task_for(str(a.task_id), "viewer"), ctx.actor)
