"""The cache's indexes that the planning figures read are derived indexes of the store
(`sync/store/_schema.py`, `PLANNING_INDEXES`): a bootstrap drops and rebuilds them with the others.
`drop_indexes` and `ensure_indexes` let `bench/dashboard.py` measure with and without them, and a
test show that they change no number."""

from __future__ import annotations

import sqlite3

from sync.store._schema import planning_index_sql


def ensure_indexes(conn: sqlite3.Connection) -> None:
    for statement in planning_index_sql():
        conn.execute(statement)


def drop_indexes(conn: sqlite3.Connection) -> None:
    for statement in planning_index_sql(drop=True):
        conn.execute(statement)
