"""The engine against the real server on a loopback port (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from server.settings import Settings
from sync.engine import Progress
from sync.errors import NetworkError
from sync.store import Changes
from tests.live_server import live_server
from tests.sync.devices import Device, cache, register, sign_in

ENTITIES = ("user", "project", "member", "status", "task", "comment")


async def owner_with_project(url: str, path: Path, key: str = "APP") -> tuple[Device, str]:
    owner = await sign_in(url, path, await register(url, "王伟"))
    await owner.engine.sync()
    project_id = owner.store.create_project("产品迭代", key, kind="product")
    await owner.engine.sync()
    return owner, project_id


async def share(owner: Device, project_id: str, other: Device, role: str) -> None:
    found = await owner.remote.user_by_email(other.email)
    owner.store.put_member(project_id, found["id"], role)
    report = await owner.engine.sync()
    assert report.rejected == []


async def test_two_clients_converge(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        b = await sign_in(url, tmp_path / "b.db", await register(url, "李娜"))
        await share(a, pid, b, "member")
        statuses = a.store.statuses(pid)
        assert [s["name"] for s in statuses] == ["To do", "Doing", "Done"] and not statuses[0]["pending"]
        tid = a.store.create_task(pid, "首页信息流改版", labels=["feed"])
        await a.engine.sync()
        assert a.store.task(tid)["key"] == "APP-1"  # type: ignore[index]
        await b.engine.sync()
        # Concurrent edits of different fields, and two label adds: all survive.
        b.store.update_task(tid, title="首页信息流改版（二期）", labels_add=["ios"])
        a.store.update_task(tid, priority="high", labels_add=["android"])
        a.store.create_comment(tid, "@李娜 请看一下")
        await b.engine.sync()
        await a.engine.sync()
        await b.engine.sync()
        task = b.store.task(tid)
        assert task is not None and task["title"] == "首页信息流改版（二期）" and task["priority"] == "high"
        assert sorted(task["labels"]) == ["android", "feed", "ios"] and task["pending"] is False
        for entity in ENTITIES:
            assert cache(a.store, entity) == cache(b.store, entity), entity
        assert a.store.outbox() == [] and b.store.outbox() == []
        assert b.store.unread_count() == 1 and b.store.notifications()[0]["kind"] == "mentioned"
        await a.close()
        await b.close()


async def test_offline_edits_arrive_when_the_server_is_back(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        email = a.email
    # The server is down: actions still work, and sync fails with a retryable error after its retries.
    tid = a.store.create_task(pid, "地铁里写的任务", priority="urgent")
    a.store.create_comment(tid, "离线评论")
    a.store.update_task(tid, description="隧道里没有信号")
    with pytest.raises(NetworkError):
        await a.engine.sync()
    assert [e.mutation_id for e in a.store.outbox_batch()] == [2, 3, 4] and a.store.task(tid)["pending"]  # type: ignore[index]
    assert a.store.last_error is not None and "ConnectError" in a.store.last_error
    await a.close()
    with live_server(settings) as url:  # back, at a new address: same user, so the cache is kept
        again = await sign_in(url, tmp_path / "a.db", email)
        assert again.store.task(tid) is not None
        await again.engine.sync()
        assert again.store.outbox() == [] and again.store.last_error is None
        task = again.store.task(tid)
        assert task is not None and task["key"] == "APP-1" and task["description"] == "隧道里没有信号"
        observer = await sign_in(url, tmp_path / "b.db", await register(url))
        await share(again, pid, observer, "viewer")
        await observer.engine.sync()
        detail = observer.store.task_detail(tid)
        assert detail is not None and detail.task["priority"] == "urgent"
        assert [c["body"] for c in detail.comments] == ["离线评论"]
        await again.close()
        await observer.close()


async def test_viewer_edit_is_rejected_rolled_back_and_listed(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        owner, pid = await owner_with_project(url, tmp_path / "owner.db")
        tid = owner.store.create_task(pid, "原标题")
        await owner.engine.sync()
        viewer = await sign_in(url, tmp_path / "viewer.db", await register(url))
        await share(owner, pid, viewer, "viewer")
        await viewer.engine.sync()
        viewer.store.update_task(tid, title="观众改的标题")
        viewer.store.create_comment(tid, "观众可以评论")
        assert viewer.store.task(tid)["title"] == "观众改的标题"  # type: ignore[index]
        report = await viewer.engine.sync()
        assert [(r.name, r.code) for r in report.rejected] == [("task.update", "forbidden")]
        task = viewer.store.task(tid)
        assert task is not None and task["title"] == "原标题" and not task["pending"]
        listed = viewer.store.rejections()
        assert len(listed) == 1 and listed[0].args["set"] == {"title": "观众改的标题"} and listed[0].message
        assert [c["body"] for c in viewer.store.task_detail(tid).comments] == ["观众可以评论"]  # type: ignore[union-attr]
        assert viewer.store.outbox() == []
        viewer.store.dismiss(listed[0].id)
        assert viewer.store.rejections() == []
        await owner.close()
        await viewer.close()


async def test_bootstrap_reports_rows_and_totals_in_pages(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        owner, pid = await owner_with_project(url, tmp_path / "owner.db")
        for n in range(40):
            owner.store.create_task(pid, f"需求评审 {n}", labels=["评审"] if n % 2 else [])
        await owner.engine.sync()
        fresh = await sign_in(url, tmp_path / "fresh.db", owner.email, page_limit=15)
        seen: list[Progress] = []
        report = await fresh.engine.sync(on_progress=seen.append)
        assert report.pages == len(seen) >= 4
        assert [p.rows for p in seen] == sorted(p.rows for p in seen) and seen[-1].done
        assert seen[-1].rows == seen[-1].total == report.pulled_rows
        assert all(p.total == seen[-1].total for p in seen)  # Keel's `remaining` is exact
        assert len(fresh.store.tasks(pid)) == 40 and len(fresh.store.search("需求评审", limit=100)) == 40
        for entity in ENTITIES:
            assert cache(fresh.store, entity) == cache(owner.store, entity), entity
        await owner.close()
        await fresh.close()


async def test_revocation_purges_the_project(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        owner, pid = await owner_with_project(url, tmp_path / "owner.db")
        tid = owner.store.create_task(pid, "机密任务")
        await owner.engine.sync()
        member = await sign_in(url, tmp_path / "member.db", await register(url))
        await share(owner, pid, member, "member")
        await member.engine.sync()
        member.store.create_comment(tid, "我在看")
        await member.engine.sync()
        assert member.store.task(tid) is not None
        owner.store.remove_member(pid, member.user_id)
        await owner.engine.sync()
        await member.engine.sync()
        assert member.store.projects() == [] and member.store.task(tid) is None
        for table in ("project", "member", "status", "task", "comment", "notification", "watch"):
            for prefix in ("", "base_"):
                count = member.store.conn.execute(f"SELECT count(*) FROM {prefix}{table}").fetchone()[0]
                assert count == 0, (prefix, table)
        await owner.close()
        await member.close()


async def test_cursor_expired_resets_the_cache_but_keeps_the_outbox(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        client_id = a.store.client_id
        with a.store.transaction():  # as if the server were restored from an older backup
            a.store.conn.execute("UPDATE meta SET value = '1000000' WHERE key = 'cursor'")
        tid = a.store.create_task(pid, "不能丢")
        await a.engine.sync()
        assert a.store.client_id == client_id and a.store.outbox() == []
        assert a.store.cursor < 1_000_000 and a.store.task(tid)["key"] == "APP-1"  # type: ignore[index]
        assert [p["id"] for p in a.store.projects()] == [pid]
        await a.close()


async def test_restored_cache_takes_a_new_client_id(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        a.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(tmp_path / "a.db", tmp_path / "backup.db")
        a.store.create_task(pid, "备份之后的任务")
        a.store.create_task(pid, "备份之后的第二个任务")
        await a.engine.sync()  # the server's LMID for this client_id is now 3
        old_client = a.store.client_id
        await a.close()
        restored = await sign_in(url, tmp_path / "backup.db", a.email)
        assert restored.store.client_id == old_client and restored.store.last_issued == 1
        tid = restored.store.create_task(pid, "恢复之后的任务")  # mutation 2 again, under the same client_id
        report = await restored.engine.sync()
        assert report.new_client_id and restored.store.client_id != old_client
        assert restored.store.task(tid)["key"] == "APP-3"  # type: ignore[index]
        titles = sorted(t["title"] for t in restored.store.tasks(pid))
        assert titles == sorted(["备份之后的任务", "备份之后的第二个任务", "恢复之后的任务"])
        await restored.close()


async def test_expired_access_token_is_refreshed(tmp_path: Path, db_url: str) -> None:
    # 3 s: long enough that the refreshed token outlives the retried request on a loaded machine
    # (with 1 s it could expire again on the way, seen once in CI).
    with live_server(db_url, access_token_ttl_s=3) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        tokens = a.remote.auth.tokens
        before = tokens.load_refresh_token(a.remote.base_url, a.email)
        await asyncio.sleep(3.5)
        a.store.create_task(pid, "令牌过期之后")
        await a.engine.sync()
        assert a.store.outbox() == [] and tokens.load_refresh_token(a.remote.base_url, a.email) != before
        await a.close()


async def test_run_follows_pokes_from_the_event_stream(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        b = await sign_in(url, tmp_path / "b.db", await register(url))
        await share(a, pid, b, "member")
        arrived = asyncio.Event()
        b.store.subscribe(lambda c: arrived.set() if c.source == "pull" and "task" in c.rows else None)
        stop = asyncio.Event()
        runners = [asyncio.create_task(d.engine.run(stop)) for d in (a, b)]
        try:
            await asyncio.sleep(0.3)  # both streams connect and pull once
            tid = a.store.create_task(pid, "实时同步")  # a's runner pushes; the server pokes b
            await asyncio.wait_for(arrived.wait(), 20)
            while b.store.task(tid) is None:
                arrived.clear()
                await asyncio.wait_for(arrived.wait(), 20)
            assert b.store.task(tid)["title"] == "实时同步"  # type: ignore[index]
        finally:
            stop.set()
            await asyncio.gather(*runners)
        await a.close()
        await b.close()


def test_changes_is_falsy_when_empty() -> None:
    assert not Changes() and Changes(outbox=True)
