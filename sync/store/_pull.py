"""A pull page's rows written to the cache: base and view, and the ranges they leave and join."""

from __future__ import annotations

import sqlite3
from typing import Any

from sync.store import _schema as schema
from sync.store._family import Touched, ranges_written
from sync.store._replay import view_ranges
from sync.store._rows import encode, upsert_sql


def write_rows(
    conn: sqlite3.Connection, changes: list[dict[str, Any]], *, ranges: bool = False
) -> tuple[Touched, Touched]:
    """Writes the page's rows to base and view; returns them, and (with `ranges`) the ranges
    their old and new versions in the view belong to."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for change in changes:  # ordered by seq: a row's last version in the page wins
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
    cur = conn.cursor()
    for entity, values in live.items():
        cur.executemany(upsert_sql(f"base_{entity}", entity, view=False), values)
        cur.executemany(upsert_sql(entity, entity, view=True), values)
    for entity, ids in gone.items():
        cur.executemany(f"DELETE FROM base_{entity} WHERE id = ?", ids)
        cur.executemany(f"DELETE FROM {entity} WHERE id = ?", ids)
    return set(latest), changed_ranges
