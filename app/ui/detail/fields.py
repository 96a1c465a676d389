"""The detail's date fields (typed, or chosen in the date and time pickers) and the parent task,
chosen by searching the project's tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import flet as ft

from app.i18n import current_locale, t
from app.state.detail import ParentChoice, parent_candidates, picked_date, picked_day, picked_time
from app.state.fmt import local_date_text, local_zone, parse_time
from app.ui.base import AppEnv, text, typing, use_env

Save = Callable[[str, Any], None]  # a typed value, checked by field_update
Apply = Callable[[dict[str, Any]], None]  # update_task fields decided already


def _picker_locale() -> ft.Locale:
    return ft.Locale("zh", "CN") if current_locale() == "zh-CN" else ft.Locale("en", "US")


@ft.component
def DateField(task: dict[str, Any], field: str, label: str, editable: bool, save: Save, apply: Apply) -> ft.Control:
    """A date a person can type ("2026-11-30 15:30") or pick: a calendar, then optionally a time."""
    env = use_env()
    current = parse_time(task.get(field))
    local = current.astimezone(local_zone()) if current else None

    def open_date(_: Any) -> None:
        def chosen(e: Any) -> None:
            day = picked_day(e.control.value)
            if day is not None:
                apply(picked_date(task, field, day))

        env.page.show_dialog(
            ft.DatePicker(
                value=local.date() if local else None,
                current_date=datetime.now().date(),
                first_date=date(2000, 1, 1),
                last_date=date(2100, 12, 31),
                help_text=label,
                confirm_text=t("detail.pick_ok"),
                cancel_text=t("detail.cancel"),
                locale=_picker_locale(),
                on_change=chosen,
            )
        )

    def open_time(_: Any) -> None:
        def chosen(e: Any) -> None:
            if isinstance(e.control.value, time):
                apply(picked_time(task, field, e.control.value))

        env.page.show_dialog(
            ft.TimePicker(
                value=local.time().replace(second=0, microsecond=0) if local else time(18, 0),
                help_text=label,
                confirm_text=t("detail.pick_ok"),
                cancel_text=t("detail.cancel"),
                locale=_picker_locale(),
                hour_format=ft.TimePickerHourFormat.H24,
                on_change=chosen,
            )
        )

    buttons = [
        ft.IconButton(ft.Icons.CALENDAR_MONTH_OUTLINED, tooltip=t("detail.pick_date", field=label), on_click=open_date),
        ft.IconButton(ft.Icons.SCHEDULE, tooltip=t("detail.pick_time", field=label), on_click=open_time),
        ft.IconButton(
            ft.Icons.CLOSE,
            tooltip=t("detail.clear_date", field=label),
            on_click=lambda _: save(field, ""),
            visible=current is not None,
        ),
    ]
    typed = ft.TextField(
        value=local_date_text(task.get(field)),
        hint_text=t("detail.date_hint"),
        **typing(env, lambda e: save(field, e.control.value)),
        on_submit=lambda e: save(field, e.control.value),
        read_only=not editable,
        dense=True,
        expand=True,
    )
    return ft.Row([typed, *(buttons if editable else [])], spacing=0, expand=True)


@ft.component
def ParentField(task: dict[str, Any], parent: dict[str, Any] | None, editable: bool, save: Save) -> ft.Control:
    """The parent task as a chip; "change" opens a search over the project's tasks by key or title
    (never the task itself or one of its subtasks), "remove" makes it a top-level task again."""
    env = use_env()
    store = env.core.store
    searching, set_searching = ft.use_state(False)
    query, set_query = ft.use_state("")
    choices = parent_candidates(store, task, query) if searching else []

    def choose(choice: ParentChoice) -> None:
        set_searching(False)
        set_query("")
        save("parent", choice.key or choice.id)

    current: ft.Control = (
        ft.Chip(
            label=ft.Text(ParentChoice(parent["id"], parent.get("key"), parent["title"]).label, max_lines=1),
            on_click=lambda _: env.nav.open_task(parent["id"]),
            on_delete=(lambda _: save("parent", "")) if editable else None,
            delete_icon_tooltip=t("detail.parent_clear"),
        )
        if parent
        else text(t("detail.parent_none"), color=ft.Colors.ON_SURFACE_VARIANT)
    )
    head = ft.Row(
        [
            ft.Container(current, expand=True),
            ft.TextButton(
                t("detail.cancel") if searching else t("detail.parent_change"),
                icon=None if searching else ft.Icons.SEARCH,
                on_click=lambda _: set_searching(not searching),
                visible=editable,
            ),
        ],
        spacing=4,
    )
    if not searching:
        return ft.Column([head], expand=True)
    found = task_search(env, query, set_query, choices, choose, t("detail.parent_search"), t("detail.parent_no_match"))
    return ft.Column([head, *found], spacing=2, expand=True, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)


def task_search(
    env: AppEnv,
    query: str,
    set_query: Callable[[str], None],
    choices: list[ParentChoice],
    choose: Callable[[ParentChoice], None],
    hint: str,
    empty: str,
) -> list[ft.Control]:
    """A search box over tasks and its results (the first is chosen on Enter): the parent picker's
    and the dependencies section's."""
    box = ft.TextField(
        value=query,
        hint_text=hint,
        prefix_icon=ft.Icons.SEARCH,
        autofocus=True,
        dense=True,
        on_change=lambda e: set_query(e.control.value or ""),
        on_submit=lambda _: choose(choices[0]) if choices else None,
        **typing(env),
    )
    results: list[ft.Control] = [
        ft.ListTile(
            title=ft.Text(c.label, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
            dense=True,
            on_click=lambda _, c=c: choose(c),
        )
        for c in choices
    ] or [text(empty, size=12, color=ft.Colors.ON_SURFACE_VARIANT)]
    return [box, *results]
