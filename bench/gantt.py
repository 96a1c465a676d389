"""Gantt benchmark: a 10,000-task chart builds its screen as fast as a 10-task one.

    sh scripts/uv run python -m bench.gantt [--n 10000] [--runs 7]

Two caches are built through the store's own pull-apply path (`bench.dashboard`'s feed): one
project with 10 tasks, one with N, each task with a start and a due date spread over six months
around `TODAY` (a tenth with a due date only, a twentieth with none, one in fifty a milestone) and
chains of `blocks` links (some with a lag). For each size it times, as the screen does on opening
(week zoom, a 1440x900 window, rows from the top):

- `build_ms_*`: the Python side of the first render: the row window's layout
  (`Chart.layout`), the controls (`app.ui.screens.gantt.chart_controls`: the time scale, the
  spacers and the window's canvas with its shapes and labelled boxes, in a `GestureDetector`), and
  their msgpack encoding as Flet sends a first update (`build_kb_*` its size);
  `build_ratio` is N's over 10's: the target is 1.5. A 10-task chart has 12 rows and cannot fill
  the window (N's window has 27: the rows on screen and a margin), so `build_cpu_ratio_full` also
  compares N with a 40-task project, whose chart fills the window as N's does;
- `read_ms_*`: reading the project from the cache into a chart (`read_chart`: tasks, statuses and
  links, items, order, critical path), and `open_ms_*` read and build together (`open_ratio`);
- `scroll_ms_*`: a far scroll's new window (half-way down), built and encoded the same way.

Prints one JSON line: medians of `--runs` after one warm-up (wall and this process's CPU time,
`*_cpu_ms`), the load average, the targets and a `met` map.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import flet as ft
import msgpack
from flet.controls.base_control import BaseControl
from flet.messaging.protocol import configure_encode_object_for_msgpack

from app.state.gantt import ROW_HEIGHT, Chart
from app.state.gantt_read import read_chart
from app.ui.screens.gantt import chart_controls, rows_height
from bench.dashboard import PAGE, PID, STATUSES, Feed, _apply
from sync.ids import format_time
from sync.store import Store

TARGETS = {"build_ratio": 1.5}
TODAY = date(2026, 11, 25)
ZONE = UTC
VIEWPORT = (1300.0, 900.0)  # the chart's share of a 1440x900 window (rows: `rows_height` of it, as the screen asks)
ENCODE = configure_encode_object_for_msgpack(BaseControl)


def generate(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    feed = Feed()
    yield feed.change("project", id=PID, name="大促", key="APP", kind="product", description="", archived=False)
    yield feed.change("user", id="U00", display_name="王伟", email="u00@bench.keel")
    yield feed.change("member", id="m-U00", project_id=PID, user_id="U00", role="owner")
    for position, (status_id, name, category) in enumerate(STATUSES):
        yield feed.change("status", id=status_id, project_id=PID, name=name, category=category, position=f"a{position}")
    ids = []
    for number in range(1, n + 1):
        task_id = f"T{number:06d}"
        ids.append(task_id)
        start = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC) + timedelta(days=rng.randint(-90, 90), hours=1)
        due = start + timedelta(days=rng.randint(0, 15), hours=9)
        kind = rng.random()
        yield feed.change(
            "task",
            id=task_id,
            project_id=PID,
            number=number,
            title=f"任务 {number} 首页改版接口联调",
            description="",
            status_id=rng.choice(STATUSES)[0],
            assignee_id="U00",
            reporter_id="U00",
            priority="none",
            type="milestone" if kind < 0.02 else "task",
            labels=[],
            parent_id=None,
            position=f"a{number:06d}",
            start_at=format_time(start) if kind >= 0.1 else None,
            due_at=format_time(due) if kind >= 0.05 else None,
            estimate=None,
            created_at=format_time(start),
            updated_at=format_time(start),
            iteration_id=None,
        )
    rng.shuffle(ids)
    for a, b in itertools.pairwise(ids):  # chains of about five tasks, a link per task
        if rng.random() < 0.8:
            lag = rng.choice((0, 0, 0, 1, 2))
            yield feed.change(
                "task_link",
                id=f"L-{a}-{b}",
                project_id=PID,
                from_id=min(a, b),
                to_id=max(a, b),
                kind="blocks",
                lag_days=lag,
            )


def build_cache(path: Path, n: int) -> None:
    store = Store.open(path)
    store.set_account("http://bench.keel", "U00", "u00@bench.keel")
    page: list[dict[str, Any]] = []
    for change in generate(n):
        page.append(change)
        if len(page) == PAGE:
            _apply(store, page, more=True)
            page = []
    _apply(store, page, more=False)
    store.finish_bulk(search=False)
    store.close()


def _detector(canvas: ft.Control) -> ft.Control:
    def nothing(_: Any) -> None:
        return None

    return ft.GestureDetector(
        content=canvas, on_pan_start=nothing, on_pan_update=nothing, on_pan_end=nothing, on_tap_up=nothing
    )


def first_update(chart: Chart, pixels: float = 0.0) -> int:
    """The screen's chart controls for the window at `pixels`, built and encoded; returns the bytes."""
    window = chart.window_at(pixels, rows_height(VIEWPORT[1]))
    layout = chart.layout("week", window, (0.0, VIEWPORT[0]))
    scale, body = chart_controls(layout, "week", None, _detector)
    return len(msgpack.packb(ft.Column([scale, body]), default=ENCODE))


def _time(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `runs` calls after a warm-up. CPU time is this process's
    own: on this shared machine wall time also counts the waits for a core."""
    call()
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def measure(path: Path, runs: int) -> dict[str, Any]:
    store = Store.open(path)
    try:
        chart = read_chart(store, PID, TODAY, ZONE)
        far = chart.total * ROW_HEIGHT / 2
        read, read_cpu = _time(lambda: read_chart(store, PID, TODAY, ZONE), runs)
        build, build_cpu = _time(lambda: first_update(chart), runs)
        scroll, scroll_cpu = _time(lambda: first_update(chart, far), runs)
        return {
            "rows": chart.total,
            "links": len(chart.links),
            "critical_tasks": len(chart.critical),
            "read_ms": read,
            "read_cpu_ms": read_cpu,
            "build_ms": build,
            "build_cpu_ms": build_cpu,
            "build_kb": first_update(chart) / 1024,
            "open_ms": read + build,
            "scroll_ms": scroll,
            "scroll_cpu_ms": scroll_cpu,
        }
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="tasks of the large project (default 10000)")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    figures: dict[str, Any] = {"n": args.n}
    with tempfile.TemporaryDirectory(prefix="keel-bench-gantt-") as tmp:
        for label, n in (("10", 10), ("40", 40), ("n", args.n)):
            path = Path(tmp) / f"{label}.db"
            build_cache(path, n)
            figures |= {f"{key}_{label}": value for key, value in measure(path, args.runs).items()}
    figures["build_ratio"] = figures["build_ms_n"] / figures["build_ms_10"]
    figures["build_cpu_ratio"] = figures["build_cpu_ms_n"] / figures["build_cpu_ms_10"]
    figures["build_cpu_ratio_full"] = figures["build_cpu_ms_n"] / figures["build_cpu_ms_40"]
    figures["open_ratio"] = figures["open_ms_n"] / figures["open_ms_10"]
    figures["load_average"] = os.getloadavg()[0]
    met = {key: bool(figures[key] <= target) for key, target in TARGETS.items()}
    rounded = {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}
    print(json.dumps({"bench": "gantt", **rounded, "targets": TARGETS, "met": met}, ensure_ascii=False))


if __name__ == "__main__":
    main()
