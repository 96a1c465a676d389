"""The planning family of the store (iterations, task links) against a live server: each optimistic
apply leaves the view as the server's answer does, the queries group and order as the app shows
them, and a `blocks` cycle is refused offline by the store and online by the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.settings import Settings
from sync.errors import DependencyCycle, InvalidMutation
from sync.protocol import task_link_id
from sync.rules import closes_cycle
from sync.store import Store
from tests.live_server import live_server
from tests.sync.devices import Device, cache, register, sign_in
from tests.sync.test_engine import owner_with_project, share

# What the server sets that an optimistic apply cannot know.
_SERVER_ONLY = {"seq", "number", "created_at", "updated_at", "closed_at"}


def view(store: Store, *entities: str) -> dict[str, dict[str, Any]]:
    """The view's rows of `entities`, without the fields only the server knows."""
    return {
        f"{entity}:{row_id}": {k: v for k, v in row.items() if k not in _SERVER_ONLY}
        for entity in entities
        for row_id, row in cache(store, entity).items()
    }


async def synced_like_the_server(device: Device, *entities: str) -> None:
    """Syncs the device's optimistic changes and checks the server's answer left the view as they did."""
    before = view(device.store, *entities)
    report = await device.engine.sync()
    assert report.rejected == []
    assert view(device.store, *entities) == before
    assert device.store.pending_count() == 0


def test_closes_cycle_walks_downstream_of_the_new_links_target() -> None:
    blocks = {"a": ["b"], "b": ["c", "d"], "d": ["b"]}  # b <-> d already loop; the walk still ends

    def successors(task: str) -> list[str]:
        return blocks.get(task, [])

    assert closes_cycle("c", "a", successors)  # a -> b -> c: c blocking a closes a -> b -> c -> a
    assert closes_cycle("x", "x", successors)
    assert not closes_cycle("a", "c", successors)  # a second way from a to c is no loop
    assert not closes_cycle("e", "a", successors)


