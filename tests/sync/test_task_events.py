"""Task history (`task_event`, PROTOCOL-2.md) end to end: the server writes events with each change,
they travel only with `include=task_event`, and the store caches them and returns a task's events."""

from __future__ import annotations

from pathlib import Path

from server.settings import Settings
from sync.entities import ROW_MODELS
from sync.ids import uuid7
from tests.live_server import live_server
from tests.sync.devices import register, sign_in
from tests.sync.test_engine import owner_with_project, share


async def test_changes_write_events_that_members_cache_and_v1_pulls_never_meet(
    settings: Settings, tmp_path: Path
) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        b = await sign_in(url, tmp_path / "b.db", await register(url, "李娜"))
        await share(a, pid, b, "member")
        todo, doing = (s["id"] for s in a.store.statuses(pid)[:2])
        tid = a.store.create_task(pid, "首页信息流改版")
        await a.engine.sync()
        # Three event fields and a title change in one update: three events, none for the title.
        a.store.update_task(tid, status_id=doing, priority="high", estimate=3.5, title="首页信息流改版（二期）")
        a.store.update_task(tid, priority="high")  # no change, no event
        assert (await a.engine.sync()).rejected == []
        await b.engine.sync()
        events = b.store.task_events(tid)
        assert (events[0]["field"], events[0]["old"], events[0]["new"]) == ("created", None, None)
        assert sorted((e["field"], e["old"], e["new"]) for e in events[1:]) == sorted(
            [("status_id", todo, doing), ("priority", "none", "high"), ("estimate", None, 3.5)]
        )
        assert {e["actor_id"] for e in events} == {a.user_id} and {e["project_id"] for e in events} == {pid}
        # Deleting a task with a subtask: one `deleted` event per tombstoned task; events outlive them.
        child = a.store.create_task(pid, "子任务", parent_id=tid)
        await a.engine.sync()
        a.store.delete_task(tid)
        await a.engine.sync()
        await b.engine.sync()
        assert [e["field"] for e in b.store.task_events(tid)][-1] == "deleted"
        assert [e["field"] for e in b.store.task_events(child)] == ["created", "deleted"]
        page = await b.remote.pull(0, str(uuid7()), 5000)
        rows = [c["row"] for c in page["changes"] if c["entity"] == "task_event"]
        assert len(rows) == 7
        for row in rows:
            ROW_MODELS["task_event"].model_validate(row)
        # A client of the shared contract never meets them.
        v1 = await b.remote.pull(0, str(uuid7()), 5000, include=())
        assert all(c["entity"] != "task_event" for c in v1["changes"])
        await a.close()
        await b.close()


async def test_a_member_who_loses_the_project_loses_its_events(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        b = await sign_in(url, tmp_path / "b.db", await register(url, "李娜"))
        tid = a.store.create_task(pid, "首页信息流改版")
        await a.engine.sync()
        await share(a, pid, b, "member")  # the grant re-sends the project's events with its other rows
        await b.engine.sync()
        assert [e["field"] for e in b.store.task_events(tid)] == ["created"]
        a.store.remove_member(pid, b.user_id)
        await a.engine.sync()
        await b.engine.sync()
        assert b.store.task_events(tid) == []
        assert b.store.conn.execute("SELECT count(*) FROM base_task_event").fetchone()[0] == 0
        await a.close()
        await b.close()
