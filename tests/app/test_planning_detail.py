"""The task detail's planning parts as plain data: the iteration picker's choices, the dependencies
section's groups, adding and removing links, and a loop of blocking tasks refused with its chain,
offline by the store and by the live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.i18n import t
from app.problems import DEPENDENCY_CYCLE, REFUSED, problem_of, rejection_key
from app.state.planning_detail import (
    CYCLE,
    Problem,
    add_link,
    iteration_choices,
    link_candidates,
    link_ends,
    links_view,
    refused_links,
    remove_link,
)
from server.settings import Settings
from sync.errors import DependencyCycle
from sync.store import Store
from tests.live_server import live_server
from tests.sync import factories as f
from tests.sync.devices import register, sign_in
from tests.sync.test_engine import owner_with_project, share

PID = "0190a000-0000-7000-8000-0000000000a1"
TODO, DONE = "0190a000-0000-7000-8000-0000000000b1", "0190a000-0000-7000-8000-0000000000b3"
T = [f"0190a000-0000-7000-8000-0000000000c{n}" for n in range(1, 6)]  # APP-1 .. APP-5
IT = {s: f"0190a000-0000-7000-8000-0000000000d{n}" for n, s in enumerate(("active", "planned", "closed", "old"), 1)}
TITLES = ["设计", "开发", "测试", "发布", "开发（重复）"]


def iteration(state: str, start: str) -> dict[str, Any]:
    closed_at = "2026-10-30T10:00:00.000000Z" if state in ("closed", "old") else None
    row = {"id": IT[state], "project_id": PID, "name": f"迭代-{state}", "goal": "", "start_on": start}
    return f.change("iteration", **row, end_on=start, state="closed" if state == "old" else state, closed_at=closed_at)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "s.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    tasks = [
        f.task(PID, TODO, tid, number=n, title=title, position=f"a{n}", iteration_id=IT["old"] if n == 2 else None)
        for n, (tid, title) in enumerate(zip(T, TITLES, strict=True), 1)
    ]
    s.apply_pull(
        f.page(
            f.user(),
            f.project(PID, "APP", "产品迭代"),
            f.member(PID),
            f.status(PID, TODO, "待办", "todo", "a0"),
            f.status(PID, DONE, "已完成", "done", "a2"),
            *tasks,
            iteration("planned", "2026-12-14"),
            iteration("active", "2026-12-01"),
            iteration("closed", "2026-11-01"),
            iteration("old", "2026-10-01"),
        )
    )
    yield s
    s.close()


def test_the_iteration_picker_offers_open_iterations_and_the_tasks_own(store: Store) -> None:
    task = store.task(T[0])
    assert task is not None
    assert [(c.name, c.state) for c in iteration_choices(store, task)] == [
        ("迭代-active", "active"),
        ("迭代-planned", "planned"),
    ]
    in_old = store.task(T[1])
    assert in_old is not None
    assert [c.id for c in iteration_choices(store, in_old)][-1] == IT["old"]  # a task may stay in a closed one
    store.set_iteration(T[0], IT["active"])
    assert store.task(T[0])["iteration_id"] == IT["active"]  # type: ignore[index]


def test_links_are_grouped_from_the_tasks_side_and_removed(store: Store) -> None:
    task = store.task(T[1])
    assert task is not None
    assert link_ends(T[1], "blocked_by", T[0]) == (T[0], T[1], "blocks")
    assert link_ends(T[1], "duplicates", T[4]) == (T[1], T[4], "duplicates")
    for relation, other in (("blocked_by", T[0]), ("blocks", T[2]), ("relates", T[3])):
        assert add_link(store, task, relation, other) is None
    assert add_link(store, store.task(T[4]) or {}, "duplicates", T[1]) is None
    view = links_view(store, T[1])
    shown = {name: [(x.other_label, x.incoming, x.pending) for x in lines] for name, lines in view.groups}
    assert shown == {
        "blocked_by": [("APP-1 设计", True, True)],
        "blocks": [("APP-3 测试", False, True)],
        "relates": [("APP-4 发布", False, True)],
        "duplicates": [("APP-5 开发（重复）", True, True)],
    }
    assert view.count == 4 and view.refused == []
    # The search offers neither the task itself nor a task already linked that way.
    assert [c.key for c in link_candidates(store, task, "blocks", "APP")] == ["APP-1", "APP-4", "APP-5"]
    assert [c.key for c in link_candidates(store, task, "relates", "发布")] == []
    remove_link(store, dict(view.groups)["blocks"][0])
    assert links_view(store, T[1]).count == 3


def test_a_loop_is_refused_offline_with_its_chain(store: Store) -> None:
    first, second, third = (store.task(tid) or {} for tid in T[:3])
    assert add_link(store, first, "blocks", T[1]) is None
    assert add_link(store, second, "blocks", T[2]) is None
    queued = store.pending_count()
    refused = add_link(store, first, "blocked_by", T[2])  # APP-3 would block APP-1: APP-1 -> 2 -> 3 -> 1
    assert refused == Problem(CYCLE, {"source": "APP-3", "target": "APP-1", "chain": "APP-1 → APP-2 → APP-3"})
    assert store.pending_count() == queued
    assert t(refused.key, **refused.params).startswith(
        "APP-3 不能阻塞 APP-1：APP-1 已经在阻塞 APP-3（APP-1 → APP-2 → APP-3）"
    )
    assert add_link(store, third, "relates", T[0]) is None  # only `blocks` links make loops
    assert problem_of(DependencyCycle("x")) == DEPENDENCY_CYCLE and t(DEPENDENCY_CYCLE)
    assert rejection_key("dependency_cycle") == DEPENDENCY_CYCLE and rejection_key("no_such_code") == REFUSED


async def test_a_loop_the_server_refuses_reads_the_same(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        b = await sign_in(url, tmp_path / "b.db", await register(url, "李娜"))
        await share(a, pid, b, "member")
        x, y = a.store.create_task(pid, "设计"), a.store.create_task(pid, "开发")
        await a.engine.sync()
        await b.engine.sync()
        a.store.put_link(x, y, "blocks")  # each device adds half of a loop, offline
        assert add_link(b.store, b.store.task(x) or {}, "blocked_by", y) is None
        await a.engine.sync()
        await b.engine.sync()
        [refusal] = refused_links(b.store, x)
        assert refusal.problem == Problem(CYCLE, {"source": "APP-2", "target": "APP-1", "chain": "APP-1 → APP-2"})
        assert refused_links(b.store, y) == [refusal] and links_view(b.store, x).count == 1
        b.store.dismiss(refusal.rejection_id)
        assert refused_links(b.store, x) == []
        await a.close()
        await b.close()
