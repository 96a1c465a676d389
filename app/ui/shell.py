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
from app.ui.detail import TaskDetail
from app.ui.kept import screen_slots
from app.ui.palette import Palette
from app.ui.screens import Screen, entries, entry_of
from app.ui.screens.signin import FirstSync, SignIn
from app.ui.sync_status import SyncBadge, SyncPanel


def _nav_icon(screen: Screen, selected: bool, counts: dict[str, int]) -> ft.Control:
    assert screen.icons is not None
    icon = ft.Icon(screen.icons[1 if selected else 0])
    if count := counts.get(screen.name):
        icon.badge = ft.Badge(label=str(count) if count < 100 else "99+")
    return icon


@ft.component
def Shell(status: SyncStatus) -> ft.Control:
    env = use_env()
    nav = env.nav
    store = env.core.store
    places = entries(env.phone, store, nav.project_id)  # the desk only for a service desk
    counted = [s for s in places if s.count is not None]
    counts = use_store(
        lambda: {s.name: s.count(store) for s in counted if s.count is not None},
        tuple(sorted({row for s in counted for row in s.count_rows})),
        [env.phone],
    )
    first_project = use_store(
        lambda: (store.projects(include_archived=False) or [{"id": None}])[0]["id"], ("project",), []
    )
    if nav.project_id is None and first_project:
        nav.project_id = first_project

    def select(index: int) -> None:
        chosen = places[index].name
        nav.task_id = None if chosen != nav.screen else nav.task_id
        nav.go(chosen)

    kept = ft.use_ref(dict).current  # home and the board stay mounted between visits (app.ui.kept)
    covered = env.phone and nav.task_id is not None  # a phone's task detail is drawn over the screen
    slots = screen_slots(nav, kept, covered)  # the registry's screens (app.ui.screens)
    detail = TaskDetail(nav.task_id, env.phone, key=f"task-{nav.task_id}") if nav.task_id else None
    names = [s.name for s in places]
    entry = entry_of(nav.screen, env.phone)
    index = names.index(entry) if entry in names else 0
    top = ft.Container(
        ft.Row(
            [
                ft.Icon(ft.Icons.SAILING, color=ft.Colors.PRIMARY, size=20),
                text("Keel", weight=ft.FontWeight.W_700),
                ft.Container(expand=True),
                ft.IconButton(
                    ft.Icons.SEARCH, tooltip=t("palette.open"), on_click=lambda _: setattr(nav, "palette", True)
                ),
                ft.IconButton(
                    ft.Icons.FEEDBACK_OUTLINED, tooltip=t("desk.feedback"), on_click=lambda _: nav.go("feedback")
                ),
                SyncBadge(status, env.phone),
            ],
            spacing=8,
        ),
        padding=ft.Padding.symmetric(horizontal=12, vertical=4),
        border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
    )
    if env.phone:
        if detail is not None:
            slots.append(ft.Container(detail, expand=True, key="detail"))
        body: ft.Control = ft.Column([top, ft.Column(slots, spacing=0, expand=True)], spacing=0, expand=True)
        bar = ft.NavigationBar(
            selected_index=index,
            on_change=lambda e: select(int(e.control.selected_index)),
            destinations=[
                ft.NavigationBarDestination(
                    icon=_nav_icon(s, False, counts), selected_icon=_nav_icon(s, True, counts), label=t(s.label_key)
                )
                for s in places
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
                    icon=_nav_icon(s, False, counts), selected_icon=_nav_icon(s, True, counts), label=t(s.label_key)
                )
                for s in places
            ],
            min_width=80,
        )
        content = ft.Column(slots, spacing=0, expand=True)
        row: list[ft.Control] = [rail, ft.VerticalDivider(width=1), content]
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
