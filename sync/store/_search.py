"""The search index's queue: the triggers on `task` (`_schema.TRIGGERS`) note which tasks' text
changed, and `flush_search` indexes them, off the path of a local write: before a search, and
after each sync on a connection of its own (`EngineStore.maintain_detached`)."""

from __future__ import annotations

import sqlite3

from sync.store import _schema as schema


def flush_search(conn: sqlite3.Connection) -> None:
    """Brings the search index up to date with the task edits its triggers queued."""
    if conn.execute("SELECT 1 FROM task_fts_stale LIMIT 1").fetchone() is None:
        return
    if conn.in_transaction:  # inside the caller's write transaction
        for statement in schema.SEARCH_FLUSH_SQL:
            conn.execute(statement)
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in schema.SEARCH_FLUSH_SQL:
            conn.execute(statement)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
