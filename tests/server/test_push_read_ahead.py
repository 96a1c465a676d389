"""A push reads its tasks ahead in one query: every mutation must still see the rows as the ones
before it in the same push left them (updates, a cascade delete, a rejection rolled back)."""

from __future__ import annotations

from tests.factories import Api, rows


def test_mutations_in_one_push_see_what_the_earlier_ones_did(api: Api) -> None:
    alice = api.person("Alice")
    pid = alice.project()["id"]
    parent = alice.task(pid, "父任务")
    child = alice.task(pid, "子任务", parent_id=parent)
    other = alice.task(pid, "别的任务")
    body = alice.push(
        ("task.update", {"id": child, "set": {"title": "改一次"}}),
        ("task.update", {"id": child, "set": {"priority": "high"}}),
        ("task.update", {"id": other, "set": {"status_id": "00000000-0000-4000-8000-000000000000"}}),  # rejected
        ("task.update", {"id": other, "set": {"title": "拒绝之后"}}),
        ("task.delete", {"id": parent}),  # takes the child with it
        ("task.update", {"id": child, "set": {"title": "删除之后"}}),
        ("task.update", {"id": parent, "set": {"title": "删除之后"}}),
    )
    assert [r["status"] for r in body["results"]] == [
        "applied",
        "applied",
        "rejected",
        "applied",
        "applied",
        "rejected",
        "rejected",
    ]
    assert [r["error"]["code"] for r in body["results"] if r["status"] == "rejected"] == [
        "invalid_status",
        "task_deleted",
        "task_deleted",
    ]
    changes, _ = alice.pull_all()
    tasks = rows(changes, "task")
    assert (tasks[child]["title"], tasks[child]["priority"], tasks[child]["deleted"]) == ("改一次", "high", True)
    assert (tasks[other]["title"], tasks[other]["status_id"] != "00000000-0000-4000-8000-000000000000") == (
        "拒绝之后",
        True,
    )
