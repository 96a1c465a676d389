"""The table: a project's tasks as lines under sortable column headers, grouped by status,
assignee, iteration or label, with a column chooser, the board's filters, and an export of what is
shown to CSV or Excel. The rules are in `app.state.table`; the files come from `sync.export`.

Only a window of the lines is built (the board's windowing, FLET-NOTES "Large lists"), so a
project of 10,000 tasks opens as fast as one of 10. The chosen columns, sort and grouping are
remembered per project on this device (`app.state.view_prefs`).
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import datetime
from typing import Any

import flet as ft

from app.i18n import t
from app.state import view_prefs
from app.state.board import PRIORITIES, BoardFilters, Window
from app.state.table import GROUPS, LINE_HEIGHT, Line, TableModel, TableView
from app.ui.base import AppEnv, priority_color, priority_icon, text, unsynced_mark, use_env, use_store
from app.ui.project_parts import SettingsButton
from app.ui.screens.board import use_filter_fields
from sync.export import COLUMNS, Names, cell, encode, text_of

WIDTHS = {
    "key": 80,
    "status": 100,
    "assignee": 110,
    "priority": 90,
    "iteration": 120,
    "labels": 140,
    "start": 120,
    "due": 120,
    "estimate": 70,
    "updated": 130,
}
PHONE_COLUMNS = ("key", "title", "status", "due")  # what fits beside a title on 390 px
PHONE_WIDTHS = {"key": 64, "status": 64, "due": 84}


def headers() -> dict[str, str]:
    return {"group": t("table.group"), **{c: t(f"table.col.{c}") for c in COLUMNS}}


def _names(store: Any, project_id: str) -> Names:
    base = Names.of(store, project_id)
    return Names(base.statuses, base.people, base.iterations, {p: t(f"priority.{p}") for p in PRIORITIES})


def _header_cell(column: str, view: TableView, on_sort: Any, widths: dict[str, int]) -> ft.Control:
    active = view.sort == column
    arrow = ft.Icon(
        ft.Icons.ARROW_DOWNWARD if view.descending else ft.Icons.ARROW_UPWARD,
        size=14,
        color=ft.Colors.PRIMARY,
        visible=active,
    )
    label = text(
        t(f"table.col.{column}"), size=12, weight=ft.FontWeight.W_600, color=ft.Colors.ON_SURFACE_VARIANT, max_lines=1
    )
    return ft.Container(
        ft.Semantics(
            content=ft.Row([label, arrow], spacing=2, tight=True),
            label=t("table.sort_by", column=t(f"table.col.{column}")),
            button=True,
        ),
        width=widths.get(column),
        expand=column == "title",
        on_click=lambda _: on_sort(column),
        padding=ft.Padding.symmetric(vertical=6),
    )


def _cell(task: Any, column: str, names: Names, widths: dict[str, int]) -> ft.Control:
    value = cell(task, column, names)
    if isinstance(value, datetime) and widths is PHONE_WIDTHS:
        value = value.strftime("%m-%d")  # a phone's column has room for the day only
    content: ft.Control
    if column == "priority":
        priority = task.get("priority") or "none"
        content = ft.Row(
            [
                ft.Icon(priority_icon(priority), size=14, color=priority_color(priority)),
                text(text_of(value), size=12, max_lines=1),
            ],
            spacing=2,
            tight=True,
        )
    elif column == "key" and task.get("type") == "milestone":
        content = ft.Row([ft.Icon(ft.Icons.DIAMOND_OUTLINED, size=12), text(text_of(value), size=12)], spacing=2)
    else:
        content = text(text_of(value), size=13 if column == "title" else 12, max_lines=1)
    return ft.Container(content, width=widths.get(column), expand=column == "title")


def _line(line: Line, columns: tuple[str, ...], names: Names, widths: dict[str, int], env: AppEnv) -> ft.Control:
    if line.task is None:
        return ft.Container(
            ft.Row(
                [text(line.group or "", size=13, weight=ft.FontWeight.W_600), text(str(line.count), size=12)],
                spacing=8,
            ),
            height=LINE_HEIGHT,
            padding=ft.Padding.symmetric(horizontal=12),
            alignment=ft.Alignment.CENTER_LEFT,
            bgcolor=ft.Colors.SURFACE_CONTAINER,
        )
    task = line.task
    cells = [_cell(task, c, names, widths) for c in columns]
    cells.append(ft.Container(unsynced_mark(bool(task.get("pending"))), width=14))
    return ft.Container(
        ft.Row(cells, spacing=8),
        height=LINE_HEIGHT,
        padding=ft.Padding.symmetric(horizontal=12),
        on_click=lambda _: env.nav.open_task(task["id"]),
        ink=True,
        border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
        key=line.key,
    )


def _column_chooser(view: TableView, set_view: Any) -> ft.Control:
    return ft.PopupMenuButton(
        icon=ft.Icons.VIEW_COLUMN_OUTLINED,
        tooltip=t("table.columns"),
        items=[
            ft.PopupMenuItem(
                content=t(f"table.col.{c}"),
                checked=c in view.columns,
                on_click=lambda _, c=c: set_view(view.showing(c, c not in view.columns)),
            )
            for c in COLUMNS
        ],
    )


def _group_menu(view: TableView, set_view: Any) -> ft.Control:
    return ft.PopupMenuButton(
        icon=ft.Icons.WORKSPACES_OUTLINE if view.group == "none" else ft.Icons.WORKSPACES,
        tooltip=t("table.group_by"),
        items=[
            ft.PopupMenuItem(
                content=t(f"table.group.{g}"),
                checked=g == view.group,
                on_click=lambda _, g=g: set_view(replace(view, group=g)),
            )
            for g in GROUPS
        ],
    )


def export_name(project_key: str, fmt: str, now: datetime | None = None) -> str:
    return f"{project_key}-{(now or datetime.now()).strftime('%Y%m%d-%H%M')}.{fmt}"


def _export_menu(env: AppEnv, project: dict[str, Any], model: TableModel) -> ft.Control:
    async def export(fmt: str) -> None:
        data = encode(model.sheet(headers()), fmt, project["key"])
        name = export_name(project["key"], fmt)
        # Web: the browser downloads the bytes under `name`. Desktop: a save dialog writes them.
        with contextlib.suppress(RuntimeError):
            saved = await ft.FilePicker().save_file(
                dialog_title=t("table.export"), file_name=name, src_bytes=data, allowed_extensions=[fmt]
            )
            if env.page.web or saved:
                env.toast(t("table.exported", name=saved or name))

    return ft.PopupMenuButton(
        icon=ft.Icons.DOWNLOAD_OUTLINED,
        tooltip=t("table.export"),
        items=[
            ft.PopupMenuItem(content=t("table.export.csv"), on_click=lambda _: env.page.run_task(export, "csv")),
            ft.PopupMenuItem(content=t("table.export.xlsx"), on_click=lambda _: env.page.run_task(export, "xlsx")),
        ],
    )


def use_view(env: AppEnv, project_id: str) -> tuple[TableView, Any]:
    """The table's settings for this project, read from and saved to the device's views.json."""
    data_dir = env.core.data_dir
    view, set_state = ft.use_state(lambda: TableView.of(view_prefs.load(data_dir, project_id, "table")))

    def set_view(new: TableView) -> None:
        view_prefs.save(data_dir, project_id, "table", new.saved())
        set_state(new)

    return view, set_view


@ft.component
def Table() -> ft.Control:
    env = use_env()
    store = env.core.store
    project_id = env.nav.project_id or ""
    project = use_store(lambda: store.project(project_id) if project_id else None, ("project",), [project_id])
    filters, set_filters = ft.use_state(BoardFilters())
    view, set_view = use_view(env, project_id)
    window, set_window = ft.use_state(Window(0, 0, 0, LINE_HEIGHT))
    names = use_store(
        lambda: _names(store, project_id), ("status", "user", "iteration"), [project_id, env.prefs.locale]
    )
    model = TableModel(store, project_id, filters, view, names, none_label=t(f"table.none.{view.group}"))
    lines = use_store(model.lines, ("task",), [project_id, filters, view, names])
    search, dropdowns = use_filter_fields(project_id, filters, set_filters)
    if project is None:
        return ft.Container(text(t("board.no_project")), alignment=ft.Alignment.CENTER, expand=True)
    phone = env.phone
    columns = tuple(c for c in view.columns if c in PHONE_COLUMNS) if phone else view.columns
    widths = PHONE_WIDTHS if phone else WIDTHS
    shown = window if window.total == len(lines) and window.end else Window.at(0, 0, len(lines), height=LINE_HEIGHT)

    def on_scroll(e: ft.OnScrollEvent) -> None:
        needed = Window.at(e.pixels, e.viewport_dimension, len(lines), height=LINE_HEIGHT)
        if not shown.covers(needed):
            set_window(needed.grown())

    tools: list[ft.Control] = [
        _group_menu(view, set_view),
        _column_chooser(view, set_view),
        _export_menu(env, project, model),
    ]
    title_row = ft.Row(
        [
            text(project["key"], size=13, color=ft.Colors.ON_SURFACE_VARIANT),
            text(project["name"], size=17 if phone else 20, weight=ft.FontWeight.W_600, max_lines=1, expand=True),
            text(t("table.count", n=sum(1 for line in lines if line.task is not None)), size=12),
            *([] if not phone else tools[1:]),
            SettingsButton(),
        ],
        spacing=8,
    )
    # A phone's search field expands, which a wrapping row cannot hold: one plain row there.
    bar = (
        ft.Row([search, tools[0]], spacing=8)
        if phone
        else ft.Row([search, *dropdowns, *tools], spacing=8, wrap=True, run_spacing=8)
    )
    header = ft.Container(
        ft.Row(
            [
                *(_header_cell(c, view, lambda c: set_view(view.sorted_by(c)), widths) for c in columns),
                ft.Container(width=14),
            ],
            spacing=8,
        ),
        padding=ft.Padding.symmetric(horizontal=12),
        border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
    )
    items: list[ft.Control] = []
    if shown.top_pad:
        items.append(ft.Container(height=shown.top_pad))
    items += [_line(line, columns, names, widths, env) for line in lines[shown.start : shown.end]]
    if shown.bottom_pad:
        items.append(ft.Container(height=shown.bottom_pad))
    if not lines:
        items.append(ft.Container(text(t("table.empty"), color=ft.Colors.ON_SURFACE_VARIANT), padding=16))
    body = ft.Column(items, spacing=0, scroll=ft.ScrollMode.AUTO, on_scroll=on_scroll, scroll_interval=60, expand=True)
    return ft.Container(
        ft.Column([title_row, bar, header, body], spacing=8, expand=True), padding=8 if phone else 16, expand=True
    )
