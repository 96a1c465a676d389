"""The desk dashboard of a service desk (issue 13): a period's figures (tickets, resolution rate,
first response p50/p90, SLA attainment, satisfaction and its response rate, reopen rate), the monthly
resolution rate, tickets per day, each figure by category and by agent, and 高频问题 with "create a
requirement from this cluster". Figures: `app.state.desk_dashboard` over `sync.desk_metrics`, the
same code as `keel report desk` (docs/metrics.md, "Service desk figures"); charts: `desk_charts`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import flet as ft

from app.i18n import t
from app.state import desk_dashboard as state
from app.ui.base import AppEnv, chip, screen, text, use_env, use_store
from app.ui.screens.desk_charts import daily_chart, monthly_chart, rates_chart
from sync.desk_metrics import DeskFigures, Problem

MUTED = ft.Colors.ON_SURFACE_VARIANT
_ROWS = ("ticket", "task", "status", "sla_policy")


def card(title: str, body: ft.Control, *, col: dict[str, int] | None = None, trailing: Any = None) -> ft.Control:
    head: list[ft.Control] = [text(title, size=15, weight=ft.FontWeight.W_600, expand=True)]
    if trailing is not None:
        head.append(trailing)
    return ft.Container(
        ft.Column([ft.Row(head), body], spacing=10),
        padding=14,
        border_radius=10,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        col=col or {"xs": 12},
    )


def tile_view(tile: state.Tile) -> ft.Control:
    return ft.Container(
        ft.Column(
            [
                text(t(tile.key), size=12, color=MUTED, max_lines=1),
                text(tile.value, size=24, weight=ft.FontWeight.W_600),
                text(tile.detail, size=11, color=MUTED, max_lines=1),
            ],
            spacing=2,
        ),
        padding=12,
        border_radius=10,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        col={"xs": 6, "md": 4, "lg": 2},
    )


def table(first: str, groups: Sequence[tuple[str, DeskFigures]]) -> ft.Control:
    heads = [first, *(t(f"desk_dashboard.col.{c}") for c in state.TABLE_COLUMNS)]
    return ft.Row(
        [
            ft.DataTable(
                columns=[ft.DataColumn(ft.Text(h, size=12), numeric=i > 0) for i, h in enumerate(heads)],
                rows=[
                    ft.DataRow([ft.DataCell(ft.Text(c, size=12)) for c in [name, *state.row_cells(f)]])
                    for name, f in groups
                ],
                column_spacing=16,
                heading_row_height=36,
                data_row_min_height=32,
                data_row_max_height=36,
            )
        ],
        scroll=ft.ScrollMode.AUTO,
    )


def segmented(values: Sequence[int], selected: int, label: str, on_pick: Any) -> ft.Control:
    return ft.SegmentedButton(
        segments=[ft.Segment(value=str(v), label=ft.Text(t(label, n=v))) for v in values],
        selected=[str(selected)],
        on_change=lambda e: on_pick(int(e.control.selected[0])) if e.control.selected else None,
        show_selected_icon=False,
    )


def problem_view(env: AppEnv, problem: Problem, half_window: int, on_create: Any) -> ft.Control:
    trend = problem.trend
    arrow = ft.Icons.TRENDING_UP if trend > 0 else ft.Icons.TRENDING_DOWN if trend < 0 else ft.Icons.TRENDING_FLAT
    examples = [
        ft.TextButton(
            f"{e.key or ''} {e.title}".strip(),
            on_click=lambda _, e=e: env.nav.open_task(e.task_id, env.nav.project_id),
            style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=4)),
        )
        for e in problem.examples
    ]
    return ft.Container(
        ft.Column(
            [
                ft.Row(
                    [
                        text(t("desk_dashboard.cluster_size", n=problem.size), size=14, weight=ft.FontWeight.W_600),
                        ft.Icon(arrow, size=18, color=ft.Colors.RED_400 if trend > 0 else MUTED),
                        text(
                            t("desk_dashboard.trend", recent=problem.recent, earlier=problem.earlier, half=half_window),
                            size=12,
                            color=MUTED,
                        ),
                    ],
                    spacing=6,
                    wrap=True,
                ),
                ft.Row([chip(k, tone="label") for k in problem.keywords], spacing=4, wrap=True),
                ft.Column(examples, spacing=0),
                ft.Row(
                    [
                        ft.OutlinedButton(
                            t("desk_dashboard.create_requirement"),
                            icon=ft.Icons.ADD_TASK,
                            on_click=lambda _: on_create(problem),
                        )
                    ],
                    alignment=ft.MainAxisAlignment.END,
                ),
            ],
            spacing=6,
        ),
        padding=12,
        border_radius=10,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        col={"xs": 12, "lg": 6},
    )


def ask_project(env: AppEnv, problem: Problem, desk: dict[str, Any]) -> None:
    """The "create a requirement" dialog: which product project, then the store's task creation."""
    store = env.core.store
    projects = state.product_projects(store)
    picked = ft.Dropdown(
        label=t("desk_dashboard.pick_project"),
        options=[ft.DropdownOption(key=p["id"], text=f"{p['key']} {p['name']}") for p in projects],
        value=projects[0]["id"] if projects else None,
        width=320,
    )

    def create(_: Any) -> None:
        if not picked.value:
            return
        state.create_requirement(store, problem, desk, picked.value)
        env.page.pop_dialog()
        env.toast(t("desk_dashboard.requirement_created"))

    body = picked if projects else ft.Text(t("desk_dashboard.no_product_project"))
    env.page.show_dialog(
        ft.AlertDialog(
            title=ft.Text(t("desk_dashboard.create_requirement")),
            content=ft.Column([text(" / ".join(problem.keywords[:3]), color=MUTED), body], tight=True, spacing=12),
            actions=[
                ft.TextButton(t("desk_dashboard.cancel"), on_click=lambda _: env.page.pop_dialog()),
                ft.FilledButton(t("desk_dashboard.create"), on_click=create, disabled=not projects),
            ],
        )
    )


