"""The demo's history, applied at the times it happened: every step goes through the server's own
mutation handlers (`apply_one`) or the portal's operations, with the clock set to the step's time,
so task rows, their `task_event`s, tickets' SLA times, comments, notifications and the pull feed are
exactly what that history would have written. One writer transaction holds it all (a few seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Database
from server.desk import portal
from server.feed import Tx
from server.mutations.context import Ctx
from server.sync_service import apply_one
from server.tables import projects, statuses, tasks, tickets
from sync.protocol import Mutation

# Steps that are not mutations: what a requester does through the portal (PROTOCOL-2.md, "Portal").
PORTAL_REPLY = "portal.reply"
PORTAL_RATE = "portal.rate"


class DemoSeedError(RuntimeError):
    """A demo step was not applied: the demo data would silently be wrong."""


@dataclass(frozen=True)
class Op:
    actor: str  # a user id ("" for a requester on the portal)
    name: str
    args: dict[str, Any]
    at: datetime  # when it happened (aware UTC)


def _portal(ctx: Ctx, ticket_id: str) -> portal.Portal:
    ticket, task = ctx.get(tickets, ticket_id), ctx.get(tasks, ticket_id)
    assert ticket is not None and task is not None, ticket_id
    status, project = ctx.get(statuses, task["status_id"]), ctx.get(projects, task["project_id"])
    assert status is not None and project is not None
    return portal.Portal(ticket, task, status, project)


def _portal_step(ctx: Ctx, op: Op) -> None:
    opened = _portal(ctx, op.args["ticket_id"])
    if op.name == PORTAL_REPLY:
        portal.reply(ctx, opened, op.args["body"])
    else:
        portal.rate(ctx, opened, op.args["score"], op.args.get("comment"))


def run(db: Database, ops: list[Op]) -> None:
    """Applies `ops` in time order (ties keep their order) in one transaction; any refusal aborts it."""
    ordered = sorted(enumerate(ops), key=lambda pair: (pair[1].at, pair[0]))
    with db.write() as conn:
        tx = Tx(conn)
        ctx: Ctx | None = None
        for n, (_, op) in enumerate(ordered, 1):
            if ctx is None:
                ctx = Ctx(tx, op.actor, op.at)
            if ctx.actor != op.actor:
                ctx.actor = op.actor
                ctx.forget_roles()
            ctx.now = op.at
            if op.name in (PORTAL_REPLY, PORTAL_RATE):
                _portal_step(ctx, op)
                continue
            result = apply_one(ctx, Mutation(mutation_id=n, name=op.name, args=op.args))
            if result["status"] != "applied":
                raise DemoSeedError(f"demo {op.name} by {op.actor} at {op.at} was refused: {result.get('error')}")
        tx.finish()
