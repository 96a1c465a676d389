"""Pull: cursors, paging, clamping, expiry, and what each user may receive."""

from __future__ import annotations

import uuid
from typing import Any

from tests.factories import Api, Person, error_of, new_id, rows


def _pull(person: Person, **params: Any):  # type: ignore[no-untyped-def]
    return person.get("/api/v1/sync/pull", params=params)


def _member_id(project_id: str, user_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"keel:member:{project_id}:{user_id}"))


def _ids(changes: list[dict[str, Any]], entity: str | None = None) -> set[str]:
    return {c["row"]["id"] for c in changes if entity is None or c["entity"] == entity}


def test_bootstrap_and_incremental_pulls(api: Api) -> None:
    alice = api.person("Alice")
    project = alice.project()
    first = alice.pull(cursor=0)
    assert set(first) == {"cursor", "has_more", "remaining", "last_mutation_id", "changes", "revoked_projects"}
    assert first["has_more"] is False and first["remaining"] == 0
    entities = {c["entity"] for c in first["changes"]}
    assert entities == {"user", "project", "member", "status"}
    for change in first["changes"]:
        assert set(change) == {"entity", "seq", "row"}
        assert change["row"]["seq"] == change["seq"] and change["seq"] <= first["cursor"]
        assert isinstance(change["row"]["deleted"], bool)
    # Nothing new: the cursor stays, the page is empty.
    again = alice.pull(cursor=first["cursor"])
    assert again["changes"] == [] and again["cursor"] == first["cursor"]
    tid = alice.task(project["id"])
    later = alice.pull(cursor=first["cursor"])
    assert [c["row"]["id"] for c in later["changes"] if c["entity"] == "task"] == [tid]
    assert all(c["seq"] > first["cursor"] for c in later["changes"])
    assert later["cursor"] > first["cursor"]


