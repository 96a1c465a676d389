"""Helpers of the planning tests (PROTOCOL-2.md "Planning"): pulls that include its entities, iterations, statuses."""

from __future__ import annotations

from typing import Any

from sync.entities import ROW_MODELS
from tests.factories import Person, new_id, rows

PLANNING = "iteration,task_link,task_event"


def pull(person: Person, cursor: int = 0, include: str | None = PLANNING) -> dict[str, Any]:
    """One pull from `cursor` (by default with the planning entities included); every row validates."""
    params: dict[str, Any] = {"cursor": cursor, "limit": 5000}
    if include is not None:
        params["include"] = include
    r = person.get("/api/v1/sync/pull", params=params)
    assert r.status_code == 200, r.text
    page: dict[str, Any] = r.json()
    assert not page["has_more"]
    for change in page["changes"]:
        ROW_MODELS[change["entity"]].model_validate(change["row"])
    return page


def latest(person: Person, entity: str, include: str | None = PLANNING) -> dict[str, dict[str, Any]]:
    """The latest version of each row of `entity` that a pull from 0 gives the person."""
    return rows(pull(person, include=include)["changes"], entity)


def cursor(person: Person) -> int:
    return int(pull(person, include=None)["cursor"])


def iteration(person: Person, project_id: str, name: str = "迭代 1", **fields: Any) -> str:
    iid = new_id()
    args = {"id": iid, "project_id": project_id, "name": name, "start_on": "2026-12-07", "end_on": "2026-12-18"}
    person.ok("iteration.create", {**args, **fields})
    return iid


def status_ids(person: Person, project_id: str) -> dict[str, str]:
    """One status id per category of the project."""
    found = latest(person, "status", include=None).values()
    return {s["category"]: s["id"] for s in found if s["project_id"] == project_id}


def events(person: Person, task_id: str, field: str) -> list[dict[str, Any]]:
    """The task's events of one field, oldest first."""
    found = [e for e in latest(person, "task_event").values() if e["task_id"] == task_id and e["field"] == field]
    return sorted(found, key=lambda e: e["seq"])
