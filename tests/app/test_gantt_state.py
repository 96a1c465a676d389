"""The Gantt chart's layout and plan rules as plain data: rows and lanes, x positions, shading on
China's calendar (2026's Mid-Autumn Friday, the National Day week and its 调休 Saturday), the today line, arrows, the
critical path, windowing, hits and drags."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.state.board import Window
from app.state.gantt import DAY_PX, ROW_HEIGHT, Chart, Item, clipped, item_of, route
from app.state.gantt_plan import Link, critical_path, days_of, moved, resized
from tests.app.moments import SHANGHAI

TODAY = date(2026, 9, 29)
CATS = {"s-todo": "todo", "s-done": "done"}


def at(day: date, hour: int = 18) -> str:
    """A time as the server writes it, for a wall-clock hour in Shanghai."""
    local = datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def task(tid: str, start: date | None = None, due: date | None = None, **kw: Any) -> dict[str, Any]:
    row = {"id": tid, "key": f"APP-{tid}", "title": f"task {tid}", "type": "task", "status_id": "s-todo"}
    row["start_at"] = at(start, 9) if start else None
    row["due_at"] = at(due) if due else None
    return {**row, **kw}


def items(*rows: dict[str, Any]) -> list[Item]:
    return [item_of(r, CATS, SHANGHAI) for r in rows]


def test_kinds_follow_the_dates_and_the_type() -> None:
    bar, point, late, diamond, loose, done = items(
        task("1", date(2026, 9, 28), date(2026, 10, 9)),
        task("2", due=date(2026, 10, 2)),
        task("3", start=date(2026, 10, 3)),
        task("4", date(2026, 9, 1), date(2026, 10, 12), type="milestone"),
        task("5"),
        task("6", date(2026, 9, 28), date(2026, 9, 28), status_id="s-done"),
    )
    assert (bar.kind, bar.start, bar.end) == ("bar", date(2026, 9, 28), date(2026, 10, 9))
    assert (point.kind, point.start, point.end) == ("point", date(2026, 10, 2), date(2026, 10, 2))
    assert (late.kind, late.start) == ("point", date(2026, 10, 3))
    assert (diamond.kind, diamond.start, diamond.end) == ("milestone", date(2026, 10, 12), date(2026, 10, 12))
    assert loose.kind == "unscheduled" and loose.start is None
    assert done.done and not bar.done


def test_rows_are_lanes_ordered_by_date_with_unscheduled_last() -> None:
    chart = Chart.of(
        items(
            task("late", date(2026, 10, 8), date(2026, 10, 9)),
            task("early", date(2026, 9, 28), date(2026, 9, 30)),
            task("none"),
            task("point", due=date(2026, 10, 1)),
        ),
        [],
        TODAY,
    )
    names = [e if isinstance(e, str) else e.id for e in chart.order]
    assert names == ["scheduled", "early", "point", "late", "unscheduled", "none"]
    layout = chart.layout("day")
    assert [r.lane for r in layout.rows] == ["scheduled"] * 4 + ["unscheduled"] * 2
    assert [r.y for r in layout.rows] == [i * ROW_HEIGHT for i in range(6)]


def test_x_positions_shading_and_today_on_chinas_calendar() -> None:
    chart = Chart.of(items(task("a", date(2026, 9, 28), date(2026, 10, 9))), [], TODAY)
    # the first date (28 Sep) less a week, back to its Monday: 21 Sep
    assert chart.origin == date(2026, 9, 21)
    layout = chart.layout("day", x_range=(0, 2000))
    px = DAY_PX["day"]
    bar = layout.rows[1]
    assert (bar.x0, bar.x1) == (7 * px, 19 * px)  # 28 Sep .. 9 Oct inclusive: 12 days
    assert layout.today_x == 8 * px + px / 2
    # 25 Sep 中秋 (a Friday) and its weekend; 1-7 Oct National Day (4 Oct a Sunday);
    # 10 Oct a working Saturday (调休); 11 Oct a Sunday
    day = {x: chart.origin + timedelta(days=round(x / px)) for x, _ in layout.shading}
    spans = [(day[x], round(w / px)) for x, w in layout.shading]
    assert (date(2026, 9, 25), 3) in spans
    assert (date(2026, 10, 1), 7) in spans
    assert (date(2026, 10, 11), 1) in spans
    assert not any(start <= date(2026, 10, 10) < start + timedelta(days=n) for start, n in spans)
    weekdays = Chart.of(items(task("a", date(2026, 9, 28), date(2026, 10, 9))), [], TODAY, "weekdays")
    plain = weekdays.layout("day", x_range=(0, 2000)).shading
    assert (10 * px, px) not in plain and (12 * px, 2 * px) in plain  # 1 Oct a Thursday; 3-4 Oct a weekend


def test_critical_path_adds_working_days_and_lags() -> None:
    # a (3 working days) -> b (2) with lag 2 = 7; a -> c (1) = 4; d alone (10) has no link
    durations = {"a": 3, "b": 2, "c": 1, "d": 10}
    links = [Link("a", "b", lag_days=2), Link("a", "c"), Link("x", "a")]
    assert critical_path(durations, links) == ({"a", "b"}, {("a", "b")})
    assert critical_path(durations, [Link("a", "c", kind="relates")]) == (set(), set())
    # a cycle (two offline edits) takes no part, and does not hang
    assert critical_path(durations, [Link("a", "b"), Link("b", "a"), Link("c", "d")]) == ({"c", "d"}, {("c", "d")})


def test_the_chart_highlights_its_critical_path_and_draws_arrows() -> None:
    rows = items(
        task("design", date(2026, 9, 28), date(2026, 9, 30)),  # 3 working days
        task("build", date(2026, 10, 8), date(2026, 10, 12)),  # 8, 9, 10 (调休), 12 Oct: 4
        task("docs", date(2026, 10, 8), date(2026, 10, 8)),  # 1
        task("release", due=date(2026, 10, 13), type="milestone"),
    )
    links = [Link("design", "build"), Link("design", "docs", lag_days=1), Link("build", "release")]
    chart = Chart.of(rows, links, TODAY)
    assert chart.critical == {"design", "build", "release"}
    layout = chart.layout("week")
    assert {r.item.id for r in layout.rows if r.item and r.critical} == {"design", "build", "release"}
    arrows = {(a.from_id, a.to_id): a for a in layout.arrows}
    assert set(arrows) == {("design", "build"), ("design", "docs"), ("build", "release")}
    design = next(r for r in layout.rows if r.item and r.item.id == "design")
    build = next(r for r in layout.rows if r.item and r.item.id == "build")
    first, last = arrows[("design", "build")].points[0], arrows[("design", "build")].points[-1]
    assert first == (design.x1, design.y + ROW_HEIGHT / 2) and last == (build.x0, build.y + ROW_HEIGHT / 2)
    assert arrows[("design", "build")].critical and not arrows[("design", "docs")].critical


def test_a_window_of_ten_thousand_rows_places_only_its_rows() -> None:
    start = date(2026, 1, 5)
    many = items(
        *(task(str(i), start + timedelta(days=i % 200), start + timedelta(days=i % 200 + 3)) for i in range(10_000))
    )
    chain = [Link(str(i), str(i + 1)) for i in range(0, 9_000, 1_000)]
    chart = Chart.of(many, chain, TODAY)
    assert chart.total == 10_001
    window = chart.window_at(pixels=5_000 * ROW_HEIGHT, viewport=700)
    layout = chart.layout("day", window, x_range=(0, 1400))
    assert len(layout.rows) < 50 and layout.rows[0].index == window.start >= 4_980
    assert layout.height == 10_001 * ROW_HEIGHT and window.top_pad == window.start * ROW_HEIGHT
    assert len(layout.shading) < 20 and len(layout.ticks) < 60  # only the visible days, plus a margin
    assert all(
        window.start <= chart.index[a.from_id] < window.end or window.start <= chart.index[a.to_id] < window.end
        for a in layout.arrows
    )
    # a task came or went since the window was taken: the same rows, as far as there are
    assert chart.layout("day", Window(9_990, 10_010, 10_005, ROW_HEIGHT)).window == Window(
        9_990, 10_001, 10_001, ROW_HEIGHT
    )


def test_hits_find_a_bars_parts() -> None:
    chart = Chart.of(
        items(task("a", date(2026, 9, 28), date(2026, 10, 9)), task("p", due=date(2026, 10, 2))), [], TODAY
    )
    layout = chart.layout("day")
    bar, point = layout.rows[1], layout.rows[2]
    y = bar.y + 10
    assert layout.hit(bar.x0 + 2, y) == (bar.item, "start")
    assert layout.hit(bar.x1 - 2, y) == (bar.item, "end")
    assert layout.hit((bar.x0 + bar.x1) / 2, y) == (bar.item, "body")
    assert layout.hit(bar.x1 + 5, y) == (bar.item, "link")
    assert layout.hit(bar.x0 - 30, y) is None
    assert layout.hit(point.x0, point.y + 5) == (point.item, "body")
    assert layout.hit(10, 5) is None  # a lane header


def test_drags_shift_and_resize_dates() -> None:
    row = task("a", date(2026, 9, 28), date(2026, 10, 9))
    assert days_of(3 * DAY_PX["day"] + 10, DAY_PX["day"]) == 3
    assert days_of(-0.4 * DAY_PX["week"], DAY_PX["week"]) == 0
    start, due = datetime(2026, 9, 28, 9, tzinfo=SHANGHAI), datetime(2026, 10, 9, 18, tzinfo=SHANGHAI)
    assert moved(row, 2) == {"start_at": start + timedelta(days=2), "due_at": due + timedelta(days=2)}
    assert moved(task("p", due=date(2026, 10, 2)), -1) == {"due_at": datetime(2026, 10, 1, 18, tzinfo=SHANGHAI)}
    assert moved(row, 0) == {}
    assert resized(row, "end", 3) == {"due_at": due + timedelta(days=3)}
    assert resized(row, "start", -2) == {"start_at": start - timedelta(days=2)}
    assert resized(row, "start", 30) == {"start_at": due}  # never past the due date
    assert resized(row, "end", -30) == {"due_at": start}


def test_the_phone_timeline_groups_by_week() -> None:
    from app.state.timeline import Undated, Week, first_current, timeline

    entries = timeline(
        items(
            task("b", date(2026, 9, 1), date(2026, 10, 9)),  # week of Mon 5 Oct
            task("m", due=date(2026, 10, 5), type="milestone"),
            task("a", due=date(2026, 9, 29)),  # week of Mon 28 Sep
            task("n"),
        ),
        TODAY,
    )
    names = [e.id if isinstance(e, Item) else e for e in entries]
    assert names == [Week(date(2026, 9, 28), True), "a", Week(date(2026, 10, 5), False), "m", "b", Undated(), "n"]
    assert first_current(entries, date(2026, 10, 1)) == 0
    assert first_current(entries, date(2026, 10, 6)) == 2


def test_an_arrow_to_a_row_off_the_window_stops_at_its_edge() -> None:
    start = date(2026, 10, 12)
    rows = items(
        *(task(f"{i:03d}", start + timedelta(days=i // 10), start + timedelta(days=i // 10)) for i in range(200))
    )
    chart = Chart.of(rows, [Link("000", "150"), Link("120", "190")], TODAY)
    a, b = chart.index["000"], chart.index["150"]
    whole = chart.layout("day", Window(0, 200, chart.total, ROW_HEIGHT)).arrows
    full = next(x for x in whole if x.from_id == "000")
    assert full.head and full.points == route(chart.extent(rows[0], 36)[1], a, chart.extent(rows[150], 36)[0], b)
    top = Window(0, 40, chart.total, ROW_HEIGHT)  # the source's rows only: out of its end, down to the edge
    (cut,) = chart.layout("day", top).arrows
    assert not cut.head and cut.points == (*full.points[:2], (full.points[1][0], 40 * ROW_HEIGHT))
    bottom = Window(140, 180, chart.total, ROW_HEIGHT)  # the target's rows only: in from the top edge
    (into,) = chart.layout("day", bottom).arrows
    assert into.head and into.points == ((full.points[2][0], 140 * ROW_HEIGHT), *full.points[2:])
    # A backward route (target starting before the source ends) is cut the same way.
    assert clipped(((0, 10), (8, 10), (8, 70), (-8, 70), (-8, 200), (0, 200)), 0, 100, keep_start=True) == (
        (0, 10),
        (8, 10),
        (8, 70),
        (-8, 70),
        (-8, 100),
    )


def test_the_chart_opens_at_the_first_row_reaching_the_days_on_screen() -> None:
    """The rows go by start: the chart opens at the first whose end reaches the left edge's day, not
    at the oldest tasks, whose bars lie off the left of a chart scrolled to today."""
    chart = Chart.of(
        items(
            task("old", date(2026, 8, 3), date(2026, 8, 7)),
            task("long", date(2026, 8, 10), date(2026, 10, 2)),
            task("older", date(2026, 8, 12), date(2026, 8, 14)),
            task("now", date(2026, 9, 28), date(2026, 9, 30)),
            task("none"),
        ),
        [],
        TODAY,
    )
    assert chart.first_row_from(date(2026, 9, 20)) == 2  # "long": the lane header is row 0, "old" row 1
    assert chart.first_row_from(date(2026, 10, 1)) == 2
    assert chart.first_row_from(date(2026, 10, 3)) == 0  # no dated task reaches it: the top
    assert chart.first_row_from(date(2026, 8, 1)) == 1


def test_local_dates_of_stored_times_follow_the_zone_to_the_minute() -> None:
    """A stored time's local date (worked out once per minute named) in a zone a half-hour off UTC,
    on either side of local midnight, and for a time written with an offset instead of Z."""
    kolkata = ZoneInfo("Asia/Kolkata")
    before, after, offset = (
        item_of({"id": i, "title": "t", "due_at": due}, CATS, kolkata)
        for i, due in (
            ("a", "2026-11-25T18:29:59.999999Z"),
            ("b", "2026-11-25T18:30:00.000000Z"),
            ("c", "2026-11-25T23:00:00+05:30"),
        )
    )
    assert (before.end, after.end, offset.end) == (date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 25))
    shanghai = item_of({"id": "d", "title": "t", "due_at": "2026-11-25T18:29:59.999999Z"}, CATS, SHANGHAI)
    assert shanghai.end == date(2026, 11, 26)  # the same minute, another zone: its own date
