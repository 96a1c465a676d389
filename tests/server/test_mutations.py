"""Every v1 mutation, its defaults and its role checks, observed through pull."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.factories import Api, Person, new_id, rows, unique_key


def member_id(project_id: str, user_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"keel:member:{project_id}:{user_id}"))


def watch_id(task_id: str, user_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"keel:watch:{task_id}:{user_id}"))


def latest(person: Person, entity: str) -> dict[str, dict[str, Any]]:
    """Everything of `entity` the person has received so far, from a full pull."""
    changes, _ = person.pull_all()
    return rows(changes, entity)


def team(api: Api) -> tuple[Person, dict[str, Any], dict[str, Person]]:
    """An owner's project with one person of every other role."""
    owner = api.person("Owner")
    project = owner.project()
    people = {"owner": owner}
    for role in ("admin", "member", "viewer"):
        person = api.person(role.capitalize())
        owner.share(project["id"], person, role)
        people[role] = person
    return owner, project, people


def statuses_of(person: Person, project_id: str) -> list[dict[str, Any]]:
    live = [s for s in latest(person, "status").values() if s["project_id"] == project_id and not s["deleted"]]
    return sorted(live, key=lambda s: (s["position"], s["id"]))


# --- projects -------------------------------------------------------------------------------


def test_project_create_makes_the_creator_owner_with_default_statuses(api: Api) -> None:
    alice = api.person("Alice")
    pid, key = new_id(), unique_key()
    alice.ok("project.create", {"id": pid, "name": "增长", "key": key, "kind": "campaign", "description": "d"})
    changes, _ = alice.pull_all()
    project = rows(changes, "project")[pid]
    assert project | {"seq": 0} == {
        "id": pid,
        "seq": 0,
        "deleted": False,
        "name": "增长",
        "key": key,
        "kind": "campaign",
        "description": "d",
        "archived": False,
        "calendar": "cn",  # an addition (docs/protocol.md), on every pull for a v1 client to ignore
    }
    member = rows(changes, "member")[member_id(pid, alice.id)]
    assert (member["project_id"], member["user_id"], member["role"]) == (pid, alice.id, "owner")
    live = sorted(rows(changes, "status").values(), key=lambda s: s["position"])
    assert [(s["name"], s["category"]) for s in live] == [("To do", "todo"), ("Doing", "doing"), ("Done", "done")]
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(c["seq"] == c["row"]["seq"] for c in changes)


def test_project_create_checks_key_and_id(api: Api) -> None:
    alice = api.person("Alice")
    project = alice.project()
    alice.rejected("project.create", {"id": new_id(), "name": "x", "key": project["key"]}, "key_taken")
    alice.rejected("project.create", {"id": project["id"], "name": "x", "key": unique_key()}, "id_taken")
    for key in ("ab", "A", "ABCDEFGHIJK", "AB1"):
        alice.rejected("project.create", {"id": new_id(), "name": "x", "key": key}, "validation_error")
    alice.rejected("project.create", {"id": new_id(), "name": "x", "key": unique_key(), "kind": "other"})
    # Defaults: kind general, empty description.
    pid = new_id()
    alice.ok("project.create", {"id": pid, "name": "x", "key": unique_key()})
    assert latest(alice, "project")[pid]["kind"] == "general"


def test_project_update_needs_admin(api: Api) -> None:
    owner, project, people = team(api)
    pid = project["id"]
    people["member"].rejected("project.update", {"id": pid, "name": "no"}, "forbidden")
    people["viewer"].rejected("project.update", {"id": pid, "name": "no"}, "forbidden")
    people["admin"].ok("project.update", {"id": pid, "name": "新名字", "description": "说明"})
    got = latest(owner, "project")[pid]
    assert (got["name"], got["description"]) == ("新名字", "说明")


