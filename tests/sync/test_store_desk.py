"""The desk's store family (sync/store/families/desk.py) against a live server: each optimistic apply
shows what the server then confirms, and the saved queues read the SLA clock from the cache.

Urgent tickets are on the `always` calendar (30 minutes to a first response, 240 to a resolution), so
a queue read at `created_at` plus some minutes has the same answer whatever the day of the run.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from server.settings import Settings
from sync.store.families.desk import parse_time
from tests.live_server import live_server
from tests.sync.devices import Device, register, sign_in
from tests.sync.test_engine import share

MIN = timedelta(minutes=1)


async def desk_owner(url: str, path: Path) -> tuple[Device, str]:
    owner = await sign_in(url, path, await register(url, "王伟"))
    await owner.engine.sync()
    pid = owner.store.create_project("用户反馈", "FB", kind="service_desk")
    assert (await owner.engine.sync()).rejected == []
    return owner, pid


async def synced(device: Device) -> None:
    report = await device.engine.sync()
    assert report.rejected == []


async def test_a_ticket_made_offline_is_what_the_server_makes(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await desk_owner(url, tmp_path / "a.db")
        todo = a.store.statuses(pid)[0]
        assert (todo["name"], todo["category"]) == ("待处理", "todo")
        tid = a.store.create_ticket(pid, "登录后闪退", severity=1, impact=2, category="performance")
        view = a.store.ticket(tid)
        assert view is not None and view.task["pending"]
        assert (view.task["type"], view.task["status_id"], view.task["priority"]) == ("ticket", todo["id"], "urgent")
        assert (view.ticket["requester_name"], view.ticket["channel"], view.ticket["category"]) == (
            "王伟", "app", "performance",
        )  # fmt: skip
        created = parse_time(view.task["created_at"])
        assert parse_time(view.ticket["first_response_due_at"]) == created + 30 * MIN
        assert parse_time(view.ticket["resolution_due_at"]) == created + 240 * MIN
        await synced(a)
        server = a.store.ticket(tid)
        assert server is not None and not server.task["pending"] and server.task["key"] == "FB-1"
        created = parse_time(server.task["created_at"])
        assert parse_time(server.ticket["first_response_due_at"]) == created + 30 * MIN
        assert server.task["priority"] == "urgent" and server.ticket["severity"] == 1
        # An explicit priority wins over the matrix.
        other = a.store.create_ticket(pid, "希望支持深色模式", severity=1, impact=1, priority="low")
        assert a.store.task(other)["priority"] == "low"  # type: ignore[index]
        await synced(a)
        assert a.store.task(other)["priority"] == "low"  # type: ignore[index]
        await a.close()


async def test_update_rederives_the_priority_unless_it_is_given(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await desk_owner(url, tmp_path / "a.db")
        tid = a.store.create_ticket(pid, "支付页面卡顿")
        assert a.store.task(tid)["priority"] == "medium"  # type: ignore[index]  # severity 3, impact 3
        await synced(a)
        a.store.update_ticket(tid, severity=1)  # 1 x 3: high
        assert a.store.task(tid)["priority"] == "high"  # type: ignore[index]
        a.store.update_ticket(tid, impact=1, priority="low", requester_contact=None)
        view = a.store.ticket(tid)
        assert view is not None and view.task["priority"] == "low" and view.ticket["requester_contact"] == ""
        mine = parse_time(view.ticket["resolution_due_at"])
        await synced(a)
        view = a.store.ticket(tid)
        assert view is not None and view.task["priority"] == "low" and view.ticket["impact"] == 1
        assert view.policy.resolution_minutes == 2400 and view.ticket["resolution_due_at"] is not None
        assert abs(parse_time(view.ticket["resolution_due_at"]) - mine) < timedelta(hours=1)
        await a.close()


async def test_merge_escalate_and_a_policy(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await desk_owner(url, tmp_path / "a.db")
        app = a.store.create_project("应用", "APP", kind="product")
        first = a.store.create_ticket(pid, "收不到验证码", description="换了手机号以后")
        second = a.store.create_ticket(pid, "验证码短信没有到")
        await synced(a)
        done = next(s for s in a.store.statuses(pid) if s["category"] == "done")
        a.store.merge_ticket(second, first)
        view = a.store.ticket(second)
        assert view is not None and view.task["status_id"] == done["id"] and view.ticket["merged_into_id"] == first
        requirement = a.store.escalate_ticket(first, app)
        assert a.store.ticket(first).ticket["escalated_task_id"] == requirement  # type: ignore[union-attr]
        made = a.store.task(requirement)
        assert made is not None and (made["type"], made["project_id"]) == ("requirement", app)
        assert made["description"] == "换了手机号以后\n\nFB-1"
        a.store.put_sla_policy(pid, "high", first_response_minutes=60, calendar="always")
        high = next(r for r in a.store.sla_policies(pid) if r["priority"] == "high")
        assert (high["first_response_minutes"], high["resolution_minutes"], high["calendar"]) == (60, 960, "always")
        assert high["pending"]
        await synced(a)
        assert a.store.ticket(second).ticket["merged_into_id"] == first  # type: ignore[union-attr]
        assert a.store.task(requirement)["description"] == "换了手机号以后\n\nFB-1"  # type: ignore[index]
        high = next(r for r in a.store.sla_policies(pid) if r["priority"] == "high")
        assert (high["first_response_minutes"], high["calendar"], high["pending"]) == (60, "always", False)
        assert [r["priority"] for r in a.store.sla_policies(pid)] == ["urgent", "high", "medium", "low", "none"]
        await a.close()


async def test_visibility_defaults_and_the_first_response(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await desk_owner(url, tmp_path / "a.db")
        general = a.store.create_project("内部", "IN")
        assert [d["key"] for d in a.store.desks()] == ["FB"]  # where in-app feedback goes
        task = a.store.create_task(general, "周会")
        tid = a.store.create_ticket(pid, "闪退", severity=1, impact=1)
        await synced(a)
        note = a.store.create_comment(tid, "先看日志")
        plain = a.store.create_comment(task, "好的")
        rows = {c["id"]: c for c in a.store.task_detail(tid).comments + a.store.task_detail(task).comments}  # type: ignore[union-attr]
        assert (rows[note]["visibility"], rows[plain]["visibility"]) == ("internal", "public")
        assert a.store.ticket(tid).ticket["first_response_at"] is None  # type: ignore[union-attr]  # a note is no answer
        a.store.reply(tid, "已收到，正在处理")
        responded = a.store.ticket(tid).ticket["first_response_at"]  # type: ignore[union-attr]
        assert responded is not None
        await synced(a)
        comments = a.store.task_detail(tid).comments  # type: ignore[union-attr]
        assert [c["visibility"] for c in comments] == ["internal", "public"]
        view = a.store.ticket(tid)
        assert view is not None and view.ticket["first_response_at"] is not None
        assert view.clock.first_response.state == "met"
        await a.close()


async def test_the_saved_queues(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await desk_owner(url, tmp_path / "a.db")
        b = await sign_in(url, tmp_path / "b.db", await register(url, "李娜"))
        await share(a, pid, b, "member")
        statuses = {s["name"]: s["id"] for s in a.store.statuses(pid)}
        crash = a.store.create_ticket(pid, "闪退", severity=1, impact=1)  # urgent: always, 30/240 minutes
        mine = a.store.create_ticket(pid, "导出失败", severity=1, impact=1)
        waiting = a.store.create_ticket(pid, "账号被锁", severity=1, impact=1)
        solved = a.store.create_ticket(pid, "图标错位", severity=1, impact=1)
        await synced(a)
        a.store.update_task(mine, assignee_id=a.user_id)
        a.store.move_task(waiting, statuses["等待用户回复"])
        a.store.move_task(solved, statuses["已解决"])
        await synced(a)
        await synced(b)
        created = parse_time(a.store.task(crash)["created_at"])  # type: ignore[index]

        def queue(device: Device, name: str | None, minutes: float) -> set[str]:
            return {v.task["id"] for v in device.store.tickets(pid, name, now=created + minutes * MIN)}  # type: ignore[arg-type]

        assert queue(a, None, 0) == {crash, mine, waiting, solved}
        assert queue(a, "mine", 1) == {mine} and queue(b, "mine", 1) == set()
        assert queue(a, "unassigned", 1) == {crash, waiting}
        assert queue(a, "waiting", 1) == {waiting} and queue(b, "waiting", 1) == {waiting}
        assert queue(a, "resolved", 1) == {solved}
        assert queue(a, "breaching", 10) == set()
        assert queue(b, "breaching", 25) == {crash, mine}  # 25 of 30 minutes: past 75%
        assert queue(b, "breached", 31) == {crash, mine}
        # The waiting ticket's clock stood still from its move (its status history, pulled by b).
        view = b.store.ticket(waiting, now=created + 60 * MIN)
        assert view is not None and view.clock.paused and view.clock.first_response.fraction < 0.75
        # A public reply meets the first response: no longer breaching on that target.
        a.store.reply(crash, "已定位，修复中")
        view = a.store.ticket(crash, now=created + 25 * MIN)
        assert view is not None and view.clock.first_response.met_at is not None
        assert crash not in queue(a, "breaching", 25)
        # A move made offline (no event yet) pauses the clock from the task's updated_at.
        a.store.move_task(mine, statuses["等待用户回复"])
        moved = parse_time(a.store.task(mine)["updated_at"])  # type: ignore[index]
        view = a.store.ticket(mine, now=moved + 60 * MIN)
        assert view is not None and view.clock.paused and mine in queue(a, "waiting", 120)
        used = moved - parse_time(a.store.task(mine)["created_at"])  # type: ignore[index]
        assert view.clock.first_response.remaining == 30 * MIN - used  # it stood still an hour
        await a.close()
        await b.close()
