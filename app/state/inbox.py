"""The inbox: each notification as a line a person can act on (the task's key and project, who did
it, a preview of the comment), and the filters unread, mentions and assigned to me."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sync.store import Store

KINDS = ("all", "mentions", "assigned")  # the kind filter; "unread" combines with any of them
_KIND_OF = {"mentions": "mentioned", "assigned": "assigned"}
PREVIEW_CHARS = 120
_MARKUP = re.compile(r"[`*_>#~]+|!?\[([^\]]*)\]\([^)]*\)")


@dataclass(frozen=True)
class InboxFilter:
    unread: bool = False
    kind: str = "all"  # one of KINDS

    def keeps(self, note: dict[str, Any]) -> bool:
        if self.unread and note.get("read_at") is not None:
            return False
        wanted = _KIND_OF.get(self.kind)
        return wanted is None or note["kind"] == wanted


@dataclass(frozen=True)
class InboxItem:
    id: str
    kind: str
    unread: bool
    created_at: str
    actor: str | None  # the actor's display name; None for the server's reminders
    task_id: str | None
    project_id: str | None
    task_key: str | None  # APP-12, None while the task is unnumbered or gone from the cache
    project: str  # the project's name, "" when the project is gone
    title: str  # the task's title as the notification carries it
    preview: str  # the comment's first words, for a mention or a comment; else ""
    comment_id: str | None  # the comment the detail scrolls to when the item opens


def preview(body: str, limit: int = PREVIEW_CHARS) -> str:
    """A comment's text on one line, without markdown marks, cut to `limit` characters."""
    plain = _MARKUP.sub(lambda m: m.group(1) or "", body)
    line = " ".join(plain.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def inbox_items(store: Store, filters: InboxFilter | None = None, *, limit: int = 200) -> list[InboxItem]:
    """My notifications passing `filters`, newest first, with what each line shows."""
    filters = filters or InboxFilter()
    names = {u["id"]: u["display_name"] for u in store.users()}
    projects = {p["id"]: p for p in store.projects()}
    tasks: dict[str, dict[str, Any] | None] = {}
    out: list[InboxItem] = []
    notes = store.notifications(unread_only=filters.unread, limit=limit if filters.kind == "all" else 5 * limit)
    for note in notes:
        if not filters.keeps(note):
            continue
        if len(out) >= limit:
            break
        task_id = note.get("task_id")
        if task_id and task_id not in tasks:
            tasks[task_id] = store.task(task_id)
        task = tasks.get(task_id or "")
        project = projects.get(note.get("project_id") or "")
        comment = store.notification_comment(note) if note["kind"] in ("mentioned", "commented") else None
        actor = note.get("actor_id")
        out.append(
            InboxItem(
                id=note["id"],
                kind=note["kind"],
                unread=note.get("read_at") is None,
                created_at=note["created_at"],
                actor=names.get(actor) if actor else None,
                task_id=task_id,
                project_id=note.get("project_id"),
                task_key=task.get("key") if task else None,
                project=project["name"] if project else "",
                title=note.get("title") or (task.get("title") if task else "") or "",
                preview=preview(comment["body"]) if comment else "",
                comment_id=comment["id"] if comment else None,
            )
        )
    return out
