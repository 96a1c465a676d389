"""Test factories: people who sign in and speak the protocol to a real server."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

_counter = itertools.count(1)


def new_id() -> str:
    return str(uuid.uuid4())


def unique_key(prefix: str = "P") -> str:
    n = next(_counter)
    letters = ""
    while True:
        n, r = divmod(n, 26)
        letters = chr(65 + r) + letters
        if n == 0:
            break
    return (prefix + letters)[:10]


@dataclass
class Person:
    """A signed-in user with one device (client_id) and its own mutation counter."""

    http: Any
    user: dict[str, Any]
    access_token: str
    refresh_token: str
    client_id: str = field(default_factory=new_id)
    next_mutation: int = 1
    cursor: int = 0

    @property
    def id(self) -> str:
        return str(self.user["id"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, headers=self.headers, **kw)  # type: ignore[no-any-return]

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.post(path, headers=self.headers, **kw)  # type: ignore[no-any-return]

    def push(self, *mutations: tuple[str, dict[str, Any]], expect: int = 200) -> dict[str, Any]:
        batch = []
        for name, args in mutations:
            batch.append({"mutation_id": self.next_mutation, "name": name, "args": args})
            self.next_mutation += 1
        r = self.post("/api/v1/sync/push", json={"client_id": self.client_id, "mutations": batch})
        assert r.status_code == expect, r.text
        return r.json()  # type: ignore[no-any-return]

    def do(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Pushes one mutation and returns its result."""
        return self.push((name, args))["results"][0]  # type: ignore[no-any-return]

    def ok(self, name: str, args: dict[str, Any]) -> None:
        result = self.do(name, args)
        assert result["status"] == "applied", result

    def rejected(self, name: str, args: dict[str, Any], code: str | None = None) -> dict[str, Any]:
        """Pushes one mutation that must be rejected (with `code`, when given); returns its error."""
        result = self.do(name, args)
        assert result["status"] == "rejected", result
        error = result["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str), result
        if code is not None:
            assert error["code"] == code, result
        return error  # type: ignore[no-any-return]

    def share(self, project_id: str, other: Person, role: str = "member") -> None:
        """Makes `other` a member of the project with `role`."""
        self.ok("member.put", {"project_id": project_id, "user_id": other.id, "role": role})

    def comment(self, task_id: str, body: str, **fields: Any) -> str:
        cid = new_id()
        self.ok("comment.create", {"id": cid, "task_id": task_id, "body": body, **fields})
        return cid

    def pull(self, cursor: int | None = None, limit: int = 1000, include: str | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"cursor": self.cursor if cursor is None else cursor, "limit": limit}
        params["client_id"] = self.client_id
        if include is not None:
            params["include"] = include
        r = self.get("/api/v1/sync/pull", params=params)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def pull_all(self, limit: int = 1000) -> tuple[list[dict[str, Any]], list[str]]:
        """Pulls from this person's cursor until done; returns the changes and revoked projects."""
        changes: list[dict[str, Any]] = []
        revoked: list[str] = []
        while True:
            page = self.pull(limit=limit)
            changes.extend(page["changes"])
            revoked.extend(page["revoked_projects"])
            assert page["cursor"] >= self.cursor
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return changes, revoked

    def project(self, name: str = "项目", kind: str = "product") -> dict[str, Any]:
        pid, key = new_id(), unique_key()
        self.ok("project.create", {"id": pid, "name": name, "key": key, "kind": kind})
        return {"id": pid, "key": key}

    def task(self, project_id: str, title: str = "任务", **fields: Any) -> str:
        tid = new_id()
        self.ok("task.create", {"id": tid, "project_id": project_id, "title": title, **fields})
        return tid


class Api:
    """The protocol's HTTP surface for tests, over any httpx-compatible client."""

    def __init__(self, http: Any) -> None:
        self.http = http

    def register(
        self, email: str | None = None, name: str = "测试用户", password: str = "correct horse"
    ) -> dict[str, Any]:
        email = email or f"user{next(_counter)}@example.com"
        r = self.http.post("/api/v1/auth/register", json={"email": email, "password": password, "display_name": name})
        assert r.status_code == 201, r.text
        return r.json()["user"]  # type: ignore[no-any-return]

    def login(self, email: str, password: str = "correct horse") -> Person:
        r = self.http.post("/api/v1/auth/token", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        body = r.json()
        return Person(self.http, body["user"], body["access_token"], body["refresh_token"])

    def person(self, name: str = "测试用户", email: str | None = None) -> Person:
        user = self.register(email=email, name=name)
        return self.login(user["email"])


def error_of(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """Checks an error response's status and PROTOCOL.md's shape; returns its `error` object."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"], body
    assert isinstance(error["message"], str) and error["message"], body
    assert set(error) <= {"code", "message", "details"}, body
    if "details" in error:
        assert isinstance(error["details"], list), body
    if code is not None:
        assert error["code"] == code, body
    return error  # type: ignore[no-any-return]


def rows(changes: list[dict[str, Any]], entity: str) -> dict[str, dict[str, Any]]:
    """The latest version of each row of `entity` among pulled changes."""
    out: dict[str, dict[str, Any]] = {}
    for change in changes:
        if change["entity"] == entity:
            out[change["row"]["id"]] = change["row"]
    return out


@contextmanager
def serve(db_url: str, **overrides: Any) -> Iterator[Api]:
    """A server with settings overrides (registration closed, tiny rate limits, short tokens)."""
    from fastapi.testclient import TestClient

    from server.app import create_app
    from tests.conftest import test_settings

    app = create_app(test_settings(db_url, **overrides))
    try:
        with TestClient(app) as client:
            yield Api(client)
    finally:
        app.state.services.db.dispose()
