"""`keel iterations`, `keel tasks link|unlink` and `keel report` in this process against a real server:
edits queue and arrive, a loop of blocking tasks is refused, and the reports' JSON is what
`sync.planning` computes on the same cache (the code the app's screens call)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from keel_cli._planning import ZONE
from sync.planning import burndown, dashboard, jsonable, performance
from sync.protocol import task_link_id
from sync.store import STORE_FILE, Store
from tests.cli.conftest import Keel, person_with_project
from tests.factories import Api, new_id, rows


def _today() -> str:
    return datetime.now(ZoneInfo(ZONE)).date().isoformat()


def _in(days: int) -> str:
    return (datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=days)).isoformat()


def pull_planning(person: Any) -> list[dict[str, Any]]:
    """Everything new for `person`, iterations and links included (extension entities)."""
    changes: list[dict[str, Any]] = []
    while True:
        page = person.pull(include="iteration,task_link")
        changes += page["changes"]
        person.cursor = page["cursor"]
        if not page["has_more"]:
            return changes


def test_iterations_and_links_queue_and_arrive(client: Any, api: Api, server_url: str) -> None:
    keel: Keel = client("a")
    owner, project_id = person_with_project(api, "a@example.com")
    for title in ("设计", "开发", "测试"):
        owner.task(project_id, title)
    keel.login(server_url, "a@example.com")
    keel.ok("sync")

    first = keel.ok(
        "iterations", "create", "--project", "APP", "迭代 1", "--start", _today(), "--end", _in(9), "--active"
    )
    assert "Created iteration 迭代 1" in first.out and "keel sync" in first.err
    second = keel.ok(
        "iterations", "create", "--project", "APP", "迭代 2", "--start", _in(10), "--end", _in(19), "--json"
    )
    assert second.json()["state"] == "planned" and second.json()["pending"] is True
    assert (
        keel.main("iterations", "create", "--project", "APP", "倒过来", "--start", _in(3), "--end", _today()).code == 1
    )
    listed = keel.ok("iterations", "list", "--project", "APP", "--json").json()
    assert [(i["name"], i["state"]) for i in listed] == [("迭代 1", "active"), ("迭代 2", "planned")]
    assert "迭代 1 *" in keel.ok("iterations", "list", "--project", "APP").out  # not yet synced

    linked = keel.ok("tasks", "link", "APP-1", "blocks", "APP-2", "--lag", "2", "--json").json()
    assert linked["id"] == task_link_id("blocks", linked["from_id"], linked["to_id"]) and linked["lag_days"] == 2
    assert "Linked: APP-2 blocks APP-3." in keel.ok("tasks", "link", "APP-2", "blocks", "APP-3").out
    loop = keel.main("tasks", "link", "APP-3", "blocks", "APP-1")
    assert loop.code == 1 and "loop" in loop.err and "Traceback" not in loop.err
    keel.ok("tasks", "link", "APP-3", "relates", "APP-1")
    assert keel.main("tasks", "link", "APP-3", "blocks", "APP-3").code == 1
    keel.ok("tasks", "unlink", "APP-2", "blocks", "APP-3")
    assert keel.ok("sync").code == 0

    changes = pull_planning(owner)
    iterations = {i["name"]: i for i in rows(changes, "iteration").values()}
    assert iterations["迭代 1"]["state"] == "active" and iterations["迭代 2"]["start_on"] == _in(10)
    links = {(x["kind"], x["deleted"]) for x in rows(changes, "task_link").values()}
    assert links == {("blocks", False), ("relates", False), ("blocks", True)}

    # Two tasks in the first iteration, one of them done; closing rolls the other over.
    statuses = {s["category"]: s["id"] for s in rows(changes, "status").values()}
    tasks = {t["title"]: t["id"] for t in rows(changes, "task").values()}
    it1, it2 = iterations["迭代 1"]["id"], iterations["迭代 2"]["id"]
    owner.ok("task.update", {"id": tasks["设计"], "set": {"iteration_id": it1, "status_id": statuses["done"]}})
    owner.ok("task.update", {"id": tasks["开发"], "set": {"iteration_id": it1}})
    keel.ok("sync")
    closed = keel.ok("iterations", "close", "--project", "APP", "迭代 1", "--move-to", "迭代 2", "--json").json()
    assert closed["iteration"]["state"] == "closed" and closed["moved"] == ["APP-2"]
    assert keel.main("iterations", "close", "--project", "APP", "迭代 1").code == 1  # closed already
    assert keel.main("iterations", "close", "--project", "APP", "迭代 9").code == 1
    keel.ok("sync")
    moved = rows(pull_planning(owner), "task")
    assert moved[tasks["开发"]]["iteration_id"] == it2 and moved[tasks["设计"]]["iteration_id"] == it1


def test_reports_print_what_sync_planning_computes(client: Any, api: Api, server_url: str) -> None:
    keel: Keel = client("a")
    owner, project_id = person_with_project(api, "a@example.com")
    teammate = api.person(email="b@example.com")
    owner.share(project_id, teammate, "member")
    it = new_id()
    owner.ok(
        "iteration.create",
        {"id": it, "project_id": project_id, "name": "迭代 1", "start_on": _today(), "end_on": _in(9)},
    )
    owner.ok("iteration.update", {"id": it, "set": {"state": "active"}})
    done_task = owner.task(project_id, "登录页", iteration_id=it, assignee_id=owner.id, due_at=_in(3) + "T10:00:00Z")
    owner.task(project_id, "注册页", iteration_id=it, assignee_id=teammate.id)
    statuses = {s["category"]: s["id"] for s in rows(owner.pull_all()[0], "status").values()}
    owner.ok("task.update", {"id": done_task, "set": {"status_id": statuses["doing"]}})
    owner.ok("task.update", {"id": done_task, "set": {"status_id": statuses["done"]}})
    owner.ok("project.update", {"id": project_id, "calendar": "every_day"})  # not China's: the report follows
    keel.login(server_url, "a@example.com")
    keel.ok("sync")

    burn = keel.ok("report", "burndown", "--project", "APP", "--json").json()
    project = keel.ok("report", "project", "APP", "--json").json()
    person = keel.ok("report", "person", "a@example.com", "--json").json()
    store = Store.open(keel.data_dir / STORE_FILE)
    try:
        assert burn == jsonable(burndown(store.conn, it, zone=ZONE))
        assert burn == jsonable(burndown(store.conn, it, calendar="every_day", zone=ZONE))
        assert project == jsonable(dashboard(store.conn, project_id, zone=ZONE))
        today = datetime.now(ZoneInfo(ZONE)).date()
        assert person == jsonable(performance(store.conn, owner.id, today - timedelta(days=29), today, zone=ZONE))
    finally:
        store.close()
    assert burn["baseline"]["scope_count"] == 2 and burn["last"]["remaining_count"] == 1
    assert len(burn["points"]) == 10  # every day of the ten is a working day (China's has a weekend in them)
    assert (project["total"], project["done"], project["completion_rate"]) == (2, 1, 0.5)
    assert person["done_ids"] == [done_task] and person["on_time_rate"] == 1.0

    assert keel.ok("report", "burndown", "--project", "APP", "--iteration", "迭代 1").out.startswith("迭代 1 (")
    shown = keel.ok("report", "project", "APP").out
    assert "completion:  50% (1 of 2 done)" in shown and "b@example.com: 1 task(s)" in shown
    evidence = keel.ok("report", "person", "me", "--from", _in(-6), "--to", _today()).out
    assert "done:              1  APP-1" in evidence and "not a ranking" in evidence
    assert keel.main("report", "person", "me", "--from", _today(), "--to", _in(-1)).code == 1

    # A member sees their own figures only; the owner sees theirs.
    other: Keel = client("b")
    other.login(server_url, "b@example.com")
    other.ok("sync")
    refused = other.main("report", "person", "a@example.com")
    assert refused.code == 1 and "own or administer" in refused.err
    assert keel.ok("report", "person", "b@example.com", "--json").json()["user_id"] == teammate.id
    empty = keel.ok("report", "burndown", "--project", "APP", "--iteration", "迭代 1", "--json").json()
    assert empty["iteration_id"] == it
    owner.ok("iteration.close", {"id": it})
    keel.ok("sync")
    none_active = keel.main("report", "burndown", "--project", "APP")
    assert none_active.code == 1 and "--iteration" in none_active.err
