"""What the UI and the CLI read: boards, task detail, my tasks, notifications, search, filters.

Every query reads the view (the optimistic rows) through an index; rows come back as protocol
dicts plus `pending` (touched by a mutation not yet synced) and, for tasks, `key` (KEY-12 once
the server has numbered the task, else None).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from sync.ids import format_time
from sync.store._prefs import effective
from sync.store._rows import Row, decode
from sync.store._schema import SEARCH_DONE

_TASK_SELECT = "SELECT task.*, project.key AS project_key FROM task LEFT JOIN project ON project.id = task.project_id"
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


@dataclass
class TaskDetail:
    task: Row
    subtasks: list[Row]
    comments: list[Row]
    watching: bool


def task_row(row: sqlite3.Row) -> Row:
    out = decode("task", row)
    key = out.pop("project_key", None)
    out["key"] = f"{key}-{out['number']}" if key and out.get("number") else None
    return out


class Queries:
    """Read-only queries over the view; mixed into `Store`."""

    conn: sqlite3.Connection

    def _rows(self, entity: str, sql: str, params: Any = ()) -> list[Row]:
        return [decode(entity, r) for r in self.conn.execute(sql, params)]

    def _tasks(
        self,
        where: str,
        params: list[Any],
        order: str = "task.position, task.id",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        sql = f"{_TASK_SELECT} WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {max(0, int(offset))}"
        # The board's hot path: plain tuples and one dict per row (sqlite3.Row and `decode` cost
        # more than the query itself for 500 cards).
        cursor = self.conn.cursor()
        cursor.row_factory = None
        rows = cursor.execute(sql, params).fetchall()
        names = [d[0] for d in cursor.description]
        out = []
        loads = orjson.loads
        for values in rows:
            row = dict(zip(names, values, strict=True))
            labels = row["labels"]
            row["labels"] = loads(labels) if labels else []
            row["pending"] = bool(row["pending"])
            key = row.pop("project_key")
            row["key"] = f"{key}-{row['number']}" if key and row["number"] else None
            out.append(row)
        return out

    def me(self) -> Row | None:
        rows = self._rows("user", "SELECT * FROM user WHERE id = (SELECT value FROM meta WHERE key = 'user_id')")
        return rows[0] if rows else None

    def user(self, user_id: str) -> Row | None:
        rows = self._rows("user", "SELECT * FROM user WHERE id = ?", (user_id,))
        return rows[0] if rows else None

    def users(self) -> list[Row]:
        """Every person this device may see (members of my projects, and me)."""
        return self._rows("user", "SELECT * FROM user ORDER BY display_name, id")

    def subtask_progress(self, task_ids: list[str]) -> dict[str, tuple[int, int]]:
        """parent id -> (subtasks done, subtasks in all), for the parents in `task_ids` that have any."""
        if not task_ids:
            return {}
        marks = ",".join("?" * len(task_ids))
        rows = self.conn.execute(
            "SELECT task.parent_id, sum(status.category = 'done'), count(*) FROM task "
            f"LEFT JOIN status ON status.id = task.status_id WHERE task.parent_id IN ({marks}) "
            "GROUP BY task.parent_id",
            task_ids,
        ).fetchall()
        return {str(parent): (int(done or 0), int(total)) for parent, done, total in rows}

    def labels(self, project_id: str | None = None) -> list[str]:
        """The labels in use (in one project, or everywhere), sorted."""
        where, params = ("WHERE task.project_id = ?", [project_id]) if project_id else ("", [])
        rows = self.conn.execute(
            f"SELECT DISTINCT task_label.label FROM task_label JOIN task ON task.id = task_label.task_id {where} "
            "ORDER BY task_label.label",
            params,
        ).fetchall()
        return [str(r[0]) for r in rows]

    def user_by_email(self, email: str) -> Row | None:
        rows = self._rows("user", "SELECT * FROM user WHERE email = ?", (email.strip().lower(),))
        return rows[0] if rows else None

    def projects(self, *, include_archived: bool = True) -> list[Row]:
        where = "" if include_archived else " WHERE archived = 0"
        return self._rows("project", f"SELECT * FROM project{where} ORDER BY key, id")

    def project(self, project_id: str) -> Row | None:
        rows = self._rows("project", "SELECT * FROM project WHERE id = ?", (project_id,))
        return rows[0] if rows else None

    def project_by_key(self, key: str) -> Row | None:
        rows = self._rows("project", "SELECT * FROM project WHERE key = ?", (key.upper(),))
        return rows[0] if rows else None

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
        return self._rows("status", "SELECT * FROM status WHERE project_id = ? ORDER BY position, id", (project_id,))

    def board(self, project_id: str, filters: TaskFilter | None = None, *, limit: int = 500) -> list[BoardColumn]:
        """One column per status in (position, id) order, each with up to `limit` cards by (position, id)."""
        extra, params = (filters or TaskFilter()).sql()
        columns = []
        for status in self.statuses(project_id):
            cards = self._tasks(
                f"task.project_id = ? AND task.status_id = ?{extra}", [project_id, status["id"], *params], limit=limit
            )
            columns.append(BoardColumn(status, cards))
        return columns

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
        self, project_id: str, status_id: str, filters: TaskFilter | None = None, *, offset: int = 0, limit: int = 100
    ) -> list[Row]:
        """Cards `offset` .. `offset + limit` of one column in (position, id) order: a window of a long column."""
        extra, params = (filters or TaskFilter()).sql()
        where = f"task.project_id = ? AND task.status_id = ?{extra}"
        return self._tasks(where, [project_id, status_id, *params], limit=limit, offset=offset)

    def tasks(
        self, project_id: str | None = None, filters: TaskFilter | None = None, *, limit: int = 1000
    ) -> list[Row]:
        """Tasks of a project (or of every project), filtered, by (position, id)."""
        extra, params = (filters or TaskFilter()).sql()
        where, head = ("task.project_id = ?", [project_id]) if project_id else ("1 = 1", [])
        return self._tasks(where + extra, head + params, limit=limit)

    def task(self, task_id: str) -> Row | None:
        rows = self._tasks("task.id = ?", [task_id])
        return rows[0] if rows else None

    def task_by_key(self, key: str) -> Row | None:
        """A task by its KEY-12 label, or by id (tasks created offline have no number yet)."""
        prefix, _, number = key.rpartition("-")
        if prefix and number.isdigit():
            rows = self._tasks("project.key = ? AND task.number = ?", [prefix.upper(), int(number)])
            if rows:
                return rows[0]
        return self.task(key)

    def task_events(self, task_id: str) -> list[Row]:
        """A task's history (`task_event`, written by the server), oldest first."""
        return self._rows("task_event", "SELECT * FROM task_event WHERE task_id = ? ORDER BY at, id", (task_id,))

    def task_detail(self, task_id: str) -> TaskDetail | None:
        task = self.task(task_id)
        if task is None:
            return None
        subtasks = self._tasks("task.parent_id = ?", [task_id])
        comments = self._rows("comment", "SELECT * FROM comment WHERE task_id = ? ORDER BY created_at, id", (task_id,))
        watching = self.conn.execute(
            "SELECT 1 FROM watch WHERE task_id = ? AND user_id = (SELECT value FROM meta WHERE key = 'user_id')",
            (task_id,),
        ).fetchone()
        return TaskDetail(task, subtasks, comments, watching is not None)

    def my_tasks(
        self, filters: TaskFilter | None = None, *, include_done: bool = False, limit: int = 1000
    ) -> list[Row]:
        """Tasks assigned to me, soonest due first (no due date last)."""
        extra, params = (filters or TaskFilter()).sql()
        where = "task.assignee_id = (SELECT value FROM meta WHERE key = 'user_id')" + extra
        if not include_done:
            where += " AND task.status_id NOT IN (SELECT id FROM status WHERE category = 'done')"
        return self._tasks(where, params, order="task.due_at IS NULL, task.due_at, task.id", limit=limit)

    def unread_count(self) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM notification WHERE read_at IS NULL "
            "AND user_id = (SELECT value FROM meta WHERE key = 'user_id')"
        ).fetchone()
        return int(row[0])

    def notifications(self, *, unread_only: bool = False, limit: int = 100) -> list[Row]:
        """My notifications, newest first."""
        unread = " AND read_at IS NULL" if unread_only else ""
        return self._rows(
            "notification",
            "SELECT * FROM notification WHERE user_id = (SELECT value FROM meta WHERE key = 'user_id')"
            f"{unread} ORDER BY created_at DESC, id DESC LIMIT ?",
            (limit,),
        )

    def notification_comment(self, note: Row) -> Row | None:
        """The comment a `mentioned` or `commented` notification is about: its actor's comment on the
        task written (or edited) in the same server transaction, one that mentions me first for a
        mention, else their latest one before it."""
        if not note.get("task_id") or not note.get("actor_id"):
            return None
        at, me = note["created_at"], f'"{note["user_id"]}"'
        rows = self._rows(
            "comment",
            "SELECT * FROM comment WHERE task_id = ? AND author_id = ? AND created_at <= ? "
            "ORDER BY (created_at = ? OR edited_at = ?) DESC, (? AND instr(mentions, ?) > 0) DESC, "
            "created_at DESC, id DESC LIMIT 1",
            (note["task_id"], note["actor_id"], at, at, at, note["kind"] == "mentioned", me),
        )
        return rows[0] if rows else None

    def notification_prefs(self) -> Row:
        """My notification preferences as they apply now (pending changes included): my row, or the
        defaults when I have none (`seq` and `updated_at` None); `kinds` always holds every kind."""
        me = self.conn.execute("SELECT value FROM meta WHERE key = 'user_id'").fetchone()
        user_id = None if me is None or me[0] is None else str(me[0])
        rows = self._rows("notification_pref", "SELECT * FROM notification_pref WHERE user_id = ?", (user_id,))
        return effective(rows[0] if rows else None, user_id)

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
        return self._tasks(" AND ".join(clauses), params, order="task.updated_at DESC, task.id", limit=limit)
