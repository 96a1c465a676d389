"""Indexes of the cache that the planning figures need, for the lead to wire into the store's
derived indexes (sync/store/_schema.py, `DERIVED_INDEXES`): a bootstrap drops and rebuilds those.

Until then `ensure_indexes(conn)` creates them (IF NOT EXISTS, idempotent, a few hundred ms on a
100,000-task cache); `bench/dashboard.py` measures with and without them.
"""

from __future__ import annotations

import sqlite3

INDEX_SQL = (
    # The dashboard's pass over a project's work: every column it reads, in the order it groups them,
    # so it neither visits the rows nor sorts.
    "CREATE INDEX IF NOT EXISTS ix_task_work ON task (project_id, assignee_id, status_id, type, due_at, estimate)",
    # The status events of a project's window: throughput, completions (dashboard, forecast). It
    # covers what they read (events are insert-only, so it costs a pull little; it is about half the
    # size of the table): a third less time than (project_id, field, at) alone.
    "CREATE INDEX IF NOT EXISTS ix_task_event_field ON task_event (project_id, field, at, task_id, old, new)",
    # An iteration's open tasks (risk flags) and the tasks that belong to it (burndown).
    "CREATE INDEX IF NOT EXISTS ix_task_iteration ON task (iteration_id)",
    # A project's milestones (a partial index: milestones are few).
    "CREATE INDEX IF NOT EXISTS ix_task_milestone ON task (project_id, due_at) WHERE type = 'milestone'",
    # The predecessors of a task through `blocks` links (milestones' open work).
    "CREATE INDEX IF NOT EXISTS ix_task_link_to ON task_link (to_id, kind)",
)


def ensure_indexes(conn: sqlite3.Connection) -> None:
    for statement in INDEX_SQL:
        conn.execute(statement)
