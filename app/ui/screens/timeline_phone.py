"""The Gantt's phone face: a vertical timeline, one line per task under the week of its date
(`app.state.timeline`), milestones marked, today's week highlighted, undated tasks last. Rows have
one height and are windowed like the board's columns; a tap opens the task."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from typing import Any

import flet as ft

from app.i18n import t
from app.state.board import Window
from app.state.fmt import format_date, local_zone
from app.state.gantt import Chart, Item
from app.state.timeline import ROW_HEIGHT, Entry, Undated, Week, first_current, timeline, window_at
from app.ui.base import text, use_env


def _date_span(item: Item, today: date) -> str:
    assert item.start is not None and item.end is not None
    if item.kind == "bar" and item.start != item.end:
        return t("gantt.span", start=format_date(item.start, today), end=format_date(item.end, today))
    return format_date(item.end, today)


def _week(entry: Week, today: date) -> ft.Control:
    sunday = entry.monday + timedelta(days=6)
    label = t("gantt.week", start=format_date(entry.monday, today), end=format_date(sunday, today))
    if entry.current:
        label = t("gantt.this_week", week=label)
    return ft.Container(
        text(label, size=13, weight=ft.FontWeight.W_600, color=ft.Colors.PRIMARY if entry.current else None),
        height=ROW_HEIGHT,
        alignment=ft.Alignment.BOTTOM_LEFT,
        padding=ft.Padding.only(left=4, bottom=6),
    )


def _task(item: Item, today: date, open_task: Any) -> ft.Control:
    if item.kind == "milestone":
        mark: ft.Control = ft.Icon(ft.Icons.FLAG, size=18, color=ft.Colors.TERTIARY, tooltip=t("gantt.milestone"))
    elif item.kind == "unscheduled":
        mark = ft.Icon(ft.Icons.RADIO_BUTTON_UNCHECKED, size=14, color=ft.Colors.OUTLINE)
    else:
        mark = ft.Icon(ft.Icons.CIRCLE, size=10, color=ft.Colors.OUTLINE if item.done else ft.Colors.PRIMARY)
    when = _date_span(item, today) if item.end is not None else t("gantt.no_dates")
    title = text(
        item.title,
        max_lines=1,
        weight=ft.FontWeight.W_600 if item.kind == "milestone" else None,
        color=ft.Colors.ON_SURFACE_VARIANT if item.done else None,
    )
    meta = text(f"{item.key or t('card.unnumbered')} · {when}", size=12, color=ft.Colors.ON_SURFACE_VARIANT)
    return ft.Container(
        ft.Row(
            [
                ft.Container(mark, width=24, alignment=ft.Alignment.CENTER),
                ft.Column([title, meta], spacing=2, tight=True, expand=True),
            ],
            spacing=8,
        ),
        height=ROW_HEIGHT,
        padding=ft.Padding.symmetric(horizontal=4, vertical=6),
        on_click=lambda _: open_task(item.id),
        ink=True,
        border_radius=6,
    )


def _row(entry: Entry, today: date, open_task: Any) -> ft.Control:
    if isinstance(entry, Week):
        return _week(entry, today)
    if isinstance(entry, Undated):
        return ft.Container(
            text(t("gantt.lane.unscheduled"), size=13, weight=ft.FontWeight.W_600),
            height=ROW_HEIGHT,
            alignment=ft.Alignment.BOTTOM_LEFT,
            padding=ft.Padding.only(left=4, bottom=6),
        )
    return _task(entry, today, open_task)


@ft.component
def Timeline(project: dict[str, Any], chart: Chart) -> ft.Control:
    env = use_env()
    today = datetime.now(local_zone()).date()
    entries = ft.use_memo(lambda: timeline([e for e in chart.order if isinstance(e, Item)], chart.today), [chart])
    start = first_current(entries, today)
    window, set_window = ft.use_state(None)
    shown: Window = (
        window
        if window is not None and window.total == len(entries)
        else window_at(start * ROW_HEIGHT, 0, len(entries))
    )
    column_ref: ft.Ref[ft.Column] = ft.use_ref(ft.Ref).current

    async def to_this_week() -> None:
        if start and column_ref.current is not None:
            with contextlib.suppress(RuntimeError):  # the timeline was left before the scroll arrived
                await column_ref.current.scroll_to(offset=start * ROW_HEIGHT, duration=0)

    ft.use_effect(lambda: env.page.run_task(to_this_week) and None, [])

    def on_scroll(e: ft.OnScrollEvent) -> None:
        needed = window_at(e.pixels, e.viewport_dimension, len(entries))
        if not shown.covers(needed):
            set_window(needed.grown(8))

    items: list[ft.Control] = []
    if shown.top_pad:
        items.append(ft.Container(height=shown.top_pad))
    items += [_row(entries[i], today, env.nav.open_task) for i in range(shown.start, shown.end)]
    if shown.bottom_pad:
        items.append(ft.Container(height=shown.bottom_pad))
    if not entries:
        items.append(text(t("gantt.empty"), color=ft.Colors.ON_SURFACE_VARIANT))
    head = ft.Row(
        [
            text(
                t("gantt.title", project=project["name"]), size=17, weight=ft.FontWeight.W_600, max_lines=1, expand=True
            )
        ],
        height=44,
    )
    body = ft.Column(
        items,
        spacing=0,
        scroll=ft.ScrollMode.AUTO,
        on_scroll=on_scroll,
        scroll_interval=50,
        expand=True,
        ref=column_ref,
    )
    return ft.Container(
        ft.Column([head, body], spacing=4, expand=True), padding=ft.Padding.only(left=12, right=12, top=4), expand=True
    )
