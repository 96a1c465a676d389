"""The requester's side as JSON (PROTOCOL-2.md): intake keys, the portal link, replies, confirm, rating."""

from __future__ import annotations

from typing import Any

import pytest

from sync.protocol import IntakeCreated, PortalView
from tests.factories import Api, error_of, new_id, serve
from tests.server.desk import Desk, latest, make_desk


@pytest.fixture
def desk(api: Api) -> Desk:
    return make_desk(api)


def intake_key(desk: Desk) -> str:
    r = desk.alice.get(f"/api/v1/projects/{desk.id}/intake")
    assert r.status_code == 200, r.text
    return str(r.json()["intake_key"])


def file(desk: Desk, key: str | None = None, **body: Any) -> Any:
    headers = {"X-Keel-Intake-Key": key if key is not None else intake_key(desk)}
    return desk.alice.http.post(f"/api/v1/intake/{desk.key}", headers=headers, json={"title": "闪退", **body})


def token_of(url: str) -> str:
    return url.rsplit("/portal/t/", 1)[1]


def portal(desk: Desk, token: str, what: str = "", **kw: Any) -> Any:
    path = f"/api/v1/portal/{token}" + (f"/{what}" if what else "")
    return desk.alice.http.post(path, **kw) if what else desk.alice.http.get(path)


def test_intake_settings_are_for_admins_only(desk: Desk, api: Api) -> None:
    body = desk.adam.get(f"/api/v1/projects/{desk.id}/intake").json()
    assert set(body) == {"intake_key", "public_form", "form_url"}
    assert body["public_form"] is False and body["form_url"].endswith(f"/portal/{desk.key}/new")
    assert len(body["intake_key"]) >= 22  # at least 128 bits in base64url
    for who in (desk.bob, desk.vera, api.person()):
        error_of(who.get(f"/api/v1/projects/{desk.id}/intake"), 404, "not_found")
        error_of(who.post(f"/api/v1/projects/{desk.id}/intake", json={"rotate_key": True}), 404, "not_found")
    product = desk.alice.project(kind="product")
    error_of(desk.alice.get(f"/api/v1/projects/{product['id']}/intake"), 404, "not_found")


def test_intake_files_a_ticket_without_a_reporter(desk: Desk) -> None:
    r = file(desk, requester_name="李雷", requester_contact="lilei@example.com", category="performance")
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"ticket_id", "key", "portal_url"}
    assert body["key"].startswith(f"{desk.key}-") and "/portal/t/" in body["portal_url"]
    task, ticket = desk.task(body["ticket_id"]), desk.row(body["ticket_id"])
    assert task["reporter_id"] is None and task["type"] == "ticket"
    assert (ticket["channel"], ticket["requester_name"], ticket["category"]) == ("api", "李雷", "performance")
    created = [e for e in latest(desk.alice, "task_event").values() if e["task_id"] == body["ticket_id"]]
    assert [(e["field"], e["actor_id"]) for e in created] == [("created", None)]


def test_intake_refuses_wrong_keys_and_bad_bodies(desk: Desk) -> None:
    key = intake_key(desk)
    error_of(file(desk, key="nope"), 401, "invalid_intake_key")
    error_of(desk.alice.http.post(f"/api/v1/intake/{desk.key}", json={"title": "x"}), 401, "invalid_intake_key")
    error_of(desk.alice.http.post("/api/v1/intake/NOSUCH", headers={"X-Keel-Intake-Key": key}, json={"title": "x"}),
             401, "invalid_intake_key")  # fmt: skip
    error_of(file(desk, key, unknown=1), 422, "validation_error")
    error_of(file(desk, key, title=""), 422, "validation_error")
    error_of(file(desk, key, requester_contact="x" * 201), 422, "validation_error")
    rotated = desk.alice.post(f"/api/v1/projects/{desk.id}/intake", json={"rotate_key": True}).json()["intake_key"]
    assert rotated != key
    error_of(file(desk, key), 401, "invalid_intake_key")
    assert file(desk, rotated).status_code == 201
    desk.alice.ok("project.update", {"id": desk.id, "archived": True})
    error_of(file(desk, rotated), 401, "invalid_intake_key")


def test_intake_is_rate_limited_per_address(db_url: str) -> None:
    with serve(db_url, intake_limit_per_address=2) as api:
        desk = make_desk(api)
        key = intake_key(desk)
        assert file(desk, key).status_code == 201
        assert file(desk, key).status_code == 201
        r = file(desk, key)
        error_of(r, 429, "rate_limited")
        assert int(r.headers["Retry-After"]) >= 1


