"""Projects, their members and their statuses: the optimistic applies of their mutations, the
queries that read them and the actions that change them."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from sync.ids import uuid7
from sync.rules import after_last
from sync.store._family import Apply, Ctx, Family
from sync.store._rows import Row, decode
from sync.wire import member_id

_DEFAULT_STATUSES = (("To do", "todo"), ("Doing", "doing"), ("Done", "done"))
_UNSET: Any = object()  # an action's field left out (None clears it)


def _given(**fields: Any) -> dict[str, Any]:
    """The fields an action was given (those not `_UNSET`)."""
    return {k: v for k, v in fields.items() if v is not _UNSET}


def local_status_id(project_id: str, n: int) -> str:
    """Placeholder ids of a new project's default statuses until the server's own arrive."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"keel:local-status:{project_id}:{n}"))


def project_statuses(conn: sqlite3.Connection, project_id: str) -> list[Row]:
    """A project's statuses in (position, id) order: its board's columns."""
    rows = conn.execute("SELECT * FROM status WHERE project_id = ? ORDER BY position, id", (project_id,))
    return [decode("status", r) for r in rows]


def _project_create(c: Ctx, a: Row) -> None:
    pid = str(a["id"])
    if c.get("project", pid) is not None:
        return
    row = {"id": pid, "seq": None, "name": a["name"], "key": a["key"], "kind": a.get("kind") or "general"}
    c.put("project", {**row, "description": a.get("description") or "", "archived": False, "calendar": "cn"})
    c.put("member", {"id": member_id(pid, c.me), "project_id": pid, "user_id": c.me, "role": "owner"})
    position: str | None = None
    for n, (name, category) in enumerate(_DEFAULT_STATUSES):
        position = after_last(position)
        status = {"id": local_status_id(pid, n), "project_id": pid, "name": name, "category": category}
        c.put("status", {**status, "position": position})


def _project_update(c: Ctx, a: Row) -> None:
    c.update(
        "project", a["id"], {k: a[k] for k in ("name", "description", "archived", "calendar") if a.get(k) is not None}
    )


def _member_put(c: Ctx, a: Row) -> None:
    pid, uid = str(a["project_id"]), str(a["user_id"])
    c.put("member", {"id": member_id(pid, uid), "project_id": pid, "user_id": uid, "role": a["role"]})


def _member_remove(c: Ctx, a: Row) -> None:
    c.delete("member", member_id(a["project_id"], a["user_id"]))


def _status_create(c: Ctx, a: Row) -> None:
    pid = str(a["project_id"])
    position = a.get("position")
    if position is None:
        c.read_range("statuses", pid)
        last = c.conn.execute("SELECT max(position) AS p FROM status WHERE project_id = ?", (pid,)).fetchone()
        position = after_last(last["p"])
    c.put(
        "status",
        {"id": str(a["id"]), "project_id": pid, "name": a["name"], "category": a["category"], "position": position},
    )


def _status_update(c: Ctx, a: Row) -> None:
    c.update("status", a["id"], {k: a[k] for k in ("name", "category", "position") if a.get(k) is not None})


def _status_delete(c: Ctx, a: Row) -> None:
    c.delete("status", str(a["id"]))


class Projects(Family):
    APPLY: ClassVar[Mapping[str, Apply]] = {
        "project.create": _project_create,
        "project.update": _project_update,
        "member.put": _member_put,
        "member.remove": _member_remove,
        "status.create": _status_create,
        "status.update": _status_update,
        "status.delete": _status_delete,
    }

    # --- queries ----------------------------------------------------------------------------

    def projects(self, *, include_archived: bool = True) -> list[Row]:
        where = "" if include_archived else " WHERE archived = 0"
        return self._rows("project", f"SELECT * FROM project{where} ORDER BY key, id")

    def project(self, project_id: str) -> Row | None:
        return self._row("project", "SELECT * FROM project WHERE id = ?", (project_id,))

    def project_by_key(self, key: str) -> Row | None:
        return self._row("project", "SELECT * FROM project WHERE key = ?", (key.upper(),))

    def members(self, project_id: str) -> list[Row]:
        return self._rows("member", "SELECT * FROM member WHERE project_id = ? ORDER BY user_id", (project_id,))

    def role(self, project_id: str, user_id: str | None = None) -> str | None:
        row = self.conn.execute(
            "SELECT role FROM member WHERE project_id = ? "
            "AND user_id = COALESCE(?, (SELECT value FROM meta WHERE key = 'user_id'))",
            (project_id, user_id),
        ).fetchone()
        return str(row["role"]) if row else None

    def statuses(self, project_id: str) -> list[Row]:
        return project_statuses(self.conn, project_id)

    # --- actions ----------------------------------------------------------------------------

    def create_project(self, name: str, key: str, *, kind: str = "general", description: str = "") -> str:
        project_id = uuid7()
        self.mutate(
            "project.create", {"id": project_id, "name": name, "key": key, "kind": kind, "description": description}
        )
        return project_id

    def update_project(
        self,
        project_id: str,
        *,
        name: Any = _UNSET,
        description: Any = _UNSET,
        archived: Any = _UNSET,
        calendar: Any = _UNSET,
    ) -> None:
        given = _given(name=name, description=description, archived=archived, calendar=calendar)
        self.mutate("project.update", {"id": project_id, **given})

    def put_member(self, project_id: str, user_id: str, role: str) -> None:
        self.mutate("member.put", {"project_id": project_id, "user_id": user_id, "role": role})

    def remove_member(self, project_id: str, user_id: str) -> None:
        self.mutate("member.remove", {"project_id": project_id, "user_id": user_id})

    def create_status(self, project_id: str, name: str, category: str, *, position: str | None = None) -> str:
        status_id = uuid7()
        args = {"id": status_id, "project_id": project_id, "name": name, "category": category}
        self.mutate("status.create", args if position is None else {**args, "position": position})
        return status_id

    def update_status(
        self, status_id: str, *, name: Any = _UNSET, category: Any = _UNSET, position: Any = _UNSET
    ) -> None:
        self.mutate("status.update", {"id": status_id, **_given(name=name, category=category, position=position)})

    def delete_status(self, status_id: str) -> None:
        self.mutate("status.delete", {"id": status_id})
