"""The scheduler of `due_soon` and `overdue` notifications: once per task, kind and due date."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool

from server.db import Database
from server.feed import Tx, utcnow
from server.models import Member, ReminderSent, Status, Task
from server.mutations.context import Ctx
from server.mutations.notify import notify
from server.push import PushGateway, created_notices, hand_over

if TYPE_CHECKING:
    from server.deps import Services

log = logging.getLogger("keel.reminders")
tasks = Task.__table__  # type: ignore[attr-defined]
statuses = Status.__table__  # type: ignore[attr-defined]
members = Member.__table__  # type: ignore[attr-defined]
sent = ReminderSent.__table__  # type: ignore[attr-defined]


def run_reminders(
    db: Database, now: datetime, lead: timedelta, gateway: PushGateway | None = None
) -> tuple[int, set[str], int]:
    """Creates the reminders due at `now`; returns how many, whom to poke and the new cursor.

    Once they are committed, the new notifications go to `gateway` (push to closed apps).
    """
    with db.write() as conn:
        tx = Tx(conn)
        start_seq = tx.seq
        ctx = Ctx(tx, actor="", now=now)
        created = 0
        for kind, lower, upper in (("overdue", None, now), ("due_soon", now, now + lead)):
            already = sa.select(sent.c.task_id).where(
                sent.c.task_id == tasks.c.id, sent.c.kind == kind, sent.c.due_at == tasks.c.due_at
            )
            query = (
                sa.select(tasks)
                .join(statuses, statuses.c.id == tasks.c.status_id)
                .where(
                    tasks.c.deleted.is_(False),
                    tasks.c.due_at.is_not(None),
                    tasks.c.due_at <= upper,
                    statuses.c.category != "done",
                    ~sa.exists(already),
                )
                .limit(1000)
            )
            if lower is not None:
                query = query.where(tasks.c.due_at > lower)
            for task in [dict(r) for r in conn.execute(query).mappings()]:
                conn.execute(sent.insert().values(task_id=task["id"], kind=kind, due_at=task["due_at"]))
                # The assignee is reminded; an unassigned task reminds its reporter.
                created += len(notify(ctx, kind, task, [task["assignee_id"] or task["reporter_id"]]))
        notices = created_notices(tx, start_seq) if gateway is not None and created else []
        audience = tx.finish()
        cursor = tx.seq
        if tx.changed and not db.sqlite:
            db.notify_in_tx(conn, audience, cursor)
    hand_over(gateway, notices)
    return created, audience, cursor


async def reminder_loop(services: Services) -> None:
    lead = timedelta(seconds=services.settings.due_soon_lead_s)
    while True:
        try:
            created, audience, cursor = await run_in_threadpool(
                run_reminders, services.db, utcnow(), lead, services.push.gateway
            )
            if created and services.db.sqlite:
                services.broker.publish(audience, cursor)
        except Exception:
            log.exception("the reminder scheduler failed; it will try again")
        await asyncio.sleep(services.settings.reminder_interval_s)
