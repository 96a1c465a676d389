"""The notification inbox: what happened, on which task of which project, by whom, with the first
words of the comment; filters for unread, mentions and assignments. Opening an item marks it read
and opens its task, scrolled to the comment it is about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import flet as ft

from app.i18n import t
from app.state.fmt import relative_time
from app.state.inbox import KINDS, InboxFilter, InboxItem, inbox_items
from app.ui.base import chip, screen, text, use_env, use_store

INBOX_WIDTH = 760
KIND_ICONS = {
    "assigned": ft.Icons.ASSIGNMENT_IND_OUTLINED,
    "mentioned": ft.Icons.ALTERNATE_EMAIL,
    "commented": ft.Icons.CHAT_BUBBLE_OUTLINE,
    "status_changed": ft.Icons.SWAP_HORIZ,
    "due_soon": ft.Icons.SCHEDULE,
    "overdue": ft.Icons.ALARM,
}


def item_row(item: InboxItem, now: datetime, on_open: Any) -> ft.Control:
    muted = ft.Colors.ON_SURFACE_VARIANT
    headline = t(f"inbox.kind.{item.kind}", actor=item.actor or t("activity.someone"))
    where = [chip(item.task_key)] if item.task_key else []
    if item.project:
        where.append(text(item.project, size=12, color=muted, max_lines=1, expand=True))
    lines: list[ft.Control] = [
        ft.Row(
            [
                text(headline, size=13, weight=ft.FontWeight.W_600 if item.unread else None, expand=True, max_lines=1),
                text(relative_time(item.created_at, now), size=12, color=muted),
            ],
            spacing=8,
        ),
        ft.Row(where, spacing=6),
        text(item.title, size=13, max_lines=2),
    ]
    if item.preview:
        lines.append(
            ft.Container(
                text(item.preview, size=13, color=muted, max_lines=2, italic=True),
                padding=ft.Padding.only(left=8),
                border=ft.Border.only(left=ft.BorderSide(2, ft.Colors.OUTLINE_VARIANT)),
            )
        )
    return ft.Container(
        ft.Row(
            [
                ft.Icon(
                    KIND_ICONS.get(item.kind, ft.Icons.NOTIFICATIONS),
                    size=20,
                    color=ft.Colors.PRIMARY if item.unread else muted,
                ),
                ft.Column(lines, spacing=3, expand=True, tight=True),
                ft.Container(width=8, height=8, border_radius=4, bgcolor=ft.Colors.PRIMARY, visible=item.unread),
            ],
            spacing=12,
            vertical_alignment=ft.CrossAxisAlignment.START,
        ),
        padding=12,
        border_radius=8,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW if item.unread else None,
        on_click=lambda _: on_open(item),
        ink=True,
        key=item.id,  # the list changes under the finger (new items, filters): each row keeps its own handler
    )


@ft.component
def Inbox() -> ft.Control:
    env = use_env()
    store = env.core.store
    filters, set_filters = ft.use_state(InboxFilter())
    items = use_store(
        lambda: inbox_items(store, filters), ("notification", "comment", "task", "user", "project"), [filters]
    )
    unread = use_store(store.unread_count, ("notification",), [])
    now = datetime.now().astimezone()

    def open_item(item: InboxItem) -> None:
        if item.unread:
            store.read_notification(item.id)
        if item.task_id:
            env.nav.go("board", item.project_id)
            env.nav.open_task(item.task_id, item.project_id, item.comment_id)

    def toggle(field: str, value: Any) -> None:
        set_filters(InboxFilter(**{**filters.__dict__, field: value}))

    chips: list[ft.Control] = [
        ft.Chip(
            label=ft.Text(t("inbox.filter.unread")),
            selected=filters.unread,
            on_select=lambda _: toggle("unread", not filters.unread),
        ),
        ft.Container(width=1, height=24, bgcolor=ft.Colors.OUTLINE_VARIANT),
        *[
            ft.Chip(
                label=ft.Text(t(f"inbox.filter.{kind}")),
                selected=filters.kind == kind,
                show_checkmark=False,
                on_select=lambda _, kind=kind: toggle("kind", kind),
            )
            for kind in KINDS
        ],
    ]
    rows = [item_row(item, now, open_item) for item in items]
    empty = t("inbox.filter.empty") if filters != InboxFilter() else t("inbox.empty")
    column = ft.Column(
        [
            ft.Row(
                [
                    text(t("inbox.title"), size=22, weight=ft.FontWeight.W_600, expand=True),
                    ft.TextButton(
                        t("inbox.mark_all"),
                        icon=ft.Icons.DONE_ALL,
                        on_click=lambda _: store.read_all_notifications(),
                        disabled=not unread,
                    ),
                ]
            ),
            ft.Row(chips, spacing=6, wrap=True, vertical_alignment=ft.CrossAxisAlignment.CENTER),
            *(rows or [text(empty, color=ft.Colors.ON_SURFACE_VARIANT)]),
        ],
        spacing=6,
        width=None if env.phone else INBOX_WIDTH,  # a readable column on a wide screen
    )
    return screen([column])
