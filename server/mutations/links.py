"""Task links (PROTOCOL-2.md `task_link`): put and remove, with `blocks` cycles refused.

A link's id is `task_link_id(kind, from_id, to_id)`, so putting it again updates the same row and
putting a removed one revives it. Deleting a task tombstones its links (`tombstone_links`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from server.errors import MutationRejected
from server.mutations.context import Ctx, Row
from server.tables import task_links
from sync import protocol as p

# Whether `:goal` is reachable from `:start` (another task) along live `blocks` links: the walk that a
# new link goal -> start would close into a loop. UNION (not UNION ALL) visits each task once, so it
# ends on any graph; each step is an index lookup on (from_id, kind, deleted).
_REACHES = (
    "WITH RECURSIVE reach(id) AS ("
    " SELECT to_id FROM task_links WHERE from_id = :start AND kind = 'blocks' AND deleted = :f"
    " UNION"
    " SELECT l.to_id FROM task_links l JOIN reach ON l.from_id = reach.id"
    " WHERE l.kind = 'blocks' AND l.deleted = :f"
    ") SELECT 1 FROM reach WHERE id = :goal LIMIT 1"
)


def _ends(ctx: Ctx, a: p.TaskLinkPut | p.TaskLinkRemove) -> tuple[Row, Row]:
    """Both tasks, live and changeable by the actor (member and above), of one project."""
    source = ctx.task_for(str(a.from_id), "member")
    target = ctx.task_for(str(a.to_id), "member")
    if source["id"] == target["id"]:
        raise MutationRejected("invalid_link", "A task cannot be linked to itself.")
    if source["project_id"] != target["project_id"]:
        raise MutationRejected("invalid_link", "Both tasks of a link must be in the same project.")
    return source, target


def _reaches(ctx: Ctx, start: str, goal: str) -> bool:
    return ctx.raw.scalar(_REACHES, {"start": start, "goal": goal, "f": False}) is not None


def task_link_put(ctx: Ctx, a: p.TaskLinkPut) -> None:
    source, target = _ends(ctx, a)
    link_id = p.task_link_id(a.kind, source["id"], target["id"])
    old = ctx.get(task_links, link_id)
    live = old is not None and not old["deleted"]
    if a.kind == "blocks" and not live and _reaches(ctx, target["id"], source["id"]):
        raise MutationRejected("dependency_cycle", "This link would close a loop of blocking tasks.")
    if old is None:
        row = {"id": link_id, "project_id": source["project_id"], "from_id": source["id"], "to_id": target["id"]}
        ctx.insert("task_link", task_links, {**row, "kind": a.kind, "lag_days": a.lag_days or 0, "deleted": False})
        return
    changes: Row = {} if live else {"deleted": False}
    if a.lag_days is not None and a.lag_days != old["lag_days"]:
        changes["lag_days"] = a.lag_days
    if changes:
        ctx.update("task_link", task_links, old, changes)


def task_link_remove(ctx: Ctx, a: p.TaskLinkRemove) -> None:
    source, target = _ends(ctx, a)
    old = ctx.get(task_links, p.task_link_id(a.kind, source["id"], target["id"]))
    if old is not None and not old["deleted"]:
        ctx.update("task_link", task_links, old, {"deleted": True})


def tombstone_links(ctx: Ctx, task_ids: Sequence[str]) -> None:
    """Every live link from or to one of these (deleted) tasks becomes a tombstone."""
    query = sa.select(task_links).where(
        sa.or_(task_links.c.from_id.in_(task_ids), task_links.c.to_id.in_(task_ids)), task_links.c.deleted.is_(False)
    )
    for found in [dict(r) for r in ctx.conn.execute(query.order_by(task_links.c.id)).mappings()]:
        ctx.update("task_link", task_links, found, {"deleted": True})