def test_an_archived_project_accepts_only_project_update(api: Api) -> None:
    owner, project, people = team(api)
    pid = project["id"]
    tid = owner.task(pid)
    admin = people["admin"]
    admin.ok("project.update", {"id": pid, "archived": True})
    assert latest(owner, "project")[pid]["archived"] is True
    outsider = api.person("Outsider")
    refused = [
        ("task.create", {"id": new_id(), "project_id": pid, "title": "t"}),
        ("task.update", {"id": tid, "set": {"title": "t2"}}),
        ("task.delete", {"id": tid}),
        ("comment.create", {"id": new_id(), "task_id": tid, "body": "hi"}),
        ("watch.put", {"task_id": tid}),
        ("status.create", {"id": new_id(), "project_id": pid, "name": "s", "category": "todo"}),
        ("member.put", {"project_id": pid, "user_id": outsider.id, "role": "member"}),
        ("project.update", {"id": pid, "name": "renamed while archived"}),
    ]
    for name, args in refused:
        owner.rejected(name, args, "project_archived")
    # Personal rows stay usable, and anyone may still leave (PROTOCOL.md's "anyone may remove
    # themselves" is read as winning over "accepts only project.update").
    people["viewer"].ok("member.remove", {"project_id": pid, "user_id": people["viewer"].id})
    admin.ok("project.update", {"id": pid, "archived": False, "name": "back"})
    owner.ok("task.update", {"id": tid, "set": {"title": "t2"}})


# --- members --------------------------------------------------------------------------------


