"""Lists of tasks, the tasks family's reads over many rows: a board's columns and windows of them,
every task of a project, my tasks, search, the labels in use, and the filters they share.

Every query reads the view (the optimistic rows) through an index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sync.ids import format_time
from sync.store._family import Family
from sync.store._rows import Row
from sync.store._schema import SEARCH_DONE
from sync.store._search import flush_search
from sync.store.families.projects import project_statuses
from sync.store.families.tasks import read_cards, read_tasks

_MIN_TRIGRAM = 3


@dataclass(frozen=True)
class TaskFilter:
    """Filters shared by the task listings; None means "any"."""

    assignee_id: str | None = None
    label: str | None = None
    priority: str | None = None
    status_id: str | None = None
    due_before: datetime | str | None = None  # due strictly before this time
    due_after: datetime | str | None = None  # due at or after this time
    unassigned: bool = False
    text: str | None = None  # every whitespace-separated term in the title, the description or the key

    def sql(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for term in (self.text or "").split():
            pattern = "%" + _escape_like(term) + "%"
            clauses.append(
                "(task.title LIKE ? ESCAPE '\\' OR task.description LIKE ? ESCAPE '\\' "
                "OR (project.key || '-' || task.number) LIKE ? ESCAPE '\\')"
            )
            params += [pattern, pattern, pattern]
        if self.assignee_id is not None:
            clauses.append("task.assignee_id = ?")
            params.append(self.assignee_id)
        if self.unassigned:
            clauses.append("task.assignee_id IS NULL")
        if self.label is not None:
            clauses.append("task.id IN (SELECT task_id FROM task_label WHERE label = ?)")
            params.append(self.label)
        if self.priority is not None:
            clauses.append("task.priority = ?")
            params.append(self.priority)
        if self.status_id is not None:
            clauses.append("task.status_id = ?")
            params.append(self.status_id)
        if self.due_before is not None:
            clauses.append("task.due_at < ?")
            params.append(format_time(self.due_before))
        if self.due_after is not None:
            clauses.append("task.due_at >= ?")
            params.append(format_time(self.due_after))
        return "".join(f" AND {c}" for c in clauses), params


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class BoardColumn:
    status: Row
    tasks: list[Row] = field(default_factory=list)


class TaskLists(Family):
    def board(self, project_id: str, filters: TaskFilter | None = None, *, limit: int = 500) -> list[BoardColumn]:
        """One column per status in (position, id) order, each with up to `limit` cards by (position, id):
        what a card shows (`read_cards`), not whole task rows."""
        extra, params = (filters or TaskFilter()).sql()
        return [
            BoardColumn(status, read_cards(self.conn, project_id, status["id"], extra, params, limit))
            for status in project_statuses(self.conn, project_id)
        ]

    def column_counts(self, project_id: str, filters: TaskFilter | None = None) -> dict[str, int]:
        """status_id -> how many cards (passing `filters`) the column holds."""
        extra, params = (filters or TaskFilter()).sql()
        rows = self.conn.execute(
            "SELECT task.status_id, count(*) FROM task LEFT JOIN project ON project.id = task.project_id "
            f"WHERE task.project_id = ?{extra} GROUP BY task.status_id",
            [project_id, *params],
        ).fetchall()
        return {str(status_id): int(n) for status_id, n in rows}

    def column_slice(
        self,
        project_id: str,
        status_id: str,
        filters: TaskFilter | None = None,
        *,
        offset: int = 0,
        limit: int = 100,
        cards: bool = False,
    ) -> list[Row]:
        """Cards `offset` .. `offset + limit` of one column in (position, id) order: a window of a long
        column. Whole task rows, or with `cards` only what a board card shows (as `board` gives)."""
        extra, params = (filters or TaskFilter()).sql()
        if cards:
            return read_cards(self.conn, project_id, status_id, extra, params, limit, offset)
        where = f"task.project_id = ? AND task.status_id = ?{extra}"
        return read_tasks(self.conn, where, [project_id, status_id, *params], limit=limit, offset=offset)

    def tasks(
        self, project_id: str | None = None, filters: TaskFilter | None = None, *, limit: int = 1000
    ) -> list[Row]:
        """Tasks of a project (or of every project), filtered, by (position, id)."""
        extra, params = (filters or TaskFilter()).sql()
        where, head = ("task.project_id = ?", [project_id]) if project_id else ("1 = 1", [])
        return read_tasks(self.conn, where + extra, head + params, limit=limit)

    def my_tasks(
        self, filters: TaskFilter | None = None, *, include_done: bool = False, limit: int = 1000
    ) -> list[Row]:
        """Tasks assigned to me, soonest due first (no due date last)."""
        extra, params = (filters or TaskFilter()).sql()
        where = "task.assignee_id = (SELECT value FROM meta WHERE key = 'user_id')" + extra
        if not include_done:
            where += " AND task.status_id NOT IN (SELECT id FROM status WHERE category = 'done')"
        return read_tasks(self.conn, where, params, order="task.due_at IS NULL, task.due_at, task.id", limit=limit)

    def labels(self, project_id: str | None = None) -> list[str]:
        """The labels in use (in one project, or everywhere), sorted."""
        where, params = ("WHERE task.project_id = ?", [project_id]) if project_id else ("", [])
        rows = self.conn.execute(
            f"SELECT DISTINCT task_label.label FROM task_label JOIN task ON task.id = task_label.task_id {where} "
            "ORDER BY task_label.label",
            params,
        ).fetchall()
        return [str(r[0]) for r in rows]

    def search(self, text: str, *, project_id: str | None = None, limit: int = 50) -> list[Row]:
        """Tasks whose title or description holds every whitespace-separated term of `text`.

        Terms of three characters or more go through the trigram index (which splits Chinese as
        well as any script); shorter ones (一两个汉字, "UI") fall back to LIKE within those results.
        """
        terms = text.split()
        if not terms:
            return []
        indexed = self.conn.execute("SELECT value FROM meta WHERE key = 'fts_upto'").fetchone()
        if indexed is None or indexed[0] != str(SEARCH_DONE):
            long_terms, short_terms = [], terms  # the index is still being built: LIKE for every term
        else:
            long_terms = [t for t in terms if len(t) >= _MIN_TRIGRAM]
            short_terms = [t for t in terms if len(t) < _MIN_TRIGRAM]
        clauses: list[str] = []
        params: list[Any] = []
        if long_terms:
            with self._writer:  # its own transaction, never one a bootstrap's worker thread has open
                flush_search(self.conn)  # the edits the index has not taken in yet
            query = " ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
            clauses.append("task.rowid IN (SELECT rowid FROM task_fts WHERE task_fts MATCH ?)")
            params.append(query)
        for term in short_terms:
            pattern = "%" + _escape_like(term) + "%"
            clauses.append("(task.title LIKE ? ESCAPE '\\' OR task.description LIKE ? ESCAPE '\\')")
            params += [pattern, pattern]
        if project_id is not None:
            clauses.append("task.project_id = ?")
            params.append(project_id)
        where = " AND ".join(clauses)
        return read_tasks(self.conn, where, params, order="task.updated_at DESC, task.id", limit=limit)
