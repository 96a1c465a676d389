"""Notifications made in the same commit as their cause, auto-watching, reading, and the reminder scheduler."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sync.entities import ROW_MODELS
from tests.factories import Api, Person, new_id, rows


def inbox(person: Person) -> list[dict[str, Any]]:
    """The person's live notifications (pulled from 0), oldest first."""
    changes = person.pull(cursor=0, limit=5000)["changes"]
    notes = [n for n in rows(changes, "notification").values() if not n["deleted"]]
    for note in notes:
        ROW_MODELS["notification"].model_validate(note)
        assert note["user_id"] == person.id
    return sorted(notes, key=lambda n: n["seq"])


def kinds(person: Person) -> list[str]:
    return [n["kind"] for n in inbox(person)]


def watched(person: Person) -> set[str]:
    changes = person.pull(cursor=0, limit=5000)["changes"]
    return {w["task_id"] for w in rows(changes, "watch").values() if not w["deleted"]}


def test_assigned_goes_to_the_new_assignee_but_never_to_oneself(trio: tuple[Person, Person, Person, str]) -> None:
    alice, bob, carol, pid = trio
    tid = alice.task(pid, "修复登录", assignee_id=bob.id)
    [note] = inbox(bob)
    assert (note["kind"], note["task_id"], note["project_id"], note["actor_id"]) == ("assigned", tid, pid, alice.id)
    assert note["title"] == "修复登录" and note["read_at"] is None and note["created_at"]
    alice.task(pid, "self", assignee_id=alice.id)
    carol.ok("task.update", {"id": tid, "set": {"assignee_id": carol.id}})
    assert kinds(alice) == []
    assert kinds(carol) == []  # Carol assigned herself
    carol.ok("task.update", {"id": tid, "set": {"title": "新标题", "assignee_id": bob.id}})
    notes = inbox(bob)
    assert [n["kind"] for n in notes] == ["assigned", "assigned"]
    assert notes[-1]["title"] == "新标题"


def test_assignees_reporters_and_commenters_watch_automatically(trio: tuple[Person, Person, Person, str]) -> None:
    alice, bob, carol, pid = trio
    tid = alice.task(pid, assignee_id=bob.id)
    assert tid in watched(alice) and tid in watched(bob) and tid not in watched(carol)
    carol.comment(tid, "looks good")
    assert tid in watched(carol)
    other = alice.task(pid)
    alice.ok("task.update", {"id": other, "set": {"assignee_id": carol.id}})
    assert other in watched(carol)


MENTIONS: list[tuple[str, set[str]]] = [
    ("@wang.wei please look", {"bob"}),  # the email's local part, dot and all
    ("@王伟，请看一下", {"bob"}),  # Chinese punctuation ends a mention
    ("请 @王伟。", {"bob"}),
    ("请@王伟 看一下", {"bob"}),  # no space is needed before the @ in Chinese text
    ("thanks @carol_c.", {"carol"}),  # trailing punctuation is not part of the name
    ("@carol.smith?", {"carol"}),  # no one is carol.smith: the name stops at the dot, as written
    ("@AliceZhang and @CAROL_C", {"alice", "carol"}),  # space-free display name; any case
    ("@carol: ok", {"carol"}),
    ("(@Carol) ok", {"carol"}),
    ("mail wang.wei@example.com", set()),  # an email address is not a mention
    ("@王伟同学", set()),  # the name runs on to the next space or punctuation
    ("@nobody here", set()),
    ("@ alone", set()),
]


def test_mentions_in_the_body(trio: tuple[Person, Person, Person, str]) -> None:
    alice, bob, carol, pid = trio
    tid = alice.task(pid)
    by_name = {"alice": alice.id, "bob": bob.id, "carol": carol.id}
    for body, expected in MENTIONS:
        author = carol if "alice" in expected else alice
        cid = author.comment(tid, body)
        changes = alice.pull(cursor=0)["changes"]
        assert set(rows(changes, "comment")[cid]["mentions"]) == {by_name[n] for n in expected}, body


def test_mentioned_and_commented_notify_each_person_once(api: Api, trio: tuple[Person, Person, Person, str]) -> None:
    alice, bob, carol, pid = trio
    dave = api.person("Dave", email="dave@example.com")
    outsider = api.person("Out", email="outsider@example.com")
    alice.share(pid, dave, "viewer")
    tid = alice.task(pid, "任务", assignee_id=bob.id)  # reporter Alice, assignee Bob
    dave.ok("watch.put", {"task_id": tid})
    # Carol mentions Bob (and an outsider, and herself by id): Bob is mentioned, not also "commented".
    cid = carol.comment(tid, "@wang.wei 看看 @outsider", mentions=[carol.id, outsider.id])
    changes = alice.pull(cursor=0)["changes"]
    assert set(rows(changes, "comment")[cid]["mentions"]) == {bob.id, carol.id}
    assert kinds(bob) == ["assigned", "mentioned"]
    assert kinds(alice) == ["commented"]  # the reporter
    assert kinds(dave) == ["commented"]  # a watcher
    assert kinds(carol) == []  # never to the actor
    assert kinds(outsider) == []
    # Carol now watches: Bob's reply reaches her, Alice and Dave, but not Bob.
    bob.comment(tid, "done")
    assert kinds(carol) == ["commented"]
    assert kinds(alice) == ["commented", "commented"]
    assert kinds(bob) == ["assigned", "mentioned"]
    note = inbox(carol)[0]
    assert (note["actor_id"], note["task_id"], note["title"]) == (bob.id, tid, "任务")