def test_the_cursor_is_the_current_seq_even_when_nothing_is_visible(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.person("Bob")
    start = bob.pull(cursor=0)["cursor"]
    alice.project()  # moves the server's seq; Bob sees none of it
    page = bob.pull(cursor=start)
    assert page["changes"] == []
    assert page["cursor"] > start
    assert page["has_more"] is False


def test_paging_with_has_more_and_remaining(api: Api) -> None:
    alice = api.person("Alice")
    project = alice.project()
    for i in range(7):
        alice.task(project["id"], f"t{i}")
    everything = alice.pull(cursor=0)["changes"]
    total = len(everything)
    pages = []
    cursor = 0
    while True:
        page = alice.pull(cursor=cursor, limit=3)
        pages.append(page)
        assert len(page["changes"]) <= 3
        assert page["cursor"] >= cursor
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert [p["remaining"] for p in pages] == [max(0, total - 3 * (i + 1)) for i in range(len(pages))]
    assert pages[0]["has_more"] is True and pages[0]["cursor"] == pages[0]["changes"][-1]["seq"]
    paged = [c for p in pages for c in p["changes"]]
    assert paged == everything


def test_limit_is_clamped_and_validated(api: Api) -> None:
    alice = api.person("Alice")
    r = _pull(alice, cursor=0, limit=1_000_000)
    assert r.status_code == 200, r.text
    for bad in ({"limit": 0}, {"limit": -1}, {"cursor": -1}, {"cursor": "abc"}, {"limit": "many"}):
        error_of(_pull(alice, **bad), 422, "validation_error")


def test_limit_above_5000_returns_at_most_5000(api: Api, app) -> None:  # type: ignore[no-untyped-def]
    # Thousands of rows through mutations would be slow; write feed rows the way a commit does.
    from server.feed import Tx

    alice = api.person("Alice")
    project = alice.project()
    db = app.state.services.db
    with db.write() as conn:
        tx = Tx(conn)
        for i in range(5003):
            tx.emit(
                "status",
                {
                    "id": new_id(),
                    "project_id": project["id"],
                    "name": f"s{i}",
                    "category": "todo",
                    "position": "a0",
                    "deleted": False,
                    "pauses_sla": False,
                },
            )
        tx.finish()
    page = alice.pull(cursor=0, limit=9000)
    assert len(page["changes"]) == 5000
    assert page["has_more"] is True and page["remaining"] > 0


def test_a_cursor_above_the_servers_seq_is_410(api: Api) -> None:
    alice = api.person("Alice")
    current = alice.pull(cursor=0)["cursor"]
    error_of(_pull(alice, cursor=current + 1), 410, "cursor_expired")
    error_of(_pull(alice, cursor=2**40), 410, "cursor_expired")


def test_a_non_member_never_receives_a_row_of_the_project(api: Api) -> None:
    alice = api.person("Alice")
    mallory = api.person("Mallory")
    project = alice.project()
    tid = alice.task(project["id"])
    alice.comment(tid, "secret")
    alice.ok("watch.put", {"task_id": tid})
    changes, _ = mallory.pull_all()
    for change in changes:
        row = change["row"]
        assert row.get("project_id") != project["id"] and row["id"] != project["id"], change
    assert _ids(changes, "user") == {mallory.id}


def test_users_receive_user_rows_only_of_people_they_share_a_project_with(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.person("Bob")
    carol = api.person("Carol")
    stranger = api.person("Stranger")
    project = alice.project()
    alice.share(project["id"], bob)
    other = carol.project()
    changes, _ = bob.pull_all()
    assert _ids(changes, "user") == {alice.id, bob.id}
    users = rows(changes, "user")
    assert users[alice.id] | {"seq": 0} == {
        "id": alice.id,
        "seq": 0,
        "deleted": False,
        "display_name": "Alice",
        "email": alice.user["email"],
    }
    assert _ids(stranger.pull_all()[0], "user") == {stranger.id}
    # Carol joins Alice's project: Bob's next pull carries Carol's user row.
    alice.share(project["id"], carol)
    changes, _ = bob.pull_all()
    assert carol.id in _ids(changes, "user")
    assert other["id"] not in _ids(changes)


def test_a_grant_brings_every_live_row_of_the_project(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.person("Bob")
    carol = api.person("Carol")
    project = alice.project()
    pid = project["id"]
    alice.share(pid, carol)
    tasks = [alice.task(pid, f"t{i}") for i in range(3)]
    gone = alice.task(pid, "gone")
    alice.ok("task.delete", {"id": gone})
    comment = carol.comment(tasks[0], "hello")
    bob.pull_all()  # Bob is up to date before the grant: nothing of the project yet
    alice.share(pid, bob, "viewer")
    changes, _ = bob.pull_all()
    assert set(tasks) <= _ids(changes, "task")
    assert gone not in _ids(changes, "task")  # tombstones of rows Bob never had need not come
    assert comment in _ids(changes, "comment")
    assert len(_ids(changes, "status")) == 3
    assert pid in _ids(changes, "project")
    assert {alice.id, carol.id} <= _ids(changes, "user")
    assert _ids(changes, "member") >= {c["row"]["id"] for c in changes if c["entity"] == "member"}
    assert {m["user_id"] for m in rows(changes, "member").values()} == {alice.id, bob.id, carol.id}


def test_revoke_lists_the_project_and_tombstones_the_users_private_rows(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.person("Bob")
    project = alice.project()
    keep = alice.project()
    pid = project["id"]
    alice.share(pid, bob)
    alice.share(keep["id"], bob)
    tid = alice.task(pid, assignee_id=bob.id)  # Bob watches it and is notified
    kept_task = alice.task(keep["id"], assignee_id=bob.id)
    changes, _ = bob.pull_all()
    assert len(rows(changes, "notification")) == 2
    assert {w["task_id"] for w in rows(changes, "watch").values()} == {tid, kept_task}
    alice.ok("member.remove", {"project_id": pid, "user_id": bob.id})
    changes, revoked = bob.pull_all()
    assert revoked == [pid]
    for change in changes:
        row = change["row"]
        if change["entity"] in ("watch", "notification"):
            assert row["deleted"] is (row["task_id"] == tid), change
        else:
            assert row.get("project_id") != pid and row["id"] != pid, change
    notes = rows(changes, "notification")
    assert [n["deleted"] for n in notes.values()] == [True]
    # The revocation is reported once; later pulls do not repeat it, and see nothing more of it.
    alice.task(pid, "after")
    changes, revoked = bob.pull_all()
    assert revoked == [] and all(c["row"].get("project_id") != pid for c in changes)
    # A revocation is reported to a cursor from before it, even from 0.
    assert bob.pull(cursor=0)["revoked_projects"] == [pid]


def test_rejoining_after_a_revoke_brings_the_project_back(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.person("Bob")
    project = alice.project()
    pid = project["id"]
    alice.share(pid, bob)
    tid = alice.task(pid)
    bob.pull_all()
    alice.ok("member.remove", {"project_id": pid, "user_id": bob.id})
    bob.pull_all()
    alice.share(pid, bob)
    changes, revoked = bob.pull_all()
    assert revoked == []
    assert tid in _ids(changes, "task") and pid in _ids(changes, "project")
    # Removed and added back between two pulls: the project is not reported lost.
    alice.ok("member.remove", {"project_id": pid, "user_id": bob.id})
    alice.share(pid, bob, "viewer")
    changes, revoked = bob.pull_all()
    assert revoked == []
    assert rows(changes, "member")[f"{_member_id(pid, bob.id)}"]["role"] == "viewer"


def test_notifications_and_watches_reach_only_their_user(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.person("Bob")
    carol = api.person("Carol")
    project = alice.project()
    alice.share(project["id"], bob)
    alice.share(project["id"], carol)
    alice.task(project["id"], assignee_id=bob.id)
    for person in (alice, carol):
        changes, _ = person.pull_all()
        assert all(c["row"]["user_id"] == person.id for c in changes if c["entity"] in ("notification", "watch"))
    changes, _ = bob.pull_all()
    assert [n["kind"] for n in rows(changes, "notification").values()] == ["assigned"]