async def test_iterations_roll_over_and_clear_as_the_server_does(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        b = await sign_in(url, tmp_path / "b.db", await register(url, "李娜"))
        await share(a, pid, b, "member")
        todo, _, done = (s["id"] for s in a.store.statuses(pid))
        s1 = a.store.create_iteration(pid, "迭代 1", "2026-11-02", "2026-11-13", goal="登录改版")
        s2 = a.store.create_iteration(pid, "迭代 2", "2026-11-16", "2026-11-27")
        s0 = a.store.create_iteration(pid, "迭代 0", "2026-10-19", "2026-10-30")
        a.store.update_iteration(s1, state="active")
        open_one = a.store.create_task(pid, "登录页", iteration_id=s1)
        finished = a.store.create_task(pid, "接口文档", iteration_id=s1, status_id=done)
        other = a.store.create_task(pid, "埋点")
        a.store.set_iteration(other, s1)
        loose = a.store.create_task(pid, "待排期")
        assert [i["name"] for i in a.store.iterations(pid)] == ["迭代 1", "迭代 0", "迭代 2"]
        assert {t["id"] for t in a.store.tasks_of_iteration(s1)} == {open_one, finished, other}
        assert [t["id"] for t in a.store.backlog(pid)] == [loose]
        await synced_like_the_server(a, "iteration", "task")
        # Closing rolls the open tasks over to the next iteration; the done one stays.
        a.store.close_iteration(s1, move_open_to=s2)
        closed = a.store.iteration(s1)
        assert closed is not None and closed["state"] == "closed" and closed["closed_at"] and closed["pending"]
        assert {t["id"] for t in a.store.tasks_of_iteration(s2)} == {open_one, other}
        assert [t["id"] for t in a.store.tasks_of_iteration(s1)] == [finished]
        await synced_like_the_server(a, "iteration", "task")
        # Closing without a target sends open tasks to the backlog; the closed one lists last.
        a.store.update_task(other, status_id=todo)
        a.store.close_iteration(s0)
        a.store.close_iteration(s2)
        assert {t["id"] for t in a.store.backlog(pid)} == {loose, open_one, other}
        assert [i["name"] for i in a.store.iterations(pid)] == ["迭代 2", "迭代 0", "迭代 1"]
        await synced_like_the_server(a, "iteration", "task")
        # Deleting clears every task still in it, done or not; the other device sees it all.
        a.store.delete_iteration(s1)
        assert a.store.iteration(s1) is None and a.store.task(finished)["iteration_id"] is None  # type: ignore[index]
        await synced_like_the_server(a, "iteration", "task")
        await b.engine.sync()
        assert view(b.store, "iteration", "task") == view(a.store, "iteration", "task")
        await a.close()
        await b.close()


async def test_updates_the_server_would_refuse_change_nothing(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        it = a.store.create_iteration(pid, "迭代 1", "2026-11-02", "2026-11-13")
        a.store.close_iteration(it)
        await a.engine.sync()
        before = view(a.store, "iteration")
        a.store.update_iteration(it, name="改名")  # iteration_closed
        assert view(a.store, "iteration") == before
        report = await a.engine.sync()
        assert [(r.name, r.code) for r in report.rejected] == [("iteration.update", "iteration_closed")]
        assert view(a.store, "iteration") == before
        with pytest.raises(InvalidMutation):
            a.store.update_iteration(it, state="closed")
        await a.close()


async def test_links_group_keep_their_lag_and_go_with_their_task(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        design, build, test, dup = (a.store.create_task(pid, t) for t in ("设计", "开发", "测试", "开发（重复）"))
        await a.engine.sync()
        assert a.store.put_link(design, build, "blocks", lag_days=2) == task_link_id("blocks", design, build)
        a.store.put_link(build, test, "blocks")
        a.store.put_link(dup, build, "duplicates")
        a.store.put_link(build, design, "relates")
        await synced_like_the_server(a, "task_link")
        links = a.store.links_of_task(build)
        assert [(x["other_key"], x["other_title"], x["lag_days"]) for x in links.blocked_by] == [("APP-1", "设计", 2)]
        assert [x["other_key"] for x in links.blocks] == ["APP-3"]
        assert [(x["other_key"], x["outgoing"]) for x in links.relates] == [("APP-1", True)]
        assert [(x["other_key"], x["outgoing"]) for x in links.duplicates] == [("APP-4", False)]
        # Putting again without a lag keeps it; with one changes it.
        a.store.put_link(design, build, "blocks")
        assert a.store.links_of_task(design).blocks[0]["lag_days"] == 2
        a.store.put_link(design, build, "blocks", lag_days=-1)
        await synced_like_the_server(a, "task_link")
        assert a.store.links_of_task(design).blocks[0]["lag_days"] == -1
        assert len(a.store.links_of_project(pid)) == 4 and len(a.store.links_of_project(pid, "blocks")) == 2
        # Removing one, and deleting a task, takes its links away.
        a.store.remove_link(dup, build, "duplicates")
        a.store.delete_task(test)
        assert a.store.links_of_task(build).blocks == [] and a.store.links_of_task(build).duplicates == []
        await synced_like_the_server(a, "task_link", "task")
        assert {(x["from_id"], x["kind"]) for x in a.store.links_of_project(pid)} == {
            (design, "blocks"),
            (build, "relates"),
        }
        with pytest.raises(InvalidMutation):
            a.store.put_link(design, design, "relates")
        await a.close()


async def test_a_cycle_is_refused_offline_and_by_the_server(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        b = await sign_in(url, tmp_path / "b.db", await register(url, "李娜"))
        await share(a, pid, b, "member")
        x, y, z = (a.store.create_task(pid, t) for t in ("设计", "开发", "测试"))
        a.store.put_link(x, y, "blocks")
        a.store.put_link(y, z, "blocks")
        await a.engine.sync()
        await b.engine.sync()
        # Offline, the store knows the chain and refuses the link that closes it; nothing is queued.
        assert a.store.would_cycle(z, x) and not a.store.would_cycle(x, z)
        with pytest.raises(DependencyCycle):
            a.store.put_link(z, x, "blocks")
        assert a.store.pending_count() == 0
        a.store.put_link(z, x, "relates")  # only `blocks` links make loops
        await synced_like_the_server(a, "task_link")
        # Two devices each add half of a loop; the second to sync is refused and rolled back.
        w = a.store.create_task(pid, "发布")
        await a.engine.sync()
        await b.engine.sync()
        a.store.put_link(z, w, "blocks")
        b.store.put_link(w, x, "blocks")
        assert b.store.links_of_task(w).blocks[0]["pending"]
        await synced_like_the_server(a, "task_link")
        report = await b.engine.sync()
        assert [(r.name, r.code) for r in report.rejected] == [("task_link.put", "dependency_cycle")]
        assert b.store.links_of_task(w).blocks == [] and b.store.would_cycle(w, x)
        await a.close()
        await b.close()
