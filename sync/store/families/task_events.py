"""Task history (`task_event`, written by the server, pulled with `include=task_event`): read only."""

from __future__ import annotations

from sync.store._family import Family
from sync.store._rows import Row


class TaskEvents(Family):
    def task_events(self, task_id: str) -> list[Row]:
        """A task's history, oldest first."""
        return self._rows("task_event", "SELECT * FROM task_event WHERE task_id = ? ORDER BY at, id", (task_id,))
