"""The reply box of a ticket: an obvious switch between a public reply (the requester sees it) and an
internal note (the team only; the default, as the protocol's), which changes the box's colour,
icon and hint so a note is never sent as a reply by mistake; and the desk's canned replies
(app.state.canned) to insert or to save the draft as one."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.state.canned import CannedReplies
from app.ui.base import typing, use_env


@ft.component
def ReplyBox(task_id: str, project_id: str, editable: bool) -> ft.Control:
    env = use_env()
    store = env.core.store
    canned = CannedReplies(env.core.data_dir)
    draft, set_draft = ft.use_state("")
    visibility, set_visibility = ft.use_state("internal")
    stock, set_stock = ft.use_state(lambda: canned.of(project_id))
    if not editable:
        return ft.Container()
    internal = visibility == "internal"

    def send(_: Any = None) -> None:
        body = draft.strip()
        if body:
            store.reply(task_id, body, visibility="internal" if internal else "public")
            set_draft("")

    items: list[ft.PopupMenuItem] = [
        ft.PopupMenuItem(content=ft.Text(body[:60], max_lines=1), on_click=lambda _, b=body: set_draft(b))
        for body in stock
    ]
    if not stock:
        items.append(ft.PopupMenuItem(content=ft.Text(t("desk.canned.none")), disabled=True))
    items.append(
        ft.PopupMenuItem(
            content=ft.Text(t("desk.canned.save")),
            icon=ft.Icons.BOOKMARK_ADD_OUTLINED,
            on_click=lambda _: set_stock(canned.add(project_id, draft)),
            disabled=not draft.strip(),
        )
    )
    if stock:
        items += [
            ft.PopupMenuItem(
                content=ft.Text(f"{t('desk.canned.remove')}: {body[:30]}", max_lines=1),
                icon=ft.Icons.DELETE_OUTLINE,
                on_click=lambda _, b=body: set_stock(canned.remove(project_id, b)),
            )
            for body in stock
        ]
    switch = ft.SegmentedButton(
        segments=[
            ft.Segment(value="public", icon=ft.Icon(ft.Icons.PUBLIC), label=t("desk.reply.public")),
            ft.Segment(value="internal", icon=ft.Icon(ft.Icons.LOCK_OUTLINE), label=t("desk.reply.internal")),
        ],
        selected=[visibility],
        on_change=lambda e: set_visibility(e.control.selected[0] if e.control.selected else "internal"),
        show_selected_icon=False,
        key="reply-visibility",
    )
    field = ft.TextField(
        **typing(env),
        hint_text=t("desk.reply.internal_hint") if internal else t("desk.reply.public_hint"),
        value=draft,
        on_change=lambda e: set_draft(e.control.value or ""),
        multiline=True,
        min_lines=2,
        max_lines=8,
        shift_enter=True,
        on_submit=send,
        expand=True,
        dense=True,
        filled=True,
        fill_color=ft.Colors.AMBER_50 if internal else ft.Colors.BLUE_50,
        prefix_icon=ft.Icons.LOCK_OUTLINE if internal else ft.Icons.PUBLIC,
        key="reply-box",
    )
    return ft.Column(
        [
            ft.Row(
                [
                    switch,
                    ft.PopupMenuButton(items=items, icon=ft.Icons.QUICKREPLY_OUTLINED, tooltip=t("desk.canned")),
                ],
                wrap=True,
            ),
            ft.Row(
                [field, ft.IconButton(ft.Icons.SEND, tooltip=t("desk.reply.send"), on_click=send, key="reply-send")],
                vertical_alignment=ft.CrossAxisAlignment.END,
            ),
        ],
        spacing=6,
    )
