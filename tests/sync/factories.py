"""Protocol rows and pull pages for store tests, shaped exactly as the server sends them."""

from __future__ import annotations

import itertools
from typing import Any

from sync.ids import uuid7
from sync.protocol import member_id

_seq = itertools.count(1)
ME = "0190a000-0000-7000-8000-000000000001"
OTHER = "0190a000-0000-7000-8000-000000000002"
T0 = "2025-03-01T08:00:00.000000Z"


def change(entity: str, **row: Any) -> dict[str, Any]:
    seq = next(_seq)
    return {"entity": entity, "seq": seq, "row": {"seq": seq, "deleted": False, **row}}


def user(user_id: str = ME, name: str = "王伟", email: str = "wangwei@example.com") -> dict[str, Any]:
    return change("user", id=user_id, display_name=name, email=email)


def project(project_id: str, key: str = "APP", name: str = "产品迭代") -> dict[str, Any]:
    return change("project", id=project_id, name=name, key=key, kind="product", description="", archived=False)


def member(project_id: str, user_id: str = ME, role: str = "owner") -> dict[str, Any]:
    return change("member", id=member_id(project_id, user_id), project_id=project_id, user_id=user_id, role=role)


def status(project_id: str, status_id: str, name: str, category: str, position: str) -> dict[str, Any]:
    return change("status", id=status_id, project_id=project_id, name=name, category=category, position=position)


def task(project_id: str, status_id: str, task_id: str | None = None, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": task_id or uuid7(),
        "project_id": project_id,
        "number": 1,
        "title": "任务",
        "description": "",
        "status_id": status_id,
        "assignee_id": None,
        "reporter_id": ME,
        "priority": "none",
        "type": "task",
        "labels": [],
        "parent_id": None,
        "position": "a0",
        "start_at": None,
        "due_at": None,
        "estimate": None,
        "created_at": T0,
        "updated_at": T0,
    }
    row.update(fields)
    return change("task", **row)


def comment(task_id: str, project_id: str, body: str = "看一下", comment_id: str | None = None) -> dict[str, Any]:
    return change(
        "comment",
        id=comment_id or uuid7(),
        task_id=task_id,
        project_id=project_id,
        author_id=OTHER,
        body=body,
        mentions=[],
        created_at=T0,
        edited_at=None,
    )


def notification(project_id: str, task_id: str, read_at: str | None = None, **fields: Any) -> dict[str, Any]:
    row = {
        "id": uuid7(),
        "user_id": ME,
        "kind": "assigned",
        "task_id": task_id,
        "project_id": project_id,
        "actor_id": OTHER,
        "title": "任务",
        "created_at": T0,
        "read_at": read_at,
    }
    row.update(fields)
    return change("notification", **row)


def tombstone(c: dict[str, Any]) -> dict[str, Any]:
    seq = next(_seq)
    return {"entity": c["entity"], "seq": seq, "row": {**c["row"], "seq": seq, "deleted": True}}


def page(
    *changes: dict[str, Any], lmid: int = 0, revoked: list[str] | None = None, cursor: int | None = None
) -> dict[str, Any]:
    top = max((c["seq"] for c in changes), default=0)
    return {
        "cursor": cursor if cursor is not None else top,
        "has_more": False,
        "remaining": 0,
        "last_mutation_id": lmid,
        "changes": list(changes),
        "revoked_projects": revoked or [],
    }