def test_only_members_get_the_portal_link(desk: Desk, api: Api) -> None:
    tid = desk.ticket()
    r = desk.bob.get(f"/api/v1/tickets/{tid}/portal")
    assert r.status_code == 200 and "/portal/t/" in r.json()["portal_url"]
    assert desk.alice.get(f"/api/v1/tickets/{tid}/portal").json() == r.json()  # it never changes
    for who in (desk.vera, api.person()):
        error_of(who.get(f"/api/v1/tickets/{tid}/portal"), 404, "not_found")
    error_of(desk.bob.get(f"/api/v1/tickets/{new_id()}/portal"), 404, "not_found")


def test_the_portal_shows_public_replies_only(desk: Desk) -> None:
    body = file(desk, requester_name="李雷").json()
    token, tid = token_of(body["portal_url"]), body["ticket_id"]
    desk.bob.comment(tid, "内部：查日志", visibility="internal")
    desk.bob.comment(tid, "您好，请问是哪个版本？", visibility="public")
    view = portal(desk, token).json()
    PortalView.model_validate(view)
    IntakeCreated.model_validate(body)
    assert view["ticket"]["key"] == body["key"] and view["ticket"]["status"] == "待处理"
    assert view["ticket"]["status_category"] == "todo" and view["ticket"]["satisfaction"] is None
    assert [(x["author_name"], x["body"], x["from_requester"]) for x in view["replies"]] == [
        ("王伟", "您好，请问是哪个版本？", False)
    ]


def test_a_reply_resumes_a_waiting_ticket_and_tells_the_agent(desk: Desk) -> None:
    body = file(desk, requester_name="李雷").json()
    token, tid = token_of(body["portal_url"]), body["ticket_id"]
    desk.alice.ok("task.update", {"id": tid, "set": {"assignee_id": desk.bob.id}})
    desk.move(tid, "等待用户回复", by=desk.alice)
    r = portal(desk, token, "replies", json={"body": "5.2.1 版本"})
    assert r.status_code == 201, r.text
    assert r.json()["reply"]["from_requester"] is True and r.json()["reply"]["author_name"] == "李雷"
    assert desk.task(tid)["status_id"] == desk.status("处理中")
    comment = next(c for c in latest(desk.alice, "comment").values() if c["task_id"] == tid)
    assert (comment["author_id"], comment["author_name"], comment["visibility"]) == (None, "李雷", "public")
    kinds = [n["kind"] for n in latest(desk.bob, "notification").values() if n["task_id"] == tid]
    assert "ticket_reply" in kinds
    moves = [e for e in latest(desk.alice, "task_event").values() if e["task_id"] == tid and e["field"] == "status_id"]
    assert sorted(e["actor_id"] is None for e in moves) == [False, True]
    error_of(portal(desk, token, "replies", json={"body": ""}), 422, "validation_error")


def test_confirm_reopen_and_rate_once_per_resolution(desk: Desk) -> None:
    body = file(desk).json()
    token, tid = token_of(body["portal_url"]), body["ticket_id"]
    error_of(portal(desk, token, "confirm", json={"solved": True}), 409, "not_resolved")
    error_of(portal(desk, token, "rating", json={"score": 5}), 409, "not_resolved")
    desk.move(tid, "已解决")
    reopened = portal(desk, token, "confirm", json={"solved": False}).json()["ticket"]
    assert reopened["status"] == "处理中" and reopened["resolved_at"] is None
    assert desk.row(tid)["reopened_count"] == 1
    assert [n["kind"] for n in latest(desk.alice, "notification").values() if n["task_id"] == tid] == [
        "ticket_reopened"
    ]
    desk.move(tid, "已解决")
    rated = portal(desk, token, "rating", json={"score": 2, "comment": "太慢了"})
    assert rated.status_code == 200 and rated.json()["ticket"]["satisfaction"] == 2
    error_of(portal(desk, token, "rating", json={"score": 5}), 409, "already_rated")
    error_of(portal(desk, token, "rating", json={"score": 6}), 422, "validation_error")
    for admin in (desk.alice, desk.adam):
        assert "low_satisfaction" in [n["kind"] for n in latest(admin, "notification").values()]
    closed = portal(desk, token, "confirm", json={"solved": True}).json()["ticket"]
    assert closed["closed_at"] is not None
    assert portal(desk, token, "confirm", json={"solved": True}).json()["ticket"]["closed_at"] == closed["closed_at"]
    row = desk.row(tid)
    assert (row["satisfaction"], row["satisfaction_comment"]) == (2, "太慢了")
    # Reopened by an agent and resolved again: one more rating.
    desk.move(tid, "处理中")
    desk.move(tid, "已解决")
    assert portal(desk, token, "rating", json={"score": 5}).status_code == 200


