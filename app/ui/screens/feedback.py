"""In-app feedback (提交反馈, from the top bar): a ticket in a desk the person belongs to, queued
offline like every other edit (`ticket.create`, which viewers may send). While it is typed, the
desk's three most similar open tickets show under it; a member may file it straight into one of
them in one tap (created, then merged into it)."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.state import similar
from app.state.desk import CATEGORIES
from app.ui.base import screen, text, typing, use_env, use_store
from app.ui.desk_parts import category_name
from app.ui.similar import SimilarTickets

MEMBER_ROLES = ("owner", "admin", "member")


@ft.component
def Feedback() -> ft.Control:
    env = use_env()
    store = env.core.store
    desks = use_store(store.desks, ("project", "member"), [])  # the desks I belong to, any role
    chosen, set_chosen = ft.use_state("")
    title, set_title = ft.use_state("")
    body, set_body = ft.use_state("")
    category, set_category = ft.use_state("other")
    desk_id = chosen or (desks[0]["id"] if desks else "")
    role = use_store(lambda: store.role(desk_id) if desk_id else None, ("member",), [desk_id])
    heading = text(t("desk.feedback.title"), size=20, weight=ft.FontWeight.W_600)
    if not desks:
        return screen([heading, text(t("desk.feedback.no_desk"), color=ft.Colors.ON_SURFACE_VARIANT)])

    def create() -> str | None:
        if not title.strip():
            return None
        ticket_id = store.create_ticket(
            desk_id, title.strip(), description=body.strip(), category=category, channel="app"
        )
        set_title("")
        set_body("")
        return ticket_id

    def submit(_: Any = None) -> None:
        ticket_id = create()
        if ticket_id is not None:
            key = (store.task(ticket_id) or {}).get("key") or "…"
            env.toast(t("desk.feedback.sent", key=key))

    def file_into(match: similar.Match) -> None:
        ticket_id = create()
        if ticket_id is not None:
            store.merge_ticket(ticket_id, match.id)
            env.toast(t("desk.merged", key=match.key))

    def field(label: str, value: str, setter: Any, lines: int, key: str) -> ft.Control:
        return ft.TextField(
            **typing(env),
            label=label,
            value=value,
            on_change=lambda e: setter(e.control.value or ""),
            multiline=lines > 1,
            min_lines=lines,
            max_lines=lines * 3,
            key=key,
        )

    form: list[ft.Control] = [
        heading,
        ft.Dropdown(
            label=t("desk.feedback.desk"),
            value=desk_id,
            options=[ft.DropdownOption(key=d["id"], text=d["name"]) for d in desks],
            on_select=lambda e: set_chosen(e.control.value or ""),
            dense=True,
        ),
        field(t("desk.feedback.summary"), title, set_title, 1, "feedback-title"),
        field(t("desk.feedback.text"), body, set_body, 4, "feedback-text"),
        ft.Dropdown(
            label=t("desk.feedback.category"),
            value=category,
            options=[ft.DropdownOption(key=c, text=category_name(c)) for c in CATEGORIES],
            on_select=lambda e: set_category(e.control.value or "other"),
            dense=True,
        ),
        ft.Row(
            [
                ft.FilledButton(
                    t("desk.feedback.send"),
                    icon=ft.Icons.SEND,
                    on_click=submit,
                    disabled=not title.strip(),
                    key="feedback-send",
                )
            ]
        ),
    ]
    if title.strip() or body.strip():
        form.append(text(t("desk.feedback.similar"), size=12, color=ft.Colors.ON_SURFACE_VARIANT))
        form.append(
            SimilarTickets(
                desk_id,
                f"{title} {body}",
                None,
                role in MEMBER_ROLES and bool(title.strip()),
                on_pick=file_into,
                action=t("desk.merge.into"),
            )
        )
    return screen([ft.Container(ft.Column(form, spacing=12), width=None if env.phone else 640)])
