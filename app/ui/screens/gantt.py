"""The Gantt chart of the open project (desktop), or its vertical timeline on a phone
(`timeline_phone`).

The chart is one `flet.canvas` of the rows in view plus a margin, between two spacers (rows are
windowed as the board's columns are: `app.state.gantt`), under a time scale, in a horizontal
scroll. A drag on the canvas is read in Python against the layout: a bar's body moves the task,
its ends resize it, and the dot after its end draws a `blocks` link to the bar it is dropped on.
The zoom is remembered per project in the client's storage (the browser's, on the web).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import flet as ft
import flet.canvas as cv

from app.i18n import t
from app.state.calendar import project_calendar
from app.state.fmt import local_zone
from app.state.gantt import ROW_HEIGHT, ROW_MARGIN, ZOOMS, Chart, Item, Layout
from app.state.gantt_plan import days_of, moved, resized
from app.state.gantt_read import read_chart
from app.state.project_settings import can_edit_tasks
from app.ui.base import AppEnv, text, use_env, use_store
from app.ui.gantt_draw import HEADER_HEIGHT, Ghost, chart_shapes, header_shapes
from app.ui.project_parts import SettingsButton
from app.ui.screens.timeline_phone import Timeline
from sync.errors import DependencyCycle, SyncError
from sync.workdays import unknown_years

ZOOM_KEY = "keel.gantt.zoom."  # + project id: the zoom a project was last shown at, in client storage
ENTITIES = ("task", "status", "task_link")
TODAY_LEFT = 240.0  # pixels left of the today line when the chart opens
CHART_TOP = 200.0  # pixels of a desktop page above the chart's rows: app bar, title, notes, time scale


def month_name(day: date) -> str:
    return t(f"gantt.month.{day.month}", year=day.year)


def rows_height(page_height: float) -> float:
    """The height the rows get on a page of `page_height`, before the first scroll tells it: the first
    window covers these rows and its margin, not a page's height of rows (a fifth of them below the
    fold, beyond the margin)."""
    return max(float(ROW_HEIGHT), page_height - CHART_TOP)


def lane_names() -> dict[str, str]:
    return {"scheduled": t("gantt.lane.scheduled"), "unscheduled": t("gantt.lane.unscheduled")}


def chart_controls(
    layout: Layout, zoom: str, ghost: Ghost | None = None, detector: Callable[[ft.Control], ft.Control] | None = None
) -> tuple[ft.Control, ft.Control]:
    """The time scale and the chart's body (spacers and the window's canvas) for a layout; the
    canvas is handed to `detector` to take gestures. The bench builds these without a session."""
    window = layout.window
    height = (window.end - window.start) * ROW_HEIGHT
    canvas: ft.Control = cv.Canvas(chart_shapes(layout, lane_names(), ghost), width=layout.width, height=height)
    canvas = ft.Stack([canvas, *_marks(layout)], width=layout.width, height=height)
    if detector is not None:
        canvas = detector(canvas)
    items: list[ft.Control] = []
    if window.top_pad:
        items.append(ft.Container(height=window.top_pad))
    items.append(canvas)
    if window.bottom_pad:
        items.append(ft.Container(height=window.bottom_pad))
    scale = cv.Canvas(header_shapes(layout, zoom, month_name), width=layout.width, height=HEADER_HEIGHT)
    return scale, ft.Column(items, spacing=0, width=layout.width)


def _marks(layout: Layout) -> list[ft.Control]:
    """A screen reader's (and a browser test's) view of the canvas: one labelled, empty box over
    each task's bar, point or diamond in the window, which lets the canvas's gestures through. A
    `Semantics` cannot be placed in a `Stack` itself, and one without content gives the page no
    node (tried in Chromium), so each box is three controls: two `TransparentPointer`s, the cheapest
    to encode, around it."""
    marks: list[ft.Control] = []
    top = layout.window.top_pad
    for row in layout.rows:
        item = row.item
        if item is None or item.kind == "unscheduled":
            continue
        label = f"{item.key or ''} {item.title}".strip()
        if item.start is not None and item.end is not None:
            label += f" {item.start.isoformat()}" + (f" – {item.end.isoformat()}" if item.end != item.start else "")
        left = row.x0 if item.kind == "bar" else row.x0 - 6
        marks.append(  # an empty labelled box: a transparent text would merge into the canvas's node
            ft.TransparentPointer(  # not Containers: a quarter fewer bytes (docs/benchmarks.md, "Gantt")
                ft.Semantics(label=label, container=True, content=ft.TransparentPointer()),
                left=left,
                top=row.y - top,
                width=max(12.0, row.x1 - left if item.kind == "bar" else row.x1 - row.x0 + 12),
                height=ROW_HEIGHT,
            )
        )
    return marks


@dataclass
class Press:
    """A drag under way: the task, the part pressed, and where the press began."""

    item: Item
    part: str
    x: float
    y: float


class Dragger:
    """The canvas's gestures, one object for the chart's life; each render hands it the layout."""

    def __init__(self) -> None:
        self.press: Press | None = None
        self.layout: Layout | None = None
        self.chart: Chart | None = None
        self.env: AppEnv | None = None
        self.can_edit = False
        self.set_ghost: Callable[[Ghost | None], None] = lambda _: None
        self.ghost: Ghost | None = None
        self.down_at: tuple[float, float] | None = None

    def _y(self, y: float) -> float:
        return y + (self.layout.window.top_pad if self.layout else 0)

    def down(self, e: ft.DragDownEvent[Any]) -> None:
        """Where the pointer went down. A pan starts once the pointer has moved past the gesture's slop
        (a finger's: 36 px), and a quick first move reached the bar's end from its link dot."""
        self.down_at = (e.local_position.x, e.local_position.y)

    def start(self, e: ft.DragStartEvent[Any]) -> None:
        down_at, self.down_at = self.down_at, None
        if self.layout is None or not self.can_edit:
            return
        x, y = down_at or (e.local_position.x, e.local_position.y)
        y = self._y(y)
        hit = self.layout.hit(x, y)
        self.press = Press(hit[0], hit[1], x, y) if hit else None

    def _ghost(self, e: ft.DragUpdateEvent[Any] | ft.DragEndEvent[Any]) -> Ghost | None:
        """What the drag amounts to with the pointer where `e` has it."""
        if self.press is None or self.layout is None or e.local_position is None:
            return None
        x, y = e.local_position.x, self._y(e.local_position.y)
        if self.press.part == "link":
            return Ghost(self.press.item, "link", to=(x, y))
        return Ghost(self.press.item, self.press.part, days_of(x - self.press.x, self.layout.day_px))

    def update(self, e: ft.DragUpdateEvent[Any]) -> None:
        ghost = self._ghost(e)
        if ghost is None:
            return
        if ghost != self.ghost and (ghost.part == "link" or ghost.days != (self.ghost.days if self.ghost else 0)):
            self.ghost = ghost
            self.set_ghost(ghost)
        elif ghost.part == "link":
            self.ghost = ghost

    def drop(self, e: ft.DragEndEvent[Any]) -> tuple[Press, Ghost | None] | None:
        """Ends the drag: what was pressed, and what the drag amounts to where the pointer was let go
        (not at the last update: `drag_interval` drops updates, the last ones of a quick drag too)."""
        press, ghost = self.press, self._ghost(e) or self.ghost
        self.press, self.ghost = None, None
        self.set_ghost(None)
        return (press, ghost) if press is not None else None

    def end(self, e: ft.DragEndEvent[Any]) -> None:
        dropped = self.drop(e)
        if dropped is None or self.env is None or self.layout is None or self.chart is None:
            return
        press, ghost = dropped
        store = self.env.core.store
        if press.part == "link":
            if ghost is not None and ghost.to is not None:
                self.link(press.item, self.chart.row_at(ghost.to[1]))
            return
        task = store.task(press.item.id)
        if task is None or ghost is None:
            return
        fields = moved(task, ghost.days) if press.part == "body" else resized(task, press.part, ghost.days)  # type: ignore[arg-type]
        if fields:
            store.update_task(task["id"], **fields)
            self.env.toast(t("gantt.moved", title=task["title"]))

    def link(self, source: Item, target: Item | None) -> None:
        assert self.env is not None and self.chart is not None
        if target is None or target.id == source.id:
            return
        names = {"source": source.key or source.title, "target": target.key or target.title}
        store = self.env.core.store
        try:
            store.put_link(source.id, target.id, "blocks")  # refuses a loop (the store's offline pre-check)
        except DependencyCycle:
            self.env.toast(t("gantt.cycle", **names))
            return
        except SyncError:
            self.env.toast(t("gantt.link_failed"))
            return
        self.env.toast(t("gantt.linked", **names))

    def tap(self, e: ft.TapEvent[Any]) -> None:
        if self.layout is None or self.env is None or e.local_position is None:
            return
        item = self.chart.row_at(self._y(e.local_position.y)) if self.chart else None
        if item is not None:
            self.env.nav.open_task(item.id)


def use_zoom(env: AppEnv, project_id: str) -> tuple[str, Callable[[str], None]]:
    """The project's zoom, as last chosen on this device (week until then)."""
    zoom, set_zoom = ft.use_state("week")
    storage = ft.use_ref(lambda: ft.SharedPreferences()).current

    async def load() -> None:
        with contextlib.suppress(Exception):  # an old browser, a closed tab: the default stays
            saved = await storage.get(ZOOM_KEY + project_id)
            if saved in ZOOMS:
                set_zoom(str(saved))

    async def save(value: str) -> None:
        with contextlib.suppress(Exception):
            await storage.set(ZOOM_KEY + project_id, value)

    ft.use_effect(lambda: env.page.run_task(load) and None, [project_id])

    def choose(value: str) -> None:
        set_zoom(value)
        env.page.run_task(save, value)

    return zoom, choose


@ft.component
def Gantt() -> ft.Control:
    env = use_env()
    store = env.core.store
    project_id = env.nav.project_id
    project = use_store(lambda: store.project(project_id) if project_id else None, ("project",), [project_id])
    role = use_store(lambda: store.role(project_id) if project_id else None, ("member",), [project_id])
    if project is None or project_id is None:
        return ft.Container(text(t("board.no_project")), alignment=ft.Alignment.CENTER, expand=True)
    today = datetime.now(local_zone()).date()
    calendar = project_calendar(project)
    chart = use_store(
        lambda: read_chart(store, project_id, today, local_zone(), calendar), ENTITIES, [project_id, today, calendar]
    )
    if env.phone:
        return Timeline(project, chart)
    return GanttChart(project, chart, can_edit_tasks(project, role))


@ft.component
def GanttChart(project: dict[str, Any], chart: Chart, can_edit: bool) -> ft.Control:
    env = use_env()
    zoom, set_zoom = use_zoom(env, project["id"])
    window, set_window = ft.use_state(lambda: chart.window_at(0, rows_height(float(env.page.height or 900))))
    x_range, set_x_range = ft.use_state((0.0, 1600.0))
    ghost, set_ghost = ft.use_state(None)
    dragger: Dragger = ft.use_ref(Dragger).current
    layout = chart.layout(zoom, window, x_range)
    dragger.layout, dragger.chart, dragger.env, dragger.can_edit, dragger.set_ghost = (
        layout,
        chart,
        env,
        can_edit,
        set_ghost,
    )
    row_ref: ft.Ref[ft.Row] = ft.use_ref(ft.Ref).current

    async def to_today() -> None:
        if layout.today_x is not None and row_ref.current is not None:
            with contextlib.suppress(RuntimeError):
                await row_ref.current.scroll_to(offset=max(0.0, layout.today_x - TODAY_LEFT), duration=0)

    ft.use_effect(lambda: env.page.run_task(to_today) and None, [zoom])
    column_ref: ft.Ref[ft.Column] = ft.use_ref(ft.Ref).current

    async def to_current_rows() -> None:
        """On opening, down to the rows of the days on screen (one row above them for context)."""
        if layout.today_x is None or column_ref.current is None:
            return
        row = chart.first_row_from(chart.day_at(max(0.0, layout.today_x - TODAY_LEFT), layout.day_px))
        if row > 1:
            with contextlib.suppress(RuntimeError):
                await column_ref.current.scroll_to(offset=(row - 1) * ROW_HEIGHT, duration=0)

    ft.use_effect(lambda: env.page.run_task(to_current_rows) and None, [project["id"]])

    def on_v_scroll(e: ft.OnScrollEvent) -> None:
        needed = chart.window_at(e.pixels, e.viewport_dimension)
        if not layout.window.covers(needed):
            set_window(needed.grown(ROW_MARGIN))

    def on_h_scroll(e: ft.OnScrollEvent) -> None:
        left, right = e.pixels, e.pixels + e.viewport_dimension
        if left < x_range[0] - 200 or right > x_range[1] + 200:
            set_x_range((left, right))

    def detector(canvas: ft.Control) -> ft.Control:
        return ft.GestureDetector(
            content=canvas,
            on_pan_down=dragger.down,
            on_pan_start=dragger.start,
            on_pan_update=dragger.update,
            on_pan_end=dragger.end,
            on_tap_up=dragger.tap,
            drag_interval=40,
            mouse_cursor=ft.MouseCursor.CLICK,
        )

    scale, body = chart_controls(layout, zoom, ghost, detector)
    chart_area = ft.Row(
        [
            ft.Column(
                [
                    scale,
                    ft.Column(
                        [body],
                        ref=column_ref,
                        scroll=ft.ScrollMode.AUTO,
                        on_scroll=on_v_scroll,
                        scroll_interval=60,
                        expand=True,
                    ),
                ],
                spacing=0,
                width=layout.width,
            )
        ],
        ref=row_ref,
        scroll=ft.ScrollMode.AUTO,
        on_scroll=on_h_scroll,
        scroll_interval=80,
        vertical_alignment=ft.CrossAxisAlignment.STRETCH,
        expand=True,
    )
    head = ft.Row(
        [
            text(project["key"], size=13, color=ft.Colors.ON_SURFACE_VARIANT),
            text(
                t("gantt.title", project=project["name"]), size=20, weight=ft.FontWeight.W_600, max_lines=1, expand=True
            ),
            _legend(),
            ft.SegmentedButton(
                segments=[ft.Segment(value=z, label=t(f"gantt.zoom.{z}")) for z in ZOOMS],
                selected=[zoom],
                on_change=lambda e: set_zoom(e.control.selected[0] if e.control.selected else "week"),
                show_selected_icon=False,
            ),
            SettingsButton(),
        ],
        spacing=12,
    )
    notes = [text(t("gantt.hint") if can_edit else t("gantt.read_only"), size=12, color=ft.Colors.ON_SURFACE_VARIANT)]
    years = unknown_years(chart.calendar, chart.origin, chart.last_day)
    if years:
        notes.append(text(t("gantt.unknown_years", years="、".join(map(str, years))), size=12, color=ft.Colors.ERROR))
    frame = ft.Container(chart_area, expand=True, border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT), border_radius=8)
    return ft.Container(
        ft.Column([head, ft.Row(notes, spacing=16), frame], spacing=8, expand=True), padding=16, expand=True
    )


def _legend() -> ft.Control:
    def mark(color: Any, label: str) -> ft.Control:
        return ft.Row(
            [ft.Container(width=14, height=8, bgcolor=color, border_radius=2), text(label, size=12)],
            spacing=4,
            tight=True,
        )

    return ft.Row(
        [
            mark(ft.Colors.PRIMARY, t("gantt.legend.task")),
            mark(ft.Colors.ERROR, t("gantt.legend.critical")),
            mark(ft.Colors.SURFACE_CONTAINER_HIGHEST, t("gantt.legend.off")),
        ],
        spacing=10,
        tight=True,
    )
