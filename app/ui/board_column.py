"""One board column: side by side on a desktop (mouse drag and drop), one page per column on a phone
(long press to lift a card, pull down to sync).

Each column renders only a window of its cards (see `app.state.board.Window`): a 10,000-card
column costs what a 60-card one does, and a scroll only re-renders when it leaves the window.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

import flet as ft

from app.i18n import t
from app.state.board import (
    CARD_HEIGHT,
    OPEN_WINDOW,
    PHONE_CARD_HEIGHT,
    BoardFilters,
    BoardModel,
    ColumnView,
    Window,
)
from app.state.drag import Lift, drop, follow
from app.state.pull import Pull
from app.ui.base import AppEnv, Entry, chip, text, use_env, use_store
from app.ui.card import GAP, PHONE_GAP, MemoCard, MemoPhoneCard
from app.ui.phone import haptic, pull_to_sync

Neighbour = tuple[str, str] | None  # (status id, name) of the column before or after
FILL_AFTER_S = 1.5  # a column's first window fills its screen by then, laid out or not


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


def use_quick_add(env: AppEnv, status_id: str, adding: int, can_edit: bool) -> tuple[bool, Callable[[bool], None]]:
    """The column's quick add, open or not; the shell learns of it, so Esc closes it, and forgets it when
    the column goes. `adding` counts the requests to open it (N on a desktop, the floating button)."""
    add_open, set_open = ft.use_state(False)

    def set_add_open(open_: bool) -> None:
        set_open(open_)
        env.quick_add = (status_id, lambda: set_open(False)) if open_ else None

    def forget_on_unmount() -> Any:
        def forget() -> None:
            if env.quick_add is not None and env.quick_add[0] == status_id:
                env.quick_add = None

        return forget

    ft.use_effect(forget_on_unmount, [])
    ft.use_effect(lambda: set_add_open(True) if adding and can_edit else None, [adding])
    return add_open, set_add_open


def use_column(
    project_id: str, status: dict[str, Any], filters: BoardFilters, height: int
) -> tuple[ColumnView, Callable[[ft.OnScrollEvent], None], Callable[[Any], None]]:
    """The column's window of cards, the scroll handler that moves the window, and the size handler
    that fills the first screen once the column is laid out."""
    env = use_env()
    window, set_window = ft.use_state(Window(0, 0, 0, height))
    model = BoardModel(env.core.store, project_id, filters)
    view = use_store(
        lambda: model.column(status, window if window.total else None),
        ("task", "user", "status"),
        [filters, window, status["id"]],
    )
    if view.window.height != height:  # the first read, before any scroll: same slice, this height
        view.window = Window(view.window.start, view.window.end, view.window.total, height)

    def on_scroll(e: ft.OnScrollEvent) -> None:
        needed = Window.at(e.pixels, e.viewport_dimension, view.total, height=height)
        if not view.window.covers(needed):
            set_window(needed.grown())

    def fill(viewport: float) -> None:
        """Grows an untouched first window to the screenful and its margin (OPEN_WINDOW at least)."""
        needed = Window.at(0, viewport, view.total, height=height) if viewport > 0 else view.window
        end = min(view.total, max(needed.end, OPEN_WINDOW))
        set_window(lambda w: w if w.total else Window(0, end, view.total, height))

    def on_size(e: ft.LayoutSizeChangeEvent[Any]) -> None:
        # The column was laid out: the board's first frame, with MIN_WINDOW cards a column, is out.
        ft.context.disable_auto_update()
        fill(float(e.height or 0))

    async def fill_later() -> None:  # in case the size never arrives (seen once in a benchmark run)
        await asyncio.sleep(FILL_AFTER_S)
        fill(0)

    ft.use_effect(fill_later, [])

    return view, on_scroll, on_size


def _spaced(view: ColumnView, cards: list[ft.Control]) -> list[ft.Control]:
    items: list[ft.Control] = []
    if view.window.top_pad:
        items.append(ft.Container(height=view.window.top_pad))
    items += cards
    if view.window.bottom_pad:
        items.append(ft.Container(height=view.window.bottom_pad))
    return items


@ft.component
def BoardColumn(
    project_id: str, status: dict[str, Any], filters: BoardFilters, can_edit: bool, width: float | None, adding: int
) -> ft.Control:
    """A desktop column: header, quick add, and cards a mouse drags between columns."""
    env = use_env()
    view, on_scroll, on_size = use_column(project_id, status, filters, CARD_HEIGHT)
    add_open, set_add_open = use_quick_add(env, status["id"], adding, can_edit)

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
    items = _spaced(view, [MemoCard(card, can_edit, key=card.id) for card in view.cards])
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
    body = ft.Column(
        items,
        spacing=GAP,
        scroll=ft.ScrollMode.AUTO,
        on_scroll=on_scroll,
        scroll_interval=60,
        on_size_change=on_size,
        expand=True,
    )
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


class Lifter:
    """A phone column's long-press move. One object per column for its whole life, so the memoised
    cards that hold it never re-render for it; each render hands it what it needs now."""

    def __init__(self) -> None:
        self.start = (0.0, 0.0)
        self.current: Lift | None = None
        self.set_lift: Callable[[Lift | None], None] = lambda _: None
        self.env: AppEnv | None = None
        self.view: ColumnView | None = None
        self.status_id = ""
        self.project_id = ""
        self.neighbours: tuple[Neighbour, Neighbour] = (None, None)

    def lift(self, card_id: str, index: int, x: float, y: float) -> None:
        self.start = (x, y)
        self.current = Lift(card_id, index, index)
        self.set_lift(self.current)
        if self.env is not None:
            haptic(self.env)

    def follow(self, x: float, y: float) -> None:
        if self.current is None or self.view is None or self.env is None:
            return
        moved = follow(
            self.current,
            x - self.start[0],
            y - self.start[1],
            height=PHONE_CARD_HEIGHT,
            width=float(self.env.page.width or 0),
            total=self.view.total,
            sides=(self.neighbours[0] is not None, self.neighbours[1] is not None),
        )
        if moved != self.current:
            self.current = moved
            self.set_lift(moved)

    def release(self, x: float, y: float) -> None:
        if not (math.isnan(x) or math.isnan(y)):
            self.follow(x, y)
        lift, self.current = self.current, None
        self.set_lift(None)
        if lift is None or self.view is None or self.env is None:
            return
        ids = [c.id for c in self.view.cards]
        ids_of = (
            self.neighbours[0][0] if self.neighbours[0] else None,
            self.neighbours[1][0] if self.neighbours[1] else None,
        )
        move = drop(lift, ids, self.view.window.start, self.view.total, self.status_id, ids_of)
        store = self.env.core.store
        if move.status_id is None:
            return
        if move.top:
            store.move_task(lift.card_id, move.status_id, position=store.top_position(self.project_id, move.status_id))
            name = next((n[1] for n in self.neighbours if n and n[0] == move.status_id), "")
            self.env.toast(t("phone.moved", column=name))
        else:
            store.move_task(lift.card_id, move.status_id, before_id=move.before_id)


@ft.component
def PhoneColumn(
    project_id: str,
    status: dict[str, Any],
    filters: BoardFilters,
    can_edit: bool,
    adding: int,
    neighbours: tuple[Neighbour, Neighbour],
) -> ft.Control:
    """A phone column (one page of the board): compact cards, a long press lifts one, a pull at the
    top syncs. The status name and count are on the board's chips, the add button floats."""
    env = use_env()
    view, window_scroll, on_size = use_column(project_id, status, filters, PHONE_CARD_HEIGHT)
    add_open, set_add_open = use_quick_add(env, status["id"], adding, can_edit)
    lift, set_lift = ft.use_state(None)
    lifter: Lifter = ft.use_ref(Lifter).current
    pull: Pull = ft.use_ref(Pull).current
    lifter.set_lift, lifter.env, lifter.view = set_lift, env, view
    lifter.status_id, lifter.project_id, lifter.neighbours = status["id"], project_id, neighbours
    refresh = pull_to_sync(env, pull)

    def on_scroll(e: ft.OnScrollEvent) -> None:
        window_scroll(e)
        refresh(e)

    going_to = ""
    if lift is not None and lift.side:
        target = neighbours[0 if lift.side < 0 else 1]
        going_to = target[1] if target else ""
    cards: list[ft.Control] = [
        MemoPhoneCard(
            card,
            view.window.start + i,
            can_edit,
            lift.shift(view.window.start + i) if lift else 0,
            bool(lift and lift.card_id == card.id),
            going_to if lift and lift.card_id == card.id else "",
            lifter,
            key=card.id,
        )
        for i, card in enumerate(view.cards)
    ]
    items = _spaced(view, cards)
    # Always a little taller than the screen, so even a short column can be pulled to sync.
    screen = float(env.page.height or 900)
    filler = max(80.0, screen - view.total * PHONE_CARD_HEIGHT)
    items.append(
        ft.Container(
            text(t("board.empty") if not view.total else "", size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            height=filler,
            alignment=ft.Alignment.TOP_CENTER,
        )
    )
    body = ft.Column(
        items,
        spacing=PHONE_GAP,
        scroll=ft.ScrollMode.AUTO,
        on_scroll=on_scroll,
        scroll_interval=50,
        on_size_change=on_size,
        expand=True,
    )
    quick = QuickAdd(project_id, status["id"], lambda: set_add_open(False)) if add_open else ft.Container()
    return ft.Container(ft.Column([quick, body], spacing=6, expand=True), padding=ft.Padding.only(left=8, right=8))


MemoBoardColumn = ft.memo(BoardColumn)
MemoPhoneColumn = ft.memo(PhoneColumn)