def test_editing_a_comment_notifies_only_newly_mentioned_people(trio: tuple[Person, Person, Person, str]) -> None:
    alice, bob, carol, pid = trio
    tid = alice.task(pid)
    cid = alice.comment(tid, "hi @wang.wei")
    alice.ok("comment.update", {"id": cid, "body": "hi @wang.wei and @carol_c"})
    assert kinds(bob) == ["mentioned"]
    assert kinds(carol) == ["mentioned"]


def test_status_changed_reaches_reporter_assignee_and_watchers(
    api: Api, trio: tuple[Person, Person, Person, str]
) -> None:
    alice, bob, carol, pid = trio
    dave = api.person("Dave")
    alice.share(pid, dave, "viewer")
    tid = alice.task(pid, assignee_id=bob.id)
    dave.ok("watch.put", {"task_id": tid})
    changes = alice.pull(cursor=0)["changes"]
    doing = next(s["id"] for s in rows(changes, "status").values() if s["category"] == "doing")
    carol.ok("task.update", {"id": tid, "set": {"status_id": doing}})
    assert kinds(alice) == ["status_changed"]
    assert kinds(bob) == ["assigned", "status_changed"]
    assert kinds(dave) == ["status_changed"]
    assert kinds(carol) == []
    # The same status again is no change and notifies no one; other fields do not notify.
    carol.ok("task.update", {"id": tid, "set": {"status_id": doing, "priority": "low"}})
    assert kinds(alice) == ["status_changed"]
    # Unwatching stops it.
    dave.ok("watch.remove", {"task_id": tid})
    alice.ok("task.update", {"id": tid, "set": {"status_id": rows(changes, "task")[tid]["status_id"]}})
    assert kinds(dave) == ["status_changed"]
    assert kinds(bob)[-1] == "status_changed"


def test_notification_read_one_and_all(trio: tuple[Person, Person, Person, str]) -> None:
    alice, bob, carol, pid = trio
    for i in range(3):
        alice.task(pid, f"t{i}", assignee_id=bob.id)
    first, *rest = inbox(bob)
    bob.ok("notification.read", {"id": first["id"]})
    bob.ok("notification.read", {"id": first["id"]})  # reading twice is harmless
    notes = {n["id"]: n for n in inbox(bob)}
    assert notes[first["id"]]["read_at"] is not None
    assert all(notes[n["id"]]["read_at"] is None for n in rest)
    carol.rejected("notification.read", {"id": rest[0]["id"]}, "not_found")  # not hers
    bob.rejected("notification.read", {"id": new_id()}, "not_found")
    bob.rejected("notification.read", {}, "validation_error")
    bob.ok("notification.read", {"all": True})
    assert all(n["read_at"] is not None for n in inbox(bob))
    assert inbox(bob)[0]["read_at"] == notes[first["id"]]["read_at"]  # an earlier read keeps its time


def test_due_soon_and_overdue_fire_once_per_task_and_due_date(api: Api, app, trio) -> None:  # type: ignore[no-untyped-def]
    from server.reminders import run_reminders

    alice, bob, _carol, pid = trio
    db = app.state.services.db
    now = datetime.now(UTC).replace(microsecond=0)
    lead = timedelta(hours=24)
    due = now + timedelta(hours=12)
    assigned = alice.task(pid, "assigned", assignee_id=bob.id, due_at=due.isoformat())
    unassigned = alice.task(pid, "unassigned", due_at=due.isoformat())
    alice.task(pid, "later", assignee_id=bob.id, due_at=(now + timedelta(days=3)).isoformat())
    changes = alice.pull(cursor=0)["changes"]
    done = next(s["id"] for s in rows(changes, "status").values() if s["category"] == "done")
    alice.task(pid, "finished", assignee_id=bob.id, due_at=due.isoformat(), status_id=done)

    created, audience, cursor = run_reminders(db, now, lead)
    assert created == 2
    assert audience >= {alice.id, bob.id}
    assert bob.pull(cursor=0)["cursor"] == cursor
    assert [(n["kind"], n["task_id"]) for n in inbox(bob) if n["kind"] == "due_soon"] == [("due_soon", assigned)]
    [mine] = [n for n in inbox(alice) if n["kind"] == "due_soon"]  # the reporter of an unassigned task
    assert mine["task_id"] == unassigned and mine["actor_id"] is None and mine["title"] == "unassigned"
    assert run_reminders(db, now + timedelta(minutes=5), lead)[0] == 0  # once only

    # Past the due date: overdue, once.
    assert run_reminders(db, due + timedelta(minutes=1), lead)[0] == 2
    assert run_reminders(db, due + timedelta(hours=1), lead)[0] == 0
    assert kinds(bob).count("overdue") == 1

    # A new due date is a new reminder.
    new_due = due + timedelta(days=1, hours=12)
    alice.ok("task.update", {"id": assigned, "set": {"due_at": new_due.isoformat()}})
    assert run_reminders(db, due + timedelta(days=1), lead)[0] == 1
    assert kinds(bob).count("due_soon") == 2
    # A task done or deleted is not reminded.
    alice.ok("task.update", {"id": assigned, "set": {"status_id": done}})
    alice.ok("task.delete", {"id": unassigned})
    assert run_reminders(db, new_due + timedelta(hours=1), timedelta(hours=1))[0] == 0
