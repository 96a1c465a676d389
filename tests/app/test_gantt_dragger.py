"""The Gantt canvas's drag (app/ui/screens/gantt.py, `Dragger`) fed the gesture events Flet hands it.
What a drag takes is read where the pointer went down, and what it amounts to where it was let go:
the pan's start comes after the slop (a link drag toward a bar below and left took the bar's end),
and `drag_interval` drops updates, a quick drag's last ones too (a browser drag of three days, ten
moves 5 ms apart, moved the task two)."""

from __future__ import annotations

from datetime import date
from typing import Any

import flet as ft

from app.state.gantt import DAY_PX, ROW_HEIGHT, Chart
from app.ui.screens.gantt import Dragger
from tests.app.test_gantt_state import TODAY, items, task

CANVAS = ft.Container()


def _dragger() -> tuple[Dragger, float, float]:
    """A chart of two bars, and the middle of the first bar (its row is the first after the lane's)."""
    rows = items(task("1", date(2026, 9, 28), date(2026, 10, 9)), task("2", date(2026, 10, 12), date(2026, 10, 16)))
    chart = Chart.of(rows, [], TODAY)
    dragger = Dragger()
    dragger.chart, dragger.layout, dragger.can_edit = chart, chart.layout("week"), True
    bar = dragger.layout.rows[1]
    return dragger, (bar.x0 + bar.x1) / 2, bar.y + 10


def _at(event: type, x: float, y: float, **more: object) -> Any:
    return event(name="pan", control=CANVAS, local_position=ft.Offset(x, y), global_position=ft.Offset(x, y), **more)


def test_a_dropped_bar_moves_by_where_the_pointer_was_let_go_not_by_the_last_update() -> None:
    dragger, x, y = _dragger()
    dragger.start(_at(ft.DragStartEvent, x, y, kind=ft.PointerDeviceType.MOUSE))
    dragger.update(_at(ft.DragUpdateEvent, x + DAY_PX["week"], y))  # one day; later updates were throttled
    dropped = dragger.drop(_at(ft.DragEndEvent, x + DAY_PX["week"] * 3, y, velocity=ft.Offset(0, 0)))
    assert dropped is not None
    press, ghost = dropped
    assert (press.item.id, press.part) == ("1", "body")
    assert ghost is not None and ghost.days == 3
    assert dragger.press is None and dragger.ghost is None


def test_a_link_goes_to_the_row_the_pointer_was_let_go_on() -> None:
    dragger, x, y = _dragger()
    assert dragger.layout is not None
    bar = dragger.layout.rows[1]
    dragger.start(_at(ft.DragStartEvent, bar.x1 + 5, y, kind=ft.PointerDeviceType.MOUSE))
    dragger.update(_at(ft.DragUpdateEvent, bar.x1 + 20, y + 5))  # still on its own row
    dropped = dragger.drop(_at(ft.DragEndEvent, x, y + ROW_HEIGHT, velocity=ft.Offset(0, 0)))  # the next row's bar
    assert dropped is not None and dropped[1] is not None and dropped[1].to is not None
    assert dragger.chart is not None and dragger.chart.row_at(dropped[1].to[1]).id == "2"  # type: ignore[union-attr]


def test_a_press_is_where_the_pointer_went_down_not_where_the_pan_was_recognised() -> None:
    """Flutter reports a pan's start once the pointer has moved past the slop: a drag from the link
    dot toward a bar below and to the left started on the bar's end, and resized it."""
    dragger, _, y = _dragger()
    assert dragger.layout is not None
    bar = dragger.layout.rows[1]
    dragger.down(_at(ft.DragDownEvent, bar.x1 + 8, y))
    dragger.start(_at(ft.DragStartEvent, bar.x1 - 1, y + 3, kind=ft.PointerDeviceType.MOUSE))
    assert dragger.press is not None and (dragger.press.item.id, dragger.press.part) == ("1", "link")
