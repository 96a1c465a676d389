"""Iterations (PROTOCOL-2.md "Planning"): every mutation and rejection, `task.iteration_id`, the
rollover of `iteration.close`, and who receives them, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.factories import Api, Person, new_id
from tests.server.planning import cursor, events, iteration, latest, pull, status_ids

Trio = tuple[Person, Person, Person, str]


def test_an_iteration_is_created_planned_and_moves_between_planned_and_active(trio: Trio) -> None:
    alice, bob, _, pid = trio
    iid = iteration(bob, pid, "冲刺 12", goal="上线新版首页")
    row = latest(alice, "iteration")[iid]
    assert row | {"seq": 0} == {
        "id": iid, "seq": 0, "deleted": False, "project_id": pid, "name": "冲刺 12", "goal": "上线新版首页",
        "start_on": "2026-12-07", "end_on": "2026-12-18", "state": "planned", "closed_at": None,
    }  # fmt: skip
    bob.ok("iteration.update", {"id": iid, "set": {"state": "active", "end_on": "2026-12-20", "goal": ""}})
    row = latest(alice, "iteration")[iid]
    assert (row["state"], row["end_on"], row["goal"]) == ("active", "2026-12-20", "")
    bob.ok("iteration.update", {"id": iid, "set": {"state": "planned"}})
    assert latest(alice, "iteration")[iid]["state"] == "planned"
    before = cursor(alice)
    bob.ok("iteration.update", {"id": iid, "set": {"state": "planned", "name": "冲刺 12"}})
    assert cursor(alice) == before  # a change to nothing writes nothing


def test_iterations_travel_only_with_include_and_tasks_carry_iteration_id_everywhere(trio: Trio) -> None:
    alice, bob, carol, pid = trio
    alice.share(pid, carol, "viewer")
    iid = iteration(alice, pid)
    tid = alice.task(pid, "首页改版", iteration_id=iid)
    assert iid in latest(carol, "iteration")  # every member receives it, viewers too
    v1 = pull(bob, include=None)
    assert all(c["entity"] != "iteration" for c in v1["changes"])
    task = next(c["row"] for c in v1["changes"] if c["entity"] == "task" and c["row"]["id"] == tid)
    assert task["iteration_id"] == iid  # a new field of a v1 row: on it in every pull


def test_rejections_of_create_and_update(api: Api, trio: Trio) -> None:
    alice, bob, carol, pid = trio
    alice.share(pid, carol, "viewer")
    base = {"project_id": pid, "name": "冲刺", "start_on": "2026-12-07", "end_on": "2026-12-18"}
    for bad in (
        {"end_on": "2026-12-06"},
        {"name": ""},
        {"name": "x" * 201},
        {"start_on": "2026-13-01"},
        {"goal": "x" * 100_001},
        {"state": "active"},
    ):
        bob.rejected("iteration.create", {**base, "id": new_id(), **bad}, "validation_error")
    carol.rejected("iteration.create", {**base, "id": new_id()}, "forbidden")
    stranger = api.person("外人")
    stranger.rejected("iteration.create", {**base, "id": new_id()}, "not_found")
    iid = iteration(bob, pid)
    bob.rejected("iteration.create", {**base, "id": iid}, "id_taken")
    # Dates are checked on the resulting row.
    error = bob.rejected("iteration.update", {"id": iid, "set": {"start_on": "2026-12-19"}}, "validation_error")
    assert error["details"][0]["loc"] == ["set", "start_on"]
    bob.rejected("iteration.update", {"id": iid, "set": {"end_on": "2026-12-06"}}, "validation_error")
    bob.ok("iteration.update", {"id": iid, "set": {"start_on": "2026-12-20", "end_on": "2026-12-31"}})
    for bad_set in ({"state": "closed"}, {"name": None}, {"start_on": None}, {"closed_at": None}):
        bob.rejected("iteration.update", {"id": iid, "set": bad_set}, "validation_error")
    carol.rejected("iteration.update", {"id": iid, "set": {"name": "新名"}}, "forbidden")
    stranger.rejected("iteration.update", {"id": iid, "set": {"name": "新名"}}, "not_found")
    bob.rejected("iteration.update", {"id": new_id(), "set": {"name": "新名"}}, "not_found")
    for name in ("iteration.close", "iteration.delete"):
        carol.rejected(name, {"id": iid}, "forbidden")
        stranger.rejected(name, {"id": iid}, "not_found")
        bob.rejected(name, {"id": new_id()}, "not_found")
    bob.ok("iteration.delete", {"id": iid})
    assert latest(alice, "iteration")[iid]["deleted"] is True
    for name, args in (("iteration.update", {"id": iid, "set": {"name": "新名"}}), ("iteration.delete", {"id": iid})):
        bob.rejected(name, args, "not_found")


def test_task_iteration_id_must_be_a_live_open_iteration_of_the_project(trio: Trio) -> None:
    alice, bob, _, pid = trio
    other = alice.project("另一个项目")["id"]
    foreign, closed, deleted, iid = (iteration(alice, p) for p in (other, pid, pid, pid))
    alice.ok("iteration.close", {"id": closed})
    alice.ok("iteration.delete", {"id": deleted})
    for bad in (new_id(), foreign, closed, deleted):
        bob.rejected(
            "task.create", {"id": new_id(), "project_id": pid, "title": "T", "iteration_id": bad}, "invalid_iteration"
        )
    tid = bob.task(pid, "首页改版")
    for bad in (new_id(), foreign, closed, deleted):
        bob.rejected("task.update", {"id": tid, "set": {"iteration_id": bad}}, "invalid_iteration")
    bob.ok("task.update", {"id": tid, "set": {"iteration_id": iid}})
    bob.ok("task.update", {"id": tid, "set": {"iteration_id": None}})
    bob.ok("task.update", {"id": tid, "set": {"iteration_id": iid}})
    found = events(alice, tid, "iteration_id")
    assert [(e["old"], e["new"], e["actor_id"]) for e in found] == [
        (None, iid, bob.id), (iid, None, bob.id), (None, iid, bob.id)
    ]  # fmt: skip


def test_close_rolls_open_tasks_over_and_done_tasks_stay(trio: Trio) -> None:
    alice, bob, carol, pid = trio
    status = status_ids(alice, pid)
    sprint, following = iteration(alice, pid, "冲刺 1"), iteration(alice, pid, "冲刺 2")
    alice.ok("iteration.update", {"id": sprint, "set": {"state": "active"}})
    todo = alice.task(pid, "未开始", iteration_id=sprint)
    doing = alice.task(pid, "进行中", iteration_id=sprint, status_id=status["doing"])
    done = alice.task(pid, "已完成", iteration_id=sprint, status_id=status["done"])
    elsewhere = alice.task(pid, "不在迭代里")
    before = cursor(alice)
    for bad in (sprint, new_id(), iteration(alice, alice.project("别处")["id"])):
        carol.rejected("iteration.close", {"id": sprint, "move_open_to": bad}, "invalid_iteration")
    closed = iteration(alice, pid, "已关闭")
    alice.ok("iteration.close", {"id": closed})
    carol.rejected("iteration.close", {"id": sprint, "move_open_to": closed}, "invalid_iteration")
    before = cursor(alice)
    carol.ok("iteration.close", {"id": sprint, "move_open_to": following})
    page = pull(bob, cursor=before)
    moved = {c["row"]["id"]: c["row"] for c in page["changes"] if c["entity"] == "task"}
    assert set(moved) == {todo, doing}
    assert {t["iteration_id"] for t in moved.values()} == {following}
    assert all(t["updated_at"] > t["created_at"] for t in moved.values())
    row = next(c["row"] for c in page["changes"] if c["entity"] == "iteration")
    assert (row["id"], row["state"]) == (sprint, "closed") and row["closed_at"] is not None
    tasks = latest(bob, "task")
    assert tasks[done]["iteration_id"] == sprint and tasks[elsewhere]["iteration_id"] is None
    for tid in (todo, doing):
        assert [(e["old"], e["new"], e["actor_id"]) for e in events(bob, tid, "iteration_id")][-1] == (
            sprint, following, carol.id
        )  # fmt: skip
    # Closed for good: no update, no second close; a task may stay in it, or leave it.
    carol.rejected("iteration.update", {"id": sprint, "set": {"name": "改名"}}, "iteration_closed")
    carol.rejected("iteration.update", {"id": sprint, "set": {"state": "active"}}, "iteration_closed")
    carol.rejected("iteration.close", {"id": sprint}, "iteration_closed")
    carol.ok("task.update", {"id": done, "set": {"title": "已完成（验收）", "iteration_id": sprint}})
    carol.ok("task.update", {"id": done, "set": {"iteration_id": None}})
    # Closing without a target moves open work to no iteration.
    carol.ok("iteration.close", {"id": following})
    assert {latest(bob, "task")[t]["iteration_id"] for t in (todo, doing)} == {None}


def test_delete_clears_the_iteration_of_its_tasks_with_events(trio: Trio) -> None:
    alice, bob, _, pid = trio
    status = status_ids(alice, pid)
    iid = iteration(alice, pid)
    open_task = alice.task(pid, "开放", iteration_id=iid)
    done_task = alice.task(pid, "完成", iteration_id=iid, status_id=status["done"])
    gone = alice.task(pid, "已删", iteration_id=iid)
    alice.ok("task.delete", {"id": gone})
    bob.ok("iteration.delete", {"id": iid})
    tasks = latest(alice, "task")
    assert tasks[open_task]["iteration_id"] is None and tasks[done_task]["iteration_id"] is None
    for tid in (open_task, done_task):
        assert [(e["old"], e["new"], e["actor_id"]) for e in events(alice, tid, "iteration_id")] == [
            (iid, None, bob.id)
        ]
    assert events(alice, gone, "iteration_id") == []  # a deleted task is left as it was


def test_an_archived_project_refuses_iteration_changes(trio: Trio) -> None:
    alice, bob, _, pid = trio
    iid = iteration(alice, pid)
    alice.ok("project.update", {"id": pid, "archived": True})
    bob.rejected("iteration.create", {"id": new_id(), "project_id": pid, "name": "N", "start_on": "2026-12-01",
                                      "end_on": "2026-12-02"}, "project_archived")  # fmt: skip
    for name, args in (
        ("iteration.update", {"id": iid, "set": {"name": "N"}}),
        ("iteration.close", {"id": iid}),
        ("iteration.delete", {"id": iid}),
    ):
        bob.rejected(name, args, "project_archived")
