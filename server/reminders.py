"""The scheduler of `due_soon` and `overdue` notifications: once per task, kind and due date,
with each recipient's preferences (their lead time, kinds turned off, projects muted), and of the
service desk's SLA notifications and auto-closing (server/desk_scan.py). Its loop also runs the
`at_risk` scan (server/risks.py) every `risk_interval_s`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool

from server.db import Database
from server.desk_scan import run_desk_scan
from server.feed import utcnow
from server.models import UtcDateTime
from server.mutations.context import Ctx, Row
from server.mutations.notify import notify
from server.notification_prefs import NotificationPrefs, load_prefs, longest_lead, prefs_table
from server.push import PushGateway, release_deferred
from server.risks import run_risk_scan
from server.scheduled import run_scheduled
from server.tables import reminders_sent as sent
from server.tables import statuses, tasks

if TYPE_CHECKING:
    from server.deps import Services

log = logging.getLogger("keel.reminders")

T = TypeVar("T")

# What a reminder needs of a task.
_REMINDED = (tasks.c.id, tasks.c.project_id, tasks.c.title, tasks.c.due_at, tasks.c.assignee_id, tasks.c.reporter_id)


# Reminders made per kind and run; the rest wait for the next run, a minute later.
BATCH = 1000


def run_reminders(
    db: Database, now: datetime, lead: timedelta, gateway: PushGateway | None = None
) -> tuple[int, set[str], int]:
    """Creates the reminders due at `now`; returns how many, whom to poke and the new cursor.

    `lead` is how long before its due time a task is `due_soon` for a recipient without
    preferences of their own. Once they are committed, the new notifications go to `gateway`.
    """
    return run_scheduled(db, now, lambda ctx: _overdue(ctx) + _due_soon(ctx, lead) + run_desk_scan(ctx), gateway)


def _recipient(task: Row) -> str:
    """The assignee is reminded; an unassigned task reminds its reporter."""
    return str(task["assignee_id"] or task["reporter_id"])


def _candidates(
    ctx: Ctx, kind: str, lower: datetime | None, upper: datetime, lead: sa.ColumnElement[Any] | None = None
) -> list[Row]:
    """Open tasks due in (lower, upper] not yet reminded of `kind` for their due date, soonest first.

    With `lead` (a SQL expression over the task and its recipient's preferences), only those due
    within `lead` seconds of now as well.
    """
    already = sa.select(sent.c.task_id).where(
        sent.c.task_id == tasks.c.id, sent.c.kind == kind, sent.c.due_at == tasks.c.due_at
    )
    query = (
        sa.select(*_REMINDED)
        .join(statuses, statuses.c.id == tasks.c.status_id)
        .where(
            tasks.c.deleted.is_(False),
            tasks.c.due_at.is_not(None),
            tasks.c.due_at <= upper,
            statuses.c.category != "done",
            ~sa.exists(already),
        )
        .order_by(tasks.c.due_at, tasks.c.id)
        .limit(BATCH)
    )
    if lower is not None:
        query = query.where(tasks.c.due_at > lower)
    if lead is not None:
        recipient = sa.func.coalesce(tasks.c.assignee_id, tasks.c.reporter_id)
        query = query.outerjoin(prefs_table, prefs_table.c.user_id == recipient)
        query = query.where(tasks.c.due_at <= _now_plus(ctx, lead))
    return [dict(r) for r in ctx.conn.execute(query).mappings()]


def _now_plus(ctx: Ctx, seconds: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """`now` plus a whole number of seconds computed per row, comparable with a stored due time.

    Exact to the microsecond on both backends: SQLite keeps times as 'YYYY-MM-DD HH:MM:SS.ffffff'
    text, and adding whole seconds leaves the fraction of `now` as it is.
    """
    if ctx.raw.sqlite:
        whole = ctx.now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        modifier = sa.literal("+").concat(sa.cast(seconds, sa.String)).concat(" seconds")
        return sa.func.strftime("%Y-%m-%d %H:%M:%S", whole, modifier).concat(f".{ctx.now.microsecond:06d}")
    return sa.literal(ctx.now, UtcDateTime) + sa.func.make_interval(0, 0, 0, 0, 0, 0, seconds, type_=sa.Interval)


def _remind(ctx: Ctx, kind: str, task: Row, prefs: Mapping[str, NotificationPrefs]) -> int:
    """Marks the task's `kind` reminder done for this due date, then notifies unless preferences say no.

    The mark is made either way, so a reminder someone turned off is not looked at again every run
    (turning the kind back on, or unmuting, does not bring back reminders that were due meanwhile).
    """
    ctx.conn.execute(sent.insert().values(task_id=task["id"], kind=kind, due_at=task["due_at"]))
    return len(notify(ctx, kind, task, [_recipient(task)], prefs))


def _overdue(ctx: Ctx) -> int:
    page = _candidates(ctx, "overdue", None, ctx.now)
    prefs = load_prefs(ctx.raw, map(_recipient, page))
    return sum(_remind(ctx, "overdue", task, prefs) for task in page)


def _due_soon(ctx: Ctx, default_lead: timedelta) -> int:
    """Tasks within their recipient's lead: each person's longest, or `default_lead` without preferences.

    The database picks them: the scan reaches as far ahead as the longest lead anyone chose, and a
    task not yet due soon for its own recipient is left out (unmarked, until it is), so it never
    takes a place in the batch.
    """
    longest = longest_lead(ctx.raw)
    horizon = max(default_lead, longest) if longest is not None else default_lead
    lead_s = sa.func.coalesce(prefs_table.c.longest_lead_min * 60, int(default_lead.total_seconds()))
    page = _candidates(ctx, "due_soon", ctx.now, ctx.now + horizon, lead_s)
    prefs = load_prefs(ctx.raw, map(_recipient, page))
    return sum(_remind(ctx, "due_soon", task, prefs) for task in page)


async def _in_thread(func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` in a worker thread. Cancelled (the server stops), it still waits for the thread,
    so the job's transaction ends before the database is disposed, then lets the cancellation go on."""
    job = asyncio.ensure_future(run_in_threadpool(func, *args))
    try:
        return await asyncio.shield(job)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await job
        raise


async def reminder_loop(services: Services) -> None:
    settings = services.settings
    lead = timedelta(seconds=settings.due_soon_lead_s)
    next_risk_scan = time.monotonic()
    while True:
        try:
            created, audience, cursor = await _in_thread(
                run_reminders, services.db, utcnow(), lead, services.push.gateway
            )
            if created and services.db.sqlite:
                services.broker.publish(audience, cursor)
            if time.monotonic() >= next_risk_scan:  # milestones and iterations at risk (server/risks.py)
                next_risk_scan = time.monotonic() + settings.risk_interval_s
                created, audience, cursor = await _in_thread(
                    run_risk_scan, services.db, utcnow(), settings.default_time_zone, services.push.gateway
                )
                if created and services.db.sqlite:
                    services.broker.publish(audience, cursor)
            # Pushes held back by quiet hours that have ended (docs/push.md, *Quiet hours*).
            await _in_thread(release_deferred, services.db, utcnow(), services.push.gateway)
        except Exception:
            log.exception("the reminder scheduler failed; it will try again")
        await asyncio.sleep(services.settings.reminder_interval_s)
