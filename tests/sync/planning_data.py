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


def team() -> Cache:
    """Two people's work in March 2026 (times UTC; Shanghai is UTC+8). Estimates in brackets.

    - T1 (U1) [2]: doing 03-02 02:00, done 03-04 02:00, due 03-05 10:00: on time, cycle 2 days.
    - T2 (U1) [4, then 6 from 03-05]: doing 03-03 02:00, done 03-10 02:00, due 03-06 10:00: late, 7 days.
    - T3 (U2): todo to done at 03-08 17:00, which is 03-09 01:00 in Shanghai; no due; never doing.
    - T4 (U2) [5]: doing 02-25 02:00, done 03-05 14:00, due exactly then: on time, 8.5 days.
    - T5 (U1): done 02-20 02:00, before any window here.
    - T6 (U1) [3]: doing since 03-02, due 03-10 10:00: overdue on 03-11. It `blocks` T7.
    - T7 (unassigned): todo, due 03-20.
    - T8 (U2): doing 03-02, done 03-03, reopened (todo) 03-04, doing 03-05, done 03-06 (all 02:00):
      its last entry into done is 03-06, cycle 4 days from its first doing.
    - M1 (U1): a milestone due 03-31, nothing leads to it; never counted as work.
    """
    c = Cache()
    d = "done"
    c.task(
        "T1",
        moves=[("2026-03-02T02:00", "doing"), ("2026-03-04T02:00", d)],
        assignee_id=U1,
        due_at="2026-03-05T10:00",
        estimate=2,
    )
    c.task(
        "T2",
        moves=[("2026-03-03T02:00", "doing"), ("2026-03-10T02:00", d)],
        assignee_id=U1,
        due_at="2026-03-06T10:00",
        estimate=6,
    )
    c.event("T2", "2026-03-05T02:00", "estimate", 4, 6)
    c.task("T3", moves=[("2026-03-08T17:00", d)], assignee_id=U2)
    c.task(
        "T4",
        moves=[("2026-02-25T02:00", "doing"), ("2026-03-05T14:00", d)],
        assignee_id=U2,
        due_at="2026-03-05T14:00",
        estimate=5,
    )
    c.task(
        "T5", created="2026-02-01T02:00", moves=[("2026-02-10T02:00", "doing"), ("2026-02-20T02:00", d)], assignee_id=U1
    )
    c.task("T6", moves=[("2026-03-02T02:00", "doing")], assignee_id=U1, due_at="2026-03-10T10:00", estimate=3)
    c.task("T7", due_at="2026-03-20T10:00")
    c.blocks("T6", "T7")
    c.task(
        "T8",
        assignee_id=U2,
        moves=[
            ("2026-03-02T02:00", "doing"),
            ("2026-03-03T02:00", d),
            ("2026-03-04T02:00", "todo"),
            ("2026-03-05T02:00", "doing"),
            ("2026-03-06T02:00", d),
        ],
    )
    c.task("M1", assignee_id=U1, type="milestone", due_at="2026-03-31T10:00")
    return c
