"""The portal's operations (PROTOCOL-2.md, "Portal"): a ticket reached through its token, its public
replies (and a merged ticket's canonical answers), the requester's reply, confirm or reopen, and rating.
Each runs inside `requester.write` or `requester.read`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from server.desk import keys
from server.desk.requester import DeskKit
from server.errors import ApiError
from server.feed import iso
from server.mutations.context import Ctx, Row
from server.mutations.desk_sla import admins, assignee_or_admins
from server.mutations.notify import notify, watchers
from server.mutations.tasks import move_task
from server.tables import comments, projects, statuses, tasks, tickets, users


@dataclass
class Portal:
    """A ticket reached through its token, with its task, status and desk."""

    ticket: Row
    task: Row
    status: Row
    project: Row


def _not_found() -> ApiError:
    return ApiError(404, "not_found", "There is no such ticket.")


def open_portal(ctx: Ctx, kit: DeskKit, token: str) -> Portal:
    ticket_id = keys.ticket_of_token(kit.key, token)
    ticket = ctx.get(tickets, ticket_id) if ticket_id else None
    task = ctx.get(tasks, ticket_id) if ticket_id else None
    if ticket is None or task is None or ticket["deleted"] or task["deleted"]:
        raise _not_found()
    status, project = ctx.get(statuses, task["status_id"]), ctx.get(projects, task["project_id"])
    if status is None or project is None or project["deleted"]:
        raise _not_found()
    return Portal(ticket, task, status, project)


def ticket_view(portal: Portal) -> Row:
    t, task = portal.ticket, portal.task
    return {
        "key": f"{portal.project['key']}-{task['number']}",
        "title": task["title"],
        "status": portal.status["name"],
        "status_category": portal.status["category"],
        "created_at": iso(task["created_at"]),
        "resolved_at": iso(t["resolved_at"]),
        "closed_at": iso(t["closed_at"]),
        "satisfaction": t["satisfaction"],
    }


def _reply(row: Any) -> Row:
    mine = row["author_id"] is None
    name = row["author_name"] if mine else row["display_name"]
    return {
        "author_name": name or "",
        "body": row["body"],
        "created_at": iso(row["created_at"]),
        "from_requester": mine,
    }


def _public_comments(ctx: Ctx, ticket_id: str, members_only: bool) -> list[Row]:
    query = (
        sa.select(comments, users.c.display_name)
        .outerjoin(users, users.c.id == comments.c.author_id)
        .where(comments.c.task_id == ticket_id, comments.c.deleted.is_(False), comments.c.visibility == "public")
    )
    if members_only:
        query = query.where(comments.c.author_id.is_not(None))
    return [dict(r) for r in ctx.conn.execute(query).mappings()]


def _canonical(ctx: Ctx, ticket: Row) -> str | None:
    """The end of the ticket's `merged_into_id` chain, or None when it was not merged."""
    seen = {ticket["id"]}
    current = ticket
    while current["merged_into_id"] and current["merged_into_id"] not in seen:
        seen.add(current["merged_into_id"])
        found = ctx.get(tickets, current["merged_into_id"])
        if found is None:
            break
        current = found
    return None if current["id"] == ticket["id"] else current["id"]


def replies(ctx: Ctx, portal: Portal) -> list[Row]:
    """The public comments, oldest first; a merged ticket adds its canonical ticket's by members."""
    found = _public_comments(ctx, portal.ticket["id"], members_only=False)
    canonical = _canonical(ctx, portal.ticket)
    if canonical is not None:
        found += _public_comments(ctx, canonical, members_only=True)
    found.sort(key=lambda r: (r["created_at"], r["id"]))
    return [_reply(r) for r in found]


def view(ctx: Ctx, portal: Portal) -> Row:
    return {"ticket": ticket_view(portal), "replies": replies(ctx, portal)}


def _writable(portal: Portal) -> None:
    if portal.project["archived"]:
        raise ApiError(409, "project_archived", "This desk is archived; it takes no replies now.")


def _first(ctx: Ctx, project_id: str, where: str) -> str | None:
    found = ctx.raw.scalar(
        f"SELECT id FROM statuses WHERE project_id = :p AND deleted = :f AND {where} ORDER BY position, id",
        {"p": project_id, "f": False},
    )
    return None if found is None else str(found)


def reply(ctx: Ctx, portal: Portal, body: str) -> Row:
    """The requester's reply: a public comment without an author; a ticket waiting for it resumes."""
    _writable(portal)
    task = portal.task
    row = {"id": str(uuid.uuid4()), "task_id": task["id"], "project_id": task["project_id"], "author_id": None}
    row |= {"body": body, "mentions": "[]", "created_at": ctx.now, "edited_at": None, "deleted": False}
    row |= {"visibility": "public", "author_name": portal.ticket["requester_name"]}
    ctx.insert("comment", comments, row)
    if portal.status["pauses_sla"]:
        resume = _first(ctx, task["project_id"], "category = 'doing' AND pauses_sla = :f")
        if resume is not None:
            task = move_task(ctx, task, resume)
    audience = [task["assignee_id"], *watchers(ctx, task["id"])]
    notify(ctx, "ticket_reply", task, audience if any(audience) else admins(ctx, task["project_id"]))
    return _reply({**row, "display_name": None})


def _resolved(portal: Portal) -> None:
    if portal.status["category"] != "done":
        raise ApiError(409, "not_resolved", "The ticket is not resolved yet.")


def confirm(ctx: Ctx, portal: Portal, solved: bool) -> Portal:
    """`solved` closes a resolved ticket (once); not solved reopens it in the first `doing` status."""
    _writable(portal)
    _resolved(portal)
    ticket, task = portal.ticket, portal.task
    if solved:
        if ticket["closed_at"] is None:
            ticket = ctx.update("ticket", tickets, ticket, {"closed_at": ctx.now})
        return Portal(ticket, task, portal.status, portal.project)
    doing = _first(ctx, task["project_id"], "category = 'doing'")
    if doing is None:
        raise ApiError(409, "not_resolved", "The desk has no status to reopen the ticket in.")
    task = move_task(ctx, task, doing)
    current = ctx.get(tickets, ticket["id"]) or ticket
    ticket = ctx.update("ticket", tickets, current, {"reopened_count": int(current["reopened_count"]) + 1})
    notify(ctx, "ticket_reopened", task, assignee_or_admins(ctx, task))
    return Portal(ticket, task, ctx.get(statuses, doing) or portal.status, portal.project)


def rate(ctx: Ctx, portal: Portal, score: int, comment: str | None) -> Portal:
    """Once per resolution, confirmed or not; a 1 or a 2 tells the admins."""
    _writable(portal)
    _resolved(portal)
    ticket = portal.ticket
    resolved = ticket["resolved_at"]
    if ticket["rated_at"] is not None and (resolved is None or ticket["rated_at"] >= resolved):
        raise ApiError(409, "already_rated", "This resolution was rated already.")
    values = {"satisfaction": score, "satisfaction_comment": comment, "rated_at": ctx.now}
    ticket = ctx.update("ticket", tickets, ticket, values)
    if score <= 2:
        notify(ctx, "low_satisfaction", portal.task, admins(ctx, portal.task["project_id"]))
    return Portal(ticket, portal.task, portal.status, portal.project)
