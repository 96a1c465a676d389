"""The board: one column per status, side by side on a desktop; on a phone, one column per page of a
swipeable pager under a compact header (filters behind one button), with a floating "new task"
button. Columns and cards are in `board_column` and `card`, the list view in `board_list`.

On a phone every column is built when the board opens, and switching columns (a swipe anywhere on the
board, or a tap on a status tab) is Flutter's own tab change, which Python hears of afterwards: no
render is awaited (each switch once built the column anew, about 2 s; then a pager's switch still
waited for a render of the board's frame).
"""

from __future__ import annotations

import contextlib
from typing import Any

import flet as ft

from app.i18n import t
from app.state.board import DUE_CHOICES, PRIORITIES, BoardFilters, BoardModel
from app.state.project_settings import can_edit_tasks
from app.ui.base import AppEnv, chip, filter_dropdown, text, typing, use_env, use_store
from app.ui.board_column import MemoBoardColumn, MemoPhoneColumn, Neighbour
from app.ui.board_list import ListRows
from app.ui.card import COLUMN_WIDTH
from app.ui.phone import new_task_button
from app.ui.project_parts import SettingsButton


def _name(store: Any, user_id: str) -> str:
    person = store.user(user_id)
    return person["display_name"] if person else user_id[:8]


def use_filter_fields(project_id: str, filters: BoardFilters, set_filters: Any) -> tuple[ft.Control, list[ft.Control]]:
    """The search field (focused by "/") and the filter dropdowns, with "clear" while any is set."""
    env = use_env()
    store = env.core.store
    people = use_store(
        lambda: [(m["user_id"], _name(store, m["user_id"])) for m in store.members(project_id)],
        ("member", "user"),
        [project_id],
    )
    labels = use_store(lambda: store.labels(project_id), ("task",), [project_id])
    search_ref: ft.Ref[ft.TextField] = ft.use_ref(ft.Ref).current

    async def focus(field: ft.TextField) -> None:
        with contextlib.suppress(RuntimeError):  # the board was left before the focus arrived
            await field.focus()

    def focus_search() -> None:
        if env.nav.take("search") and search_ref.current is not None:
            env.page.run_task(focus, search_ref.current)

    ft.use_effect(focus_search, [env.nav.search])

    def changed(field: str):  # type: ignore[no-untyped-def]
        def handler(e: Any) -> None:
            value = e.control.value or None
            set_filters(lambda f: BoardFilters(**{**f.__dict__, field: value if field != "text" else (value or "")}))

        return handler

    search = ft.TextField(
        **typing(env),
        ref=search_ref,
        # A phone has no "/" key to mention.
        hint_text=t("phone.search_hint") if env.phone else t("filter.search_hint"),
        prefix_icon=ft.Icons.SEARCH,
        value=filters.text,
        on_change=changed("text"),
        dense=True,
        width=None if env.phone else 220,
        expand=True if env.phone else None,
    )
    assignees = [("none", t("filter.unassigned")), *people]
    dropdowns: list[ft.Control] = [
        filter_dropdown(t("filter.assignee"), filters.assignee_id, assignees, changed("assignee_id"), 150),
        filter_dropdown(t("filter.label"), filters.label, [(lb, lb) for lb in labels], changed("label"), 140),
        filter_dropdown(
            t("filter.priority"),
            filters.priority,
            [(p, t(f"priority.{p}")) for p in PRIORITIES],
            changed("priority"),
            130,
        ),
        filter_dropdown(
            t("filter.due"), filters.due, [(d, t(f"filter.due.{d}")) for d in DUE_CHOICES], changed("due"), 130
        ),
    ]
    if filters.active:
        dropdowns.append(ft.TextButton(t("filter.clear"), on_click=lambda _: set_filters(BoardFilters())))
    return search, dropdowns


