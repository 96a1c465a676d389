"""Two pieces of the task detail with state of their own: the description (markdown, edited in
place) and "remind me later"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import flet as ft

from app.i18n import t
from app.reminders import snooze_label, snoozed_text
from app.state.fmt import parse_local_date
from app.ui.base import Entry, text, typing, use_env


@ft.component
def Description(task: dict[str, Any], editable: bool, save: Any, plain: bool = False) -> ft.Control:
    """The description in markdown; `plain` (a ticket's, which its requester wrote) as plain text."""
    env = use_env()
    editing, set_editing = ft.use_state(False)
    value = task.get("description") or ""
    if editing and editable:

        def done(e: Any) -> None:
            save("description", e.control.value)
            set_editing(False)

        return ft.Column(
            [
                ft.TextField(
                    value=value,
                    multiline=True,
                    min_lines=4,
                    max_lines=16,
                    **typing(env, done),
                    autofocus=True,
                    hint_text=t("detail.description_hint"),
                ),
                ft.Row([ft.TextButton(t("detail.preview"), on_click=lambda _: set_editing(False))]),
            ]
        )
    preview = (
        (
            ft.Text(value, selectable=True)
            if plain
            else ft.Markdown(value, selectable=True, extension_set=ft.MarkdownExtensionSet.GITHUB_WEB)
        )
        if value.strip()
        else text(t("detail.no_description"), color=ft.Colors.ON_SURFACE_VARIANT)
    )
    return ft.Container(
        preview,
        on_click=(lambda _: set_editing(True)) if editable else None,
        padding=8,
        border_radius=6,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        tooltip=t("detail.click_to_edit") if editable else None,
    )


@ft.component
def Snooze(task_id: str) -> ft.Control:
    """ "Remind me later" on one of my tasks with a due time: in an hour, tomorrow morning, or at a
    time typed like a due date. The reminder log keeps it, so it survives a restart."""
    env = use_env()
    picking, set_picking = ft.use_state(False)
    runner = env.reminders.runner
    settings = runner.settings

    def snooze(choice: str | datetime) -> None:
        try:
            until = runner.snooze(task_id, choice)
        except ValueError:
            env.toast(t("detail.error.date"))
            return
        set_picking(False)
        env.toast(snoozed_text(until, datetime.now(UTC), settings.tz()))

    def pick(typed: str) -> None:
        try:
            moment = parse_local_date(typed, settings.tz())
        except ValueError:
            env.toast(t("detail.error.date"))
            return
        if moment is None:
            set_picking(False)
        else:
            snooze(moment)

    menu = ft.PopupMenuButton(
        icon=ft.Icons.SNOOZE,
        tooltip=t("detail.snooze"),
        items=[
            ft.PopupMenuItem(content=snooze_label("hour", settings.morning), on_click=lambda _: snooze("hour")),
            ft.PopupMenuItem(content=snooze_label("tomorrow", settings.morning), on_click=lambda _: snooze("tomorrow")),
            ft.PopupMenuItem(content=snooze_label("pick", settings.morning), on_click=lambda _: set_picking(True)),
        ],
    )
    return ft.Row([Entry(t("detail.date_hint"), pick, width=220, autofocus=True, visible=picking), menu], tight=True)
