"""Indexes of the cache that the planning figures need, for the lead to wire into the store's
derived indexes (sync/store/_schema.py, `DERIVED_INDEXES`): a bootstrap drops and rebuilds those.

Until then `ensure_indexes(conn)` creates them (IF NOT EXISTS, idempotent, a few hundred ms on a
100,000-task cache); `bench/dashboard.py` measures with and without them.
"""

from __future__ import annotations

import sqlite3

INDEX_SQL = (
    # The status events of a project's window: throughput, completions (dashboard, forecast).
    "CREATE INDEX IF NOT EXISTS ix_task_event_field ON task_event (project_id, field, at)",
    # An iteration's open tasks (risk flags) and the tasks that belong to it (burndown).
    "CREATE INDEX IF NOT EXISTS ix_task_iteration ON task (iteration_id)",
    # The predecessors of a task through `blocks` links (milestones' open work).
    "CREATE INDEX IF NOT EXISTS ix_task_link_to ON task_link (to_id, kind)",
)


def ensure_indexes(conn: sqlite3.Connection) -> None:
    for statement in INDEX_SQL:
        conn.execute(statement)
