"""Push: mutation ids per (user, client_id), duplicates, gaps, and rejections that still advance."""

from __future__ import annotations

from typing import Any

from tests.factories import Api, Person, error_of, new_id, rows, unique_key


def _push(person: Person, batch: list[dict[str, Any]], client_id: str | None = None):  # type: ignore[no-untyped-def]
    return person.post("/api/v1/sync/push", json={"client_id": client_id or person.client_id, "mutations": batch})


def _create_project(mutation_id: int) -> dict[str, Any]:
    return {
        "mutation_id": mutation_id,
        "name": "project.create",
        "args": {"id": new_id(), "name": f"p{mutation_id}", "key": unique_key()},
    }


def test_an_unknown_client_starts_at_zero_and_ids_advance(api: Api) -> None:
    alice = api.person("Alice")
    assert alice.pull()["last_mutation_id"] == 0
    r = _push(alice, [_create_project(1), _create_project(2)])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == {
        "last_mutation_id": 2,
        "results": [{"mutation_id": 1, "status": "applied"}, {"mutation_id": 2, "status": "applied"}],
    }
    assert alice.pull()["last_mutation_id"] == 2


def test_duplicates_are_skipped_and_answered_duplicate(api: Api) -> None:
    alice = api.person("Alice")
    first = _create_project(1)
    assert _push(alice, [first]).json()["results"][0]["status"] == "applied"
    # The response was lost; the client sends the same mutation again, then the next one.
    again = _push(alice, [first, _create_project(2)])
    assert again.status_code == 200, again.text
    assert again.json() == {
        "last_mutation_id": 2,
        "results": [{"mutation_id": 1, "status": "duplicate"}, {"mutation_id": 2, "status": "applied"}],
    }
    changes, _ = alice.pull_all()
    assert len(rows(changes, "project")) == 2
    # A repeated id inside one batch is a duplicate too.
    batch = _create_project(3)
    body = _push(alice, [batch, batch]).json()
    assert [r["status"] for r in body["results"]] == ["applied", "duplicate"]
    assert body["last_mutation_id"] == 3


def test_a_gap_rejects_the_whole_push_and_applies_nothing(api: Api) -> None:
    alice = api.person("Alice")
    assert _push(alice, [_create_project(1)]).status_code == 200
    seq_before = alice.pull()["cursor"]
    for batch in (
        [_create_project(2), _create_project(4)],
        [_create_project(3)],
        [_create_project(3), _create_project(2)],
    ):
        r = _push(alice, batch)
        error = error_of(r, 409, "out_of_order")
        assert error["details"] == [{"last_mutation_id": 1}]
    page = alice.pull()
    assert page["cursor"] == seq_before
    assert page["last_mutation_id"] == 1


def test_an_empty_push_is_fine(api: Api) -> None:
    alice = api.person("Alice")
    r = _push(alice, [])
    assert r.status_code == 200
    assert r.json() == {"last_mutation_id": 0, "results": []}


def test_rejected_mutations_still_advance_the_mutation_id(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.person("Bob")
    project = alice.project()
    batch = [
        {"mutation_id": 1, "name": "task.explode", "args": {}},
        {"mutation_id": 2, "name": "task.create", "args": {"id": "not-a-uuid", "project_id": project["id"]}},
        {"mutation_id": 3, "name": "task.create", "args": {"id": new_id(), "project_id": project["id"], "title": "x"}},
        {"mutation_id": 4, "name": "project.create", "args": {"id": new_id(), "name": "ok", "key": unique_key()}},
    ]
    r = _push(bob, batch)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["last_mutation_id"] == 4
    statuses = [(res["mutation_id"], res["status"], res.get("error", {}).get("code")) for res in body["results"]]
    assert statuses == [
        (1, "rejected", "unknown_mutation"),
        (2, "rejected", "validation_error"),
        (3, "rejected", "not_found"),  # Bob is not a member: the project is not even revealed
        (4, "applied", None),
    ]
    for res in body["results"][:3]:
        assert isinstance(res["error"]["message"], str) and res["error"]["message"]
    assert isinstance(body["results"][1]["error"]["details"], list)
    assert bob.pull()["last_mutation_id"] == 4


def test_a_rejected_mutation_leaves_no_trace(api: Api) -> None:
    alice = api.person("Alice")
    project = alice.project()
    alice.pull_all()
    # A task whose status belongs to nowhere is rejected; nothing of it, not even its number, remains.
    alice.rejected("task.create", {"id": new_id(), "project_id": project["id"], "title": "t", "status_id": new_id()})
    changes, _ = alice.pull_all()
    assert changes == []
    tid = alice.task(project["id"])
    changes, _ = alice.pull_all()
    assert rows(changes, "task")[tid]["number"] == 1


def test_mutation_ids_count_per_user_and_client(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.person("Bob")
    shared_client = new_id()
    assert _push(alice, [_create_project(1)], shared_client).json()["last_mutation_id"] == 1
    # The same client id under another user is another counter.
    assert _push(bob, [_create_project(1)], shared_client).json()["results"][0]["status"] == "applied"
    # Another device of Alice's starts at zero.
    assert _push(alice, [_create_project(1)], new_id()).json()["results"][0]["status"] == "applied"
    r = alice.get("/api/v1/sync/pull", params={"cursor": 0, "client_id": shared_client})
    assert r.json()["last_mutation_id"] == 1
    r = alice.get("/api/v1/sync/pull", params={"cursor": 0, "client_id": new_id()})
    assert r.json()["last_mutation_id"] == 0


def test_results_come_in_request_order_with_every_id(api: Api) -> None:
    alice = api.person("Alice")
    body = alice.push(*[("project.create", {"id": new_id(), "name": f"p{i}", "key": unique_key()}) for i in range(20)])
    assert [r["mutation_id"] for r in body["results"]] == list(range(1, 21))
    assert all(r["status"] == "applied" for r in body["results"])
    assert body["last_mutation_id"] == 20


def test_a_resent_rejected_mutation_repeats_why_it_was_rejected(api: Api) -> None:
    """The first answer may have been lost: the duplicate answer still carries the rejection."""
    alice = api.person("Alice")
    bad = {"mutation_id": 1, "name": "task.update", "args": {"id": new_id(), "set": {"title": "无"}}}
    first = _push(alice, [bad]).json()["results"][0]
    assert first["status"] == "rejected"
    assert first["error"]["code"] == "not_found"
    good = _create_project(2)
    again = _push(alice, [bad, good]).json()["results"]
    assert again[0] == {"mutation_id": 1, "status": "duplicate", "error": first["error"]}
    assert again[1]["status"] == "applied"
    # An applied mutation resent is a plain duplicate, and another device's ids are its own.
    assert _push(alice, [good]).json()["results"] == [{"mutation_id": 2, "status": "duplicate"}]
    other = _push(alice, [bad], client_id=new_id()).json()["results"][0]
    assert other["status"] == "rejected"
