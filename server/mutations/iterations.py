"""Iterations (PROTOCOL-2.md "Planning"): create, update, close with rollover, delete.

Every member (and above) changes them; every member receives them (extension entity `iteration`).
Moving tasks in or out of an iteration changes those task rows, each with its `iteration_id` event.
"""

from __future__ import annotations

import sqlalchemy as sa

from server.errors import MutationRejected
from server.mutations.context import Ctx, Row
from server.mutations.history import change_task
from server.tables import iterations, statuses, tasks
from sync import protocol as p


def _invalid(message: str) -> MutationRejected:
    return MutationRejected("invalid_iteration", message)


def check_iteration(ctx: Ctx, project_id: str, iteration_id: str) -> Row:
    """The iteration a task may move into: live, of the task's project, and not closed."""
    found = ctx.get(iterations, iteration_id)
    if found is None or found["deleted"] or found["project_id"] != project_id:
        raise _invalid("The iteration does not exist in this project.")
    if found["state"] == "closed":
        raise _invalid("The iteration is closed; choose an open one.")
    return found


def _iteration_for(ctx: Ctx, iteration_id: str) -> Row:
    """The live iteration, if the actor may change it (member and above); else a rejection that leaks nothing."""
    found = ctx.get(iterations, iteration_id)
    if found is None or found["deleted"] or ctx.role(found["project_id"]) is None:
        raise MutationRejected("not_found", "The iteration does not exist or you cannot see it.")
    ctx.project_for(found["project_id"], "member")
    return found


def _not_closed(found: Row) -> None:
    if found["state"] == "closed":
        raise MutationRejected("iteration_closed", "The iteration is closed; it can no longer change.")


def _tasks_in(ctx: Ctx, iteration_id: str, *, open_only: bool) -> list[Row]:
    """The live tasks of an iteration (only those whose status is not in the `done` category, when
    `open_only`), in a stable order."""
    query = sa.select(tasks).where(tasks.c.iteration_id == iteration_id, tasks.c.deleted.is_(False))
    if open_only:
        query = query.join(statuses, statuses.c.id == tasks.c.status_id).where(statuses.c.category != "done")
    return [dict(r) for r in ctx.conn.execute(query.order_by(tasks.c.number)).mappings()]


def _move(ctx: Ctx, rows: list[Row], to: str | None) -> None:
    for task in rows:
        change_task(ctx, task, {"iteration_id": to})


def iteration_create(ctx: Ctx, a: p.IterationCreate) -> None:
    pid, iid = str(a.project_id), str(a.id)
    ctx.project_for(pid, "member")
    ctx.require_free_id(iterations, iid, "iteration")
    row = {"id": iid, "project_id": pid, "name": a.name, "goal": a.goal, "start_on": a.start_on, "end_on": a.end_on}
    ctx.insert("iteration", iterations, {**row, "state": "planned", "closed_at": None, "deleted": False})


def iteration_update(ctx: Ctx, a: p.IterationUpdate) -> None:
    found = _iteration_for(ctx, str(a.id))
    _not_closed(found)
    values: Row = {}
    for field in a.set.model_fields_set:
        value = getattr(a.set, field)
        if value is None:
            raise MutationRejected("validation_error", f"{field} cannot be cleared.", [{"loc": ["set", field]}])
        values[field] = value
    result = {**found, **values}  # the dates are checked on the resulting row
    if result["end_on"] < result["start_on"]:
        field = "end_on" if "end_on" in values else "start_on"
        detail = {"loc": ["set", field], "type": "value_error", "message": "end_on must not be before start_on"}
        raise MutationRejected("validation_error", "The iteration would end before it starts.", [detail])
    changes = {k: v for k, v in values.items() if found[k] != v}
    if changes:
        ctx.update("iteration", iterations, found, changes)


def iteration_close(ctx: Ctx, a: p.IterationClose) -> None:
    found = _iteration_for(ctx, str(a.id))
    _not_closed(found)
    target = None if a.move_open_to is None else str(a.move_open_to)
    if target == found["id"]:
        raise _invalid("An iteration cannot roll its open tasks over into itself.")
    if target is not None:
        check_iteration(ctx, found["project_id"], target)
    _move(ctx, _tasks_in(ctx, found["id"], open_only=True), target)
    ctx.update("iteration", iterations, found, {"state": "closed", "closed_at": ctx.now})


def iteration_delete(ctx: Ctx, a: p.IdOnly) -> None:
    found = _iteration_for(ctx, str(a.id))
    _move(ctx, _tasks_in(ctx, found["id"], open_only=False), None)
    ctx.update("iteration", iterations, found, {"deleted": True})