def test_member_put_uses_the_protocol_id_and_updates_the_same_row(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.person("Bob")
    project = alice.project()
    alice.share(project["id"], bob, "viewer")
    alice.share(project["id"], bob, "admin")
    mid = member_id(project["id"], bob.id)
    members = latest(alice, "member")
    assert members[mid]["role"] == "admin"
    assert mid == str(uuid.UUID(mid)) and mid == mid.lower()
    assert len([m for m in members.values() if m["user_id"] == bob.id]) == 1
    alice.rejected("member.put", {"project_id": project["id"], "user_id": new_id(), "role": "member"}, "unknown_user")
    alice.rejected("member.put", {"project_id": project["id"], "user_id": bob.id, "role": "boss"}, "validation_error")


def test_who_may_grant_which_role(api: Api) -> None:
    owner, project, people = team(api)
    pid = project["id"]
    admin, member, viewer = people["admin"], people["member"], people["viewer"]
    newcomer = api.person("New")
    for person in (member, viewer):
        person.rejected("member.put", {"project_id": pid, "user_id": newcomer.id, "role": "viewer"}, "forbidden")
    # An admin manages members other than owners, including other admins.
    admin.share(pid, newcomer, "admin")
    admin.share(pid, newcomer, "member")
    admin.rejected("member.put", {"project_id": pid, "user_id": newcomer.id, "role": "owner"}, "forbidden")
    admin.rejected("member.put", {"project_id": pid, "user_id": owner.id, "role": "member"}, "forbidden")
    admin.rejected("member.remove", {"project_id": pid, "user_id": owner.id}, "forbidden")
    # Only an owner grants owner.
    owner.share(pid, newcomer, "owner")
    assert latest(owner, "member")[member_id(pid, newcomer.id)]["role"] == "owner"


def test_the_last_owner_cannot_be_demoted_or_removed(api: Api) -> None:
    owner, project, people = team(api)
    pid = project["id"]
    owner.rejected("member.put", {"project_id": pid, "user_id": owner.id, "role": "admin"}, "last_owner")
    owner.rejected("member.remove", {"project_id": pid, "user_id": owner.id}, "last_owner")
    second = people["admin"]
    owner.share(pid, second, "owner")
    # With two owners, one may step down; then the other is the last again.
    owner.ok("member.put", {"project_id": pid, "user_id": owner.id, "role": "admin"})
    second.rejected("member.remove", {"project_id": pid, "user_id": second.id}, "last_owner")
    second.ok("member.remove", {"project_id": pid, "user_id": owner.id})
    roles = {m["user_id"]: (m["role"], m["deleted"]) for m in latest(second, "member").values()}
    assert roles[owner.id][1] is True
    assert roles[second.id] == ("owner", False)


def test_member_remove_rules(api: Api) -> None:
    owner, project, people = team(api)
    pid = project["id"]
    admin, member, viewer = people["admin"], people["member"], people["viewer"]
    member.rejected("member.remove", {"project_id": pid, "user_id": viewer.id}, "forbidden")
    viewer.ok("member.remove", {"project_id": pid, "user_id": viewer.id})  # anyone may leave
    member.ok("member.remove", {"project_id": pid, "user_id": member.id})
    admin.rejected("member.remove", {"project_id": pid, "user_id": member.id}, "not_found")  # already gone
    owner.ok("member.remove", {"project_id": pid, "user_id": admin.id})
    # A removed person can no longer act in the project.
    admin.rejected("task.create", {"id": new_id(), "project_id": pid, "title": "x"}, "not_found")
    live = {m["user_id"] for m in latest(owner, "member").values() if not m["deleted"]}
    assert live == {owner.id}


# --- statuses -------------------------------------------------------------------------------


def test_statuses_are_managed_by_admins(api: Api) -> None:
    owner, project, people = team(api)
    pid = project["id"]
    sid = new_id()
    people["member"].rejected(
        "status.create", {"id": sid, "project_id": pid, "name": "Review", "category": "doing"}, "forbidden"
    )
    admin = people["admin"]
    admin.ok("status.create", {"id": sid, "project_id": pid, "name": "Review", "category": "doing", "position": "a1V"})
    admin.ok("status.update", {"id": sid, "name": "评审"})
    people["member"].rejected("status.update", {"id": sid, "name": "x"}, "forbidden")
    got = latest(owner, "status")[sid]
    assert (got["name"], got["category"], got["position"]) == ("评审", "doing", "a1V")
    admin.rejected("status.create", {"id": new_id(), "project_id": pid, "name": "x", "category": "later"})
    admin.rejected(
        "status.create", {"id": new_id(), "project_id": pid, "name": "x", "category": "todo", "position": "a-"}
    )
    # Without a position the new status goes last.
    last = new_id()
    admin.ok("status.create", {"id": last, "project_id": pid, "name": "Archive", "category": "done"})
    assert statuses_of(owner, pid)[-1]["id"] == last


def test_status_delete_is_rejected_while_in_use(api: Api) -> None:
    owner, project, _ = team(api)
    pid = project["id"]
    todo, doing, _done = statuses_of(owner, pid)
    tid = owner.task(pid)
    owner.rejected("status.delete", {"id": todo["id"]}, "status_in_use")
    owner.ok("task.update", {"id": tid, "set": {"status_id": doing["id"]}})
    owner.ok("status.delete", {"id": todo["id"]})
    assert latest(owner, "status")[todo["id"]]["deleted"] is True
    owner.rejected("status.update", {"id": todo["id"], "name": "zombie"})
    # A deleted task no longer holds its status.
    owner.ok("task.delete", {"id": tid})
    owner.ok("status.delete", {"id": doing["id"]})


# --- tasks ----------------------------------------------------------------------------------


def test_task_create_defaults(api: Api) -> None:
    alice = api.person("Alice")
    project = alice.project()
    pid = project["id"]
    # A todo status placed before the defaults becomes the first todo status.
    first_todo = new_id()
    alice.ok(
        "status.create", {"id": first_todo, "project_id": pid, "name": "Inbox", "category": "todo", "position": "Z"}
    )
    t1, t2 = alice.task(pid, "一"), alice.task(pid, "二")
    tasks = latest(alice, "task")
    one, two = tasks[t1], tasks[t2]
    assert one["status_id"] == first_todo
    assert (one["priority"], one["type"], one["reporter_id"]) == ("none", "task", alice.id)
    assert (one["labels"], one["assignee_id"], one["parent_id"], one["description"]) == ([], None, None, "")
    assert (one["number"], two["number"]) == (1, 2)
    assert one["position"] < two["position"]  # after the last card of the status
    assert one["created_at"] and one["updated_at"]
    # A card after client-made positions still sorts last.
    for position in ("zzzz", "0", "Zz"):
        mid = new_id()
        alice.ok("status.create", {"id": mid, "project_id": pid, "name": position, "category": "doing"})
        alice.task(pid, "client", status_id=mid, position=position)
        after = alice.task(pid, "server", status_id=mid)
        assert latest(alice, "task")[after]["position"] > position
    # Numbers count per project.
    other = alice.project()
    t3 = alice.task(other["id"])
    assert latest(alice, "task")[t3]["number"] == 1
    # The server's fields cannot be given.
    for field, value in (("number", 7), ("reporter_id", new_id()), ("created_at", "2020-01-01T00:00:00Z")):
        alice.rejected("task.create", {"id": new_id(), "project_id": pid, "title": "x", field: value})


def test_task_create_with_fields_and_checks(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.person("Bob")
    carol = api.person("Carol")
    project = alice.project()
    pid = project["id"]
    alice.share(pid, bob)
    doing = statuses_of(alice, pid)[1]["id"]
    parent = alice.task(pid)
    tid = alice.task(
        pid,
        "Checkout",
        status_id=doing,
        assignee_id=bob.id,
        priority="high",
        type="bug",
        labels=["支付", "web", "web"],
        parent_id=parent,
        position="b0",
        due_at="2030-01-02T03:04:05+08:00",
        estimate=2.5,
        description="**md**",
    )
    got = latest(alice, "task")[tid]
    assert got["status_id"] == doing and got["assignee_id"] == bob.id and got["parent_id"] == parent
    assert (got["priority"], got["type"], got["position"], got["estimate"]) == ("high", "bug", "b0", 2.5)
    assert got["labels"] == ["支付", "web"]
    assert got["due_at"].startswith("2030-01-01T19:04:05") and got["due_at"].endswith("Z")
    base = {"project_id": pid, "title": "x"}
    alice.rejected("task.create", {"id": new_id(), **base, "assignee_id": carol.id}, "invalid_assignee")
    alice.rejected("task.create", {"id": new_id(), **base, "parent_id": new_id()}, "invalid_parent")
    alice.rejected("task.create", {"id": new_id(), **base, "priority": "asap"}, "validation_error")
    alice.rejected("task.create", {"id": tid, **base}, "id_taken")
    alice.rejected("task.create", {"id": new_id(), **base, "title": "   "}, "validation_error")


def test_task_roles(api: Api) -> None:
    _, project, people = team(api)
    pid = project["id"]
    tid = people["member"].task(pid)
    viewer = people["viewer"]
    viewer.rejected("task.create", {"id": new_id(), "project_id": pid, "title": "x"}, "forbidden")
    viewer.rejected("task.update", {"id": tid, "set": {"title": "x"}}, "forbidden")
    viewer.rejected("task.delete", {"id": tid}, "forbidden")
    outsider = api.person("Outsider")
    outsider.rejected("task.update", {"id": tid, "set": {"title": "x"}}, "not_found")
    people["member"].ok("task.delete", {"id": tid})


def test_task_update_is_last_writer_wins_per_field(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.person("Bob")
    project = alice.project()
    alice.share(project["id"], bob)
    tid = alice.task(project["id"], "old")
    created = latest(alice, "task")[tid]
    alice.ok("task.update", {"id": tid, "set": {"title": "Alice's title"}})
    bob.ok("task.update", {"id": tid, "set": {"priority": "urgent"}})
    bob.ok("task.update", {"id": tid, "set": {"title": "Bob's title", "description": "d"}})
    got = latest(alice, "task")[tid]
    assert (got["title"], got["priority"], got["description"]) == ("Bob's title", "urgent", "d")
    assert got["updated_at"] >= created["updated_at"]
    assert (got["number"], got["reporter_id"], got["created_at"]) == (1, alice.id, created["created_at"])
    # Clearing: assignee and dates may be cleared, a title may not.
    alice.ok("task.update", {"id": tid, "set": {"assignee_id": bob.id, "due_at": "2030-01-01T00:00:00Z"}})
    alice.ok("task.update", {"id": tid, "set": {"assignee_id": None, "due_at": None}})
    got = latest(alice, "task")[tid]
    assert (got["assignee_id"], got["due_at"]) == (None, None)
    alice.rejected("task.update", {"id": tid, "set": {"title": None}}, "validation_error")
    alice.rejected("task.update", {"id": tid, "set": {"number": 5}}, "validation_error")
    alice.rejected("task.update", {"id": tid, "set": {"parent_id": tid}}, "invalid_parent")
    alice.rejected("task.update", {"id": new_id(), "set": {"title": "x"}}, "not_found")


def test_labels_are_added_and_removed_so_concurrent_adds_both_survive(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.person("Bob")
    project = alice.project()
    alice.share(project["id"], bob)
    tid = alice.task(project["id"], labels=["base"])
    # Both edit from the same base, offline; neither overwrites the other.
    alice.ok("task.update", {"id": tid, "labels_add": ["前端"]})
    bob.ok("task.update", {"id": tid, "labels_add": ["backend"], "labels_remove": ["base"]})
    alice.ok("task.update", {"id": tid, "labels_add": ["前端"]})  # adding twice keeps one
    assert latest(alice, "task")[tid]["labels"] == ["前端", "backend"]
    bob.ok("task.update", {"id": tid, "labels_remove": ["前端", "never-there"]})
    assert latest(bob, "task")[tid]["labels"] == ["backend"]


def test_task_delete_tombstones_subtasks_and_their_comments(api: Api) -> None:
    alice = api.person("Alice")
    project = alice.project()
    pid = project["id"]
    root = alice.task(pid, "root")
    child = alice.task(pid, "child", parent_id=root)
    grandchild = alice.task(pid, "grandchild", parent_id=child)
    bystander = alice.task(pid, "bystander")
    comments = [alice.comment(t, f"on {t}") for t in (root, child, grandchild, bystander)]
    alice.ok("task.delete", {"id": root})
    changes, _ = alice.pull_all()
    tasks, got = rows(changes, "task"), rows(changes, "comment")
    assert [tasks[t]["deleted"] for t in (root, child, grandchild, bystander)] == [True, True, True, False]
    assert [got[c]["deleted"] for c in comments] == [True, True, True, False]
    # A delete wins over a later edit: the edit is rejected, not resurrected.
    alice.rejected("task.update", {"id": child, "set": {"title": "edit"}}, "task_deleted")
    alice.rejected("comment.create", {"id": new_id(), "task_id": root, "body": "late"}, "task_deleted")
    alice.rejected("task.delete", {"id": root}, "task_deleted")


# --- comments -------------------------------------------------------------------------------


def test_comments_are_insert_only_for_everyone_but_their_author(api: Api) -> None:
    owner, project, people = team(api)
    tid = owner.task(project["id"])
    member, viewer = people["member"], people["viewer"]
    by_viewer = viewer.comment(tid, "viewer says")
    by_member = member.comment(tid, "member says")
    owner.rejected("comment.update", {"id": by_member, "body": "owner edits"}, "forbidden")
    owner.rejected("comment.delete", {"id": by_member}, "forbidden")
    viewer.rejected("comment.update", {"id": by_member, "body": "x"}, "forbidden")
    # Viewers may only create comments, not edit them, even their own.
    viewer.rejected("comment.update", {"id": by_viewer, "body": "x"}, "forbidden")
    member.ok("comment.update", {"id": by_member, "body": "member says, edited"})
    got = latest(owner, "comment")[by_member]
    assert got["body"] == "member says, edited" and got["edited_at"] is not None
    assert (got["author_id"], got["task_id"], got["project_id"]) == (member.id, tid, project["id"])
    member.ok("comment.delete", {"id": by_member})
    assert latest(owner, "comment")[by_member]["deleted"] is True
    member.rejected("comment.update", {"id": by_member, "body": "again"}, "comment_deleted")
    member.rejected("comment.update", {"id": new_id(), "body": "x"}, "not_found")
    member.rejected("comment.create", {"id": by_viewer, "task_id": tid, "body": "dup"}, "id_taken")


# --- personal rows --------------------------------------------------------------------------


def test_watches_use_the_protocol_id_and_only_reach_their_user(api: Api) -> None:
    owner, project, people = team(api)
    tid = owner.task(project["id"])
    viewer = people["viewer"]
    viewer.ok("watch.put", {"task_id": tid})
    viewer.ok("watch.put", {"task_id": tid})
    wid = watch_id(tid, viewer.id)
    watches = latest(viewer, "watch")
    assert watches[wid] | {"seq": 0} == {"id": wid, "seq": 0, "deleted": False, "task_id": tid, "user_id": viewer.id}
    assert wid not in latest(owner, "watch")
    viewer.ok("watch.remove", {"task_id": tid})
    assert latest(viewer, "watch")[wid]["deleted"] is True
    viewer.ok("watch.put", {"task_id": tid})  # watching again revives the same row
    assert latest(viewer, "watch")[wid]["deleted"] is False
    api.person("Outsider").rejected("watch.put", {"task_id": tid}, "not_found")


@pytest.mark.parametrize("name", ["task.update", "comment.create", "member.put", "notification.read"])
def test_args_with_unknown_fields_are_rejected(api: Api, name: str) -> None:
    alice = api.person("Alice")
    alice.rejected(name, {"surprise": 1}, "validation_error")
