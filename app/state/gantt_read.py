"""Reading a project into a Gantt `Chart`: one lean query for the tasks (the columns the chart
draws, with the status's category and the project's key joined in SQL) and one for the `blocks`
links, as plain tuples. The store's `tasks()` reads every column and decodes every row (labels,
descriptions), which a 10,000-task chart does not need (docs/benchmarks.md, "Gantt")."""

from __future__ import annotations

from datetime import date, tzinfo

from app.state.gantt import Chart, make_item
from app.state.gantt_plan import Link
from sync.store import AppStore
from sync.workdays import Calendar

_TASKS = """
SELECT t.id, p.key, t.number, t.title, t.type, t.start_at, t.due_at, t.pending, s.category = 'done'
FROM task t
LEFT JOIN project p ON p.id = t.project_id
LEFT JOIN status s ON s.id = t.status_id AND s.project_id = t.project_id
WHERE t.project_id = ?
"""
_LINKS = "SELECT from_id, to_id, kind, lag_days FROM task_link WHERE project_id = ? AND kind = 'blocks' ORDER BY id"


def read_chart(store: AppStore, project_id: str, today: date, zone: tzinfo, calendar: Calendar = "cn") -> Chart:
    """A project's chart from the store (its tasks, their statuses' categories and its links), on
    its calendar."""
    cursor = store.conn.cursor()
    cursor.row_factory = None
    items = [
        make_item(tid, f"{key}-{number}" if key and number else None, title, kind, start, due, bool(done),
                  bool(pending), zone)
        for tid, key, number, title, kind, start, due, pending, done in cursor.execute(_TASKS, (project_id,))
    ]  # fmt: skip
    links = [Link(a, b, kind, int(lag or 0)) for a, b, kind, lag in cursor.execute(_LINKS, (project_id,))]
    return Chart.of(items, links, today, calendar)
