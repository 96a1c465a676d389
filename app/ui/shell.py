"""The frame around every screen: navigation (a rail on a desktop, a bar at the bottom of a phone),
the always-visible sync status, the task detail beside the board, the palette, toasts for new
notifications, and the keyboard shortcuts."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.core import SyncStatus
from app.i18n import t
from app.state.shortcuts import Context, Key, decide
from app.ui.base import AppEnv, EnvContext, text, use_env, use_store
from app.ui.board import Board
from app.ui.detail import TaskDetail
from app.ui.inbox import Inbox
from app.ui.project_parts import nav_screen, project_screen
from app.ui.screens import Home, Palette, Settings, SyncBadge, SyncPanel
from app.ui.signin import FirstSync, SignIn

SCREENS = ("home", "board", "inbox", "settings")
ICONS = {
    "home": (ft.Icons.HOME_OUTLINED, ft.Icons.HOME),
    "board": (ft.Icons.VIEW_KANBAN_OUTLINED, ft.Icons.VIEW_KANBAN),
    "inbox": (ft.Icons.NOTIFICATIONS_OUTLINED, ft.Icons.NOTIFICATIONS),
    "settings": (ft.Icons.SETTINGS_OUTLINED, ft.Icons.SETTINGS),
}


def _nav_icon(screen: str, selected: bool, unread: int) -> ft.Control:
    icon = ft.Icon(ICONS[screen][1 if selected else 0])
    if screen == "inbox" and unread:
        icon.badge = ft.Badge(label=str(unread) if unread < 100 else "99+")
    return icon


@ft.component
def Shell(status: SyncStatus) -> ft.Control:
    env = use_env()
    nav = env.nav
    store = env.core.store
    unread = use_store(store.unread_count, ("notification",), [])
    first_project = use_store(
        lambda: (store.projects(include_archived=False) or [{"id": None}])[0]["id"], ("project",), []
    )
    if nav.project_id is None and first_project:
        nav.project_id = first_project

    def select(index: int) -> None:
        nav.task_id = None if SCREENS[index] != nav.screen else nav.task_id
        nav.go(SCREENS[index])

    if (project_page := project_screen(nav.screen)) is not None:  # new project, project settings
        content: ft.Control = project_page
    elif nav.screen == "home":
        content = Home()
    elif nav.screen == "board":
        content = Board(key=f"board-{nav.project_id}")
    elif nav.screen == "inbox":
        content = Inbox()
    else:
        content = Settings()

    detail = TaskDetail(nav.task_id, env.phone, key=f"task-{nav.task_id}") if nav.task_id else None
    index = SCREENS.index(nav_screen(nav.screen))
    top = ft.Container(
        ft.Row(
            [
                ft.Icon(ft.Icons.SAILING, color=ft.Colors.PRIMARY, size=20),
                text("Keel", weight=ft.FontWeight.W_700),
                ft.Container(expand=True),
                ft.IconButton(
                    ft.Icons.SEARCH, tooltip=t("palette.open"), on_click=lambda _: setattr(nav, "palette", True)
                ),
                SyncBadge(status, env.phone),
            ],
            spacing=8,
        ),
        padding=ft.Padding.symmetric(horizontal=12, vertical=4),
        border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
    )
    if env.phone:
        main: ft.Control = detail if detail is not None else content
        body: ft.Control = ft.Column([top, ft.Container(main, expand=True)], spacing=0, expand=True)
        bar = ft.NavigationBar(
            selected_index=index,
            on_change=lambda e: select(int(e.control.selected_index)),
            destinations=[
                ft.NavigationBarDestination(
                    icon=_nav_icon(s, False, unread), selected_icon=_nav_icon(s, True, unread), label=t(f"nav.{s}")
                )
                for s in SCREENS
            ],
        )
        layout: ft.Control = ft.Column([ft.Container(body, expand=True), bar], spacing=0, expand=True)
    else:
        rail = ft.NavigationRail(
            selected_index=index,
            on_change=lambda e: select(int(e.control.selected_index)),
            label_type=ft.NavigationRailLabelType.ALL,
            destinations=[
                ft.NavigationRailDestination(
                    icon=_nav_icon(s, False, unread), selected_icon=_nav_icon(s, True, unread), label=t(f"nav.{s}")
                )
                for s in SCREENS
            ],
            min_width=80,
        )
        row: list[ft.Control] = [rail, ft.VerticalDivider(width=1), ft.Container(content, expand=True)]
        if detail is not None:
            row.append(ft.Container(detail, width=560))
        if nav.sync_panel:
            row.append(SyncPanel(status))
        layout = ft.Column([top, ft.Row(row, spacing=0, expand=True)], spacing=0, expand=True)
    # One Stack whatever is open: the tree keeps its shape, so Flet patches only what changed (a
    # layout that switched between a Stack and a Column while the screen changed lost the patch).
    # (An empty Container would fill the Stack and swallow every pointer event: closed is invisible.)
    closed = ft.Container(visible=False)
    overlays: list[ft.Control] = [layout]
    overlays.append(ft.Container(SyncPanel(status), expand=True) if env.phone and nav.sync_panel else closed)
    overlays.append(Palette() if nav.palette else ft.Container(visible=False))
    return ft.Stack(overlays, expand=True)


def on_key(env: AppEnv, event: Any) -> None:
    """The desktop shortcuts (see app.state.shortcuts for the rules)."""
    nav = env.nav
    if not env.core.signed_in:
        return
    ctx = Context(
        screen=nav.screen,
        typing=env.focused.get("typing", False),
        palette_open=nav.palette,
        dialog_open=nav.task_id is not None or nav.sync_panel or (nav.screen == "board" and env.quick_add is not None),
        phone=env.phone,
    )
    action = decide(Key(event.key, ctrl=event.ctrl, meta=event.meta, shift=event.shift, alt=event.alt), ctx)
    if action == "palette":
        nav.palette = True
    elif action == "close":
        if not nav.palette and nav.task_id is None and nav.screen == "board" and env.quick_add is not None:
            _, close = env.quick_add
            env.quick_add = None
            close()
        else:
            nav.close_innermost()
    elif action in ("new_task", "search"):
        if nav.screen != "board":
            nav.go("board")
        nav.ask(action)


@ft.component
def Root(env: AppEnv, default_server: str) -> ft.Control:
    status, set_status = ft.use_state(env.core.status)
    nav, _ = ft.use_state(env.nav)  # re-render on every navigation change
    prefs, _ = ft.use_state(env.prefs)  # and on a change of language or theme

    def follow_status() -> Any:
        # The status comes from the engine's task: redraw it in this tab's own session (app.ui.tab),
        # starting from the status now (it may have moved since this render).
        stop = env.tab.listen(env.core.subscribe_status, set_status)
        set_status(env.core.status)
        return stop

    ft.use_effect(follow_status, [])

    def screen() -> ft.Control:
        if not env.core.signed_in or status.phase == "signed_out":
            return SignIn(default_server)
        if status.phase == "bootstrapping":
            return FirstSync(status)
        return Shell(status, key=f"shell-{prefs.locale}-{nav.phone}")

    return EnvContext(env, lambda: ft.SafeArea(screen(), expand=True))
