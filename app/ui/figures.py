"""What the planning screens share: a figure as a tile (its name, its value, what it rests on; a click
opens the tasks behind it) and the list of those tasks, each opening its detail."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import flet as ft

from app.i18n import t
from app.ui.base import text, use_env, use_store

SHOWN = 50  # tasks listed under a figure; the rest are counted
TILE_HEIGHT = 112  # every tile alike, so a row of them lines up whatever their bases say


def tile(
    label: str,
    value: str,
    basis: str = "",
    *,
    on_click: Callable[[Any], None] | None = None,
    selected: bool = False,
    width: float | None = 168,
) -> ft.Control:
    """A figure: its value large, its name, and a line saying what it is computed from."""
    parts: list[ft.Control] = [
        text(value, size=24, weight=ft.FontWeight.W_600),
        text(label, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
    ]
    if basis:
        parts.append(text(basis, size=11, color=ft.Colors.ON_SURFACE_VARIANT, max_lines=2))
    return ft.Container(
        ft.Semantics(
            content=ft.Column(parts, spacing=2, tight=True), label=f"{label} {value}", button=on_click is not None
        ),
        padding=12,
        width=width,
        height=TILE_HEIGHT,
        border_radius=10,
        bgcolor=ft.Colors.SECONDARY_CONTAINER if selected else ft.Colors.SURFACE_CONTAINER,
        on_click=on_click,
        ink=on_click is not None,
    )


def section(title: str, *controls: ft.Control) -> ft.Control:
    return ft.Column([text(title, size=15, weight=ft.FontWeight.W_600), *controls], spacing=8)


@ft.component
def TaskLinks(title: str, task_ids: Sequence[str], on_close: Callable[[], None]) -> ft.Control:
    """The tasks behind a figure or a flag, each opening its detail; a close button hides the list."""
    env = use_env()
    store = env.core.store
    ids = tuple(task_ids)
    rows = use_store(lambda: [r for r in (store.task(i) for i in ids[:SHOWN]) if r is not None], ("task",), [ids])
    lines: list[ft.Control] = [
        ft.Container(
            ft.Row(
                [
                    text(row["key"] or t("card.unnumbered"), size=12, color=ft.Colors.ON_SURFACE_VARIANT, width=72),
                    text(row["title"], max_lines=1, expand=True),
                ],
                spacing=8,
            ),
            padding=ft.Padding.symmetric(horizontal=8, vertical=8),
            on_click=lambda _, tid=row["id"]: env.nav.open_task(tid),
            border_radius=6,
            ink=True,
        )
        for row in rows
    ]
    if not ids:
        lines.append(text(t("figures.no_tasks"), size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    elif len(ids) > SHOWN:
        lines.append(text(t("figures.more", n=len(ids) - SHOWN), size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    head = ft.Row(
        [
            text(title, weight=ft.FontWeight.W_600, expand=True, max_lines=2),
            ft.IconButton(ft.Icons.CLOSE, tooltip=t("common.close"), icon_size=16, on_click=lambda _: on_close()),
        ]
    )
    return ft.Container(
        ft.Column([head, *lines], spacing=0, tight=True),
        padding=8,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        border_radius=10,
    )
