"""Planning: iterations (sprints) and the links between tasks (PROTOCOL-2.md "Planning").

The optimistic applies mirror the server (server/mutations/iterations.py, links.py): closing an
iteration rolls its open tasks over to `move_open_to` or to no iteration, deleting one clears
`iteration_id` on its tasks, a link's id is `task_link_id(kind, from, to)` and a `blocks` link
that would close a loop is refused (`rules.closes_cycle`; the server stays the authority, and
`put_link` refuses it before the outbox so the app can say why offline). The queries are what the
iteration screens, the task detail and the Gantt read; the figures are in `sync/planning`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from sync import rules
from sync.errors import DependencyCycle
from sync.ids import uuid7
from sync.store._family import Apply, Check, Ctx, Family
from sync.store._rows import Row
from sync.store.families.tasks import read_tasks
from sync.wire import task_link_id

_OPEN = "task.status_id IN (SELECT id FROM status WHERE category != 'done')"
# Active first, then planned by start, then closed ones most recent first.
_ITERATION_ORDER = (
    "CASE state WHEN 'active' THEN 0 WHEN 'planned' THEN 1 ELSE 2 END, "
    "CASE WHEN state = 'closed' THEN closed_at END DESC, "
    "CASE WHEN state = 'closed' THEN end_on END DESC, start_on, name, id"
)


def _iteration_create(c: Ctx, a: Row) -> None:
    if c.get("iteration", a["id"]) is not None or c.get("project", a["project_id"]) is None:
        return
    row = {key: a[key] for key in ("id", "project_id", "name", "start_on", "end_on")}
    c.put("iteration", {**row, "goal": a.get("goal") or "", "state": "planned", "closed_at": None})


def _iteration_update(c: Ctx, a: Row) -> None:
    found = c.get("iteration", a["id"])
    if found is None or found["state"] == "closed":
        return
    values = {k: v for k, v in (a.get("set") or {}).items() if v is not None}
    result = {**found, **values}
    if result["end_on"] < result["start_on"] or result == found:
        return  # the server refuses the first, and does not bump the second
    c.put("iteration", result)


def _move_tasks(c: Ctx, iteration_id: str, project_id: str, to: str | None, *, open_only: bool) -> None:
    c.read_range("in_iteration", iteration_id)
    where = "task.iteration_id = ?"
    if open_only:
        c.read_range("statuses", project_id)  # which statuses are `done`
        where += f" AND {_OPEN}"
    for task in read_tasks(c.conn, where, [iteration_id], order="task.number, task.id"):
        c.update("task", task["id"], {"iteration_id": to, "updated_at": c.now})


def _iteration_close(c: Ctx, a: Row) -> None:
    found = c.get("iteration", a["id"])
    if found is None or found["state"] == "closed":
        return
    to = a.get("move_open_to")
    if to is not None:
        target = c.get("iteration", to)
        if to == found["id"] or target is None or target["project_id"] != found["project_id"]:
            return
        if target["state"] == "closed":
            return
    _move_tasks(c, found["id"], found["project_id"], to, open_only=True)
    c.put("iteration", {**found, "state": "closed", "closed_at": c.now})


def _iteration_delete(c: Ctx, a: Row) -> None:
    found = c.get("iteration", a["id"])
    if found is None:
        return
    _move_tasks(c, found["id"], found["project_id"], None, open_only=False)
    c.delete("iteration", found["id"])


def _successors(c: Ctx | None, conn: Any) -> Any:
    """`successors(task)` over the view's `blocks` links, recording each range read when `c` is given."""

    def successors(task_id: str) -> list[str]:
        if c is not None:
            c.read_range("links", task_id)
        rows = conn.execute("SELECT to_id FROM task_link WHERE from_id = ? AND kind = 'blocks'", (task_id,))
        return [r[0] for r in rows]

    return successors


