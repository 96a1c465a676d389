"""The server's side of a ticket's SLA (PROTOCOL-2.md, "Due times"): which policy, the pauses, the due
times and what a task's change does to its ticket. `sync.sla` does the arithmetic.

A ticket is paused while its status `pauses_sla` or is in the `done` category. The pauses so far are kept
on the ticket (JSON [start, end or null]); its due times are computed when it is created, when its
priority changes and when it leaves a pause, with the policy of its current priority.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
import sqlalchemy as sa

from server.feed import iso, to_utc
from server.mutations.context import Ctx, Row
from server.mutations.notify import notify
from server.tables import members, sla_policies, statuses, tasks, tickets
from sync import sla, sla_clock
from sync.protocol import sla_policy_id

POLICY_FIELDS = (
    "first_response_minutes", "resolution_minutes", "calendar", "business_start", "business_end", "time_zone",
    "holidays", "auto_close_days",
)  # fmt: skip


def policy_of(row: Row) -> sla.Policy:
    return sla.Policy(**{field: row[field] for field in POLICY_FIELDS})


def policy_for(ctx: Ctx, project_id: str, priority: str) -> sla.Policy:
    """The desk's policy for a priority; a desk made before policies existed has the defaults."""
    row = ctx.get(sla_policies, sla_policy_id(project_id, priority))
    if row is None or row["deleted"]:
        return sla.DEFAULT_POLICIES[priority]  # type: ignore[index]
    return policy_of(row)


def pauses_of(ticket: Row) -> list[sla.Pause]:
    out: list[sla.Pause] = []
    for begin, end in orjson.loads(ticket["pauses"] or "[]"):
        out.append((_parse(begin), None if end is None else _parse(end)))
    return out


def _parse(text: str) -> datetime:
    value = to_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    assert value is not None
    return value


def dump_pauses(pauses: list[sla.Pause]) -> str:
    return orjson.dumps([[iso(begin), iso(end)] for begin, end in pauses]).decode()


def due_values(policy: sla.Policy, created_at: datetime, pauses: list[sla.Pause], now: datetime) -> Row:
    """Both due times and the instants each target reaches 75% of its time (for `sla_warning`): the app's
    clock (`sync.sla_clock`) reads its states off the same instants."""
    values: Row = {}
    for which in sla_clock.TARGETS:
        values[f"{which}_due_at"], values[f"{which}_warn_at"] = sla_clock.due_and_warn(
            policy, which, created_at, pauses, now
        )
    return values


def ticket_of(ctx: Ctx, task_id: str) -> Row | None:
    ticket = ctx.get(tickets, task_id)
    return None if ticket is None or ticket["deleted"] else ticket


def paused(status: Row | None) -> bool:
    return status is not None and (bool(status["pauses_sla"]) or status["category"] == "done")


def recompute(ctx: Ctx, ticket: Row, task: Row, extra: Row | None = None) -> Row:
    """Writes the ticket's due times for the task's current priority (and `extra` values)."""
    values = due_values(policy_for(ctx, task["project_id"], task["priority"]), task["created_at"],
                        pauses_of({**ticket, **(extra or {})}), ctx.now)  # fmt: skip
    return ctx.update("ticket", tickets, ticket, {**values, **(extra or {})})


def admins(ctx: Ctx, project_id: str) -> list[str]:
    return list(
        ctx.conn.execute(
            sa.select(members.c.user_id)
            .where(
                members.c.project_id == project_id, members.c.deleted.is_(False), members.c.role.in_(("owner", "admin"))
            )
            .order_by(members.c.user_id)
        ).scalars()
    )


def assignee_or_admins(ctx: Ctx, task: Row) -> list[str]:
    return [task["assignee_id"]] if task["assignee_id"] else admins(ctx, task["project_id"])


def after_task_change(ctx: Ctx, before: Row, after: Row, changes: Row) -> None:
    """What a task's change does to its ticket (pauses, due times, resolution), and to the tickets
    escalated into it (`ticket_linked_done` when it first enters `done`)."""
    old_status = new_status = None
    if "status_id" in changes:
        old_status, new_status = ctx.get(statuses, before["status_id"]), ctx.get(statuses, after["status_id"])
        if new_status is not None and new_status["category"] == "done" and _category(old_status) != "done":
            _linked_done(ctx, after)
    ticket = ticket_of(ctx, after["id"])
    if ticket is None:
        return
    extra: Row = {}
    if "status_id" in changes:
        extra = status_moved(ctx, ticket, old_status, new_status)
        if extra.get("resolved_at") is not None:
            days = policy_for(ctx, after["project_id"], after["priority"]).auto_close_days
            extra["auto_close_at"] = ctx.now + timedelta(days=days)
    leaving_pause = "pauses" in extra and paused(old_status) and not paused(new_status)
    if "priority" in changes or leaving_pause:
        recompute(ctx, ticket, after, extra)
    elif extra:
        ctx.update("ticket", tickets, ticket, extra)


def _category(status: Row | None) -> str | None:
    return None if status is None else str(status["category"])


def status_moved(ctx: Ctx, ticket: Row, old: Row | None, new: Row | None) -> Row:
    """The ticket's values after its task moved from status `old` to `new` (not yet written)."""
    values: Row = {}
    pauses = pauses_of(ticket)
    if not paused(old) and paused(new):
        pauses.append((ctx.now, None))
        values["pauses"] = dump_pauses(pauses)
    elif paused(old) and not paused(new) and pauses and pauses[-1][1] is None:
        pauses[-1] = (pauses[-1][0], ctx.now)
        values["pauses"] = dump_pauses(pauses)
    if _category(new) == "done" and _category(old) != "done":
        values |= {"resolved_at": ctx.now, "closed_at": None}
    elif _category(old) == "done" and _category(new) != "done":
        values |= {"resolved_at": None, "closed_at": None, "auto_close_at": None}
    return values


def _linked_done(ctx: Ctx, task: Row) -> None:
    found = ctx.conn.execute(
        sa.select(tickets).where(
            tickets.c.escalated_task_id == task["id"], tickets.c.deleted.is_(False), tickets.c.linked_done_at.is_(None)
        )
    ).mappings()
    for row in list(found):
        ticket = dict(row)
        ticket_task = ctx.get(tasks, ticket["id"])
        ctx.raw.update(tickets, ticket["id"], {"linked_done_at": ctx.now})  # the server's own bookkeeping
        if ticket_task is not None and not ticket_task["deleted"]:
            notify(ctx, "ticket_linked_done", ticket_task, assignee_or_admins(ctx, ticket_task))
