"""The project dashboard: completion and on-time rates, weekly throughput, cycle time, overdue work,
open work per person, and the risk flags, each flag opening the tasks behind it.

Every figure is `sync.planning.dashboard` read from this device's cache (docs/metrics.md), so two
devices with the same rows show the same numbers and `keel report project` prints them too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import flet as ft

from app.i18n import t
from app.state.calendar import project_calendar
from app.state.dashboard import days, estimate, flag_view, percent, throughput_bars, window_label
from app.ui.base import text, use_env, use_store
from app.ui.charts import bar_chart
from app.ui.figures import TaskLinks, section, tile
from sync.planning import Dashboard, dashboard
from sync.workdays import Calendar, knows_year

PLANNING_ROWS = ("task", "task_event", "status", "iteration", "task_link", "user", "project")  # project: its calendar
ZONE = "Asia/Shanghai"  # projects carry no zone yet: the server's default (docs/metrics.md)


def subject_name(store: Any, kind: str, subject_id: str | None) -> str:
    """The milestone's title or the iteration's name a flag is about."""
    if subject_id is None:
        return ""
    if kind == "milestone_late":
        task = store.task(subject_id)
        return str(task["title"]) if task else ""
    found = store.iteration(subject_id)
    return str(found["name"]) if found else ""


def calendar_note(today: Any, calendar: Calendar = "cn") -> ft.Control | None:
    """The working-day calendar does not know this year yet: say the figures count weekends only."""
    if knows_year(calendar, today.year):
        return None
    return text(t("figures.calendar_unknown", year=today.year), size=12, color=ft.Colors.ERROR)


def _people(store: Any, board: Dashboard) -> ft.Control:
    rows: list[ft.Control] = []
    top = max([1, *(p.open_count for p in board.open_by_person)])
    for load in board.open_by_person:
        person = store.user(load.assignee_id) if load.assignee_id else None
        name = person["display_name"] if person else t("filter.unassigned")
        rows.append(
            ft.Row(
                [
                    text(name, width=96, max_lines=1),
                    ft.Container(
                        bgcolor=ft.Colors.PRIMARY, height=10, width=8 + 160 * load.open_count / top, border_radius=3
                    ),
                    text(t("dashboard.open_load", n=load.open_count, estimate=estimate(load.open_estimate)), size=12),
                ],
                spacing=8,
            )
        )
    return ft.Column(rows or [text(t("dashboard.no_open"), size=12)], spacing=6)


@ft.component
def ProjectDashboard() -> ft.Control:
    env = use_env()
    store = env.core.store
    project_id = env.nav.project_id
    shown, set_shown = ft.use_state(None)  # (title, task ids) of the flag opened
    project = use_store(lambda: store.project(project_id) if project_id else None, ("project",), [project_id])
    board = use_store(
        lambda: dashboard(store.conn, project_id, zone=ZONE) if project_id else None, PLANNING_ROWS, [project_id]
    )
    if project is None or board is None:
        return ft.Container(text(t("board.no_project")), alignment=ft.Alignment.CENTER, expand=True)
    today = datetime.now(ZoneInfo(ZONE)).date()
    tiles = [
        tile(
            t("dashboard.completion"),
            percent(board.completion_rate),
            t("dashboard.completion_basis", done=board.done, total=board.total),
        ),
        tile(
            t("dashboard.on_time"),
            percent(board.on_time_rate),
            t("dashboard.on_time_basis", on_time=board.on_time, due=board.completed_with_due),
        ),
        tile(t("dashboard.completed"), str(board.completed), window_label(board, today)),
        tile(t("dashboard.cycle_p50"), days(board.cycle_p50_days), t("dashboard.cycle_basis", n=board.cycle_samples)),
        tile(t("dashboard.cycle_p85"), days(board.cycle_p85_days), t("dashboard.cycle_basis", n=board.cycle_samples)),
        tile(t("dashboard.overdue"), str(board.overdue), t("dashboard.overdue_basis")),
    ]
    width = env.page.width or 1440
    if env.phone:
        tiles = [ft.Container(c, width=(width - 40) / 2) for c in tiles]
    bars = throughput_bars(board)
    chart = ft.Column(
        [
            bar_chart([b.label for b in bars], [[b.value] for b in bars], [ft.Colors.PRIMARY]),
            text(" · ".join(b.tip for b in bars[-3:]), size=11, color=ft.Colors.ON_SURFACE_VARIANT),
        ],
        spacing=4,
    )
    flags: list[ft.Control] = []
    for flag in board.flags:
        view = flag_view(flag, subject_name(store, flag.kind, flag.subject_id))
        flags.append(
            ft.Container(
                ft.Row(
                    [
                        ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.ERROR, size=18),
                        text(view.text, expand=True),
                        ft.Icon(ft.Icons.CHEVRON_RIGHT, size=18),
                    ],
                    spacing=8,
                ),
                padding=10,
                border_radius=8,
                bgcolor=ft.Colors.ERROR_CONTAINER
                if shown and shown[0] == view.text
                else ft.Colors.SURFACE_CONTAINER_LOW,
                on_click=lambda _, v=view: set_shown((v.text, v.task_ids + v.blocker_ids)),
                ink=True,
            )
        )
    if not flags:
        flags.append(text(t("dashboard.no_flags"), size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    if shown:
        flags.append(TaskLinks(shown[0], shown[1], lambda: set_shown(None)))
    note = calendar_note(today, project_calendar(project))
    head: list[ft.Control] = [
        ft.Row(
            [
                text(project["key"], size=13, color=ft.Colors.ON_SURFACE_VARIANT),
                text(
                    t("dashboard.title", name=project["name"]),
                    size=20,
                    weight=ft.FontWeight.W_600,
                    max_lines=1,
                    expand=True,
                ),
            ],
            spacing=10,
        )
    ]
    if note is not None:
        head.append(note)
    left = [
        ft.Row(tiles, wrap=True, spacing=8, run_spacing=8),
        section(t("dashboard.throughput"), chart),
    ]
    right = [section(t("dashboard.risks"), *flags), section(t("dashboard.open_work"), _people(store, board))]
    if env.phone:
        body: ft.Control = ft.Column([*head, *left, *right], spacing=16)
    else:
        body = ft.Column(
            [
                *head,
                ft.Row(
                    [ft.Column(left, spacing=16, expand=3), ft.Column(right, spacing=16, expand=2)],
                    spacing=24,
                    vertical_alignment=ft.CrossAxisAlignment.START,
                ),
            ],
            spacing=16,
        )
    return ft.Container(ft.Column([body], scroll=ft.ScrollMode.AUTO, expand=True), padding=16, expand=True)
