"""The Gantt chart's drawing: a window of `app.state.gantt.Layout` as `flet.canvas` shapes.

Measured before choosing (Python build plus the msgpack encoding of the first update, 400 bars
with their titles): canvas shapes 68 ms and 66 kB, positioned Containers in a Stack 82 ms and
71 kB; a canvas also draws arrows, diamonds and shading without a control each. Hits and drags are
worked out in Python from the layout (`Layout.hit`), not by controls per bar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import flet as ft
import flet.canvas as cv

from app.state.gantt import ROW_HEIGHT, Item, Layout, RowView
from app.ui.base import FONT

BAR_PAD = 7  # pixels between a bar and its row's edges
HEADER_HEIGHT = 40
FILL = ft.PaintingStyle.FILL
STROKE = ft.PaintingStyle.STROKE
TEXT = ft.TextStyle(font_family=FONT, size=12, color=ft.Colors.ON_SURFACE)
STRONG = ft.TextStyle(font_family=FONT, size=12, weight=ft.FontWeight.W_600, color=ft.Colors.ON_SURFACE)


@dataclass(frozen=True)
class Ghost:
    """What a drag in progress shows: a bar moved or resized by `days`, or a link being drawn."""

    item: Item
    part: str
    days: int = 0
    to: tuple[float, float] | None = None  # the pointer, while linking


def _paint(color: str, style: ft.PaintingStyle = FILL, width: float = 1.0) -> ft.Paint:
    return ft.Paint(color=color, style=style, stroke_width=width)


def _bar_colour(row: RowView) -> str:
    item = row.item
    assert item is not None
    if item.done:
        return ft.Colors.OUTLINE
    if row.critical:
        return ft.Colors.ERROR
    return ft.Colors.PRIMARY


def _label(item: Item) -> str:
    return f"{item.key} {item.title}" if item.key else item.title


Fills = dict[tuple[str, ft.PaintingStyle], list[cv.Path.PathElement]]


def _task_shapes(
    row: RowView, top: float, unplaced_x: float, ghost: Ghost | None, day_px: float, fills: Fills
) -> cv.Shape:
    """A task's title as a text shape; its bar, point or diamond go into `fills` (one path per
    colour for the whole window, so a row costs two shapes: its title and its labelled box)."""
    item = row.item
    assert item is not None
    y = row.y - top
    mid = y + ROW_HEIGHT / 2
    x0, x1 = row.x0, row.x1
    if ghost is not None and ghost.item.id == item.id and ghost.days:
        shift = ghost.days * day_px
        if ghost.part in ("body", "start"):
            x0 = min(x0 + shift, x1 - day_px) if ghost.part == "start" else x0 + shift
        if ghost.part in ("body", "end"):
            x1 = max(x1 + shift, x0 + day_px) if ghost.part == "end" else x1 + shift
    colour = _bar_colour(row)
    if item.kind == "unscheduled":
        fills.setdefault((ft.Colors.OUTLINE, STROKE), []).append(cv.Path.Oval(unplaced_x - 4, mid - 4, 8, 8))
        return cv.Text(unplaced_x + 10, mid - 8, _label(item), style=TEXT)
    if item.kind == "bar":
        bar = cv.Path.Rect(x0, y + BAR_PAD, max(2.0, x1 - x0), ROW_HEIGHT - 2 * BAR_PAD, border_radius=4)
        fills.setdefault((colour, FILL), []).append(bar)
        fills.setdefault((ft.Colors.OUTLINE_VARIANT, FILL), []).append(cv.Path.Oval(x1 + 5, mid - 3, 6, 6))  # link dot
        return cv.Text(x1 + 16, mid - 8, _label(item), style=TEXT)
    if item.kind == "milestone":
        c, r = (x0 + x1) / 2, ROW_HEIGHT / 2 - BAR_PAD + 2
        diamond = [cv.Path.MoveTo(c, mid - r), cv.Path.LineTo(c + r, mid), cv.Path.LineTo(c, mid + r)]
        fills.setdefault((ft.Colors.ERROR if row.critical else ft.Colors.TERTIARY, FILL), []).extend(
            [*diamond, cv.Path.LineTo(c - r, mid), cv.Path.Close()]
        )
        return cv.Text(c + r + 6, mid - 8, _label(item), style=STRONG)
    fills.setdefault((colour, FILL), []).append(cv.Path.Oval((x0 + x1) / 2 - 6, mid - 6, 12, 12))
    return cv.Text(x1 + 6, mid - 8, _label(item), style=TEXT)


def _arrows(layout: Layout, top: float, critical: bool) -> list[cv.Shape]:
    """The window's arrows of one kind as two paths (lines, heads): two shapes however many links."""
    lines: list[cv.Path.PathElement] = []
    heads: list[cv.Path.PathElement] = []
    for arrow in layout.arrows:
        if arrow.critical != critical:
            continue
        (x, y), *rest = [(px, py - top) for px, py in arrow.points]
        if not rest:
            continue
        lines.append(cv.Path.MoveTo(x, y))
        lines += [cv.Path.LineTo(px, py) for px, py in rest]
        if not arrow.head:
            continue
        tip_x, tip_y = rest[-1]
        heads += [cv.Path.MoveTo(tip_x, tip_y), cv.Path.LineTo(tip_x - 6, tip_y - 4)]
        heads += [cv.Path.LineTo(tip_x - 6, tip_y + 4), cv.Path.Close()]
    if not lines:
        return []
    colour = ft.Colors.ERROR if critical else ft.Colors.ON_SURFACE_VARIANT
    return [
        cv.Path(lines, paint=_paint(colour, STROKE, 2.0 if critical else 1.2)),
        cv.Path(heads, paint=_paint(colour)),
    ]


