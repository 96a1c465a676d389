"""The Gantt's lean read (`app.state.gantt_read`) gives the chart the store's own rows give: the same
items in the same order, links, critical path and span, on a cache built through the pull path
(the benchmark's: bars, points, milestones, undated tasks and chains of `blocks` links with lags);
and a bar's working days counted once over the span are the per-bar counts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from app.state.gantt import Chart, Item, durations, item_of
from app.state.gantt_plan import Link
from app.state.gantt_read import read_chart
from bench.dashboard import PID
from bench.gantt import TODAY, ZONE, build_cache
from sync.store import Store
from sync.workdays import CALENDARS, Calendar, count_working_days


@pytest.mark.parametrize("calendar", CALENDARS)
def test_the_lean_read_is_the_chart_of_the_stores_rows(tmp_path: Path, calendar: Calendar) -> None:
    build_cache(tmp_path / "c.db", 300)
    store = Store.open(tmp_path / "c.db")
    try:
        categories = {s["id"]: s["category"] for s in store.statuses(PID)}
        tasks = store.tasks(PID, limit=10_000)
        links = [Link.of(row) for row in store.links_of_project(PID, "blocks")]
        expected = Chart.of([item_of(t, categories, ZONE) for t in tasks], links, TODAY, calendar)
        chart = read_chart(store, PID, TODAY, ZONE, calendar)
    finally:
        store.close()
    assert chart.order == expected.order and chart.index == expected.index
    assert sorted(chart.links, key=str) == sorted(expected.links, key=str) and len(chart.links) > 200
    assert (chart.critical, chart.critical_links) == (expected.critical, expected.critical_links)
    assert chart.critical and (chart.origin, chart.days) == (expected.origin, expected.days)
    kinds = {it.kind for it in chart.order if isinstance(it, Item)}
    assert {"bar", "point", "unscheduled"} <= kinds
    assert any(isinstance(it, Item) and it.done for it in chart.order)


@pytest.mark.parametrize("calendar", CALENDARS)
def test_durations_count_each_bars_working_days(calendar: Calendar) -> None:
    start = date(2026, 9, 20)  # across the National Day week and its 调休 days
    bars = [
        Item(f"b{n}", None, "t", "bar", start + timedelta(days=n), start + timedelta(days=n + n % 9), False, False)
        for n in range(30)
    ]
    point = Item("p", None, "t", "point", start, start, False, False)
    found = durations([*bars, point], calendar)
    assert found["p"] == 0
    for it in bars:
        assert it.start is not None and it.end is not None
        assert found[it.id] == count_working_days(it.start, it.end + timedelta(days=1), calendar)
