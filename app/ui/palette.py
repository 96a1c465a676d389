"""The command palette: find a project or a task by key or title and open it."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.state import palette as palette_state
from app.ui.base import text, use_env


@ft.component
def Palette() -> ft.Control:
    env = use_env()
    query, set_query = ft.use_state("")
    results = palette_state.entries(env.core.store, query)

    def choose(entry: palette_state.Entry) -> None:
        env.nav.palette = False
        env.nav.go("board", entry.project_id)
        env.nav.task_id = entry.id if entry.kind == "task" else None

    def submit(e: Any) -> None:
        # The box's own value: `results` is the last render's, which may not have seen the last keys yet.
        found = palette_state.entries(env.core.store, e.control.value or "")
        if found:
            choose(found[0])

    return ft.Container(
        ft.Container(
            ft.Column(
                [
                    ft.TextField(
                        value=query,
                        hint_text=t("palette.hint"),
                        autofocus=True,
                        on_change=lambda e: set_query(e.control.value or ""),
                        on_submit=submit,
                        prefix_icon=ft.Icons.SEARCH,
                    ),
                    *[
                        ft.ListTile(
                            leading=ft.Icon(
                                ft.Icons.VIEW_KANBAN_OUTLINED if r.kind == "project" else ft.Icons.TASK_ALT
                            ),
                            title=ft.Text(r.label, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
                            on_click=lambda _, r=r: choose(r),
                            dense=True,
                        )
                        for r in results
                    ],
                    text(t("palette.none"), color=ft.Colors.ON_SURFACE_VARIANT, visible=bool(query) and not results),
                ],
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                spacing=4,
                tight=True,
                scroll=ft.ScrollMode.AUTO,
            ),
            width=560,
            padding=12,
            border_radius=12,
            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
            shadow=ft.BoxShadow(blur_radius=24, color=ft.Colors.with_opacity(0.3, ft.Colors.BLACK)),
        ),
        alignment=ft.Alignment.TOP_CENTER,
        padding=ft.Padding.only(top=80),
        bgcolor=ft.Colors.with_opacity(0.35, ft.Colors.BLACK),
        on_click=lambda _: setattr(env.nav, "palette", False),
        expand=True,
    )
