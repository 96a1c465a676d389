"""The task detail reads everything it draws at once (`app.state.detail.detail_view`), behind one
`use_store` that follows every entity the view reads (`DETAIL_ROWS`): a pull that changes any of
them redraws the open detail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest

import sync.protocol as p
from app.state.detail import DETAIL_ROWS, TASK_TYPES, activity, detail_view
from app.ui.base import priority_color, priority_icon, relevant
from sync.store import Changes, Store
from tests.sync import factories as f

PID = "0190a000-0000-7000-8000-0000000000a1"
TODO, DONE = "0190a000-0000-7000-8000-0000000000b1", "0190a000-0000-7000-8000-0000000000b2"
TID, PARENT = "0190a000-0000-7000-8000-0000000000c1", "0190a000-0000-7000-8000-0000000000c2"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "s.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    s.apply_pull(
        f.page(
            f.user(),
            f.user(f.OTHER, "李娜", "lina@example.com"),
            f.project(PID, "APP", "产品迭代"),
            f.member(PID, role="member"),
            f.member(PID, f.OTHER, role="admin"),
            f.status(PID, TODO, "待办", "todo", "a0"),
            f.status(PID, DONE, "已完成", "done", "a1"),
            f.task(PID, TODO, PARENT, title="登录页改版"),
            f.task(PID, DONE, TID, title="修复登录页闪退", parent_id=PARENT, number=2),
        )
    )
    yield s
    s.close()


def archived() -> dict[str, Any]:
    row = f.project(PID)
    row["row"]["archived"] = True
    return row


def changes_of(store: Store, *rows: dict[str, Any]) -> list[Changes]:
    seen: list[Changes] = []
    stop = store.subscribe(seen.append)
    store.apply_pull(f.page(*rows))
    stop()
    return seen


def test_the_view_holds_what_the_detail_draws(store: Store) -> None:
    view = detail_view(store, TID)
    assert view is not None
    assert view.task["title"] == "修复登录页闪退" and view.parent is not None and view.parent["id"] == PARENT
    assert view.editable and view.done and view.done_ids == {DONE} and view.me == f.ME
    assert sorted(p["id"] for p in view.people) == sorted([f.ME, f.OTHER])
    assert view.names[f.OTHER] == "李娜"
    assert [s["id"] for s in view.statuses] == [TODO, DONE]
    assert view.activity == activity(store, TID)
    assert detail_view(store, "0190a000-0000-7000-8000-00000000dead") is None


@pytest.mark.parametrize(
    ("rows", "read"),
    [
        ((f.member(PID, role="viewer"),), lambda v: v.editable),  # my role
        ((archived(),), lambda v: v.editable),  # an archived project takes no edits
        ((f.user(f.OTHER, "李娜娜", "lina@example.com"),), lambda v: v.names[f.OTHER]),
        ((f.status(PID, DONE, "完成", "done", "a1"),), lambda v: [s["name"] for s in v.statuses]),
        ((f.notification(PID, TID, kind="assigned"),), lambda v: len(v.activity)),
    ],
)
def test_a_pull_of_any_row_the_view_reads_redraws_it(store: Store, rows: tuple[Any, ...], read: Any) -> None:
    before = detail_view(store, TID)
    seen = changes_of(store, *rows)
    after = detail_view(store, TID)
    assert before is not None and after is not None and read(before) != read(after)
    assert any(relevant(c, DETAIL_ROWS) for c in seen)


def test_task_types_are_the_protocols() -> None:
    assert get_args(p.TaskType) == TASK_TYPES


def test_a_value_the_protocol_adds_draws_a_plain_icon() -> None:
    assert priority_icon("someday") is not None and priority_color("someday") is not None
    assert priority_icon("urgent") != priority_icon("someday")
