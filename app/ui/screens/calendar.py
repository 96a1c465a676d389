"""The calendar: a project's tasks on their due days, by month or by week, milestones as diamonds,
non-working days shaded; drag a task to another day to reschedule it. On a phone, a compact month
grid (a dot per day with work) with an agenda list under it; an agenda line dragged onto a day of
the grid moves there too. The rules are in `app.state.calendar`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import flet as ft

from app.i18n import t
from app.state import view_prefs
from app.state.board import BoardFilters
from app.state.calendar import MODES, CalendarModel, Day, project_calendar, shift
from app.ui.base import FONT, AppEnv, text, use_env, use_store
from app.ui.project_parts import SettingsButton

MONTH_CHIPS = 3  # tasks a month cell lists before "+N"
SHADE = ft.Colors.with_opacity(0.06, ft.Colors.ON_SURFACE)


def _title(anchor: date, mode: str, days: list[Day]) -> str:
    if mode == "week":
        return t("calendar.week_of", start=days[0].day.isoformat(), end=days[-1].day.isoformat())
    return t("calendar.month_title", year=anchor.year, month=anchor.month)


def _task_chip(env: AppEnv, task: dict[str, Any], can_edit: bool, dense: bool = True) -> ft.Control:
    milestone = task.get("type") == "milestone"
    label = f"{task.get('key') or ''} {task.get('title') or ''}".strip()
    body = ft.Container(
        ft.Row(
            [
                ft.Icon(
                    ft.Icons.DIAMOND if milestone else ft.Icons.CIRCLE,
                    size=10 if milestone else 6,
                    color=ft.Colors.DEEP_ORANGE if milestone else ft.Colors.PRIMARY,
                ),
                ft.Text(label, size=11 if dense else 13, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS, expand=True),
            ],
            spacing=4,
        ),
        padding=ft.Padding.symmetric(horizontal=4, vertical=1 if dense else 6),
        border_radius=4,
        bgcolor=ft.Colors.SECONDARY_CONTAINER if milestone else ft.Colors.SURFACE_CONTAINER_HIGH,
        on_click=lambda _: env.nav.open_task(task["id"]),
        tooltip=t("calendar.milestone") if milestone else None,
    )
    if not can_edit:
        return body
    return ft.Draggable(
        group="calendar",
        data=task["id"],
        content=body,
        content_feedback=ft.Card(
            ft.Container(
                ft.Text(label, max_lines=1, style=ft.TextStyle(font_family=FONT, size=13)),
                padding=6,
                width=180,
            )
        ),
    )


def _day_cell(env: AppEnv, day: Day, can_edit: bool, on_move: Any, *, limit: int | None, compact: bool) -> ft.Control:
    number = text(
        str(day.day.day),
        size=12,
        weight=ft.FontWeight.W_700 if day.today else None,
        color=ft.Colors.PRIMARY if day.today else (None if day.in_month else ft.Colors.OUTLINE),
    )
    items: list[ft.Control] = [number]
    if compact:
        if day.tasks:
            milestone = any(r.get("type") == "milestone" for r in day.tasks)
            items.append(ft.Icon(ft.Icons.DIAMOND if milestone else ft.Icons.CIRCLE, size=8, color=ft.Colors.PRIMARY))
    else:
        shown = day.tasks if limit is None else day.tasks[:limit]
        items += [_task_chip(env, dict(r), can_edit) for r in shown]
        if limit is not None and len(day.tasks) > limit:
            items.append(
                text(t("calendar.more", n=len(day.tasks) - limit), size=11, color=ft.Colors.ON_SURFACE_VARIANT)
            )
    cell = ft.Container(
        ft.Column(
            items,
            spacing=2,
            tight=True,
            horizontal_alignment=ft.CrossAxisAlignment.CENTER if compact else None,
            scroll=ft.ScrollMode.AUTO if limit is None and not compact else None,
        ),
        bgcolor=None if day.working else SHADE,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        padding=4,
        expand=True,
        key=f"day-{day.day.isoformat()}",
        tooltip=None if day.working else t("calendar.day_off"),
    )
    # A DragTarget ignores `expand`: the Container around it takes the row's share of the width.
    target = ft.DragTarget(
        group="calendar",
        content=cell,
        on_accept=lambda e: on_move(e.src.data if e.src is not None else None, day.day),
    )
    return ft.Container(target, expand=True)


def _grid(env: AppEnv, days: list[Day], can_edit: bool, on_move: Any, mode: str, compact: bool) -> ft.Control:
    names = ft.Row(
        [
            ft.Container(
                text(t(f"calendar.weekday.{i}"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                expand=True,
                alignment=ft.Alignment.CENTER,
            )
            for i in range(7)
        ],
        spacing=0,
    )
    limit = None if mode == "week" else (0 if compact else MONTH_CHIPS)
    weeks = [
        ft.Row(
            [_day_cell(env, d, can_edit, on_move, limit=limit, compact=compact) for d in days[i : i + 7]],
            spacing=0,
            expand=True,
            vertical_alignment=ft.CrossAxisAlignment.STRETCH,
        )
        for i in range(0, len(days), 7)
    ]
    grid = ft.Column(weeks, spacing=0, expand=not compact, height=len(weeks) * 44 if compact else None)
    return ft.Column([names, grid], spacing=4, expand=not compact)


def _agenda(env: AppEnv, days: list[Day], can_edit: bool) -> ft.Control:
    rows: list[ft.Control] = []
    today = next((d.day for d in days if d.today and d.in_month), None)  # this month: from today on
    for day in days:
        if not day.in_month or not day.tasks or (today is not None and day.day < today):
            continue
        rows.append(
            text(
                t(
                    "calendar.agenda_day",
                    month=day.day.month,
                    day=day.day.day,
                    weekday=t(f"calendar.weekday.{day.day.weekday()}"),
                ),
                size=12,
                weight=ft.FontWeight.W_600,
            )
        )
        rows += [_task_chip(env, dict(r), can_edit, dense=False) for r in day.tasks]
    if not rows:
        rows.append(text(t("calendar.agenda_empty"), color=ft.Colors.ON_SURFACE_VARIANT))
    return ft.ListView(rows, spacing=4, expand=True)


@ft.component
def Calendar() -> ft.Control:
    env = use_env()
    store = env.core.store
    project_id = env.nav.project_id or ""
    project = use_store(lambda: store.project(project_id) if project_id else None, ("project",), [project_id])
    role = use_store(lambda: store.role(project_id) if project_id else None, ("member",), [project_id])
    saved = view_prefs.load(env.core.data_dir, project_id, "calendar")
    chosen, set_mode_state = ft.use_state(saved.get("mode") if saved.get("mode") in MODES else "month")
    mode = "month" if env.phone else chosen  # a phone: the compact month and its agenda
    anchor, set_anchor = ft.use_state(lambda: datetime.now().date())
    calendar = project_calendar(project)
    model = CalendarModel(store, project_id, calendar, BoardFilters())
    days = use_store(lambda: model.days(anchor, mode), ("task",), [project_id, anchor, mode, calendar])
    unknown = model.unknown_years(anchor, mode)
    if project is None:
        return ft.Container(text(t("board.no_project")), alignment=ft.Alignment.CENTER, expand=True)
    can_edit = role in ("owner", "admin", "member") and not project.get("archived")
    phone = env.phone

    def set_mode(new: str) -> None:
        view_prefs.save(env.core.data_dir, project_id, "calendar", {"mode": new})
        set_mode_state(new)

    def on_move(task_id: str | None, day: date) -> None:
        if task_id:
            model.move(task_id, day)

    switch = ft.SegmentedButton(
        segments=[ft.Segment(value=m, label=t(f"calendar.mode.{m}")) for m in MODES],
        selected=[mode],
        on_change=lambda e: set_mode(e.control.selected[0] if e.control.selected else "month"),
        show_selected_icon=False,
    )
    head = ft.Row(
        [
            ft.IconButton(
                ft.Icons.CHEVRON_LEFT,
                tooltip=t("calendar.previous"),
                on_click=lambda _: set_anchor(shift(anchor, mode, -1)),
            ),
            text(_title(anchor, mode, days), size=16 if phone else 20, weight=ft.FontWeight.W_600),
            ft.IconButton(
                ft.Icons.CHEVRON_RIGHT,
                tooltip=t("calendar.next"),
                on_click=lambda _: set_anchor(shift(anchor, mode, 1)),
            ),
            ft.TextButton(t("calendar.today"), on_click=lambda _: set_anchor(datetime.now().date())),
            ft.Container(expand=True),
            *([] if phone else [text(project["name"], size=13, color=ft.Colors.ON_SURFACE_VARIANT), switch]),
            SettingsButton(),
        ],
        spacing=4,
    )
    parts: list[ft.Control] = [head]
    if unknown:
        parts.append(
            ft.Container(
                text(t("calendar.unknown_year", years=", ".join(str(y) for y in unknown)), size=12),
                bgcolor=ft.Colors.TERTIARY_CONTAINER,
                padding=6,
                border_radius=4,
            )
        )
    if phone:
        parts += [_grid(env, days, can_edit, on_move, "month", True), _agenda(env, days, can_edit)]
    else:
        parts.append(_grid(env, days, can_edit, on_move, mode, False))
    return ft.Container(ft.Column(parts, spacing=8, expand=True), padding=8 if phone else 16, expand=True)
