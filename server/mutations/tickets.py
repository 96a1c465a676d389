"""The service desk's mutations (PROTOCOL-2.md, "Service desk"): tickets, their merge and escalation, SLA
policies, and what a new desk starts with."""

from __future__ import annotations

import uuid
from typing import Any

from server.errors import MutationRejected
from server.mutations.context import Ctx, Row
from server.mutations.desk_sla import POLICY_FIELDS, due_values, policy_for, ticket_of
from server.mutations.tasks import add_task, first_status, task_create, task_update
from server.tables import desk_intake, sla_policies, tasks, tickets, users
from sync import protocol as p
from sync import rules, sla

DESK = "service_desk"
# A new desk's statuses, instead of To do / Doing / Done: (name, category, pauses_sla).
DESK_STATUSES = (
    ("待处理", "todo", False),
    ("处理中", "doing", False),
    ("等待用户回复", "doing", True),
    ("已解决", "done", False),
    ("已关闭", "done", False),
)


def setup_desk(ctx: Ctx, project_id: str) -> None:
    """A new desk's default SLA policies and its intake settings (a key from its creation, no public form)."""
    for priority, policy in sla.DEFAULT_POLICIES.items():
        ctx.insert("sla_policy", sla_policies, _policy_row(project_id, priority, policy))
    ctx.raw.insert(desk_intake, {"project_id": project_id, "generation": 0, "public_form": False})


def _policy_row(project_id: str, priority: str, policy: sla.Policy) -> Row:
    row: Row = {"id": p.sla_policy_id(project_id, priority), "project_id": project_id, "priority": priority}
    return row | {field: getattr(policy, field) for field in POLICY_FIELDS} | {"deleted": False}


def open_ticket(ctx: Ctx, project: Row, task_id: str, fields: Row, reporter_id: str | None) -> Row:
    """Creates a ticket's task and row: `fields` are `ticket.create`'s (or intake's), checked already."""
    severity, impact = fields.get("severity") or 3, fields.get("impact") or 3
    priority = fields.get("priority") or sla.priority_for(severity, impact)
    task = add_task(
        ctx,
        project,
        {
            "id": task_id,
            "title": fields["title"],
            "description": fields.get("description") or "",
            "status_id": first_status(ctx, project["id"]),
            "reporter_id": reporter_id,
            "priority": priority,
            "type": "ticket",
        },
    )
    row: Row = {"id": task_id, "project_id": project["id"], "requester_name": fields.get("requester_name") or ""}
    row |= {"requester_contact": fields.get("requester_contact") or "", "channel": fields.get("channel") or "app"}
    row |= {"category": fields.get("category") or "other", "severity": severity, "impact": impact}
    row |= {"first_response_at": None, "resolved_at": None, "closed_at": None, "reopened_count": 0}
    row |= {"satisfaction": None, "satisfaction_comment": None, "merged_into_id": None, "escalated_task_id": None}
    row |= {"deleted": False, "pauses": "[]", "rated_at": None, "linked_done_at": None, "auto_close_at": None}
    row |= due_values(policy_for(ctx, project["id"], priority), task["created_at"], [], ctx.now)
    return ctx.insert("ticket", tickets, row)


def require_desk(project: Row) -> None:
    if project["kind"] != DESK:
        raise MutationRejected("invalid_project", "This is not a service desk project.")


def ticket_create(ctx: Ctx, a: p.TicketCreate) -> None:
    project = ctx.project_for(str(a.project_id), "viewer")
    require_desk(project)
    ctx.require_free_id(tasks, str(a.id), "task")
    fields = a.model_dump(exclude={"id", "project_id"})
    if a.requester_name is None:
        me = ctx.get(users, ctx.actor)
        fields["requester_name"] = me["display_name"] if me else ""
    open_ticket(ctx, project, str(a.id), fields, ctx.actor)


def ticket_for(ctx: Ctx, task_id: str, minimum: str) -> tuple[Row, Row]:
    """A ticket's task and row, if the actor holds `minimum` in its desk; a task without a row is not found."""
    task = ctx.task_for(task_id, minimum)
    ticket = ticket_of(ctx, task_id)
    if ticket is None:
        raise MutationRejected("not_found", "This task is not a ticket.")
    return task, ticket


