"""The push hot path's data access: DB-API cursors with cached SQL, not SQLAlchemy statements.

SQLAlchemy Core costs ~0.2 ms a statement here and a push runs several per mutation; the DB-API
cursor costs a tenth of that (PERF-NOTES.md). Tables still come from server/models.py; this module
only converts values the way `UtcDateTime` and SQLAlchemy's SQLite dialect do, so rows written
here and there look the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection

from server.models import UtcDateTime

_NAMED = re.compile(r"(?<!:):(\w+)")

# Writes a push may queue (`Raw.defer`): they cannot fail once their mutation's checks passed (an
# UPDATE by id of validated values; an INSERT of a fresh uuid4 id), so running them later, in a
# batch, cannot turn one mutation's rejection into another's.
QUEUED_UPDATES = frozenset({"tasks"})
QUEUED_INSERTS = frozenset({"task_events", "notifications"})


class QueuedWriteFailed(RuntimeError):
    """A queued write failed when it ran: the push fails as a whole (nothing of it commits)."""


class Raw:
    """SQL with `:name` parameters on the transaction's own DB-API connection."""

    def __init__(self, conn: Connection) -> None:
        self.sqlite = conn.dialect.name == "sqlite"
        dbapi = conn.connection.driver_connection
        assert dbapi is not None
        self._cursor = dbapi.cursor()
        self._sql: dict[str, str] = {}
        self._savepoints = 0
        # Rows read ahead for a push (`prefetch`), by (table, id): each serves one `get`, and a
        # write to the row or a rollback drops it.
        self._ahead: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._conn = conn
        # Queued writes (table, prepared SQL, bound params), None unless `defer()` was called; and
        # the open savepoints as [name, emitted, queue length when it was taken].
        self._queue: list[tuple[str, str, dict[str, Any]]] | None = None
        self._open: list[list[Any]] = []

    def defer(self) -> None:
        """From now on, queue the writes of QUEUED_UPDATES and QUEUED_INSERTS and the feed's upserts
        (`write`), and take savepoints lazily: both reach the database, in order, just before any
        other statement (this one's or SQLAlchemy's on the same connection), so every read sees
        them. A push of 500 task updates then runs two `executemany` and no savepoint at all."""
        self._queue = []
        event.listen(self._conn, "before_cursor_execute", lambda *_: self.flush())

    def write(self, table: str, sql: str, params: Mapping[str, Any]) -> None:
        """A write that cannot fail once its mutation's checks passed: queued when deferring."""
        if self._queue is None:
            self.execute(sql, params)
        else:
            self._queue.append((table, self._prepare(sql), {k: self.bind(v) for k, v in params.items()}))

    def flush(self) -> None:
        """Runs the queued writes: each table's in order, consecutive ones of the same SQL in one
        `executemany`; a savepoint not taken yet is taken where its mutation began."""
        queue = self._queue
        if not queue and all(emitted for _, emitted, _ in self._open):
            return
        assert queue is not None
        self._queue = []
        start = 0
        for mark in self._open:
            if not mark[1]:
                self._run(queue[start : mark[2]])
                self._cursor.execute(f"SAVEPOINT {mark[0]}")
                mark[1], start = True, mark[2]
        self._run(queue[start:])

    def _run(self, queue: list[tuple[str, str, dict[str, Any]]]) -> None:
        by_table: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for table, sql, params in queue:
            by_table.setdefault(table, []).append((sql, params))
        try:
            for writes in by_table.values():
                i = 0
                while i < len(writes):
                    sql, j = writes[i][0], i + 1
                    while j < len(writes) and writes[j][0] == sql:
                        j += 1
                    self._cursor.executemany(sql, [params for _, params in writes[i:j]])
                    i = j
        except Exception as exc:
            raise QueuedWriteFailed("a queued write failed") from exc

    def _prepare(self, sql: str) -> str:
        prepared = self._sql.get(sql)
        if prepared is None:
            prepared = sql if self.sqlite else _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))
            self._sql[sql] = prepared
        return prepared

    def bind(self, value: Any) -> Any:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
            return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") if self.sqlite else value
        if isinstance(value, date) and self.sqlite:
            return value.isoformat()  # as SQLAlchemy's SQLite `Date` stores it
        return value

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        if self._queue is not None:
            self.flush()
        bound = {k: self.bind(v) for k, v in (params or {}).items()}
        self._cursor.execute(self._prepare(sql), bound)
        return self._cursor

    def executemany(self, sql: str, params: Sequence[Mapping[str, Any]]) -> None:
        if self._queue is not None:
            self.flush()
        if params:
            self._cursor.executemany(self._prepare(sql), [{k: self.bind(v) for k, v in p.items()} for p in params])

    def rows(self, table: sa.Table, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        cur = self.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [convert_row(table, dict(zip(names, r, strict=True))) for r in cur.fetchall()]

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def get(self, table: sa.Table, row_id: str) -> dict[str, Any] | None:
        key = (table.name, row_id)
        if key in self._ahead:
            return self._ahead.pop(key)
        found = self.rows(table, f"SELECT * FROM {table.name} WHERE id = :id", {"id": row_id})
        return found[0] if found else None

    def prefetch(self, table: sa.Table, ids: Iterable[str]) -> None:
        """Reads these rows (or their absence) in one query per 500, for the `get`s that follow:
        a push of 500 task updates makes one SELECT of its tasks instead of 500."""
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks, params = in_params("i", chunk)
            found = {
                str(r["id"]): r for r in self.rows(table, f"SELECT * FROM {table.name} WHERE id IN ({marks})", params)
            }
            for row_id in chunk:
                self._ahead[(table.name, row_id)] = found.get(row_id)

    def insert(self, table: sa.Table, row: Mapping[str, Any]) -> None:
        self._ahead.pop((table.name, str(row.get("id"))), None)
        cols = list(row)
        sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
        if table.name in QUEUED_INSERTS:
            self.write(table.name, sql, row)
        else:
            self.execute(sql, row)

    def update(self, table: sa.Table, row_id: str, values: Mapping[str, Any]) -> None:
        self._ahead.pop((table.name, row_id), None)
        sets = ", ".join(f"{c} = :{c}" for c in sorted(values))
        sql = f"UPDATE {table.name} SET {sets} WHERE id = :id_"
        if table.name in QUEUED_UPDATES:
            self.write(table.name, sql, {**values, "id_": row_id})
        else:
            self.execute(sql, {**values, "id_": row_id})

    # Savepoints go to the driver directly; SQLAlchemy's own transaction wraps them untouched.
    # While deferring, one is taken only when a statement runs before its mutation ends (`flush`).
    def savepoint(self) -> str:
        self._savepoints += 1
        name = f"m{self._savepoints}"
        lazy = self._queue is not None
        if not lazy:
            self._cursor.execute(f"SAVEPOINT {name}")
        self._open.append([name, not lazy, len(self._queue or ())])
        return name

    def release(self, name: str) -> None:
        _, emitted, _ = self._pop(name)
        if emitted:
            self._cursor.execute(f"RELEASE SAVEPOINT {name}")

    def rollback_to(self, name: str) -> None:
        self._ahead.clear()
        _, emitted, mark = self._pop(name)
        if self._queue is not None:
            # Taken: everything queued since was queued after it. Not taken: nothing ran since.
            del self._queue[0 if emitted else mark :]
        if emitted:
            self._cursor.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self._cursor.execute(f"RELEASE SAVEPOINT {name}")

    def _pop(self, name: str) -> list[Any]:
        mark = self._open.pop()
        assert mark[0] == name, "savepoints end in the reverse order of their start"
        return mark


_KINDS: dict[str, dict[str, str]] = {}


def _column_kinds(table: sa.Table) -> dict[str, str]:
    kinds = _KINDS.get(table.name)
    if kinds is None:
        kinds = {}
        for column in table.columns:
            if isinstance(column.type, UtcDateTime):
                kinds[column.name] = "datetime"
            elif isinstance(column.type, sa.Boolean):
                kinds[column.name] = "bool"
            elif isinstance(column.type, sa.Date):
                kinds[column.name] = "date"
        _KINDS[table.name] = kinds
    return kinds


def convert_row(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    """Driver values to what SQLAlchemy would give: aware UTC datetimes, dates and real booleans."""
    for name, kind in _column_kinds(table).items():
        value = row.get(name)
        if value is None:
            continue
        if kind == "bool":
            row[name] = bool(value)
        elif kind == "date":
            row[name] = date.fromisoformat(value) if isinstance(value, str) else value
        elif isinstance(value, str):
            row[name] = datetime.fromisoformat(value).replace(tzinfo=UTC)
        elif isinstance(value, datetime):
            row[name] = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return row


def in_params(prefix: str, values: Iterable[Any]) -> tuple[str, dict[str, Any]]:
    """An IN list's placeholders and parameters: (':p0, :p1', {'p0': …, 'p1': …})."""
    params = {f"{prefix}{i}": v for i, v in enumerate(values)}
    return ", ".join(f":{k}" for k in params) or "NULL", params
