"""Quiet hours defer a push, they do not drop it: held in `push_deferred`, sent once when they end.

The dispatcher writes a row when a notification made in its user's quiet hours would have been
pushed (the user has devices); the scheduler's tick (`release_deferred`, next to the reminders)
takes the rows whose time has come and hands each notification over again, if it is still
unread and live then. A row is deleted as it is taken (`DELETE … RETURNING`), so with several
server processes each deferred push is handed over by exactly one, and it is never sent twice.
The table survives restarts; a push in flight when a process dies is lost, as any push is.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from server.db import Database
from server.feed import iso
from server.notification_prefs import NotificationPrefs, zone_or
from server.push._gateway import Notice, PushGateway
from server.push._hook import hand_over
from server.tables import notifications
from server.tables import push_deferred as deferred

log = logging.getLogger("keel.push")

# Deferred pushes handed over per tick; the rest wait for the next tick.
BATCH = 1000


def quiet_end_after(end: str, zone: ZoneInfo, at: datetime) -> datetime:
    """The first time after `at` that the wall clock of `zone` reads `end`: when quiet hours that
    hold `at` are over (the window is [start, end), so `end` itself is no longer quiet)."""
    local = at.astimezone(zone)
    ends = time.fromisoformat(end)
    candidate = datetime.combine(local.date(), ends, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), ends, tzinfo=zone)
    return candidate.astimezone(UTC)


def quiet_until(prefs: NotificationPrefs, at: datetime, default_zone: str) -> datetime | None:
    """When the quiet hours holding `at` end, or None if `at` is not in quiet hours."""
    if prefs.quiet_end is None or not prefs.quiet_at(at, default_zone):
        return None
    return quiet_end_after(prefs.quiet_end, zone_or(prefs.time_zone, default_zone), at)


def defer(db: Database, notice: Notice, until: datetime) -> None:
    """Keeps the push for `until`; a notification already deferred keeps its first time."""
    with db.write() as conn:
        found = conn.execute(sa.select(deferred.c.notification_id).where(deferred.c.notification_id == notice.id))
        if found.first() is None:
            conn.execute(deferred.insert().values(notification_id=notice.id, user_id=notice.user_id, due_at=until))


def release_deferred(db: Database, now: datetime, gateway: PushGateway | None) -> int:
    """Hands over the deferred pushes due at `now` whose notification is still unread; returns how many."""
    if gateway is None:
        return 0
    with db.write() as conn:
        due = sa.select(deferred.c.notification_id).where(deferred.c.due_at <= now).limit(BATCH)
        ids = list(conn.execute(due).scalars())
        if not ids:
            return 0
        taken = list(
            conn.execute(
                deferred.delete().where(deferred.c.notification_id.in_(ids)).returning(deferred.c.notification_id)
            ).scalars()
        )
        rows = conn.execute(
            sa.select(notifications).where(
                notifications.c.id.in_(taken), notifications.c.read_at.is_(None), notifications.c.deleted.is_(False)
            )
        ).mappings()
        notices = [
            Notice(
                id=r["id"],
                user_id=r["user_id"],
                kind=r["kind"],
                title=r["title"],
                task_id=r["task_id"],
                project_id=r["project_id"],
                actor_id=r["actor_id"],
                created_at=iso(r["created_at"]),
                pushed_at=iso(now),
            )
            for r in rows
        ]
    if len(notices) < len(taken):
        log.debug("%d deferred pushes were read meanwhile; not sent", len(taken) - len(notices))
    hand_over(gateway, notices)
    return len(notices)
