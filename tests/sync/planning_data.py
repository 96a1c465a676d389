"""Hand-made planning fixtures for the golden-number tests: rows and `task_event` history written
into a real Store's cache through its pull-apply path (`Store.apply_pull`), shaped as the server
sends them. Ids are short readable names (`T1`), so expected answers read like the fixture."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sync.store import Store
from tests.sync import factories as f

PID = "P"
U1, U2 = f.ME, f.OTHER
TODO, DOING, DONE = "S-todo", "S-doing", "S-done"
STATUS = {"todo": TODO, "doing": DOING, "done": DONE}
CREATED = "2026-02-20T02:00"


def at(text: str) -> str:
    """`2026-03-04T02:00` (UTC) in the server's spelling."""
    return f"{text}:00.000000Z"


class Cache:
    """Collects rows and events, then applies them to a fresh store as one pull page."""

    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = [
            f.user(U1),
            f.user(U2, "李娜", "lina@example.com"),
            f.project(PID),
            f.member(PID, U1),
            f.member(PID, U2, "member"),
            f.status(PID, TODO, "待办", "todo", "a0"),
            f.status(PID, DOING, "进行中", "doing", "a1"),
            f.status(PID, DONE, "已完成", "done", "a2"),
        ]
        self._events = 0

    def event(self, task_id: str, when: str, field: str, old: Any = None, new: Any = None) -> None:
        self._events += 1
        self.changes.append(
            f.change(
                "task_event",
                id=f"E{self._events:04d}",
                project_id=PID,
                task_id=task_id,
                actor_id=U1,
                at=at(when),
                field=field,
                old=old,
                new=new,
            )
        )

    def task(
        self,
        task_id: str,
        *,
        created: str = CREATED,
        moves: Iterable[tuple[str, str]] = (),
        live: bool = True,
        **fields: Any,
    ) -> str:
        """A task created at `created` in `todo`, then moved through `moves` ((when, category)), with
        a `created` event and a `status_id` event per move; its row (unless not `live`) has the
        last status. Other fields are as given, with no events (set them with `event`)."""
        self.event(task_id, created, "created")
        status = TODO
        for when, category in moves:
            self.event(task_id, when, "status_id", status, STATUS[category])
            status = STATUS[category]
        if live:
            fields.setdefault("iteration_id", None)
            for name in ("due_at", "start_at"):
                if fields.get(name):
                    fields[name] = at(fields[name])
            self.changes.append(f.task(PID, status, task_id, created_at=at(created), **fields))
        return task_id

    def iteration(
        self, iteration_id: str, start_on: str, end_on: str, state: str, closed_at: str | None = None
    ) -> None:
        self.changes.append(
            f.change(
                "iteration",
                id=iteration_id,
                project_id=PID,
                name=iteration_id,
                goal="",
                start_on=start_on,
                end_on=end_on,
                state=state,
                closed_at=at(closed_at) if closed_at else None,
            )
        )

    def blocks(self, from_id: str, to_id: str) -> None:
        self.changes.append(
            f.change(
                "task_link",
                id=f"L-{from_id}-{to_id}",
                project_id=PID,
                from_id=from_id,
                to_id=to_id,
                kind="blocks",
                lag_days=0,
            )
        )

    def store(self, path: Path) -> Store:
        store = Store.open(path)
        store.set_account("http://keel.test", U1, "wangwei@example.com")
        store.apply_pull(f.page(*self.changes))
        return store
