"""The board: one column per status (side by side on a desktop, one per screen on a phone), cards
that drag between and within columns, quick add, filters, and a list view of the same tasks.

Each column renders only a window of its cards (see `app.state.board.Window`): a 10,000-card
column costs what a 60-card one does, and a scroll only re-renders when it leaves the window.
"""

from __future__ import annotations

import contextlib
from typing import Any

import flet as ft

from app.i18n import t
from app.state.board import CARD_HEIGHT, DUE_CHOICES, PRIORITIES, BoardFilters, BoardModel, CardView, Window
from app.ui.base import (
    FONT,
    PRIORITY_COLORS,
    PRIORITY_ICONS,
    Entry,
    avatar,
    chip,
    task_row,
    text,
    typing,
    unsynced_mark,
    use_env,
    use_store,
)

COLUMN_WIDTH = 300
CARD_INNER = CARD_HEIGHT - 8  # the card itself; 8 px of gap below it


def _card_body(card: CardView) -> ft.Control:
    top = [
        ft.Icon(
            PRIORITY_ICONS[card.priority],
            size=16,
            color=PRIORITY_COLORS[card.priority],
            tooltip=t(f"priority.{card.priority}"),
        ),
        text(card.key or t("card.unnumbered"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
    ]
    if card.pending:
        top.append(unsynced_mark())
    top.append(ft.Container(expand=True))
    if card.assignee:
        top.append(avatar(card.assignee, card.assignee_name, 22))
    bottom: list[ft.Control] = []
    if card.due:
        bottom.append(
            chip(
                card.due,
                ft.Colors.RED_50 if card.overdue else None,
                ft.Colors.RED_700 if card.overdue else None,
            )
        )
    if card.subtasks_total:
        bottom.append(chip(f"{card.subtasks_done}/{card.subtasks_total}", icon=ft.Icons.CHECK_BOX_OUTLINED))
    bottom += [chip(label, ft.Colors.BLUE_50, ft.Colors.BLUE_800) for label in card.labels[:3]]
    return ft.Column(
        [
            ft.Row(top, spacing=6, height=22),
            text(card.title, size=14, max_lines=2, weight=ft.FontWeight.W_500),
            ft.Row(bottom, spacing=4, wrap=False, height=20, scroll=None),
        ],
        spacing=6,
        tight=True,
    )


@ft.component
def Card(card: CardView, editable: bool = True) -> ft.Control:
    env = use_env()

    def open_card(_: Any) -> None:
        env.nav.open_task(card.id)

    def accept(e: ft.DragTargetEvent) -> None:
        dragged = e.src.data if e.src is not None else None
        if dragged and dragged != card.id:
            env.core.store.move_task(dragged, card.status_id, before_id=card.id)

    semantics = f"{card.key or ''} {card.title}".strip()
    face = ft.Container(
        _card_body(card),
        height=CARD_INNER,
        padding=ft.Padding.symmetric(horizontal=10, vertical=8),
        border_radius=8,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOWEST,
        border=ft.Border.all(1, ft.Colors.AMBER_300 if card.pending else ft.Colors.OUTLINE_VARIANT),
        on_click=open_card,
        ink=True,
        tooltip=None,
    )
    if not editable:  # a viewer opens cards but cannot move them
        return ft.Container(
            ft.Semantics(content=face, label=semantics), height=CARD_HEIGHT, padding=ft.Padding.only(bottom=8)
        )
    return ft.Container(
        ft.Draggable(
            group="card",
            data=card.id,
            content=ft.DragTarget(group="card", content=ft.Semantics(content=face, label=semantics), on_accept=accept),
            # The feedback is drawn in an overlay outside the theme: it needs its own font and style.
            content_feedback=ft.Card(
                ft.Container(
                    ft.Text(
                        card.title,
                        max_lines=1,
                        overflow=ft.TextOverflow.ELLIPSIS,
                        style=ft.TextStyle(font_family=FONT, size=14, decoration=ft.TextDecoration.NONE),
                    ),
                    width=COLUMN_WIDTH - 24,
                    padding=12,
                ),
                elevation=6,
            ),
        ),
        height=CARD_HEIGHT,
        padding=ft.Padding.only(bottom=8),
    )


MemoCard = ft.memo(Card)


@ft.component
def QuickAdd(project_id: str, status_id: str, on_close: Any) -> ft.Control:
    env = use_env()

    def add(title: str) -> None:
        if not title:
            on_close()
            return
        store = env.core.store
        store.create_task(project_id, title, status_id=status_id, position=store.top_position(project_id, status_id))
        env.toast(t("board.created", title=title))

    return Entry(
        t("board.quick_add_hint"),
        add,
        autofocus=True,
        suffix=ft.IconButton(ft.Icons.CLOSE, on_click=lambda _: on_close(), tooltip=t("common.close"), icon_size=16),
    )


@ft.component
def BoardColumn(
    project_id: str, status: dict[str, Any], filters: BoardFilters, can_edit: bool, width: float | None, adding: int
) -> ft.Control:
    env = use_env()
    window, set_window = ft.use_state(Window(0, 0, 0))
    add_open, set_open = ft.use_state(False)

    def set_add_open(open_: bool) -> None:
        set_open(open_)  # and tell the shell, whose Esc closes it
        env.quick_add = (status["id"], lambda: set_open(False)) if open_ else None

    def forget_on_unmount() -> Any:
        def forget() -> None:
            if env.quick_add is not None and env.quick_add[0] == status["id"]:
                env.quick_add = None

        return forget

    ft.use_effect(forget_on_unmount, [])
    ft.use_effect(lambda: set_add_open(True) if adding and can_edit else None, [adding])

    model = BoardModel(env.core.store, project_id, filters)
    view = use_store(
        lambda: model.column(status, window if window.total else None),
        ("task", "user", "status"),
        [filters, window, status["id"]],
    )

    def on_scroll(e: ft.OnScrollEvent) -> None:
        needed = Window.at(e.pixels, e.viewport_dimension, view.total)
        if not view.window.covers(needed):
            set_window(needed.grown())

    def accept_end(e: ft.DragTargetEvent) -> None:
        dragged = e.src.data if e.src is not None else None
        if dragged:
            env.core.store.move_task(dragged, status["id"])

    header = ft.Row(
        [
            text(status["name"], weight=ft.FontWeight.W_600, size=14),
            chip(str(view.total)),
            ft.Container(expand=True),
            ft.IconButton(
                ft.Icons.ADD,
                tooltip=t("board.add_to", column=status["name"]),
                on_click=lambda _: set_add_open(True),
                icon_size=18,
                visible=can_edit,
            ),
        ],
        spacing=6,
    )
    items: list[ft.Control] = []
    if view.window.top_pad:
        items.append(ft.Container(height=view.window.top_pad))
    items += [MemoCard(card, can_edit, key=card.id) for card in view.cards]
    if view.window.bottom_pad:
        items.append(ft.Container(height=view.window.bottom_pad))
    items.append(
        ft.DragTarget(
            group="card",
            on_accept=accept_end,
            content=ft.Container(
                text(t("board.empty") if not view.total else "", size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                height=80,
                alignment=ft.Alignment.TOP_CENTER,
            ),
        )
    )
    body = ft.Column(items, spacing=0, scroll=ft.ScrollMode.AUTO, on_scroll=on_scroll, scroll_interval=60, expand=True)
    return ft.Container(
        ft.Column(
            [
                header,
                QuickAdd(project_id, status["id"], lambda: set_add_open(False)) if add_open else ft.Container(),
                body,
            ],
            spacing=6,
            expand=True,
        ),
        width=width,
        expand=width is None,
        padding=ft.Padding.only(left=10, right=10, top=8),
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        border_radius=10,
    )


def _dropdown(label: str, value: str | None, options: list[tuple[str, str]], on_select: Any, width: int) -> ft.Control:
    return ft.Dropdown(
        label=label,
        value=value or "",
        options=[ft.DropdownOption(key="", text=t("filter.any"))]
        + [ft.DropdownOption(key=key, text=name) for key, name in options],
        on_select=on_select,
        width=width,
        dense=True,
    )


@ft.component
def FilterBar(project_id: str, filters: BoardFilters, set_filters: Any, mode: str, set_mode: Any) -> ft.Control:
    env = use_env()
    store = env.core.store
    people = use_store(
        lambda: [(m["user_id"], _name(store, m["user_id"])) for m in store.members(project_id)],
        ("member", "user"),
        [project_id],
    )
    labels = use_store(lambda: store.labels(project_id), ("task",), [project_id])
    search_ref: ft.Ref[ft.TextField] = ft.use_ref(ft.Ref).current
    shown, set_shown = ft.use_state(False)  # a phone folds the dropdowns behind a button

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
        hint_text=t("filter.search_hint"),
        prefix_icon=ft.Icons.SEARCH,
        value=filters.text,
        on_change=changed("text"),
        dense=True,
        width=None if env.phone else 220,
        expand=True if env.phone else None,
    )
    assignees = [("none", t("filter.unassigned")), *people]
    mode_switch = ft.SegmentedButton(
        segments=[
            ft.Segment(value="board", icon=ft.Icon(ft.Icons.VIEW_KANBAN_OUTLINED), label=t("board.mode.board")),
            ft.Segment(value="list", icon=ft.Icon(ft.Icons.VIEW_LIST_OUTLINED), label=t("board.mode.list")),
        ],
        selected=[mode],
        on_change=lambda e: set_mode(e.control.selected[0] if e.control.selected else "board"),
        show_selected_icon=False,
    )
    dropdowns: list[ft.Control] = [
        _dropdown(t("filter.assignee"), filters.assignee_id, assignees, changed("assignee_id"), 150),
        _dropdown(t("filter.label"), filters.label, [(lb, lb) for lb in labels], changed("label"), 140),
        _dropdown(
            t("filter.priority"),
            filters.priority,
            [(p, t(f"priority.{p}")) for p in PRIORITIES],
            changed("priority"),
            130,
        ),
        _dropdown(t("filter.due"), filters.due, [(d, t(f"filter.due.{d}")) for d in DUE_CHOICES], changed("due"), 130),
    ]
    if filters.active:
        dropdowns.append(ft.TextButton(t("filter.clear"), on_click=lambda _: set_filters(BoardFilters())))
    if not env.phone:
        return ft.Row([search, *dropdowns, mode_switch], spacing=8, wrap=True, run_spacing=8)
    toggle = ft.IconButton(
        ft.Icons.FILTER_LIST,
        tooltip=t("filter.more"),
        on_click=lambda _: set_shown(not shown),
        selected=shown or filters.active,
    )
    rows: list[ft.Control] = [ft.Row([search, toggle]), ft.Row([mode_switch])]
    if shown:
        rows.insert(1, ft.Row(dropdowns, spacing=8, wrap=True, run_spacing=8))
    return ft.Column(rows, spacing=8)


def _name(store: Any, user_id: str) -> str:
    person = store.user(user_id)
    return person["display_name"] if person else user_id[:8]


@ft.component
def ListRows(project_id: str, filters: BoardFilters) -> ft.Control:
    env = use_env()
    store = env.core.store
    model = BoardModel(store, project_id, filters)
    rows = use_store(lambda: model.list_rows(limit=500), ("task", "user", "status"), [project_id, filters])
    names = use_store(lambda: {s["id"]: s["name"] for s in store.statuses(project_id)}, ("status",), [project_id])

    def row(card: CardView) -> ft.Control:
        return task_row(card, lambda _: env.nav.open_task(card.id), status=names.get(card.status_id, ""))

    return ft.ListView([row(c) for c in rows], item_extent=44, expand=True)


@ft.component
def Board() -> ft.Control:
    env = use_env()
    nav = env.nav
    store = env.core.store
    project_id = nav.project_id
    filters, set_filters = ft.use_state(BoardFilters())
    tab, set_tab = ft.use_state(0)
    project = use_store(lambda: store.project(project_id) if project_id else None, ("project",), [project_id])
    statuses = use_store(lambda: store.statuses(project_id) if project_id else [], ("status",), [project_id])
    role = use_store(lambda: store.role(project_id) if project_id else None, ("member",), [project_id])

    opening, set_opening = ft.use_state(("", 0))  # the column N opened the quick add in, and which N

    def answer_new_task() -> None:  # N, once: a later visit to the board does not open it again
        if nav.take("new_task") and statuses and role in ("owner", "admin", "member"):
            set_opening((statuses[min(tab, len(statuses) - 1) if env.phone else 0]["id"], nav.new_task))

    ft.use_effect(answer_new_task, [nav.new_task])
    ft.use_effect(lambda: setattr(env, "quick_add", None), [])  # a new visit: no quick add is open yet
    if project is None:
        return ft.Container(text(t("board.no_project")), alignment=ft.Alignment.CENTER, expand=True)
    can_edit = role in ("owner", "admin", "member")

    def set_mode(mode: str) -> None:
        nav.board_mode = mode

    title = ft.Row(
        [
            text(project["key"], size=13, color=ft.Colors.ON_SURFACE_VARIANT),
            text(project["name"], size=20, weight=ft.FontWeight.W_600, max_lines=1, expand=True),
            chip(t(f"role.{role}")) if role else ft.Container(),
        ],
        spacing=10,
    )
    head = [title, FilterBar(project_id, filters, set_filters, nav.board_mode, set_mode)]
    if nav.board_mode == "list":
        body: ft.Control = ListRows(project_id, filters)
    elif env.phone:
        index = min(tab, max(0, len(statuses) - 1))
        counts = use_store(lambda: BoardModel(store, project_id, filters).counts(), ("task",), [project_id, filters])
        tabs = ft.Row(
            [
                ft.Chip(
                    label=ft.Text(f"{s['name']} {counts.get(s['id'], 0)}"),
                    selected=i == index,
                    on_select=lambda _, i=i: set_tab(i),
                )
                for i, s in enumerate(statuses)
            ],
            scroll=ft.ScrollMode.AUTO,
            spacing=6,
        )

        def swipe(e: ft.DragEndEvent) -> None:
            velocity = e.velocity.x if e.velocity else 0
            if velocity < -300 and index < len(statuses) - 1:
                set_tab(index + 1)
            elif velocity > 300 and index > 0:
                set_tab(index - 1)

        column = (
            BoardColumn(
                project_id,
                statuses[index],
                filters,
                can_edit,
                None,
                opening[1] if opening[0] == statuses[index]["id"] else 0,
                key=statuses[index]["id"],
            )
            if statuses
            else ft.Container()
        )
        body = ft.Column(
            [tabs, ft.GestureDetector(content=column, on_horizontal_drag_end=swipe, expand=True)],
            expand=True,
            spacing=8,
        )
    else:
        body = ft.Row(
            [
                BoardColumn(
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
