"""Helpers for the service desk's server tests: a desk with its team, pulls with `include`, ticket rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests.factories import Api, Person, new_id, rows

DESK_INCLUDE = "ticket,sla_policy,task_event"


def pull(person: Person, include: str | None = DESK_INCLUDE) -> list[dict[str, Any]]:
    """Every change the person may read, from cursor 0 (with `include`, when given)."""
    changes: list[dict[str, Any]] = []
    cursor = 0
    while True:
        params: dict[str, Any] = {"cursor": cursor, "limit": 5000}
        if include is not None:
            params["include"] = include
        r = person.get("/api/v1/sync/pull", params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes


def latest(person: Person, entity: str, include: str | None = DESK_INCLUDE) -> dict[str, dict[str, Any]]:
    return rows(pull(person, include), entity)


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Desk:
    """A desk owned by Alice, with Bob a member, Vera a viewer and Adam an admin."""

    alice: Person
    bob: Person
    vera: Person
    adam: Person
    id: str
    key: str

    def statuses(self) -> list[dict[str, Any]]:
        found = [s for s in latest(self.alice, "status").values() if s["project_id"] == self.id and not s["deleted"]]
        return sorted(found, key=lambda s: (s["position"], s["id"]))

    def status(self, name: str) -> str:
        return next(s["id"] for s in self.statuses() if s["name"] == name)

    def ticket(self, by: Person | None = None, **fields: Any) -> str:
        tid = new_id()
        (by or self.bob).ok("ticket.create", {"id": tid, "project_id": self.id, "title": "无法登录", **fields})
        return tid

    def row(self, ticket_id: str, who: Person | None = None) -> dict[str, Any]:
        return latest(who or self.alice, "ticket")[ticket_id]

    def task(self, task_id: str) -> dict[str, Any]:
        return latest(self.alice, "task")[task_id]

    def move(self, task_id: str, status_name: str, by: Person | None = None) -> None:
        (by or self.bob).ok("task.update", {"id": task_id, "set": {"status_id": self.status(status_name)}})


def make_desk(api: Api) -> Desk:
    alice = api.person("Alice Zhang", email=f"alice.{new_id()[:8]}@example.com")
    bob = api.person("王伟", email=f"wang.wei.{new_id()[:8]}@example.com")
    vera = api.person("Vera", email=f"vera.{new_id()[:8]}@example.com")
    adam = api.person("Adam", email=f"adam.{new_id()[:8]}@example.com")
    project = alice.project("用户反馈", kind="service_desk")
    alice.share(project["id"], bob)
    alice.share(project["id"], vera, role="viewer")
    alice.share(project["id"], adam, role="admin")
    return Desk(alice, bob, vera, adam, project["id"], project["key"])