def _link_put(c: Ctx, a: Row) -> None:
    source, target = c.get("task", a["from_id"]), c.get("task", a["to_id"])
    if source is None or target is None or source["id"] == target["id"]:
        return
    if source["project_id"] != target["project_id"]:
        return  # invalid_link
    link_id = task_link_id(a["kind"], source["id"], target["id"])
    old = c.get("task_link", link_id)
    if old is None:
        if a["kind"] == "blocks" and rules.closes_cycle(source["id"], target["id"], _successors(c, c.conn)):
            return  # dependency_cycle
        row = {"id": link_id, "project_id": source["project_id"], "from_id": source["id"], "to_id": target["id"]}
        c.put("task_link", {**row, "kind": a["kind"], "lag_days": a.get("lag_days") or 0})
    elif a.get("lag_days") is not None and a["lag_days"] != old["lag_days"]:
        c.put("task_link", {**old, "lag_days": a["lag_days"]})


def _link_remove(c: Ctx, a: Row) -> None:
    link_id = task_link_id(a["kind"], a["from_id"], a["to_id"])
    if c.get("task_link", link_id) is not None:
        c.delete("task_link", link_id)


def _distinct_ends(a: Row) -> str | None:
    return "a task cannot be linked to itself" if str(a["from_id"]) == str(a["to_id"]) else None


