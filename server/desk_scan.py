"""The desk's part of the scheduler (PROTOCOL-2.md, "Service desk"): `sla_warning` at 75% of a target's
time and `sla_breached` once it has passed, each once per ticket and target; and the closing of resolved
tickets `auto_close_days` after their resolution.

A paused ticket (its status `pauses_sla` or is in `done`) is skipped: its stored due times are computed
again when it leaves the pause. "Once" is kept in `reminders_sent`, keyed by the ticket's creation time,
so a new due time after a pause or a priority change does not warn again.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.mutations.context import Ctx, Row
from server.mutations.desk_sla import admins, assignee_or_admins
from server.mutations.notify import notify
from server.notification_prefs import load_prefs
from server.tables import reminders_sent as sent
from server.tables import statuses, tasks, tickets

BATCH = 1000
# (target, the column that meets it, its short name in reminders_sent's kind)
_TARGETS = (("first_response", "first_response_at", "fr"), ("resolution", "resolved_at", "res"))


def run_desk_scan(ctx: Ctx) -> int:
    """Creates the desk's due notifications and closes what is due; returns how many notifications."""
    created = 0
    for target, met, short in _TARGETS:
        created += _scan(ctx, target, met, f"sla_breached.{short}", "due_at")
        created += _scan(ctx, target, met, f"sla_warning.{short}", "warn_at")
    _auto_close(ctx)
    return created


def _open_tickets(ctx: Ctx, *where: Any) -> sa.Select[Any]:
    return (
        sa.select(tickets.c.id, tasks.c.project_id, tasks.c.title, tasks.c.assignee_id, tasks.c.created_at)
        .join(tasks, tasks.c.id == tickets.c.id)
        .join(statuses, statuses.c.id == tasks.c.status_id)
        .where(tickets.c.deleted.is_(False), tasks.c.deleted.is_(False), *where)
        .where(statuses.c.pauses_sla.is_(False), statuses.c.category != "done")
    )


def _scan(ctx: Ctx, target: str, met: str, kind_key: str, column: str) -> int:
    """Tickets whose `column` (the due or the 75% instant) of `target` has come, unmet and not yet told."""
    at = tickets.c[f"{target}_{column}"]
    already = sa.select(sent.c.task_id).where(sent.c.task_id == tickets.c.id, sent.c.kind == kind_key)
    breach = kind_key.startswith("sla_breached")
    come = at < ctx.now if breach else at <= ctx.now  # met exactly at the due instant is on time
    query = _open_tickets(ctx, tickets.c[met].is_(None), at.is_not(None), come, ~sa.exists(already))
    page = [dict(r) for r in ctx.conn.execute(query.order_by(at, tickets.c.id).limit(BATCH)).mappings()]
    recipients = {t["id"]: _recipients(ctx, t, breach) for t in page}
    prefs = load_prefs(ctx.raw, {u for users in recipients.values() for u in users})
    created = 0
    for ticket in page:
        _mark(ctx, ticket, kind_key)
        if breach:  # a warning not sent yet is moot now (breaches are scanned first)
            _mark(ctx, ticket, kind_key.replace("sla_breached", "sla_warning"))
        kind = "sla_breached" if breach else "sla_warning"
        created += len(notify(ctx, kind, ticket, recipients[ticket["id"]], prefs))
    return created


def _recipients(ctx: Ctx, ticket: Row, breach: bool) -> list[str]:
    if breach:
        return [*([ticket["assignee_id"]] if ticket["assignee_id"] else []), *admins(ctx, ticket["project_id"])]
    return assignee_or_admins(ctx, ticket)


def _marked(ctx: Ctx, ticket: Row, kind_key: str) -> bool:
    found = ctx.conn.execute(sa.select(sent.c.task_id).where(sent.c.task_id == ticket["id"], sent.c.kind == kind_key))
    return found.first() is not None


def _mark(ctx: Ctx, ticket: Row, kind_key: str) -> None:
    if not _marked(ctx, ticket, kind_key):
        ctx.conn.execute(sent.insert().values(task_id=ticket["id"], kind=kind_key, due_at=ticket["created_at"]))


def _auto_close(ctx: Ctx) -> None:
    """Resolved tickets left `auto_close_days` without a reopen close, at that instant. Closing changes no status."""
    query = (
        sa.select(tickets)
        .where(tickets.c.deleted.is_(False), tickets.c.closed_at.is_(None), tickets.c.resolved_at.is_not(None))
        .where(tickets.c.auto_close_at.is_not(None), tickets.c.auto_close_at <= ctx.now)
        .order_by(tickets.c.auto_close_at)
        .limit(BATCH)
    )
    for row in list(ctx.conn.execute(query).mappings()):
        ctx.update("ticket", tickets, dict(row), {"closed_at": row["auto_close_at"]})
