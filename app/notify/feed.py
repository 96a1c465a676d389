"""The thin runner between the store and the screen: which notification rows a store change brought,
who and what they name, and delivering an announcement as a toast and (when asked) an OS notification.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.notify.decide import Announcement, Lookup, Row, Subject
from app.notify.desktop import OnClick, OsNotifier
from sync.store import Changes, Store


def arrived(changes: Changes, store: Store) -> list[dict[str, Any]]:
    """The unread notification rows of the signed-in user that `changes` wrote. Only a pull brings
    notifications (the server mints them); a local change to one is the person reading it."""
    ids = changes.rows.get("notification")
    if changes.source != "pull" or not ids:
        return []
    # Newest first and unread only: every unread row, so none of the new ones falls past the limit.
    unread = store.notifications(unread_only=True, limit=max(len(ids), store.unread_count()))
    return [row for row in unread if row["id"] in ids]


def store_lookup(store: Store) -> Lookup:
    """The names a notification shows, from the local cache as it is now."""

    def lookup(row: Row) -> Subject:
        actor = store.user(row["actor_id"]) if row.get("actor_id") else None
        task = store.task(row["task_id"]) if row.get("task_id") else None
        return Subject(
            actor=actor["display_name"] if actor else None,
            task_key=task["key"] if task else None,
            task_title=task["title"] if task else None,
        )

    return lookup


async def deliver(
    announcement: Announcement,
    *,
    toast: Callable[[Announcement], object],
    os_notifier: OsNotifier,
    on_click: OnClick,
) -> bool:
    """Shows the toast, then the OS notification when the announcement asks for one and the OS can
    show it; answers whether an OS notification went out."""
    toast(announcement)
    if not (announcement.os and os_notifier.available):
        return False
    return await os_notifier.show(
        announcement.title, announcement.body, task_id=announcement.task_id, on_click=on_click
    )
