"""The subtask tree: a parent must be a live task of the same project, never a descendant, and no
chain may be more than `MAX_TASK_DEPTH` levels deep.

Each check is one recursive statement that stops after `MAX_TASK_DEPTH` levels, so its cost does
not grow with the chains a member stored, even chains hundreds deep that an older server allowed.
"""

from __future__ import annotations

from server.errors import MutationRejected
from server.mutations.context import Ctx, Row
from server.tables import tasks
from sync.protocol import MAX_TASK_DEPTH

# The parent and its ancestors, nearest first, at most `:n` of them.
_ANCESTORS = (
    "WITH RECURSIVE up(id, parent_id, project_id, deleted, depth) AS ("
    " SELECT id, parent_id, project_id, deleted, 1 FROM tasks WHERE id = :start"
    " UNION ALL"
    " SELECT t.id, t.parent_id, t.project_id, t.deleted, up.depth + 1 FROM tasks t JOIN up ON t.id = up.parent_id"
    " WHERE up.depth < :n"
    ") SELECT id, parent_id, project_id, deleted FROM up ORDER BY depth"
)

# Whether a live task below `:start` lies more than `:allowed` levels down.
_DEEPER_THAN = (
    "WITH RECURSIVE down(id, depth) AS ("
    " SELECT id, 1 FROM tasks WHERE parent_id = :start AND deleted = :f"
    " UNION ALL"
    " SELECT t.id, down.depth + 1 FROM tasks t JOIN down ON t.parent_id = down.id"
    " WHERE t.deleted = :f AND down.depth <= :allowed"
    ") SELECT count(*) FROM down WHERE depth > :allowed"
)

# Every live task below `:start` (UNION, not UNION ALL: it stops even on a cycle).
_SUBTREE = (
    "WITH RECURSIVE sub(id) AS ("
    " SELECT id FROM tasks WHERE parent_id = :start AND deleted = :f"
    " UNION"
    " SELECT t.id FROM tasks t JOIN sub ON t.parent_id = sub.id WHERE t.deleted = :f"
    ") SELECT tasks.* FROM tasks JOIN sub ON sub.id = tasks.id"
)


def _too_deep() -> MutationRejected:
    return MutationRejected(
        "invalid_parent", f"Subtasks nest at most {MAX_TASK_DEPTH} levels deep; choose a parent higher up."
    )


def check_parent(ctx: Ctx, task_id: str, project_id: str, parent_id: str, *, moving: bool) -> None:
    """Rejects `parent_id` for the task unless the result is a tree at most MAX_TASK_DEPTH deep.

    `moving`: the task exists and may have subtasks of its own, which move with it.
    """
    chain = ctx.raw.execute(_ANCESTORS, {"start": parent_id, "n": MAX_TASK_DEPTH}).fetchall()
    parent = chain[0] if chain else None
    if parent is None or parent[2] != project_id or parent[3]:
        raise MutationRejected("invalid_parent", "The parent task does not exist in this project.")
    if any(row[0] == task_id for row in chain):
        raise MutationRejected("invalid_parent", "A task cannot be its own ancestor.")
    if chain[-1][1] is not None:  # the walk stopped with ancestors left: the parent is too deep already
        raise _too_deep()
    parent_level = len(chain)
    if parent_level >= MAX_TASK_DEPTH:
        raise _too_deep()
    allowed_below = MAX_TASK_DEPTH - parent_level - 1  # levels the task's own subtasks may take
    if moving and ctx.raw.scalar(_DEEPER_THAN, {"start": task_id, "f": False, "allowed": allowed_below}):
        raise _too_deep()


def subtree(ctx: Ctx, root_id: str) -> list[Row]:
    """Every live task below `root_id`, in one statement."""
    return ctx.raw.rows(tasks, _SUBTREE, {"start": root_id, "f": False})
