"""The board's list view: the same filtered tasks as lines under column headers that sort them (a
click sorts by the column, a second click reverses it)."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.state.board import LIST_COLUMNS, BoardFilters, BoardModel, CardView, ListSort
from app.ui.base import LIST_WIDTHS, PHONE_LIST_WIDTHS, task_row, text, use_env, use_store

LIST_LIMIT = 500
PHONE_COLUMNS = ("key", "title", "assignee", "due")  # what fits beside a title on 390 px


def _header(column: str, sort: ListSort, on_sort: Any, widths: dict[str, int]) -> ft.Control:
    active = sort.field == column
    arrow = ft.Icon(
        ft.Icons.ARROW_DOWNWARD if sort.descending else ft.Icons.ARROW_UPWARD,
        size=14,
        color=ft.Colors.PRIMARY,
        visible=active,
    )
    label: ft.Control
    if column == "priority":
        label = ft.Icon(ft.Icons.FLAG_OUTLINED, size=16, color=ft.Colors.ON_SURFACE_VARIANT)
    elif column == "assignee":
        label = ft.Icon(ft.Icons.PERSON_OUTLINE, size=16, color=ft.Colors.ON_SURFACE_VARIANT)
    else:
        label = text(t(f"list.{column}"), size=12, weight=ft.FontWeight.W_600, color=ft.Colors.ON_SURFACE_VARIANT)
    return ft.Container(
        ft.Semantics(
            content=ft.Row([label, arrow], spacing=2, tight=True),
            label=t("list.sort_by", column=t(f"list.{column}")),
            button=True,
        ),
        width=widths.get(column),
        expand=column == "title",
        on_click=lambda _: on_sort(column),
        padding=ft.Padding.symmetric(vertical=6),
    )


@ft.component
def ListRows(project_id: str, filters: BoardFilters) -> ft.Control:
    env = use_env()
    store = env.core.store
    sort, set_sort = ft.use_state(ListSort())
    model = BoardModel(store, project_id, filters)
    rows = use_store(
        lambda: model.list_rows(limit=LIST_LIMIT, sort=sort), ("task", "user", "status"), [project_id, filters, sort]
    )
    names = use_store(lambda: {s["id"]: s["name"] for s in store.statuses(project_id)}, ("status",), [project_id])
    columns = PHONE_COLUMNS if env.phone else LIST_COLUMNS
    widths = PHONE_LIST_WIDTHS if env.phone else LIST_WIDTHS

    def row(card: CardView) -> ft.Control:
        return task_row(
            card,
            lambda _: env.nav.open_task(card.id),
            status=names.get(card.status_id, ""),
            columns=columns,
            widths=widths,
        )

    header = ft.Container(
        ft.Row(
            [*(_header(c, sort, lambda c: set_sort(sort.toggled(c)), widths) for c in columns), ft.Container(width=14)],
            spacing=8,
        ),
        padding=ft.Padding.symmetric(horizontal=12),
        border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
    )
    return ft.Column([header, ft.ListView([row(c) for c in rows], item_extent=44, expand=True)], spacing=0, expand=True)
