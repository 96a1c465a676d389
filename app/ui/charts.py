"""Charts drawn with flet-charts (pinned with flet): a line chart over days and a bar chart of
groups, in the theme's colours. A chart is a picture for the eye; every number it shows is also
written beside it as text, which a screen reader (and a test) reads instead."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import flet as ft
import flet_charts as fch

from app.ui.base import text

FIRST_ROOM = 0.4  # of a step between points, left of the first: its caption clear of the side's numbers


@dataclass(frozen=True)
class Line:
    label: str
    values: Sequence[float | None]  # None: no point (a day not begun)
    color: Any
    dashed: bool = False


def _axis_labels(captions: Sequence[str], every: int) -> list[fch.ChartAxisLabel]:
    return [
        fch.ChartAxisLabel(value=i, label=ft.Text(c, size=10, color=ft.Colors.ON_SURFACE_VARIANT))
        for i, c in enumerate(captions)
        if i % every == 0 or i == len(captions) - 1
    ]


def _step(top: float) -> int:
    """The spacing of the side's numbers: whole, about four of them up to `top`."""
    return max(1, math.ceil(top / 4))


def _ceiling(top: float) -> int:
    """The axis' top: the first multiple of the step above `top` (so the top label is a round one)."""
    step = _step(top)
    return step * (math.floor(top / step) + 1)


def _left_axis(top: float) -> fch.ChartAxis:
    return fch.ChartAxis(label_spacing=_step(top), label_size=32)


def _grid() -> fch.ChartGridLines:
    return fch.ChartGridLines(color=ft.Colors.with_opacity(0.15, ft.Colors.ON_SURFACE), width=1)


def line_chart(captions: Sequence[str], lines: Sequence[Line], top: float, *, height: float = 220) -> ft.Control:
    """Lines over the x positions 0..n-1, captioned under the axis (at most about 8 captions)."""
    every = max(1, (len(captions) + 7) // 8)
    data = [
        fch.LineChartData(
            points=[
                fch.LineChartDataPoint(i, v, tooltip=f"{line.label} {v:g}")
                for i, v in enumerate(line.values)
                if v is not None
            ],
            color=line.color,
            stroke_width=2,
            dash_pattern=[6, 4] if line.dashed else None,
            point=not line.dashed,
        )
        for line in lines
    ]
    return _padded(
        fch.LineChart(
            data_series=data,
            min_x=-FIRST_ROOM,  # room for the first caption, centred under the first point, beside the 0 of the side
            max_x=max(1, len(captions) - 1),
            min_y=0,
            max_y=_ceiling(top),
            left_axis=_left_axis(top),
            bottom_axis=fch.ChartAxis(labels=_axis_labels(captions, every), label_size=22),
            horizontal_grid_lines=_grid(),
            height=height,
        )
    )


def bar_chart(
    captions: Sequence[str], groups: Sequence[Sequence[float]], colors: Sequence[Any], *, height: float = 200
) -> ft.Control:
    """One group of bars per caption; `groups[i][j]` is bar j of group i, in `colors[j]`."""
    top = max([1.0, *(v for g in groups for v in g)])
    width = 14 if len(colors) > 1 else 20
    return _padded(
        fch.BarChart(
            groups=[
                fch.BarChartGroup(
                    x=i,
                    rods=[
                        fch.BarChartRod(to_y=v, color=colors[j], width=width, border_radius=3, tooltip=f"{v:g}")
                        for j, v in enumerate(group)
                    ],
                    spacing=4,
                )
                for i, group in enumerate(groups)
            ],
            max_y=_ceiling(top),
            left_axis=_left_axis(top),
            bottom_axis=fch.ChartAxis(labels=_axis_labels(captions, 1), label_size=22),
            horizontal_grid_lines=_grid(),
            height=height,
        )
    )


def _padded(chart: ft.Control) -> ft.Control:
    """Room on the right for the last caption, which the chart centres under its last point."""
    return ft.Container(chart, padding=ft.Padding.only(right=18, top=6))


def legend(items: Sequence[tuple[str, Any]]) -> ft.Control:
    return ft.Row(
        [
            ft.Row(
                [ft.Container(width=12, height=4, bgcolor=color, border_radius=2), text(label, size=12)],
                spacing=4,
                tight=True,
            )
            for label, color in items
        ],
        spacing=12,
        wrap=True,
    )