def _day(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else value


@dataclass
class TaskLinks:
    """A task's links as the detail lists them; each entry is the link row plus `other_id`,
    `other_key` and `other_title` (the task at the other end) and `outgoing` (this task is `from`)."""

    blocked_by: list[Row] = field(default_factory=list)
    blocks: list[Row] = field(default_factory=list)
    relates: list[Row] = field(default_factory=list)
    duplicates: list[Row] = field(default_factory=list)


class Planning(Family):
    APPLY: ClassVar[Mapping[str, Apply]] = {
        "iteration.create": _iteration_create,
        "iteration.update": _iteration_update,
        "iteration.close": _iteration_close,
        "iteration.delete": _iteration_delete,
        "task_link.put": _link_put,
        "task_link.remove": _link_remove,
    }
    CHECKS: ClassVar[Mapping[str, Check]] = {"task_link.put": _distinct_ends, "task_link.remove": _distinct_ends}

    # --- queries ----------------------------------------------------------------------------

    def iterations(self, project_id: str) -> list[Row]:
        """A project's iterations: active ones, planned ones by start, closed ones most recent first."""
        return self._rows(
            "iteration", f"SELECT * FROM iteration WHERE project_id = ? ORDER BY {_ITERATION_ORDER}", (project_id,)
        )

    def iteration(self, iteration_id: str) -> Row | None:
        return self._row("iteration", "SELECT * FROM iteration WHERE id = ?", (iteration_id,))

    def iteration_by_name(self, project_id: str, name: str) -> Row | None:
        """The project's iteration of that name (the most recent one, in `iterations`' order)."""
        return next((i for i in self.iterations(project_id) if i["name"] == name), None)

    def backlog(self, project_id: str) -> list[Row]:
        """The project's open tasks (status not `done`) in no iteration, in board order."""
        return read_tasks(self.conn, f"task.project_id = ? AND task.iteration_id IS NULL AND {_OPEN}", [project_id])

    def tasks_of_iteration(self, iteration_id: str) -> list[Row]:
        return read_tasks(self.conn, "task.iteration_id = ?", [iteration_id])

    def links_of_task(self, task_id: str) -> TaskLinks:
        out = TaskLinks()
        sql = (
            "SELECT task_link.*, other.id AS other_id, other.title AS other_title, "
            "project.key || '-' || other.number AS other_key, task_link.from_id = ? AS outgoing "
            "FROM task_link JOIN task AS other ON other.id = "
            "CASE WHEN task_link.from_id = ? THEN task_link.to_id ELSE task_link.from_id END "
            "LEFT JOIN project ON project.id = other.project_id "
            "WHERE task_link.from_id = ? OR task_link.to_id = ? ORDER BY other.number, other.id, task_link.kind"
        )
        for row in self.conn.execute(sql, (task_id,) * 4):
            link = dict(row)
            link["outgoing"] = bool(link["outgoing"])
            link["pending"] = bool(link["pending"])
            if link["kind"] == "blocks":
                (out.blocks if link["outgoing"] else out.blocked_by).append(link)
            else:
                (out.relates if link["kind"] == "relates" else out.duplicates).append(link)
        return out

    def links_of_project(self, project_id: str, kind: str | None = None) -> list[Row]:
        """The project's links (only those of `kind` when given), e.g. the Gantt's `blocks` arrows."""
        if kind is None:
            return self._rows("task_link", "SELECT * FROM task_link WHERE project_id = ? ORDER BY id", (project_id,))
        return self._rows(
            "task_link", "SELECT * FROM task_link WHERE project_id = ? AND kind = ? ORDER BY id", (project_id, kind)
        )

    def performance_projects(self, user_id: str) -> list[str]:
        """The projects whose work may count in `user_id`'s performance figures as the signed-in
        person sees them: every project of theirs for themselves; for someone else, the projects
        both share in which the signed-in person is an owner or an admin (issue 12: "shown to the
        person, and to owners and admins of the projects it draws on")."""
        me = "(SELECT value FROM meta WHERE key = 'user_id')"
        sql = (
            "SELECT theirs.project_id FROM member AS theirs JOIN member AS mine "
            f"ON mine.project_id = theirs.project_id AND mine.user_id = {me} "
            f"WHERE theirs.user_id = ? AND (theirs.user_id = {me} OR mine.role IN ('owner', 'admin')) "
            "ORDER BY theirs.project_id"
        )
        return [r[0] for r in self.conn.execute(sql, (user_id,))]

    def would_cycle(self, from_id: str, to_id: str) -> bool:
        """Whether a new `blocks` link from_id -> to_id would close a loop, by the links this device
        knows (the server decides; this lets the app say so offline)."""
        return self.cycle_chain(from_id, to_id) is not None

    def cycle_chain(self, from_id: str, to_id: str) -> list[str] | None:
        """The chain of `blocks` links from `to_id` to `from_id` that a new link from_id -> to_id
        would close into a loop (task ids, both ends included), or None when it closes none."""
        link = self.conn.execute(
            "SELECT 1 FROM task_link WHERE id = ?", (task_link_id("blocks", from_id, to_id),)
        ).fetchone()
        if link is not None:
            return None  # putting a live link again only changes its lag
        return rules.blocking_path(to_id, from_id, _successors(None, self.conn))

    # --- actions ----------------------------------------------------------------------------

    def create_iteration(
        self, project_id: str, name: str, start_on: date | str, end_on: date | str, goal: str = ""
    ) -> str:
        iteration_id = uuid7()
        args = {"id": iteration_id, "project_id": project_id, "name": name, "start_on": _day(start_on)}
        self.mutate("iteration.create", {**args, "end_on": _day(end_on), "goal": goal})
        return iteration_id

    def update_iteration(self, iteration_id: str, **fields: Any) -> None:
        """Sets name, goal, start_on, end_on or state (`planned` or `active`)."""
        values = {k: _day(v) if k in ("start_on", "end_on") else v for k, v in fields.items()}
        self.mutate("iteration.update", {"id": iteration_id, "set": values})

    def close_iteration(self, iteration_id: str, move_open_to: str | None = None) -> None:
        """Closes it; its open tasks move to `move_open_to`, or to no iteration."""
        self.mutate("iteration.close", {"id": iteration_id, "move_open_to": move_open_to})

    def delete_iteration(self, iteration_id: str) -> None:
        self.mutate("iteration.delete", {"id": iteration_id})

    def set_iteration(self, task_id: str, iteration_id: str | None) -> None:
        self.mutate("task.update", {"id": task_id, "set": {"iteration_id": iteration_id}})

    def put_link(self, from_id: str, to_id: str, kind: str, lag_days: int | None = None) -> str:
        """Links two tasks of a project (again: updates `lag_days` when given). Raises
        `DependencyCycle` for a `blocks` link that would close a loop."""
        chain = self.cycle_chain(from_id, to_id) if kind == "blocks" and from_id != to_id else None
        if chain is not None:
            raise DependencyCycle("invalid task_link.put: this link would close a loop of blocking tasks", chain)
        args: dict[str, Any] = {"from_id": from_id, "to_id": to_id, "kind": kind}
        if lag_days is not None:
            args["lag_days"] = lag_days
        self.mutate("task_link.put", args)
        return task_link_id(kind, from_id, to_id)

    def remove_link(self, from_id: str, to_id: str, kind: str) -> None:
        self.mutate("task_link.remove", {"from_id": from_id, "to_id": to_id, "kind": kind})
