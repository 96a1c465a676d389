"""Task links (PROTOCOL-2.md "Planning"): put and remove with the computed id, `lag_days` kept or
defaulted, every rejection (cycles of `blocks` links among them), and links tombstoned with their
task, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from sync.protocol import task_link_id
from tests.factories import Api, Person, new_id
from tests.server.planning import cursor, latest, pull

Trio = tuple[Person, Person, Person, str]


def link(a: str, b: str, kind: str = "blocks", **more: object) -> dict[str, object]:
    return {"from_id": a, "to_id": b, "kind": kind, **more}


def test_the_id_is_computed_and_putting_again_updates_or_revives_the_same_row(trio: Trio) -> None:
    alice, bob, _, pid = trio
    a, b = alice.task(pid, "设计"), alice.task(pid, "开发")
    lid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"keel:task_link:blocks:{a}:{b}"))
    assert task_link_id("blocks", a.upper(), b) == lid
    bob.ok("task_link.put", link(a, b))
    row = latest(alice, "task_link")[lid]
    assert row | {"seq": 0} == {
        "id": lid, "seq": 0, "deleted": False, "project_id": pid,
        "from_id": a, "to_id": b, "kind": "blocks", "lag_days": 0,
    }  # fmt: skip
    bob.ok("task_link.put", link(a, b, lag_days=2))
    assert latest(alice, "task_link")[lid]["lag_days"] == 2
    before = cursor(alice)
    bob.ok("task_link.put", link(a, b))  # lag_days absent keeps the stored value: nothing changes
    assert cursor(alice) == before
    bob.ok("task_link.remove", link(a, b))
    assert latest(alice, "task_link")[lid]["deleted"] is True
    bob.ok("task_link.put", link(a, b))  # revived with its lag
    row = latest(alice, "task_link")[lid]
    assert (row["deleted"], row["lag_days"]) == (False, 2)
    bob.ok("task_link.put", link(a, b, lag_days=-3))
    assert latest(alice, "task_link")[lid]["lag_days"] == -3
    # Other kinds are other rows; removing a link that does not exist applies and changes nothing.
    bob.ok("task_link.put", link(a, b, "relates"))
    assert latest(alice, "task_link")[task_link_id("relates", a, b)]["kind"] == "relates"
    before = cursor(alice)
    bob.ok("task_link.remove", link(b, a, "duplicates"))
    assert cursor(alice) == before


def test_links_travel_only_with_include(trio: Trio) -> None:
    alice, _, carol, pid = trio
    alice.share(pid, carol, "viewer")
    a, b = alice.task(pid, "设计"), alice.task(pid, "开发")
    alice.ok("task_link.put", link(a, b))
    assert task_link_id("blocks", a, b) in latest(carol, "task_link")  # viewers receive them
    assert all(c["entity"] != "task_link" for c in pull(carol, include=None)["changes"])
    assert all(c["entity"] != "task_link" for c in pull(carol, include="iteration")["changes"])


def test_rejections(api: Api, trio: Trio) -> None:
    alice, bob, carol, pid = trio
    alice.share(pid, carol, "viewer")
    a, b = alice.task(pid, "设计"), alice.task(pid, "开发")
    for bad in (link(a, b, "depends"), link(a, b, lag_days=366), link(a, b, lag_days=-366), {"from_id": a, "to_id": b}):
        bob.rejected("task_link.put", bad, "validation_error")
    bob.rejected("task_link.put", link(a, b, extra=1), "validation_error")
    bob.rejected("task_link.remove", link(a, b, lag_days=1), "validation_error")
    for name in ("task_link.put", "task_link.remove"):
        bob.rejected(name, link(a, a), "invalid_link")
        bob.rejected(name, link(a, new_id()), "not_found")
        carol.rejected(name, link(a, b), "forbidden")
        api.person("外人").rejected(name, link(a, b), "not_found")
    # A task of a project the actor cannot see is not found; of another of their projects, an invalid link.
    elsewhere = api.person("别人")
    hidden = elsewhere.task(elsewhere.project("别人的项目")["id"], "看不见")
    bob.rejected("task_link.put", link(a, hidden), "not_found")
    mine = bob.task(bob.project("鲍勃的项目")["id"], "另一个项目的任务")
    bob.rejected("task_link.put", link(a, mine), "invalid_link")
    gone = alice.task(pid, "已删除")
    alice.ok("task.delete", {"id": gone})
    bob.rejected("task_link.put", link(a, gone), "task_deleted")
    bob.rejected("task_link.put", link(gone, a, "relates"), "task_deleted")


def test_a_blocks_link_that_would_close_a_loop_is_refused(trio: Trio) -> None:
    alice, bob, _, pid = trio
    design, build, test, release = (alice.task(pid, t) for t in ("设计", "开发", "测试", "发布"))
    for a, b in ((design, build), (build, test), (test, release)):
        bob.ok("task_link.put", link(a, b))
    error = bob.rejected("task_link.put", link(release, design), "dependency_cycle")
    assert error["message"]
    bob.rejected("task_link.put", link(test, build), "dependency_cycle")
    bob.rejected("task_link.put", link(build, design), "dependency_cycle")
    bob.ok("task_link.put", link(design, release))  # a shortcut is no loop
    bob.ok("task_link.put", link(release, design, "relates"))  # other kinds never loop
    bob.ok("task_link.put", link(release, design, "duplicates"))
    bob.ok("task_link.put", link(test, release, lag_days=1))  # an existing link changes its lag
    # Removing a link opens the loop again; a removed link does not count.
    bob.ok("task_link.remove", link(build, test))
    bob.ok("task_link.put", link(test, build))
    bob.rejected("task_link.put", link(build, test), "dependency_cycle")


def test_deleting_a_task_tombstones_its_links_and_its_subtasks_links(trio: Trio) -> None:
    alice, bob, _, pid = trio
    parent, child, before, after = (alice.task(pid, t) for t in ("父", "子", "前", "后"))
    alice.ok("task.update", {"id": child, "set": {"parent_id": parent}})
    for a, b, kind in ((before, parent, "blocks"), (parent, after, "relates"), (child, after, "blocks")):
        bob.ok("task_link.put", link(a, b, kind))
    kept = task_link_id("blocks", before, after)
    bob.ok("task_link.put", link(before, after))
    bob.ok("task.delete", {"id": parent})
    links = latest(alice, "task_link")
    gone = {task_link_id("blocks", before, parent), task_link_id("relates", parent, after)}
    assert {lid for lid, row in links.items() if row["deleted"]} == gone | {task_link_id("blocks", child, after)}
    assert links[kept]["deleted"] is False


def test_a_grant_resends_the_projects_iterations_and_links(api: Api, trio: Trio) -> None:
    alice, bob, _, pid = trio
    a, b = alice.task(pid, "设计"), alice.task(pid, "开发")
    bob.ok("task_link.put", link(a, b, lag_days=1))
    placed = alice.task(pid, "占位")  # a task in the iteration
    iid = new_id()
    alice.ok("iteration.create", {"id": iid, "project_id": pid, "name": "冲刺", "start_on": "2026-12-07",
                                  "end_on": "2026-12-18"})  # fmt: skip
    alice.ok("task.update", {"id": placed, "set": {"iteration_id": iid}})
    dave = api.person("Dave")
    since = cursor(dave)
    alice.share(pid, dave, "viewer")
    granted = pull(dave, cursor=since)
    got = {(c["entity"], c["row"]["id"]) for c in granted["changes"]}
    assert {("iteration", iid), ("task_link", task_link_id("blocks", a, b))} <= got
    alice.ok("member.remove", {"project_id": pid, "user_id": dave.id})
    page = pull(dave, cursor=granted["cursor"])
    assert page["revoked_projects"] == [pid]  # the client purges the project's planning rows with it