def _set_priority(ctx: Ctx, task_id: str, priority: str) -> None:
    """Through `task.update`, so the change has its event and the ticket its new due times."""
    task_update(ctx, p.TaskUpdate(id=uuid.UUID(task_id), set=p.TaskSet(priority=priority)))  # type: ignore[arg-type]


def ticket_update(ctx: Ctx, a: p.TicketUpdate) -> None:
    task, ticket = ticket_for(ctx, str(a.id), "member")
    values: dict[str, Any] = {field: getattr(a.set, field) for field in a.set.model_fields_set}
    for field in rules.UNCLEARABLE_TICKET_FIELDS:
        if field in values and values[field] is None:
            raise MutationRejected("validation_error", f"{field} cannot be cleared.", [{"loc": ["set", field]}])
    changes, priority = rules.ticket_changes(ticket, values)
    if changes:
        ctx.update("ticket", tickets, ticket, changes)
    if priority is not None and priority != task["priority"]:
        _set_priority(ctx, task["id"], priority)


def _first_done(ctx: Ctx, project_id: str) -> str:
    found = ctx.raw.scalar(
        "SELECT id FROM statuses WHERE project_id = :p AND category = 'done' AND deleted = :f ORDER BY position, id",
        {"p": project_id, "f": False},
    )
    if found is None:
        raise MutationRejected("no_status", "The desk has no done status to put the ticket in.")
    return str(found)


def ticket_merge(ctx: Ctx, a: p.TicketMerge) -> None:
    task, ticket = ticket_for(ctx, str(a.id), "member")
    into_task, into = ticket_for(ctx, str(a.into_id), "member")
    if a.id == a.into_id:
        raise MutationRejected("invalid_merge", "A ticket cannot be merged into itself.")
    if ticket["merged_into_id"] is not None or into["merged_into_id"] is not None:
        raise MutationRejected("invalid_merge", "A merged ticket cannot be merged again, nor merged into.")
    if task["project_id"] != into_task["project_id"]:
        raise MutationRejected("invalid_merge", "Tickets of different desks cannot be merged.")
    done = _first_done(ctx, task["project_id"])
    if task["status_id"] != done:
        task_update(ctx, p.TaskUpdate(id=uuid.UUID(task["id"]), set=p.TaskSet(status_id=uuid.UUID(done))))
    ctx.update("ticket", tickets, ticket_of(ctx, task["id"]) or ticket, {"merged_into_id": into["id"]})


def ticket_escalate(ctx: Ctx, a: p.TicketEscalate) -> None:
    task, ticket = ticket_for(ctx, str(a.id), "member")
    if ticket["escalated_task_id"] is not None:
        raise MutationRejected("already_escalated", "This ticket was escalated already.")
    if str(a.project_id) == task["project_id"]:
        raise MutationRejected("invalid_project", "A ticket is escalated to another project, not its desk.")
    desk = ctx.project_for(task["project_id"], "member")
    ctx.project_for(str(a.project_id), "member")
    key = f"{desk['key']}-{task['number']}"
    create = p.TaskCreate(
        id=a.task_id, project_id=a.project_id, title=a.title or task["title"],
        description=rules.escalated_description(task["description"], key),
        status_id=a.status_id, type="requirement",
    )  # fmt: skip
    task_create(ctx, create)
    ctx.update("ticket", tickets, ticket, {"escalated_task_id": str(a.task_id)})


def sla_policy_put(ctx: Ctx, a: p.SlaPolicyPut) -> None:
    pid = str(a.project_id)
    require_desk(ctx.project_for(pid, "admin"))
    row = ctx.get(sla_policies, p.sla_policy_id(pid, a.priority))
    current = policy_for(ctx, pid, a.priority)
    given = {f: getattr(a, f) for f in POLICY_FIELDS if f in a.model_fields_set and getattr(a, f) is not None}
    merged = {f: getattr(current, f) for f in POLICY_FIELDS} | given
    try:
        policy = sla.Policy(**merged)
    except ValueError as error:
        raise MutationRejected("validation_error", str(error)) from None
    new = _policy_row(pid, a.priority, policy)
    if row is None:
        ctx.insert("sla_policy", sla_policies, new)
    else:
        ctx.update("sla_policy", sla_policies, row, {k: v for k, v in new.items() if row[k] != v})