@ft.component
def FilterBar(project_id: str, filters: BoardFilters, set_filters: Any, mode: str, set_mode: Any) -> ft.Control:
    """The desktop's filter row: search, dropdowns and the board/list switch."""
    search, dropdowns = use_filter_fields(project_id, filters, set_filters)
    mode_switch = ft.SegmentedButton(
        segments=[
            ft.Segment(value="board", icon=ft.Icon(ft.Icons.VIEW_KANBAN_OUTLINED), label=t("board.mode.board")),
            ft.Segment(value="list", icon=ft.Icon(ft.Icons.VIEW_LIST_OUTLINED), label=t("board.mode.list")),
        ],
        selected=[mode],
        on_change=lambda e: set_mode(e.control.selected[0] if e.control.selected else "board"),
        show_selected_icon=False,
    )
    return ft.Row([search, *dropdowns, mode_switch], spacing=8, wrap=True, run_spacing=8)


@ft.component
def PhoneFilters(project_id: str, filters: BoardFilters, set_filters: Any) -> ft.Control:
    """The phone's filter panel, opened by the header's one filter button."""
    search, dropdowns = use_filter_fields(project_id, filters, set_filters)
    return ft.Column([ft.Row([search]), ft.Row(dropdowns, spacing=8, wrap=True, run_spacing=8)], spacing=8)


def _phone_header(
    env: AppEnv, project: dict[str, Any], filters: BoardFilters, shown: bool, set_shown: Any
) -> ft.Control:
    """One row: the project, the filter button (marked while a filter is set), the board/list switch."""
    nav = env.nav
    listing = nav.board_mode == "list"
    return ft.Row(
        [
            text(project["name"], size=17, weight=ft.FontWeight.W_600, max_lines=1, expand=True),
            ft.IconButton(
                ft.Icons.FILTER_ALT if filters.active else ft.Icons.FILTER_ALT_OUTLINED,
                tooltip=t("phone.filters"),
                selected=shown,
                on_click=lambda _: set_shown(not shown),
                icon_color=ft.Colors.PRIMARY if filters.active else None,
            ),
            ft.IconButton(
                ft.Icons.VIEW_KANBAN_OUTLINED if listing else ft.Icons.VIEW_LIST_OUTLINED,
                tooltip=t("board.mode.board") if listing else t("board.mode.list"),
                on_click=lambda _: setattr(nav, "board_mode", "board" if listing else "list"),
            ),
            SettingsButton(),
        ],
        spacing=0,
        height=44,
    )


def _status_tabs(statuses: list[dict[str, Any]], counts: dict[str, int]) -> ft.Control:
    """One tab a column, its name and count; the browser switches on a tap, before Python hears of it."""
    return ft.TabBar(
        tabs=[ft.Tab(label=f"{s['name']} {counts.get(s['id'], 0)}") for s in statuses],
        scrollable=True,
    )


def _neighbours(statuses: list[dict[str, Any]], i: int) -> tuple[Neighbour, Neighbour]:
    before = (statuses[i - 1]["id"], statuses[i - 1]["name"]) if i > 0 else None
    after = (statuses[i + 1]["id"], statuses[i + 1]["name"]) if i + 1 < len(statuses) else None
    return before, after


