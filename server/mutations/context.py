"""What every mutation handler works with: the transaction, the actor, and role checks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.errors import MutationRejected
from server.feed import Tx
from server.tables import projects, tasks

RANK = {"viewer": 0, "member": 1, "admin": 2, "owner": 3}

Row = dict[str, Any]


class Ctx:
    def __init__(self, tx: Tx, actor: str, now: datetime) -> None:
        self.tx = tx
        self.conn: Connection = tx.conn
        self.actor = actor
        self.now = now
        self.raw = tx.raw
        self._roles: dict[str, str | None] = {}
        self._projects: dict[str, Row | None] = {}

    # --- reads -----------------------------------------------------------------------------

    def get(self, table: sa.Table, row_id: str) -> Row | None:
        return self.raw.get(table, row_id)

    def role(self, project_id: str) -> str | None:
        if project_id not in self._roles:
            self._roles[project_id] = self.raw.scalar(
                "SELECT role FROM members WHERE project_id = :p AND user_id = :u AND deleted = :f",
                {"p": project_id, "u": self.actor, "f": False},
            )
        return self._roles[project_id]

    def forget_roles(self) -> None:
        """Drops what this push cached about roles and projects (after a change to either)."""
        self._roles.clear()
        self._projects.clear()

    def _project(self, project_id: str) -> Row | None:
        if project_id not in self._projects:
            self._projects[project_id] = self.get(projects, project_id)
        return self._projects[project_id]

    def project_for(self, project_id: str, minimum: str, *, allow_archived: bool = False) -> Row:
        """The project, if the actor holds at least `minimum` in it; else a rejection that leaks nothing."""
        role = self.role(project_id)
        project = self._project(project_id) if role is not None else None
        if role is None or project is None or project["deleted"]:
            raise MutationRejected("not_found", "The project does not exist or you are not a member of it.")
        if RANK[role] < RANK[minimum]:
            raise MutationRejected("forbidden", f"Your role ({role}) may not do this; it needs {minimum} or above.")
        if project["archived"] and not allow_archived:
            raise MutationRejected("project_archived", "The project is archived; unarchive it first.")
        return project

    def task_for(self, task_id: str, minimum: str) -> Row:
        task = self.get(tasks, task_id)
        if task is None or self.role(task["project_id"]) is None:
            raise MutationRejected("not_found", "The task does not exist or you cannot see it.")
        self.project_for(task["project_id"], minimum)
        if task["deleted"]:
            raise MutationRejected("task_deleted", "The task was deleted; the change was not applied.")
        return task

    def is_member(self, project_id: str, user_id: str) -> bool:
        found = self.raw.scalar(
            "SELECT id FROM members WHERE project_id = :p AND user_id = :u AND deleted = :f",
            {"p": project_id, "u": user_id, "f": False},
        )
        return found is not None

    def require_free_id(self, table: sa.Table, row_id: str, what: str) -> None:
        if self.raw.scalar(f"SELECT id FROM {table.name} WHERE id = :id", {"id": row_id}) is not None:
            raise MutationRejected("id_taken", f"A {what} with this id already exists.")

    # --- writes ----------------------------------------------------------------------------

    def insert(self, entity: str, table: sa.Table, row: Row) -> Row:
        self.raw.insert(table, row)
        self.tx.emit(entity, row)
        return row

    def update(self, entity: str, table: sa.Table, old: Mapping[str, Any], values: Row) -> Row:
        row = {**old, **values}
        if values:
            self.raw.update(table, old["id"], values)
            if table is projects:
                self._projects.pop(old["id"], None)
        self.tx.emit(entity, row)
        return row
