"""Row codecs: server rows to column tuples for executemany, cached rows back to protocol dicts."""

from __future__ import annotations

import functools
import operator
import sqlite3
from collections.abc import Callable
from typing import Any

import orjson

from sync.entities import BOOL_FIELDS, JSON_FIELDS
from sync.store._schema import COLUMNS, ENTITIES

Row = dict[str, Any]

_GET: dict[str, Callable[[Row], tuple[Any, ...]]] = {e: operator.itemgetter(*COLUMNS[e]) for e in ENTITIES}
_FIX = {
    e: [(i, n in JSON_FIELDS) for i, n in enumerate(COLUMNS[e]) if n in JSON_FIELDS or n in BOOL_FIELDS]
    for e in ENTITIES
}


def encode(entity: str, row: Row) -> tuple[Any, ...]:
    """A protocol row (as pulled, or as built optimistically) as the entity's column values."""
    try:
        values = _GET[entity](row)  # the hot path of a bootstrap: a full row, picked in C
    except KeyError:
        return _encode_partial(entity, row)
    fixes = _FIX[entity]
    if not fixes:
        return values
    out = list(values)
    for i, is_json in fixes:
        value = out[i]
        out[i] = orjson.dumps(value if value is not None else []).decode() if is_json else int(bool(value))
    return tuple(out)


def _encode_partial(entity: str, row: Row) -> tuple[Any, ...]:
    out: list[Any] = []
    for name in COLUMNS[entity]:
        value = row.get(name)
        if name in JSON_FIELDS:
            value = orjson.dumps(value if value is not None else []).decode()
        elif name in BOOL_FIELDS:
            value = int(bool(value))
        out.append(value)
    return tuple(out)


def decode(entity: str, row: sqlite3.Row) -> Row:
    """A cached row as a protocol dict (plus `pending` for rows of the view)."""
    out: Row = dict(zip(row.keys(), row, strict=True))
    for name in JSON_FIELDS:
        if name in out:
            out[name] = orjson.loads(out[name]) if out[name] else []
    for name in _BOOLS:
        if name in out:
            out[name] = bool(out[name])
    return out


_BOOLS = (*BOOL_FIELDS, "pending")


@functools.cache
def upsert_sql(table: str, entity: str, *, view: bool, pending: bool = False) -> str:
    """INSERT … ON CONFLICT(id) DO UPDATE: keeps the rowid, so the search index's triggers stay right."""
    columns = list(COLUMNS[entity])
    values = ["?"] * len(columns)
    if view:
        columns.append("pending")
        values.append("1" if pending else "0")
    sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(values)})"
    return f"{insert} ON CONFLICT(id) DO UPDATE SET {sets}"


def fetch(conn: sqlite3.Connection, table: str, row_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
    return row


@functools.cache
def _keep_base_sql(entity: str) -> str:
    columns = COLUMNS[entity]
    return f"INSERT OR IGNORE INTO base_{entity} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def keep_base(conn: sqlite3.Connection, entity: str, row: sqlite3.Row) -> None:
    """Copies a view row no pending mutation touched (so the server's row) to its base, unless it is
    there: a bootstrap writes the view alone (`_pull`), and a rollback or rebase needs the base of
    every row a pending mutation read or wrote."""
    conn.execute(_keep_base_sql(entity), tuple(row[c] for c in COLUMNS[entity]))


def write_view(conn: sqlite3.Connection, entity: str, row: Row, *, pending: bool) -> None:
    """Writes one row of the view (an optimistic change, or a base row copied back)."""
    conn.execute(upsert_sql(entity, entity, view=True, pending=pending), encode(entity, row))


@functools.cache
def _update_sql(entity: str, columns: tuple[str, ...]) -> str:
    sets = [f"{c} = ?" for c in columns] + ["pending = 1"]
    return f"UPDATE {entity} SET {', '.join(sets)} WHERE id = ?"


_IN_ORDER: dict[str, bool] = {}  # entity -> whether `SELECT *` of its view lists COLUMNS first, in order


def update_view(conn: sqlite3.Connection, entity: str, old: sqlite3.Row, row: Row) -> None:
    """Writes an optimistic change to an existing row of the view: only the columns that differ
    (and `pending`), so only the indexes and triggers on those columns do any work."""
    values = encode(entity, row)
    names = COLUMNS[entity]
    in_order = _IN_ORDER.get(entity)
    if in_order is None:
        in_order = _IN_ORDER[entity] = tuple(old.keys()[: len(names)]) == names
    current = tuple(old) if in_order else tuple(old[name] for name in names)  # by position: no name lookups
    changed = [i for i, value in enumerate(values) if value != current[i]]
    if not changed and old["pending"]:
        return
    sql = _update_sql(entity, tuple(names[i] for i in changed))
    conn.execute(sql, (*(values[i] for i in changed), row["id"]))