def test_tokens_reach_their_own_ticket_only(desk: Desk) -> None:
    token = token_of(file(desk).json()["portal_url"])
    other = token_of(file(desk).json()["portal_url"])
    assert token != other
    forged = token[:22] + other[22:]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (forged, flipped, "x" * 46, "short", token + "A"):
        error_of(portal(desk, bad), 404, "not_found")
        error_of(portal(desk, bad, "replies", json={"body": "hi"}), 404, "not_found")


def test_a_deleted_ticket_and_an_archived_desk(desk: Desk) -> None:
    body = file(desk).json()
    token, tid = token_of(body["portal_url"]), body["ticket_id"]
    desk.alice.ok("project.update", {"id": desk.id, "archived": True})
    assert portal(desk, token).status_code == 200  # reading still works
    for what, payload in (("replies", {"body": "hi"}), ("confirm", {"solved": True}), ("rating", {"score": 4})):
        error_of(portal(desk, token, what, json=payload), 409, "project_archived")
    desk.alice.ok("project.update", {"id": desk.id, "archived": False})
    desk.bob.ok("task.delete", {"id": tid})
    error_of(portal(desk, token), 404, "not_found")


def test_a_merged_tickets_portal_adds_the_canonical_answers_but_no_other_requester(desk: Desk) -> None:
    first, second = file(desk, requester_name="甲").json(), file(desk, requester_name="乙").json()
    portal(desk, token_of(second["portal_url"]), "replies", json={"body": "乙的私事"})
    desk.bob.comment(second["ticket_id"], "统一答复：已修复", visibility="public")
    desk.bob.comment(second["ticket_id"], "内部备注", visibility="internal")
    desk.bob.ok("ticket.merge", {"id": first["ticket_id"], "into_id": second["ticket_id"]})
    view = portal(desk, token_of(first["portal_url"])).json()
    assert [x["body"] for x in view["replies"]] == ["统一答复：已修复"]
    assert view["ticket"]["status_category"] == "done"


@pytest.mark.parametrize("junk", ["x" * 300, "%00", "a%00b", "FB%C3%A9", "a.b", " "])
def test_odd_paths_and_keys_answer_401_or_404_never_5xx(desk: Desk, junk: str) -> None:
    key = intake_key(desk)
    http = desk.alice.http
    error_of(http.post(f"/api/v1/intake/{junk}", headers={"X-Keel-Intake-Key": key}, json={"title": "x"}),
             401, "invalid_intake_key")  # fmt: skip
    error_of(file(desk, key=("k" * 500)), 401, "invalid_intake_key")
    error_of(desk.alice.get(f"/api/v1/projects/{junk}/intake"), 404, "not_found")
    error_of(desk.alice.get(f"/api/v1/tickets/{junk}/portal"), 404, "not_found")
    error_of(http.get(f"/api/v1/portal/{junk}"), 404, "not_found")
    error_of(http.post(f"/api/v1/portal/{junk}/confirm", json={"solved": True}), 404, "not_found")
    assert http.get(f"/portal/t/{junk}").status_code == 404
    assert http.get(f"/portal/{junk}/new").status_code == 404
    assert http.post(f"/portal/{junk}/new", data={"title": "x"}).status_code == 404


def test_intake_is_rate_limited_per_key(db_url: str) -> None:
    with serve(db_url, intake_limit_per_key=2) as api:
        desk = make_desk(api)
        key = intake_key(desk)
        assert [file(desk, key).status_code for _ in range(3)] == [201, 201, 429]
        error_of(file(desk, "another key"), 401, "invalid_intake_key")  # its own window


def test_the_portal_is_rate_limited_per_address(db_url: str) -> None:
    with serve(db_url, portal_limit_per_address=3) as api:
        desk = make_desk(api)
        token = token_of(file(desk).json()["portal_url"])
        answers = [portal(desk, token).status_code for _ in range(3)]
        assert answers == [200, 200, 200]
        error_of(portal(desk, token, "replies", json={"body": "x"}), 429, "rate_limited")
        assert desk.alice.http.get(f"/portal/t/{token}").status_code == 429
