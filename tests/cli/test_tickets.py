"""`keel tickets list|reply` in this process against a real server: the desk's queues from the cache,
with the store's SLA numbers (the app's), and replies that reach the server public or internal."""

from __future__ import annotations

from typing import Any

from keel_cli._tickets import QUEUES
from sync.store import STORE_FILE, Store
from sync.store.families import desk
from tests.cli.conftest import Keel
from tests.factories import Api, new_id, rows


def desk_with_tickets(api: Api, client: Any, url: str) -> tuple[Keel, Any, dict[str, str]]:
    """A desk FB owned by someone else, the `keel` client its member, and three tickets: an urgent one
    assigned to the client, a medium one nobody has, and one waiting for its requester."""
    owner = api.person(email="owner@example.com")
    agent = api.person(email="agent@example.com")
    pid = new_id()
    owner.ok("project.create", {"id": pid, "name": "用户反馈", "key": "FB", "kind": "service_desk"})
    owner.share(pid, agent, "member")
    ids = {name: new_id() for name in ("urgent", "medium", "waiting")}
    owner.ok(
        "ticket.create", {"id": ids["urgent"], "project_id": pid, "title": "登录后闪退", "severity": 1, "impact": 1}
    )
    owner.ok(
        "ticket.create", {"id": ids["medium"], "project_id": pid, "title": "希望支持深色模式", "category": "feature"}
    )
    owner.ok("ticket.create", {"id": ids["waiting"], "project_id": pid, "title": "账号被锁", "requester_name": "张三"})
    owner.ok("task.update", {"id": ids["urgent"], "set": {"assignee_id": agent.id}})
    changes, _ = owner.pull_all()
    waiting = next(s for s in rows(changes, "status").values() if s["pauses_sla"])
    owner.ok("task.update", {"id": ids["waiting"], "set": {"status_id": waiting["id"]}})
    keel: Keel = client("agent")
    keel.login(url, "agent@example.com")
    keel.ok("sync")
    return keel, owner, ids


def keys(result: Any) -> list[str]:
    return [t["key"] for t in result.json()]


def test_queues_list_the_stores_tickets_with_their_sla(client: Any, api: Api, server_url: str) -> None:
    keel, _owner, _ids = desk_with_tickets(api, client, server_url)
    listed = keel.ok("tickets", "list", "--project", "FB", "--json").json()
    # Open tickets by their first due target: urgent (30 minutes) before the medium one; the waiting
    # one's clock stands still.
    assert [t["key"] for t in listed][:2] == ["FB-1", "FB-2"] and {t["key"] for t in listed} == {"FB-1", "FB-2", "FB-3"}
    urgent = listed[0]
    assert urgent["ticket"]["severity"] == 1 and urgent["priority"] == "urgent"
    assert urgent["sla"]["first_response"]["state"] == "ok" and urgent["sla"]["paused"] is False
    assert 0 < urgent["sla"]["first_response"]["remaining_minutes"] <= 30
    assert [t["sla"]["paused"] for t in listed if t["key"] == "FB-3"] == [True]
    # The same numbers as the app's: the store's query on the same cache.
    store = Store.open(keel.data_dir / STORE_FILE)
    try:
        app = {v.task["key"]: v.clock.first_response.due_at.isoformat() for v in store.tickets(urgent["project_id"])}
    finally:
        store.close()
    assert {t["key"]: t["sla"]["first_response"]["due_at"] for t in listed} == app
    assert keys(keel.ok("tickets", "list", "--project", "FB", "--queue", "mine", "--json")) == ["FB-1"]
    assert keys(keel.ok("tickets", "list", "--project", "FB", "--queue", "unassigned", "--json")) == ["FB-2", "FB-3"]
    assert keys(keel.ok("tickets", "list", "--project", "FB", "--queue", "waiting", "--json")) == ["FB-3"]
    assert keys(keel.ok("tickets", "list", "--project", "FB", "--queue", "breaching", "--json")) == []
    table = keel.ok("tickets", "list", "--project", "FB").out.splitlines()
    assert table[0].split() == ["KEY", "SLA", "STATUS", "PRIORITY", "CATEGORY", "REQUESTER", "ASSIGNEE", "TITLE"]
    assert table[1].startswith("FB-1") and "fr 0h" in table[1] and "agent@example.com" in table[1]
    assert "paused" in table[3] and "张三" in table[3] and "等待用户回复" in table[3]
    assert set(QUEUES) == set(desk.QUEUES)


def test_reply_and_internal_note_reach_the_server(client: Any, api: Api, server_url: str) -> None:
    keel, owner, ids = desk_with_tickets(api, client, server_url)
    reply = keel.ok("tickets", "reply", "FB-2", "已收到，我们会在下个版本支持", "--json").json()
    note = keel.ok("tickets", "reply", "FB-2", "产品组已排期", "--internal", "--json").json()
    assert (reply["visibility"], note["visibility"]) == ("public", "internal")
    said = keel.ok("tickets", "reply", "FB-1", "正在排查")
    assert said.out.startswith("Replied to FB-1") and "keel sync" in said.err
    keel.ok("sync")
    changes, _ = owner.pull_all()
    comments = rows(changes, "comment")
    assert comments[reply["id"]]["visibility"] == "public" and comments[note["id"]]["visibility"] == "internal"
    tickets = rows(owner.pull(0, include="ticket")["changes"], "ticket")
    assert tickets[ids["medium"]]["first_response_at"] is not None  # a public reply meets the first target
    # The first response shows in the listing as met: the next countdown is the resolution's.
    [medium] = [t for t in keel.ok("tickets", "list", "--project", "FB", "--json").json() if t["key"] == "FB-2"]
    assert medium["sla"]["first_response"]["state"] == "met"
    # Bad references and empty text are explained, with exit code 1.
    assert keel.main("tickets", "reply", "FB-99", "x").code == 1
    assert keel.main("tickets", "reply", "FB-1", "  ").code == 1
    assert keel.main("tickets", "list", "--project", "NOPE").code == 1
    assert keel.main("tickets", "list", "--project", "FB", "--queue", "later").code == 2
