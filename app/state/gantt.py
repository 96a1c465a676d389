"""The Gantt chart's layout, as plain data: which rows a window of the chart shows and where.

`Chart.of(tasks, links, ...)` reads a project once: each task becomes an `Item` (a bar from start to
due, a point for a due date alone, a diamond for a milestone, or a line of the "unscheduled" lane),
ordered by date under a lane header, with the critical path of its `blocks` links
(`app.state.gantt_plan`). `Chart.layout(zoom, window, x_range)` then places only the rows of the
row window (`app.state.board.Window`, as the board windows its columns) and the day shading and
ticks of the horizontal range, so a 10,000-task chart draws what a 10-task one does. Positions
are pixels: x from the chart's first day, y from its first row.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Literal, NamedTuple

from app.state.board import Window
from app.state.gantt_plan import Link, critical_path
from sync.workdays import Calendar, count_working_days, is_working_day

Zoom = Literal["day", "week", "month"]
ZOOMS: tuple[Zoom, ...] = ("day", "week", "month")
DAY_PX: dict[str, float] = {"day": 36.0, "week": 14.0, "month": 4.0}  # pixels per day at each zoom
ROW_HEIGHT = 34  # pixels per row (a lane header is a row too): the window's spacers come from it
ROW_MARGIN = 6  # rows rendered above and below the visible ones
X_MARGIN = 400.0  # pixels of shading and ticks drawn left and right of the visible range
LEAD_DAYS = 7  # days shown before the first date (and after the last, twice that)
MAX_SPAN_DAYS = 3 * 366  # the widest chart: dates further out are drawn at its edge
MAX_TASKS = 1_000_000  # a project's tasks the chart reads (all of them: windowing bounds what is drawn)

Kind = Literal["bar", "point", "milestone", "unscheduled"]
Part = Literal["start", "end", "body", "link"]
EDGE_PX = 7.0  # the grip of a bar's end, inside the bar
HANDLE_PX = 16.0  # the link dot after a bar's end
LANES = ("scheduled", "unscheduled")


class Item(NamedTuple):
    """One task as the chart draws it: `start` and `end` are local dates, `end` inclusive. A named
    tuple: a 10,000-task chart makes one per task on each read, and a tuple is made several times
    faster than a frozen dataclass (which sets each field through `object.__setattr__`)."""

    id: str
    key: str | None
    title: str
    kind: Kind
    start: date | None
    end: date | None
    done: bool
    pending: bool


def item_of(task: Mapping[str, Any], categories: Mapping[str, str], zone: tzinfo) -> Item:
    """A store task row as an `Item` (`make_item`'s rules)."""
    done = categories.get(task.get("status_id") or "") == "done"
    return make_item(
        task["id"], task.get("key"), task["title"], task.get("type"), task.get("start_at"), task.get("due_at"),
        done, bool(task.get("pending")), zone,
    )  # fmt: skip


def make_item(
    task_id: str,
    key: str | None,
    title: str,
    task_type: str | None,
    start_at: str | None,
    due_at: str | None,
    done: bool,
    pending: bool,
    zone: tzinfo,
) -> Item:
    """A task as an `Item`: a milestone is a diamond on its due date (or start), a task with both
    dates a bar, with one date a point, with none a line of the unscheduled lane."""
    start, due = _local_day(start_at, zone), _local_day(due_at, zone)
    if task_type == "milestone" and (due or start):
        kind: Kind = "milestone"
        start = end = due or start
    elif start and due:
        kind, end = "bar", max(start, due)
    elif start or due:
        kind = "point"
        start = end = due or start
    else:
        kind, end = "unscheduled", None
    return Item(task_id, key, title, kind, start, end, done, pending)


def _local_day(value: str | None, zone: tzinfo) -> date | None:
    """The local date of a stored time. Stored times are UTC in one spelling
    (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, `sync.ids.format_time`), and a zone's offset changes on a whole
    minute, so the date is worked out once per minute named (`_day_of_minute`): tasks' dates repeat
    their times of day (a picked date is stored at one local hour), and a 10,000-task chart parses
    far fewer than its 20,000 dates."""
    if not value:
        return None
    if len(value) > 16 and value[-1] == "Z":
        return _day_of_minute(value[:16], zone)
    return datetime.fromisoformat(value).astimezone(zone).date()


@functools.lru_cache(maxsize=65536)
def _day_of_minute(minute: str, zone: tzinfo) -> date:
    """The local date of a UTC minute (`YYYY-MM-DDTHH:MM`)."""
    return datetime.fromisoformat(minute).replace(tzinfo=UTC).astimezone(zone).date()


@dataclass(frozen=True, slots=True)
class RowView:
    """One row of the window: a lane header (`item` None) or a task, with its x extent."""

    index: int
    y: float
    lane: str
    item: Item | None = None
    x0: float = 0.0
    x1: float = 0.0
    critical: bool = False


@dataclass(frozen=True, slots=True)
class Arrow:
    """A `blocks` link from the end of one bar to the start of another, as a polyline."""

    from_id: str
    to_id: str
    points: tuple[tuple[float, float], ...]
    critical: bool
    head: bool = True  # False when the target's row is outside the window (the line stops at its edge)


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    day: date
    major: bool  # the first of a month (day and week zooms) or of a year (month zoom)


@dataclass(frozen=True)
class Layout:
    window: Window
    rows: list[RowView]
    shading: list[tuple[float, float]]  # (x, width) of non-working days
    ticks: list[Tick]
    arrows: list[Arrow]
    today_x: float | None
    width: float
    height: float
    day_px: float

    def hit(self, x: float, y: float) -> tuple[Item, Part] | None:
        """What a press at (x, y) takes: a task's bar and which part of it (its ends resize it, the
        dot after its end links it, the rest moves it)."""
        for row in self.rows:
            if row.item is None or row.item.kind == "unscheduled" or not row.y <= y < row.y + ROW_HEIGHT:
                continue
            x0, x1 = row.x0, row.x1
            if row.item.kind != "bar":  # a point or a diamond: a little wider to hit
                x0, x1 = x0 - 6, x1 + 6
            if x1 <= x < x1 + HANDLE_PX:
                return row.item, "link"
            if x0 <= x < x1:
                if row.item.kind == "bar" and x1 - x0 >= 3 * EDGE_PX:
                    if x < x0 + EDGE_PX:
                        return row.item, "start"
                    if x >= x1 - EDGE_PX:
                        return row.item, "end"
                return row.item, "body"
        return None


@dataclass
class Chart:
    """A project's chart, read once; `layout` places a window of it."""

    origin: date
    days: int
    today: date
    calendar: Calendar
    order: list[Item | str]  # lane names (headers) and items, top to bottom
    index: dict[str, int]  # task id -> row
    links: list[Link]
    critical: set[str] = field(default_factory=set)
    critical_links: set[tuple[str, str]] = field(default_factory=set)
    links_at: dict[int, list[int]] = field(default_factory=dict)  # row -> the links (indexes) with an end there

    def __post_init__(self) -> None:
        index, links_at = self.index, self.links_at
        for n, link in enumerate(self.links):
            a, b = index[link.from_id], index[link.to_id]
            links_at.setdefault(a, []).append(n)
            if b != a:
                links_at.setdefault(b, []).append(n)

    @staticmethod
    def of(items: Iterable[Item], links: Iterable[Link], today: date, calendar: Calendar = "cn") -> Chart:
        dated: list[Item] = []
        undated: list[Item] = []
        for it in items:
            (undated if it.kind == "unscheduled" else dated).append(it)
        dated.sort(key=lambda it: (it.start, it.end, it.key or "~", it.id))
        undated.sort(key=lambda it: (it.key is None, len(it.key or ""), it.key or "", it.id))
        order: list[Item | str] = ["scheduled", *dated] if dated else []
        if undated:
            order += ["unscheduled", *undated]
        index = {it.id: i for i, it in enumerate(order) if isinstance(it, Item)}
        first = min((it.start for it in dated if it.start), default=today)
        last = max((it.end for it in dated if it.end), default=today)
        first = max(min(first, today), today - timedelta(days=MAX_SPAN_DAYS // 3))
        last = min(max(last, today), first + timedelta(days=MAX_SPAN_DAYS))
        origin = first - timedelta(days=LEAD_DAYS)
        origin -= timedelta(days=origin.weekday())  # weeks start on Monday
        days = (last - origin).days + 2 * LEAD_DAYS + 1
        kept = [lk for lk in links if lk.from_id in index and lk.to_id in index and lk.kind == "blocks"]
        linked = {lk.from_id for lk in kept} | {lk.to_id for lk in kept}
        path, path_links = critical_path(durations((it for it in dated if it.id in linked), calendar), kept)
        return Chart(origin, days, today, calendar, order, index, kept, path, path_links)

    @property
    def last_day(self) -> date:
        return self.origin + timedelta(days=self.days - 1)

    @property
    def total(self) -> int:
        return len(self.order)

    def x_of(self, day: date, day_px: float) -> float:
        offset = min(max((day - self.origin).days, 0), self.days)
        return offset * day_px

    def day_at(self, x: float, day_px: float) -> date:
        return self.origin + timedelta(days=int(x // day_px))

    def row_at(self, y: float) -> Item | None:
        i = int(y // ROW_HEIGHT)
        entry = self.order[i] if 0 <= i < len(self.order) else None
        return entry if isinstance(entry, Item) else None

    def first_row_from(self, day: date) -> int:
        """The first task row whose date reaches `day` (its end on or after it), 0 when none: the chart
        opens there, so its first rows on screen are not the oldest tasks, whose bars and titles lie
        off the left edge of a chart scrolled to today. Rows go by start, so the scan stops early."""
        for i, entry in enumerate(self.order):
            if isinstance(entry, Item) and entry.end is not None and entry.end >= day:
                return i
        return 0

    def extent(self, it: Item, day_px: float) -> tuple[float, float]:
        if it.start is None or it.end is None:
            return 0.0, 0.0
        return self.x_of(it.start, day_px), self.x_of(it.end + timedelta(days=1), day_px)

    def window_at(self, pixels: float, viewport: float) -> Window:
        return Window.at(pixels, viewport, self.total, margin=ROW_MARGIN, height=ROW_HEIGHT)

    def layout(self, zoom: str, window: Window | None = None, x_range: tuple[float, float] | None = None) -> Layout:
        day_px = DAY_PX.get(zoom, DAY_PX["day"])
        if window is None:
            window = self.window_at(0, 0)
        elif window.total != self.total:  # a task came or went: the same rows, as far as they go
            start = min(window.start, max(0, self.total - 1))
            window = Window(start, max(start, min(self.total, window.end)), self.total, ROW_HEIGHT)
        width = self.days * day_px
        left, right = x_range if x_range is not None else (0.0, 1600.0)
        left, right = max(0.0, left - X_MARGIN), min(width, right + X_MARGIN)
        rows: list[RowView] = []
        lane = LANES[0]
        for i in range(window.start, window.end):
            entry = self.order[i]
            if isinstance(entry, str):
                lane = entry
                rows.append(RowView(i, i * ROW_HEIGHT, entry))
                continue
            lane = LANES[1] if entry.kind == "unscheduled" else LANES[0]
            x0, x1 = self.extent(entry, day_px)
            rows.append(RowView(i, i * ROW_HEIGHT, lane, entry, x0, x1, entry.id in self.critical))
        return Layout(
            window,
            rows,
            self._shading(day_px, left, right),
            self._ticks(zoom, day_px, left, right),
            self._arrows(day_px, window),
            self.x_of(self.today, day_px) + day_px / 2 if self.origin <= self.today else None,
            width,
            self.total * ROW_HEIGHT,
            day_px,
        )

    def _days_between(self, day_px: float, left: float, right: float) -> Iterable[date]:
        first, last = int(left // day_px), min(self.days, int(right // day_px) + 1)
        return (self.origin + timedelta(days=d) for d in range(max(0, first), last))

    def _shading(self, day_px: float, left: float, right: float) -> list[tuple[float, float]]:
        spans: list[tuple[float, float]] = []
        for day in self._days_between(day_px, left, right):
            if is_working_day(day, self.calendar):
                continue
            x = self.x_of(day, day_px)
            if spans and abs(spans[-1][0] + spans[-1][1] - x) < 0.01:
                spans[-1] = (spans[-1][0], spans[-1][1] + day_px)
            else:
                spans.append((x, day_px))
        return spans

    def _ticks(self, zoom: str, day_px: float, left: float, right: float) -> list[Tick]:
        ticks = []
        for day in self._days_between(day_px, left, right):
            if zoom == "month":
                if day.day == 1:
                    ticks.append(Tick(self.x_of(day, day_px), day, day.month == 1))
            elif zoom == "week":
                if day.weekday() == 0:
                    ticks.append(Tick(self.x_of(day, day_px), day, day.day <= 7))
            else:
                ticks.append(Tick(self.x_of(day, day_px), day, day.day == 1))
        return ticks

    def _arrows(self, day_px: float, window: Window) -> list[Arrow]:
        """Arrows of the links with an end in the window. When the other end is off it, the line runs
        to the window's edge only (`clipped`), without a head when the target is the end cut off."""
        arrows = []
        seen: set[int] = set()
        for row in range(window.start, window.end):
            for n in self.links_at.get(row, ()):
                if n not in seen:
                    seen.add(n)
        for n in sorted(seen):
            link = self.links[n]
            a, b = self.index[link.from_id], self.index[link.to_id]
            source, target = self.order[a], self.order[b]
            assert isinstance(source, Item) and isinstance(target, Item)
            if source.kind == "unscheduled" or target.kind == "unscheduled":
                continue
            x_from, x_to = self.extent(source, day_px)[1], self.extent(target, day_px)[0]
            points = route(x_from, a, x_to, b)
            inside = (window.start <= a < window.end, window.start <= b < window.end)
            if not all(inside):  # one end off the window: only the part over the window's rows is drawn
                points = clipped(points, window.start * ROW_HEIGHT, window.end * ROW_HEIGHT, keep_start=inside[0])
            critical = (link.from_id, link.to_id) in self.critical_links
            arrows.append(Arrow(link.from_id, link.to_id, points, critical, inside[1]))
        return arrows


def clipped(
    points: tuple[tuple[float, float], ...], top: float, bottom: float, *, keep_start: bool
) -> tuple[tuple[float, float], ...]:
    """The part of an axis-aligned polyline from its start (or, with `keep_start` False, up to its
    end) that stays between `top` and `bottom`: it stops where it first leaves that band. Off-window
    rows are never on screen (the window has a margin), so this draws the same, with fewer points."""
    walk = points if keep_start else points[::-1]
    out = [walk[0]]
    for (_, y0), (x1, y1) in itertools.pairwise(walk):
        if top <= y1 <= bottom:
            out.append((x1, y1))
            continue
        edge = top if y1 < top else bottom
        if y0 != y1:  # a vertical segment leaving the band: cut it at the edge
            out.append((x1, edge))
        break
    return tuple(out if keep_start else out[::-1])


def route(x_from: float, row_from: int, x_to: float, row_to: int, step: float = 8.0) -> tuple[tuple[float, float], ...]:
    """An arrow's polyline: out of the source's end, down (or up) to the target's row, into its
    start; when the target starts before the source ends, round by the gap between the rows."""
    y_from, y_to = (row_from + 0.5) * ROW_HEIGHT, (row_to + 0.5) * ROW_HEIGHT
    out = x_from + step
    if x_to - step >= out:
        return ((x_from, y_from), (out, y_from), (out, y_to), (x_to, y_to))
    gap = (row_from + 1 if row_to > row_from else row_from) * ROW_HEIGHT
    back = x_to - step
    return ((x_from, y_from), (out, y_from), (out, gap), (back, gap), (back, y_to), (x_to, y_to))


def durations(items: Iterable[Item], calendar: Calendar) -> dict[str, int]:
    """Each dated task's length in working days (a bar's; a point or a milestone takes none). The
    working days are counted once over the bars' span (a running count per day), not per bar."""
    dated = [it for it in items if it.kind != "unscheduled"]
    bars = [it for it in dated if it.kind == "bar" and it.start is not None and it.end is not None]
    out = dict.fromkeys((it.id for it in dated), 0)
    if not bars:
        return out
    first = min(it.start for it in bars if it.start is not None)
    span = (max(it.end for it in bars if it.end is not None) - first).days + 2
    if span > MAX_SPAN_DAYS * 4:  # dates far apart (year 2 and year 9000): count each bar alone
        for it in bars:
            assert it.start is not None and it.end is not None
            out[it.id] = count_working_days(it.start, it.end + timedelta(days=1), calendar)
        return out
    running = [0]  # running[d]: working days in [first, first + d)
    for d in range(span):
        running.append(running[-1] + is_working_day(first + timedelta(days=d), calendar))
    for it in bars:
        assert it.start is not None and it.end is not None
        out[it.id] = running[(it.end - first).days + 1] - running[(it.start - first).days]
    return out