def chart_shapes(layout: Layout, lanes: dict[str, str], ghost: Ghost | None = None) -> list[cv.Shape]:
    """The window's rows as shapes, y from the window's first row (the canvas sits between spacers);
    lane headers (named by `lanes`) and undated tasks are written beside the today line."""
    top = layout.window.top_pad
    height = (layout.window.end - layout.window.start) * ROW_HEIGHT
    shapes: list[cv.Shape] = [
        cv.Rect(x, 0, w, height, paint=_paint(ft.Colors.SURFACE_CONTAINER_HIGHEST)) for x, w in layout.shading
    ]
    shapes += [
        cv.Line(t.x, 0, t.x, height, paint=_paint(ft.Colors.OUTLINE_VARIANT, STROKE, 1.0 if t.major else 0.4))
        for t in layout.ticks
    ]
    unplaced_x = (layout.today_x or 0) + 12
    fills: Fills = {}
    texts: list[cv.Shape] = []
    for row in layout.rows:
        if row.item is None:
            strong = ft.TextStyle(
                font_family=FONT, size=12, weight=ft.FontWeight.W_600, color=ft.Colors.ON_SURFACE_VARIANT
            )
            shapes.append(cv.Text(unplaced_x - 4, row.y - top + 10, lanes.get(row.lane, row.lane), style=strong))
            shapes.append(
                cv.Line(
                    0,
                    row.y - top + ROW_HEIGHT - 1,
                    layout.width,
                    row.y - top + ROW_HEIGHT - 1,
                    paint=_paint(ft.Colors.OUTLINE_VARIANT),
                )
            )
            continue
        texts.append(_task_shapes(row, top, unplaced_x, ghost, layout.day_px, fills))
    shapes += [cv.Path(elements, paint=_paint(colour, style, 1.5)) for (colour, style), elements in fills.items()]
    shapes += texts
    shapes += _arrows(layout, top, critical=False) + _arrows(layout, top, critical=True)
    if layout.today_x is not None:
        shapes.append(cv.Line(layout.today_x, 0, layout.today_x, height, paint=_paint(ft.Colors.ERROR, STROKE, 2)))
    if ghost is not None and ghost.part == "link" and ghost.to is not None:
        row = next((r for r in layout.rows if r.item is not None and r.item.id == ghost.item.id), None)
        if row is not None:
            start = (row.x1 + 8, row.y - top + ROW_HEIGHT / 2)
            shapes.append(cv.Line(*start, ghost.to[0], ghost.to[1] - top, paint=_paint(ft.Colors.PRIMARY, STROKE, 2)))
    return shapes


def header_shapes(layout: Layout, zoom: str, month: Callable[[date], str]) -> list[cv.Shape]:
    """The time scale above the chart: a label per tick (a month's name from `month`), the major
    ticks taller."""
    style = ft.TextStyle(font_family=FONT, size=11, color=ft.Colors.ON_SURFACE_VARIANT)
    strong = ft.TextStyle(font_family=FONT, size=12, weight=ft.FontWeight.W_600, color=ft.Colors.ON_SURFACE)
    shapes: list[cv.Shape] = []
    for tick in layout.ticks:
        shapes.append(
            cv.Line(tick.x, 20 if not tick.major else 0, tick.x, HEADER_HEIGHT, paint=_paint(ft.Colors.OUTLINE_VARIANT))
        )
        if zoom == "day":
            shapes.append(cv.Text(tick.x + 4, 22, str(tick.day.day), style=style))
            if tick.major or tick is layout.ticks[0]:
                shapes.append(cv.Text(tick.x + 4, 2, month(tick.day), style=strong))
        elif zoom == "week":
            shapes.append(cv.Text(tick.x + 4, 22, f"{tick.day.month}/{tick.day.day}", style=style))
            if tick.major or tick is layout.ticks[0]:
                shapes.append(cv.Text(tick.x + 4, 2, month(tick.day), style=strong))
        else:
            shapes.append(cv.Text(tick.x + 4, 22, month(tick.day), style=style))
            if tick.major or tick is layout.ticks[0]:
                shapes.append(cv.Text(tick.x + 4, 2, str(tick.day.year), style=strong))
    if layout.today_x is not None:
        shapes.append(
            cv.Line(layout.today_x, 0, layout.today_x, HEADER_HEIGHT, paint=_paint(ft.Colors.ERROR, STROKE, 2))
        )
    return shapes