@ft.component
def PhoneBoard(project: dict[str, Any], statuses: list[dict[str, Any]], can_edit: bool) -> ft.Control:
    env = use_env()
    store = env.core.store
    project_id = project["id"]
    filters, set_filters = ft.use_state(BoardFilters())
    tab, set_tab = ft.use_state(0)
    shown, set_shown = ft.use_state(False)
    adding, set_adding = ft.use_state(("", 0))  # (status id, count): the FAB opens quick add there
    counts = use_store(lambda: BoardModel(store, project_id, filters).counts(), ("task",), [project_id, filters])
    index = min(tab, max(0, len(statuses) - 1))
    head: list[ft.Control] = [_phone_header(env, project, filters, shown, set_shown)]
    if shown:
        head.append(PhoneFilters(project_id, filters, set_filters))
    if env.nav.board_mode == "list":
        return ft.Container(
            ft.Column([*head, ListRows(project_id, filters)], spacing=4, expand=True), padding=8, expand=True
        )
    pages = [
        MemoPhoneColumn(
            project_id,
            s,
            filters,
            can_edit,
            adding[1] if adding[0] == s["id"] else 0,
            _neighbours(statuses, i),
            key=s["id"],
        )
        for i, s in enumerate(statuses)
    ]

    def add(_: Any) -> None:
        if statuses:
            status_id = statuses[index]["id"]
            set_adding(lambda a: (status_id, a[1] + 1))

    # Tabs switch on the client (Flutter's TabController): a tap or a swipe shows the column at
    # once and tells Python afterwards (`tab`, for the floating button), so no render is awaited.
    tabs = ft.Tabs(
        ft.Column([_status_tabs(statuses, counts), ft.TabBarView(pages, expand=True)], spacing=4, expand=True),
        length=len(pages),
        selected_index=index,
        animation_duration=ft.Duration(),
        on_change=lambda e: set_tab(int(e.data)),
        expand=True,
    )
    board = ft.Column([*head, tabs] if pages else head, spacing=4, expand=True)
    layers: list[ft.Control] = [ft.Container(board, padding=ft.Padding.only(left=8, right=8, top=4), expand=True)]
    if can_edit and statuses:
        layers.append(new_task_button(add))
    return ft.Stack(layers, expand=True)


@ft.component
def Board() -> ft.Control:
    env = use_env()
    nav = env.nav
    store = env.core.store
    project_id = nav.project_id
    project = use_store(lambda: store.project(project_id) if project_id else None, ("project",), [project_id])
    statuses = use_store(lambda: store.statuses(project_id) if project_id else [], ("status",), [project_id])
    role = use_store(lambda: store.role(project_id) if project_id else None, ("member",), [project_id])

    opening, set_opening = ft.use_state(("", 0))  # the column N opened the quick add in, and which N

    def answer_new_task() -> None:  # N, once: a later visit to the board does not open it again
        # A phone has no N key: its floating button opens the quick add (PhoneBoard).
        if nav.take("new_task") and statuses and role in ("owner", "admin", "member") and not env.phone:
            set_opening((statuses[0]["id"], nav.new_task))

    ft.use_effect(answer_new_task, [nav.new_task])
    ft.use_effect(lambda: setattr(env, "quick_add", None), [])  # a new visit: no quick add is open yet
    if project is None:
        return ft.Container(text(t("board.no_project")), alignment=ft.Alignment.CENTER, expand=True)
    can_edit = can_edit_tasks(project, role)  # members and up; nobody in an archived project
    if env.phone:
        return PhoneBoard(project, statuses, can_edit)
    return DesktopBoard(project, statuses, can_edit, role, opening)


@ft.component
def DesktopBoard(
    project: dict[str, Any],
    statuses: list[dict[str, Any]],
    can_edit: bool,
    role: str | None,
    opening: tuple[str, int],
) -> ft.Control:
    env = use_env()
    nav = env.nav
    project_id = project["id"]
    filters, set_filters = ft.use_state(BoardFilters())

    def set_mode(mode: str) -> None:
        nav.board_mode = mode

    title = ft.Row(
        [
            text(project["key"], size=13, color=ft.Colors.ON_SURFACE_VARIANT),
            text(project["name"], size=20, weight=ft.FontWeight.W_600, max_lines=1, expand=True),
            chip(t(f"role.{role}")) if role else ft.Container(),
            SettingsButton(),
        ],
        spacing=10,
    )
    head = [title, FilterBar(project_id, filters, set_filters, nav.board_mode, set_mode)]
    if nav.board_mode == "list":
        body: ft.Control = ListRows(project_id, filters)
    else:
        body = ft.Row(
            [
                MemoBoardColumn(
                    project_id,
                    s,
                    filters,
                    can_edit,
                    COLUMN_WIDTH,
                    opening[1] if opening[0] == s["id"] else 0,
                    key=s["id"],
                )
                for s in statuses
            ],
            spacing=12,
            scroll=ft.ScrollMode.AUTO,
            vertical_alignment=ft.CrossAxisAlignment.STRETCH,
            expand=True,
        )
    return ft.Container(ft.Column([*head, body], spacing=12, expand=True), padding=16, expand=True)
