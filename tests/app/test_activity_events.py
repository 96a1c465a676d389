"""The task detail's activity list reads the task's history (`task_event`) when the store has it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.state.detail import Activity, activity
from sync.ids import uuid7
from sync.store import Store
from tests.sync import factories as f

PID = "0190a000-0000-7000-8000-0000000000a1"
TODO, DOING = "0190a000-0000-7000-8000-0000000000b1", "0190a000-0000-7000-8000-0000000000b2"
TID = "0190a000-0000-7000-8000-0000000000c1"
TIMES = [f"2025-03-0{d}T08:00:00.000000Z" for d in range(1, 8)]


def event(at: str, field: str, old: Any = None, new: Any = None, actor: str = f.OTHER) -> dict[str, Any]:
    row = {"id": uuid7(), "project_id": PID, "task_id": TID, "actor_id": actor, "at": at, "field": field}
    return f.change("task_event", **row, old=old, new=new)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "s.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    s.apply_pull(
        f.page(
            f.user(),
            f.project(PID, "APP", "产品迭代"),
            f.member(PID),
            f.status(PID, TODO, "待办", "todo", "a0"),
            f.status(PID, DOING, "进行中", "doing", "a1"),
            f.task(PID, DOING, TID, title="修复登录页闪退", updated_at=TIMES[4]),
        )
    )
    yield s
    s.close()


def test_the_history_replaces_what_notifications_pieced_together(store: Store) -> None:
    comment = f.comment(TID, PID, "已复现")
    comment["row"]["created_at"] = TIMES[3]
    store.apply_pull(
        f.page(
            event(TIMES[0], "created", actor=f.ME),
            event(TIMES[1], "assignee_id", None, f.ME),
            event(TIMES[2], "status_id", TODO, DOING),
            event(TIMES[4], "priority", "none", "high"),
            event(TIMES[5], "assignee_id", f.ME, f.OTHER),
            comment,
            # A notification of a change the history holds is not listed twice; a reminder is.
            f.notification(PID, TID, kind="status_changed", created_at=TIMES[2]),
            f.notification(PID, TID, kind="due_soon", created_at=TIMES[6]),
        )
    )
    assert activity(store, TID) == [
        Activity(TIMES[6], "due_soon", f.OTHER, "任务"),
        Activity(TIMES[5], "updated", f.OTHER),  # assigned to someone else: not "assigned it to you"
        Activity(TIMES[4], "updated", f.OTHER),
        Activity(TIMES[3], "commented", f.OTHER, "已复现"),
        Activity(TIMES[2], "status_changed", f.OTHER),
        Activity(TIMES[1], "assigned", f.OTHER),
        Activity(TIMES[0], "created", f.ME),
    ]
    assert [e["field"] for e in store.task_events(TID)] == [
        "created",
        "assignee_id",
        "status_id",
        "priority",
        "assignee_id",
    ]
