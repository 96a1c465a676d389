"""A pull page's rows written to the cache: base and view, and the ranges they leave and join.

A page comes as v1 `changes` (one object per row) or, when the client asked for it, as column
`tables` (docs/protocol.md, "Compact pull pages"); both end up as the same column tuples.
On a bootstrap with an empty outbox (`view_only`), rows go to the view alone: no mutation is
pending, so every row's base equals its view row. The base stays sparse until a local action first
touches a row, which copies it there (`_family.Ctx`), and until `fill_base` copies the rest after
the bootstrap (beside the search index, off the UI's thread); user and member rows always go to
both, since `forget_strangers` reads their base.
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Iterator
from typing import Any

import orjson

from sync.entities import BOOL_FIELDS, JSON_FIELDS
from sync.store import _schema as schema
from sync.store._base import immediate
from sync.store._family import Touched, ranges_written
from sync.store._replay import view_ranges
from sync.store._rows import encode, upsert_sql

ALWAYS_BASE = frozenset({"user", "member"})  # forget_strangers reads base_user and base_member


def page_changes(page: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The page's rows as v1 changes, whichever form it came in (the slow path, for rare pages)."""
    yield from page.get("changes", [])
    for table in page.get("tables", []):
        columns = table["columns"]
        for values in table["rows"]:
            row = dict(zip(columns, values, strict=True))
            yield {"entity": table["entity"], "seq": row.get("seq"), "row": row}


def write_rows(
    conn: sqlite3.Connection, page: dict[str, Any], *, ranges: bool = False, view_only: bool = False
) -> tuple[Touched, Touched]:
    """Writes the page's rows to base and view; returns them, and (with `ranges`) the ranges
    their old and new versions in the view belong to."""
    if "tables" in page and not ranges:
        return _write_tables(conn, page["tables"], view_only=view_only), set()
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for change in page_changes(page):  # ordered by seq: a row's last version in the page wins
        if change["entity"] in schema.FIELDS:  # an entity from a newer protocol is ignored
            latest[(change["entity"], change["row"]["id"])] = change["row"]
    changed_ranges: Touched = set()
    if ranges:
        changed_ranges = view_ranges(conn, latest)
        for (entity, _), row in latest.items():
            if not row.get("deleted"):
                changed_ranges |= ranges_written(entity, {k: row.get(k) for k in schema.COLUMNS[entity]})
    live: dict[str, list[tuple[Any, ...]]] = {}
    gone: dict[str, list[tuple[str]]] = {}
    for (entity, row_id), row in latest.items():
        if row.get("deleted"):
            gone.setdefault(entity, []).append((row_id,))
        else:
            live.setdefault(entity, []).append(encode(entity, row))
    _write(conn, live, gone, view_only=view_only)
    return set(latest), changed_ranges


def _write_tables(conn: sqlite3.Connection, tables: list[dict[str, Any]], *, view_only: bool) -> Touched:
    """The fast path of a compact page: column arrays straight to column tuples, no dict per row."""
    touched: Touched = set()
    live: dict[str, list[tuple[Any, ...]]] = {}
    gone: dict[str, list[tuple[str]]] = {}
    for table in tables:
        entity = table["entity"]
        if entity not in schema.FIELDS:  # an entity from a newer protocol is ignored
            continue
        columns = list(table["columns"])
        wanted = schema.COLUMNS[entity]
        if not set(wanted) <= set(columns):  # a server older than this client: the general path
            rows = [{"entity": entity, "seq": None, "row": dict(zip(columns, v, strict=True))} for v in table["rows"]]
            touched |= write_rows(conn, {"changes": rows}, view_only=view_only)[0]
            continue
        pick = operator.itemgetter(*(columns.index(c) for c in wanted))
        id_at, deleted_at = columns.index("id"), columns.index("deleted")
        json_at = [i for i, c in enumerate(wanted) if c in JSON_FIELDS]
        bool_at = [i for i, c in enumerate(wanted) if c in BOOL_FIELDS]
        latest: dict[str, list[Any]] = {}
        for values in table["rows"]:  # in seq order: a row's last version in the page wins
            latest[values[id_at]] = values
        for row_id, values in latest.items():
            touched.add((entity, row_id))
            if values[deleted_at]:
                gone.setdefault(entity, []).append((row_id,))
                continue
            out = list(pick(values))
            for i in json_at:
                value = out[i]
                out[i] = orjson.dumps(value if value is not None else []).decode()
            for i in bool_at:
                out[i] = int(bool(out[i]))
            live.setdefault(entity, []).append(tuple(out))
    _write(conn, live, gone, view_only=view_only)
    return touched


def _write(
    conn: sqlite3.Connection,
    live: dict[str, list[tuple[Any, ...]]],
    gone: dict[str, list[tuple[str]]],
    *,
    view_only: bool,
) -> None:
    cur = conn.cursor()
    for entity, values in live.items():
        if not view_only or entity in ALWAYS_BASE:
            cur.executemany(upsert_sql(f"base_{entity}", entity, view=False), values)
        cur.executemany(upsert_sql(entity, entity, view=True), values)
    for entity, ids in gone.items():
        cur.executemany(f"DELETE FROM base_{entity} WHERE id = ?", ids)
        cur.executemany(f"DELETE FROM {entity} WHERE id = ?", ids)


BASE_SPARSE = "base_sparse"  # meta key: "1" while a bootstrap's rows have no base copy yet


def fill_base(conn: sqlite3.Connection, chunk: int = 5000) -> None:
    """Copies every view row no pending mutation touched to the base, after a bootstrap wrote the view
    alone: a transaction per `chunk` rows (local writes wait at most one), on any connection. Safe
    at any moment: such a row equals the server's row, and a row a local action touched got its
    base copied before the action changed it (`_family.Ctx`), so it is left as it is."""
    if _meta(conn, BASE_SPARSE) != "1":
        return
    for entity in schema.ENTITIES:
        if entity in ALWAYS_BASE:
            continue
        columns = ", ".join(schema.COLUMNS[entity])
        copy = (
            f"INSERT OR IGNORE INTO base_{entity} ({columns}) "
            f"SELECT {columns} FROM {entity} WHERE rowid > ? AND rowid <= ? AND pending = 0"
        )
        upto = -1
        while True:
            with immediate(conn):
                end = conn.execute(
                    f"SELECT max(rowid) FROM (SELECT rowid FROM {entity} WHERE rowid > ? ORDER BY rowid LIMIT ?)",
                    (upto, chunk),
                ).fetchone()[0]
                if end is None:
                    break
                conn.execute(copy, (upto, end))
            upto = end
    with immediate(conn):
        conn.execute("DELETE FROM meta WHERE key = ?", (BASE_SPARSE,))


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]
