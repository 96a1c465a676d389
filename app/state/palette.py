"""The command palette (Ctrl/Cmd+K): jump to a project or a task by key, name or words."""

from __future__ import annotations

from dataclasses import dataclass

from sync.store import Store


@dataclass(frozen=True)
class Entry:
    kind: str  # 'project' or 'task'
    id: str
    label: str  # "APP · 产品迭代" or "APP-12 修复登录页闪退"
    project_id: str


def entries(store: Store, query: str, limit: int = 12) -> list[Entry]:
    """Projects first (key or name contains the query), then tasks (an exact KEY-12, then search)."""
    needle = query.strip()
    lowered = needle.lower()
    out: list[Entry] = []
    for project in store.projects(include_archived=False):
        if not needle or lowered in project["key"].lower() or lowered in project["name"].lower():
            out.append(Entry("project", project["id"], f"{project['key']} · {project['name']}", project["id"]))
    if not needle:
        return out[:limit]
    seen = set()
    exact = store.task_by_key(needle) if "-" in needle else None
    tasks = ([exact] if exact else []) + store.search(needle, limit=limit)
    for task in tasks:
        if task["id"] in seen:
            continue
        seen.add(task["id"])
        label = f"{task['key']} {task['title']}" if task.get("key") else task["title"]
        out.append(Entry("task", task["id"], label, task["project_id"]))
    return out[:limit]
