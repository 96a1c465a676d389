"""Pieces the new-project and project-settings screens share: the page frame with its back button,
a titled section, the way into those screens from the rest of the app, and the texts of refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.i18n import has, t
from app.ui.base import text, use_env

PAGE_WIDTH = 680  # a readable column on a wide screen
NEW, SETTINGS = "project_new", "project_settings"  # Nav.screen values of these screens (app.ui.screens)


def use_latest(initial: Any) -> tuple[Any, Callable[[Any], None], Any]:
    """State, its setter (a value or a function of the newest value), and a ref that always holds
    the newest value: a click can arrive before the re-render that follows the last keystroke, so
    handlers read `ref.current`, never the value their render captured."""
    value, set_value = ft.use_state(initial)
    ref = ft.use_ref(lambda: initial)

    def update(new: Any) -> None:
        ref.current = new(ref.current) if callable(new) else new
        set_value(ref.current)

    return value, update, ref


def page(title: str, on_back: Callable[[Any], None], controls: list[ft.Control], *, phone: bool) -> ft.Control:
    """A scrolling page under a bar with a back arrow; on a phone it takes the full width."""
    bar = ft.Row(
        [
            ft.IconButton(ft.Icons.ARROW_BACK, tooltip=t("projects.back"), on_click=on_back),
            text(title, size=20, weight=ft.FontWeight.W_600, max_lines=1, expand=True),
        ],
        spacing=4,
    )
    body = ft.Column(
        controls,
        spacing=16,
        width=None if phone else PAGE_WIDTH,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )
    return ft.Container(
        ft.Column(
            [bar, ft.Column([body], scroll=ft.ScrollMode.AUTO, expand=True)],
            spacing=8,
            expand=True,
        ),
        padding=ft.Padding.only(left=12 if phone else 16, right=12 if phone else 16, top=4, bottom=8),
        expand=True,
    )


def section(title: str, controls: list[ft.Control], *, note: str | None = None) -> ft.Control:
    head: list[ft.Control] = [text(title, size=16, weight=ft.FontWeight.W_600)]
    if note:
        head.append(text(note, size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    return ft.Container(
        ft.Column([*head, *controls], spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
        padding=ft.Padding.symmetric(horizontal=12, vertical=12),
        border_radius=12,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
    )


def refusal_text(code: str, message: str) -> str:
    """A refusal in the person's words: this area's catalogue, then the shared one, then a generic line
    (the server's own message is English and technical: it goes to the log, not the screen)."""
    for key in (f"projects.reject.{code}", f"reject.{code}"):
        if has(key):
            return t(key)
    return t("projects.reject.other")


def notice(message: str, *, error: bool = False, icon: Any = None) -> ft.Control:
    color = ft.Colors.ERROR if error else ft.Colors.ON_SURFACE_VARIANT
    return ft.Row(
        [
            ft.Icon(icon or (ft.Icons.ERROR_OUTLINE if error else ft.Icons.INFO_OUTLINE), size=16, color=color),
            text(message, size=13, color=color, expand=True),
        ],
        spacing=6,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


@ft.component
def NewProjectButton() -> ft.Control:
    """The way to a new project (Home's project list)."""
    env = use_env()
    return ft.TextButton(t("projects.new"), icon=ft.Icons.ADD, on_click=lambda _: env.nav.go(NEW))


@ft.component
def SettingsButton() -> ft.Control:
    """The way to the open project's settings (the board's header)."""
    env = use_env()
    return ft.IconButton(ft.Icons.TUNE, tooltip=t("projects.settings"), on_click=lambda _: env.nav.go(SETTINGS))