@ft.component
def DeskDashboard() -> ft.Control:
    env = use_env()
    store = env.core.store
    project_id = env.nav.project_id
    days, set_days = ft.use_state(30)
    window, set_window = ft.use_state(30)
    desk = use_store(lambda: store.project(project_id) if project_id else None, ("project",), [project_id])
    is_desk = bool(desk and desk.get("kind") == "service_desk")
    report = use_store(
        lambda: state.report(store, project_id, days) if is_desk else None, _ROWS, [project_id, days, is_desk]
    )
    # 高频问题 off the event loop, again after each change of the desk's tickets.
    changed = use_store(object, ("ticket", "task"), [project_id])
    found, set_found = ft.use_state(None)

    def cluster() -> None:
        if not is_desk or project_id is None:
            return
        path, wanted = state.cache_file(store), (project_id, window)

        async def work() -> None:
            problems = await asyncio.to_thread(state.frequent_problems, path, project_id, window)
            set_found((wanted, problems))

        env.page.run_task(work)

    ft.use_effect(cluster, [changed, window, is_desk])
    problems = found[1] if found is not None and found[0] == (project_id, window) else None
    if not is_desk or report is None or desk is None:
        return screen([text(t("desk_dashboard.not_a_desk"), color=MUTED)])
    categories = [(t(f"desk_dashboard.category.{g.key}"), g.figures) for g in report.by_category]
    agents = [(state.agent_name(store, g.key), g.figures) for g in report.by_agent]
    title = text(t("desk_dashboard.title", desk=desk["name"]), size=20, weight=ft.FontWeight.W_600, expand=True)
    periods = segmented(state.PERIODS, days, "desk_dashboard.period", set_days)
    header = ft.Column([ft.Row([title]), periods], spacing=8) if env.phone else ft.Row([title, periods])
    period = text(
        t("desk_dashboard.period_span", a=report.start.isoformat(), b=report.end.isoformat()), size=12, color=MUTED
    )
    half = {"xs": 12, "lg": 6}
    clusters: list[ft.Control] = [
        problem_view(env, p, window // 2, lambda p: ask_project(env, p, desk)) for p in problems or []
    ]
    if problems is None:
        frequent_body: ft.Control = ft.Row(
            [ft.ProgressRing(width=16, height=16), text(t("desk_dashboard.clustering"), color=MUTED)]
        )
    elif clusters:
        frequent_body = ft.ResponsiveRow(clusters, spacing=10, run_spacing=10)
    else:
        frequent_body = text(t("desk_dashboard.no_clusters"), color=MUTED)
    return screen(
        [
            header,
            period,
            ft.ResponsiveRow([tile_view(x) for x in state.tiles(report.overall)], spacing=10, run_spacing=10),
            ft.ResponsiveRow(
                [
                    card(t("desk_dashboard.monthly"), monthly_chart(report), col=half),
                    card(t("desk_dashboard.per_day"), daily_chart(report), col=half),
                    card(
                        t("desk_dashboard.by_category"),
                        ft.Column([rates_chart(categories), table(t("desk_dashboard.col.category"), categories)]),
                        col=half,
                    ),
                    card(
                        t("desk_dashboard.by_agent"),
                        ft.Column([rates_chart(agents), table(t("desk_dashboard.col.agent"), agents)]),
                        col=half,
                    ),
                    card(
                        t("desk_dashboard.frequent"),
                        frequent_body,
                        trailing=segmented(state.CLUSTER_WINDOWS, window, "desk_dashboard.window", set_window),
                    ),
                ],
                spacing=12,
                run_spacing=12,
            ),
        ],
        spacing=12,
    )
