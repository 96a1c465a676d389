"""The desk dashboard's charts (flet-charts): the monthly resolution rate and satisfaction, tickets per
day, and the rates of each category or agent side by side."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import flet as ft
import flet_charts as fch

from app.i18n import t
from app.state.desk_dashboard import rate
from sync.desk_metrics import DeskFigures, DeskReport

RESOLUTION, SLA, SATISFACTION = ft.Colors.BLUE_600, ft.Colors.TEAL_500, ft.Colors.AMBER_700
_GRID = fch.ChartGridLines(interval=25, color=ft.Colors.OUTLINE_VARIANT, width=1)


def _percent_axis() -> fch.ChartAxis:
    return fch.ChartAxis(
        labels=[fch.ChartAxisLabel(value=v, label=ft.Text(f"{v}%", size=10)) for v in (0, 25, 50, 75, 100)],
        label_spacing=25,
        label_size=40,
    )


def _labels(names: Sequence[str], size: int = 10) -> fch.ChartAxis:
    return fch.ChartAxis(
        labels=[fch.ChartAxisLabel(value=i, label=ft.Text(n, size=size, no_wrap=True)) for i, n in enumerate(names)],
        label_size=24,
    )


def legend(items: Sequence[tuple[str, Any]]) -> ft.Control:
    return ft.Row(
        [
            ft.Row(
                [ft.Container(width=10, height=10, border_radius=2, bgcolor=c), ft.Text(n, size=12)],
                spacing=4,
                tight=True,
            )
            for n, c in items
        ],
        spacing=12,
        wrap=True,
    )


def monthly_chart(report: DeskReport) -> ft.Control:
    """The monthly resolution rate (the story of the desk) and satisfaction, in percent. A month still
    going on (the period ends before its last day) is joined by a dashed line: its fresh tickets are
    still being worked on."""
    going_on = (report.end + timedelta(days=1)).day != 1

    def series(pick: str, color: Any) -> list[fch.LineChartData]:
        points = []
        for i, m in enumerate(report.monthly):
            value = getattr(m.figures, pick)
            if value is not None:
                points.append(fch.LineChartDataPoint(i, round(value * 100, 1), tooltip=rate(value)))
        last = len(report.monthly) - 1
        done = [p for p in points if not (going_on and p.x == last)]
        lines = [fch.LineChartData(points=done, color=color, stroke_width=3, point=True)]
        if going_on and points and points[-1].x == last:
            tail = points[-2:] if len(points) > 1 else points
            lines.append(fch.LineChartData(points=tail, color=color, stroke_width=2, dash_pattern=[6, 4], point=True))
        return lines

    months = [t(f"desk_dashboard.month.{m.month.month}") for m in report.monthly]
    chart = fch.LineChart(
        data_series=[*series("resolution_rate", RESOLUTION), *series("satisfaction", SATISFACTION)],
        min_y=0,
        max_y=100,
        min_x=-0.3,
        max_x=len(months) - 0.7,
        left_axis=_percent_axis(),
        bottom_axis=_labels(months),
        horizontal_grid_lines=_GRID,
        expand=True,
    )
    items = [(t("desk_dashboard.resolution"), RESOLUTION), (t("desk_dashboard.satisfaction"), SATISFACTION)]
    notes: list[ft.Control] = [legend(items)]
    if going_on:
        notes.append(ft.Text(t("desk_dashboard.month_going_on"), size=11, color=ft.Colors.ON_SURFACE_VARIANT))
    return ft.Column([ft.Row(notes, wrap=True, spacing=16), ft.Container(chart, height=220)], spacing=8)


def daily_chart(report: DeskReport) -> ft.Control:
    days = report.per_day
    top = max([n for _, n in days] + [1])
    step = max(1, len(days) // 6)
    every = max(1, -(-top // 4))  # about four whole-number lines
    chart = fch.BarChart(
        groups=[
            fch.BarChartGroup(
                x=i, rods=[fch.BarChartRod(to_y=n, width=max(2, 240 // max(len(days), 1)), color=RESOLUTION)]
            )
            for i, (_, n) in enumerate(days)
        ],
        max_y=every * 4 if top > 4 else 4,
        left_axis=fch.ChartAxis(
            labels=[fch.ChartAxisLabel(value=v, label=ft.Text(str(v), size=10)) for v in range(0, 5 * every, every)],
            label_spacing=every,
            label_size=32,
        ),
        bottom_axis=fch.ChartAxis(
            labels=[
                fch.ChartAxisLabel(value=i, label=ft.Text(f"{d.month}/{d.day}", size=10))
                for i, (d, _) in enumerate(days)
                if i % step == 0
            ],
            label_size=24,
        ),
        horizontal_grid_lines=fch.ChartGridLines(interval=every, color=ft.Colors.OUTLINE_VARIANT, width=1),
        expand=True,
    )
    return ft.Container(chart, height=200)


def rates_chart(groups: Sequence[tuple[str, DeskFigures]]) -> ft.Control:
    """Each group's resolution rate, SLA attainment and satisfaction, side by side (none: no bar)."""

    def rod(value: float | None, color: Any) -> fch.BarChartRod:
        return fch.BarChartRod(to_y=round((value or 0) * 100, 1), width=8, color=color, tooltip=rate(value))

    chart = fch.BarChart(
        groups=[
            fch.BarChartGroup(
                x=i,
                rods=[
                    rod(f.resolution_rate, RESOLUTION),
                    rod(f.sla_attainment, SLA),
                    rod(f.satisfaction, SATISFACTION),
                ],
                spacing=2,
            )
            for i, (_, f) in enumerate(groups)
        ],
        max_y=100,
        left_axis=_percent_axis(),
        bottom_axis=_labels([name for name, _ in groups]),
        horizontal_grid_lines=_GRID,
        expand=True,
    )
    items = [(t("desk_dashboard.resolution"), RESOLUTION), (t("desk_dashboard.sla"), SLA)]
    return ft.Column(
        [legend([*items, (t("desk_dashboard.satisfaction"), SATISFACTION)]), ft.Container(chart, height=200)],
        spacing=8,
    )
