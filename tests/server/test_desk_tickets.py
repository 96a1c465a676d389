"""The service desk's mutations (PROTOCOL-2.md, "Service desk"), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sync import sla
from sync.protocol import sla_policy_id
from tests.factories import Api, new_id
from tests.server.desk import Desk, latest, make_desk, pull, when


@pytest.fixture
def desk(api: Api) -> Desk:
    return make_desk(api)


def test_a_new_desk_has_the_five_statuses_and_the_default_policies(desk: Desk) -> None:
    statuses = desk.statuses()
    assert [(s["name"], s["category"], s["pauses_sla"]) for s in statuses] == [
        ("待处理", "todo", False),
        ("处理中", "doing", False),
        ("等待用户回复", "doing", True),
        ("已解决", "done", False),
        ("已关闭", "done", False),
    ]
    policies = {p["priority"]: p for p in latest(desk.vera, "sla_policy").values()}
    assert set(policies) == {"urgent", "high", "medium", "low", "none"}
    assert policies["urgent"]["calendar"] == "always"
    assert (policies["urgent"]["first_response_minutes"], policies["urgent"]["resolution_minutes"]) == (30, 240)
    assert (policies["none"]["first_response_minutes"], policies["none"]["resolution_minutes"]) == (480, 4800)
    high = policies["high"]
    assert high["id"] == sla_policy_id(desk.id, "high")
    assert (high["calendar"], high["business_start"], high["business_end"]) == ("business", "09:00", "18:00")
    assert (high["time_zone"], high["holidays"], high["auto_close_days"]) == ("Asia/Shanghai", "cn", 7)


def test_other_projects_keep_v1_statuses(api: Api) -> None:
    alice = api.person()
    project = alice.project(kind="product")
    names = [s["name"] for s in latest(alice, "status").values() if s["project_id"] == project["id"]]
    assert sorted(names) == ["Doing", "Done", "To do"]
    assert latest(alice, "sla_policy") == {}


def test_a_v1_pull_never_meets_tickets_or_policies(desk: Desk) -> None:
    desk.ticket()
    entities = {c["entity"] for c in pull(desk.alice, include=None)}
    assert entities.isdisjoint({"ticket", "sla_policy", "task_event"})
    assert {"task", "status"} <= entities


def test_a_viewer_files_feedback_with_the_defaults(desk: Desk) -> None:
    tid = desk.ticket(by=desk.vera)
    task, ticket = desk.task(tid), desk.row(tid)
    assert (task["type"], task["reporter_id"], task["priority"]) == ("ticket", desk.vera.id, "medium")
    assert task["status_id"] == desk.status("待处理")
    assert ticket["requester_name"] == "Vera" and ticket["requester_contact"] == ""
    assert (ticket["channel"], ticket["category"], ticket["severity"], ticket["impact"]) == ("app", "other", 3, 3)
    assert ticket["reopened_count"] == 0 and ticket["satisfaction"] is None
    created = when(task["created_at"])
    policy = sla.DEFAULT_POLICIES["medium"]
    assert when(ticket["first_response_due_at"]) == sla.due_at(policy, "first_response", created)
    assert when(ticket["resolution_due_at"]) == sla.due_at(policy, "resolution", created)


@pytest.mark.parametrize(("severity", "impact", "priority"), [(1, 1, "urgent"), (2, 4, "medium"), (4, 1, "medium")])
def test_the_matrix_sets_the_priority(desk: Desk, severity: int, impact: int, priority: str) -> None:
    tid = desk.ticket(severity=severity, impact=impact)
    assert desk.task(tid)["priority"] == priority


def test_an_urgent_ticket_runs_on_every_minute(desk: Desk) -> None:
    tid = desk.ticket(severity=1, impact=1)
    created, ticket = when(desk.task(tid)["created_at"]), desk.row(tid)
    assert when(ticket["first_response_due_at"]) - created == timedelta(minutes=30)
    assert when(ticket["resolution_due_at"]) - created == timedelta(minutes=240)


def test_a_given_priority_wins_over_the_matrix(desk: Desk) -> None:
    tid = desk.ticket(severity=1, impact=1, priority="low")
    assert desk.task(tid)["priority"] == "low"


def test_ticket_create_outside_a_desk_or_by_a_stranger(desk: Desk, api: Api) -> None:
    product = desk.alice.project(kind="product")
    args = {"id": new_id(), "project_id": product["id"], "title": "x"}
    desk.alice.rejected("ticket.create", args, "invalid_project")
    stranger = api.person()
    stranger.rejected("ticket.create", {**args, "project_id": desk.id}, "not_found")
    desk.bob.rejected("ticket.create", {**args, "project_id": desk.id, "severity": 5}, "validation_error")
    desk.bob.rejected("ticket.create", {**args, "project_id": desk.id, "channel": "fax"}, "validation_error")
    desk.bob.rejected("ticket.create", {**args, "project_id": desk.id, "requester_name": "x" * 201}, "validation_error")


def test_update_changes_the_priority_by_the_matrix_and_the_due_times(desk: Desk) -> None:
    tid = desk.ticket()
    before = desk.row(tid)
    desk.bob.ok("ticket.update", {"id": tid, "set": {"severity": 1, "impact": 1, "category": "security"}})
    task, after = desk.task(tid), desk.row(tid)
    assert task["priority"] == "urgent" and after["category"] == "security"
    assert when(after["first_response_due_at"]) == when(task["created_at"]) + timedelta(minutes=30)
    assert after["first_response_due_at"] != before["first_response_due_at"]
    desk.bob.ok("ticket.update", {"id": tid, "set": {"severity": 4, "priority": "high"}})
    assert desk.task(tid)["priority"] == "high"
    events = [e for e in latest(desk.alice, "task_event").values() if e["task_id"] == tid and e["field"] == "priority"]
    assert len(events) == 2


def test_update_needs_a_member_and_a_ticket(desk: Desk) -> None:
    tid = desk.ticket()
    desk.vera.rejected("ticket.update", {"id": tid, "set": {"severity": 1}}, "forbidden")
    plain = desk.bob.task(desk.id, "不是工单")
    desk.bob.rejected("ticket.update", {"id": plain, "set": {"severity": 1}}, "not_found")
    desk.bob.rejected("ticket.merge", {"id": plain, "into_id": tid}, "not_found")
    desk.bob.rejected("ticket.update", {"id": tid, "set": {"channel": None}}, "validation_error")


def test_comment_visibility_defaults_and_first_response(desk: Desk) -> None:
    tid = desk.ticket(by=desk.vera)
    internal = desk.bob.comment(tid, "先查日志")
    comments = latest(desk.alice, "comment")
    assert comments[internal]["visibility"] == "internal" and comments[internal]["author_name"] is None
    assert desk.row(tid)["first_response_at"] is None  # an internal note is no answer
    desk.vera.comment(tid, "补充截图", visibility="public")
    assert desk.row(tid)["first_response_at"] is None  # a viewer's reply is no answer either
    reply = desk.bob.comment(tid, "您好，已收到", visibility="public")
    first = desk.row(tid)["first_response_at"]
    assert first == latest(desk.alice, "comment")[reply]["created_at"]
    desk.bob.comment(tid, "第二次回复", visibility="public")
    assert desk.row(tid)["first_response_at"] == first


def test_internal_comments_exist_only_in_a_desk(desk: Desk) -> None:
    product = desk.alice.project(kind="product")
    task = desk.alice.task(product["id"])
    error = desk.alice.rejected(
        "comment.create", {"id": new_id(), "task_id": task, "body": "x", "visibility": "internal"}, "validation_error"
    )
    assert error["message"]
    cid = desk.alice.comment(task, "hello")
    assert latest(desk.alice, "comment")[cid]["visibility"] == "public"


def test_a_pause_moves_the_due_times_by_its_business_time(desk: Desk) -> None:
    desk.alice.ok("sla_policy.put", {"project_id": desk.id, "priority": "medium", "calendar": "always"})
    tid = desk.ticket()
    desk.move(tid, "等待用户回复")
    paused = desk.row(tid)
    desk.move(tid, "处理中")
    resumed, task = desk.row(tid), desk.task(tid)
    events = sorted(
        (e for e in latest(desk.alice, "task_event").values() if e["task_id"] == tid and e["field"] == "status_id"),
        key=lambda e: e["at"],
    )
    start, end = when(events[0]["at"]), when(events[1]["at"])
    policy = sla.Policy(240, 1440, calendar="always")
    created = when(task["created_at"])
    assert when(resumed["first_response_due_at"]) == sla.due_at(policy, "first_response", created, [(start, end)])
    assert when(resumed["resolution_due_at"]) - when(paused["resolution_due_at"]) == end - start


def test_resolution_and_reopen_by_status(desk: Desk) -> None:
    tid = desk.ticket()
    desk.move(tid, "已解决")
    resolved = desk.row(tid)
    assert resolved["resolved_at"] is not None and resolved["closed_at"] is None
    desk.move(tid, "已关闭")
    assert desk.row(tid)["resolved_at"] == resolved["resolved_at"]  # still in `done`
    desk.move(tid, "处理中")
    assert desk.row(tid)["resolved_at"] is None


def test_merge_moves_the_ticket_to_done_and_refuses_loops(desk: Desk, api: Api) -> None:
    a, b, c = desk.ticket(), desk.ticket(), desk.ticket()
    desk.bob.rejected("ticket.merge", {"id": a, "into_id": a}, "invalid_merge")
    desk.vera.rejected("ticket.merge", {"id": a, "into_id": b}, "forbidden")
    desk.vera.rejected("ticket.merge", {"id": a, "into_id": a}, "forbidden")  # the role is checked first
    desk.bob.ok("ticket.merge", {"id": a, "into_id": b})
    merged = desk.row(a)
    assert merged["merged_into_id"] == b and merged["resolved_at"] is not None
    assert desk.task(a)["status_id"] == desk.status("已解决")
    desk.bob.rejected("ticket.merge", {"id": a, "into_id": c}, "invalid_merge")
    desk.bob.rejected("ticket.merge", {"id": c, "into_id": a}, "invalid_merge")
    other = desk.alice.project("另一个服务台", kind="service_desk")
    elsewhere = new_id()
    desk.alice.ok("ticket.create", {"id": elsewhere, "project_id": other["id"], "title": "x"})
    desk.alice.rejected("ticket.merge", {"id": c, "into_id": elsewhere}, "invalid_merge")


def test_escalate_creates_a_requirement_and_announces_its_completion(desk: Desk) -> None:
    app_project = desk.alice.project("星河 App", kind="product")
    desk.alice.share(app_project["id"], desk.bob)
    tid = desk.ticket(description="点登录没反应")
    number = desk.task(tid)["number"]
    req = new_id()
    desk.bob.rejected("ticket.escalate", {"id": tid, "task_id": req, "project_id": desk.id}, "invalid_project")
    desk.bob.ok("ticket.escalate", {"id": tid, "task_id": req, "project_id": app_project["id"]})
    task = desk.task(req)
    assert (task["type"], task["title"], task["project_id"]) == ("requirement", "无法登录", app_project["id"])
    assert task["description"] == f"点登录没反应\n\n{desk.key}-{number}"
    assert desk.row(tid)["escalated_task_id"] == req
    assert desk.task(tid)["status_id"] == desk.status("待处理")
    desk.bob.rejected(
        "ticket.escalate", {"id": tid, "task_id": new_id(), "project_id": app_project["id"]}, "already_escalated"
    )
    done = next(
        s["id"]
        for s in latest(desk.alice, "status").values()
        if s["project_id"] == app_project["id"] and s["name"] == "Done"
    )
    desk.bob.ok("task.update", {"id": req, "set": {"status_id": done}})
    # Unassigned: the desk's admins hear of it (never the actor, Bob).
    for person, expected in ((desk.alice, 1), (desk.adam, 1), (desk.bob, 0)):
        found = [n for n in latest(person, "notification").values() if n["kind"] == "ticket_linked_done"]
        assert len(found) == expected and all(n["task_id"] == tid for n in found)
        assert not [
            n for n in latest(person, "notification", include=None).values() if n["kind"] == "ticket_linked_done"
        ]


def test_escalation_needs_membership_of_both_projects(desk: Desk) -> None:
    foreign = desk.alice.project("别的项目", kind="product")
    tid = desk.ticket()
    desk.bob.rejected("ticket.escalate", {"id": tid, "task_id": new_id(), "project_id": foreign["id"]}, "not_found")


def test_sla_policy_put_by_admins_only(desk: Desk) -> None:
    args = {"project_id": desk.id, "priority": "low", "first_response_minutes": 60}
    desk.bob.rejected("sla_policy.put", args, "forbidden")
    desk.adam.ok("sla_policy.put", args)
    low = latest(desk.alice, "sla_policy")[sla_policy_id(desk.id, "low")]
    assert (low["first_response_minutes"], low["resolution_minutes"], low["calendar"]) == (60, 2400, "business")
    desk.adam.rejected("sla_policy.put", {**args, "business_start": "18:00"}, "validation_error")
    desk.adam.rejected("sla_policy.put", {**args, "time_zone": "Mars/Olympus"}, "validation_error")
    desk.adam.rejected("sla_policy.put", {**args, "first_response_minutes": 0}, "validation_error")
    product = desk.alice.project(kind="product")
    desk.alice.rejected("sla_policy.put", {**args, "project_id": product["id"]}, "invalid_project")


def test_a_tickets_type_is_fixed_and_deletion_tombstones_its_row(desk: Desk) -> None:
    tid = desk.ticket()
    desk.bob.rejected("task.update", {"id": tid, "set": {"type": "bug"}}, "validation_error")
    desk.bob.ok("task.delete", {"id": tid})
    assert desk.row(tid)["deleted"] is True


def test_a_desk_kind_switched_off_is_not_created(desk: Desk) -> None:
    desk.alice.ok("notification_pref.update", {"set": {"kinds": {"ticket_linked_done": False}}})
    prefs = next(iter(latest(desk.alice, "notification_pref", include="notification_pref").values()))
    assert prefs["kinds"]["ticket_linked_done"] is False and prefs["kinds"]["assigned"] is True
    product = desk.alice.project("星河 App", kind="product")
    desk.alice.share(product["id"], desk.bob)
    tid, req = desk.ticket(), new_id()
    desk.bob.ok("ticket.escalate", {"id": tid, "task_id": req, "project_id": product["id"]})
    statuses = latest(desk.alice, "status").values()
    done = next(s["id"] for s in statuses if s["project_id"] == product["id"] and s["name"] == "Done")
    desk.bob.ok("task.update", {"id": req, "set": {"status_id": done}})
    kinds = lambda who: [n["kind"] for n in latest(who, "notification").values()]  # noqa: E731
    assert "ticket_linked_done" not in kinds(desk.alice) and "ticket_linked_done" in kinds(desk.adam)


def test_pauses_sla_is_settable_on_statuses(desk: Desk) -> None:
    sid = new_id()
    desk.alice.ok("status.create", {"id": sid, "project_id": desk.id, "name": "等待第三方", "category": "doing",
                                    "pauses_sla": True})  # fmt: skip
    assert latest(desk.alice, "status")[sid]["pauses_sla"] is True
    desk.alice.ok("status.update", {"id": sid, "pauses_sla": False})
    assert latest(desk.alice, "status")[sid]["pauses_sla"] is False
